// The run view folds the orchestrator's stream into what `baton run` and
// `baton status` show.
#include "engine/orchestration/run_view.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <catch2/catch.hpp>

#include "engine/orchestration/orchestrator_event.hpp"

using namespace baton;
using namespace baton::engine;

namespace {

constexpr std::string_view plan_text = R"(
[run]
name = "demo"
[agents.backend]
role = "backend developer"
preset = "sim"
[agents.tester]
role = "tester"
preset = "sim"
[[tasks]]
id = "api"
title = "The API"
prompt = "p"
agent = "backend"
[[tasks]]
id = "verify"
prompt = "q"
agent = "tester"
after = ["api"]
)";

struct feeder {
  run_view view;
  uint64_t t = 0;

  bool feed(const frame& f, std::string_view stream = "orchestrator") {
    capnp::FlatArrayMessageReader r{f.words()};
    t += 1'000'000;
    return view.apply(stream, t, r.getRoot<schema::Event>());
  }
  bool in(const orchestrator_input& i) {
    return feed(to_event(i));
  }
  bool decide(const orchestrator_decision& d) {
    return feed(to_event(d, record_version));
  }
  std::string describe(const orchestrator_decision& d) {
    auto f = to_event(d, record_version);
    capnp::FlatArrayMessageReader r{f.words()};
    return describe_change("orchestrator", 12'300'000,
                           r.getRoot<schema::Event>());
  }
};

} // namespace

TEST_CASE("the view follows a run: agents, tasks, progress, verdicts",
          "[engine][run_view]") {
  feeder f;
  CHECK(f.in(run_begun{"plan.toml", std::string{plan_text}, "hub", false}));
  REQUIRE(f.view.agents().size() == 2);
  CHECK(f.view.agents()[0].name == "backend");
  CHECK(f.view.agents()[0].role == "backend developer");
  REQUIRE(f.view.tasks().size() == 2);
  CHECK(f.view.tasks()[0].title == "The API");
  CHECK(f.view.name == "demo");

  f.in(agent_observed{"backend", detect::state::idle, true});
  f.decide(dispatch_task{"api", "backend", 1, "prompt"});
  CHECK(f.view.tasks()[0].status == "dispatched");
  CHECK(f.view.agents()[0].task == "api");
  f.in(agent_observed{"backend", detect::state::working, false});
  CHECK(f.view.agents()[0].state == "working");
  CHECK(f.view.agents()[0].since_us == f.t);
  protocol_seen p;
  p.agent = "backend";
  p.kind = protocol_kind::progress;
  p.line = "PROGRESS: 2/5 — wrote the store";
  p.done = 2;
  p.total = 5;
  f.in(p);
  CHECK(f.view.agents()[0].progress == "2/5");
  CHECK(f.view.agents()[0].last_line == "PROGRESS: 2/5 — wrote the store");
  f.decide(run_gate{"api", 1, "backend", "12 passed"});
  CHECK(f.view.tasks()[0].status == "verifying");
  CHECK(f.view.tasks()[0].evidence == "12 passed");
  f.in(gate_finished{"api", 1, false, {"api/openapi.json is missing"}, {}});
  CHECK(f.view.tasks()[0].status == "dispatched");
  f.decide(tell_agent{"backend", "Attempt 2 ...", "retry of task api"});
  CHECK(f.view.tasks()[0].attempts == 2);
  f.decide(task_settled{"api", true, "gate passed: 12 passed"});
  CHECK(f.view.tasks()[0].status == "passed");
  CHECK(f.view.agents()[0].task.empty());
  f.decide(restart_agent{"tester", "exited"});
  CHECK(f.view.agents()[1].restarts == 1);
  f.decide(report_violation{"backend", "api", "web/x.html", "tester"});
  REQUIRE(f.view.violations().size() == 1);
  CHECK(f.view.violations()[0]
        == "backend changed web/x.html during task api (owned by tester)");
  f.decide(
    task_settled{"verify", false, "never started: dependency api failed"});
  CHECK(f.view.tasks_passed() == 1);
  CHECK(f.view.tasks_failed() == 1);
  CHECK_FALSE(f.view.finished);
  f.decide(finish_run{false, "1/2 tasks passed"});
  CHECK(f.view.finished);
  CHECK_FALSE(f.view.ok);
  CHECK(f.view.summary == "1/2 tasks passed");
}

TEST_CASE("events of other streams do not change the view",
          "[engine][run_view]") {
  feeder f;
  f.in(run_begun{"plan.toml", std::string{plan_text}, "hub", false});
  CHECK_FALSE(f.feed(to_event(orchestrator_input{agent_observed{
                       "backend", detect::state::working, false}}),
                     "worker/backend"));
  CHECK(f.view.agents()[0].state == "starting");
}

TEST_CASE("changes read as one line each", "[engine][run_view]") {
  feeder f;
  CHECK(f.describe(dispatch_task{"api", "backend", 2, "p"})
        == "   12.3s task api -> backend (attempt 2)");
  CHECK(f.describe(task_settled{"api", false, "no attempts left"})
        == "   12.3s task api FAILED — no attempts left");
  CHECK(f.describe(finish_run{true, "2/2 tasks passed"})
        == "   12.3s run finished: 2/2 tasks passed");
}
