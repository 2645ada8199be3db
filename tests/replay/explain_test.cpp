#include "replay/explain.hpp"

#include <catch2/catch.hpp>

#include <capnp/message.h>

#include "engine/orchestration/orchestrator.hpp"
#include "engine/orchestration/orchestrator_event.hpp"
#include "engine/plan/plan_parser.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using namespace baton;
using namespace baton::engine;

constexpr std::string_view plan_text = R"(
[policy]
retries = 3
[agents.backend]
preset = "sim"
owns = ["api/**"]
[agents.tester]
preset = "sim"
[[tasks]]
id = "api"
prompt = "build the api"
agent = "backend"
[[tasks]]
id = "check"
prompt = "test it"
agent = "tester"
after = ["api"]
)";

/// Records a run the way the orchestrator actor does: each input, then the
/// decisions the orchestrator makes for it, in the orchestrator stream.
class recorder {
public:
  explicit recorder(const std::string& dir) {
    auto log = storage::event_log::open(dir);
    REQUIRE(log.ok());
    log_ = std::move(*log);
    auto p = parse_plan(plan_text, "t.toml");
    REQUIRE(p.ok());
    o_.emplace(std::move(*p));
    feed(run_begun{"t.toml", std::string{plan_text}, "hub", false});
  }

  /// Records `in` at logical time `now_us` and the decisions it causes;
  /// returns the input's sequence.
  uint64_t feed(const orchestrator_input& in, uint64_t now_us = 0) {
    auto seq = append("orchestrator", to_event(in), now_us);
    for (auto& d : o_->on(in, now_us))
      append("orchestrator", to_event(d, o_->version()), now_us);
    return seq;
  }

  /// Records `in`, but its decisions only after `next` is recorded (they
  /// were on their way to the log when the next input arrived).
  void feed_overlapping(const orchestrator_input& in,
                        const orchestrator_input& next, uint64_t now_us) {
    append("orchestrator", to_event(in), now_us);
    auto first = o_->on(in, now_us);
    append("orchestrator", to_event(next), now_us);
    auto second = o_->on(next, now_us);
    for (auto& d : first)
      append("orchestrator", to_event(d, o_->version()), now_us);
    for (auto& d : second)
      append("orchestrator", to_event(d, o_->version()), now_us);
  }

  /// Records a decision the orchestrator did not make (a changed rule).
  uint64_t forge(const orchestrator_decision& d, uint64_t now_us) {
    return append("orchestrator", to_event(d, o_->version()), now_us);
  }

  template<class Fill>
  uint64_t worker_event(const std::string& agent, Fill fill,
                        uint64_t now_us = 0) {
    capnp::MallocMessageBuilder b;
    fill(b.initRoot<schema::Event>());
    return append("worker/" + agent, frame::from(b), now_us);
  }

  storage::event_log& log() {
    return *log_;
  }

private:
  uint64_t append(const std::string& stream, frame payload, uint64_t now_us) {
    storage::new_event e;
    e.id = event_id::from_parts(1, ++ids_);
    e.logical_time = now_us;
    e.payload = std::move(payload);
    auto r = log_->append(stream, storage::expected_version::any(), {&e, 1});
    REQUIRE(r.ok());
    return r->last_sequence;
  }

  std::unique_ptr<storage::event_log> log_;
  std::optional<orchestrator> o_;
  uint64_t ids_ = 0;
};

agent_observed idle(std::string agent) {
  return {std::move(agent), engine::detect::state::idle, true};
}

agent_observed working(std::string agent) {
  return {std::move(agent), engine::detect::state::working, false};
}

protocol_seen done(std::string agent) {
  protocol_seen p;
  p.agent = std::move(agent);
  p.kind = protocol_kind::done;
  p.line = "STATUS: DONE — api built + 3 passed";
  p.text = "api built";
  p.evidence = "3 passed";
  return p;
}

/// The api task fails its gate twice with the same reason, its agent dies
/// (signal 11), and the fourth attempt passes.
struct failing_run {
  uint64_t first_failure = 0;
  uint64_t second_failure = 0;
  uint64_t exit = 0;

  explicit failing_run(recorder& r) {
    r.feed(idle("backend"), 1'000'000);
    r.feed(idle("tester"), 1'000'000);
    for (uint32_t attempt = 1; attempt <= 2; ++attempt) {
      r.feed(working("backend"), attempt * 10'000'000);
      r.feed(done("backend"), attempt * 10'000'000 + 1);
      auto seq = r.feed(gate_finished{"api", attempt, false,
                                      {"api/openapi.json is missing"}, {}},
                        attempt * 10'000'000 + 2);
      (attempt == 1 ? first_failure : second_failure) = seq;
    }
    r.feed(working("backend"), 30'000'000);
    r.worker_event(
      "backend",
      [](schema::Event::Builder e) {
        auto x = e.initProcessExited();
        x.setExitCode(-1);
        x.setSignal(11);
      },
      30'500'000);
    capnp::MallocMessageBuilder b;
    auto report = b.initRoot<schema::Event>().initWorkerReported();
    report.setAgent("backend");
    report.initExited().setSignal(11);
    exit = r.feed(*input_from_report(report.asReader()), 31'000'000);
    r.worker_event(
      "backend",
      [](schema::Event::Builder e) {
        e.initAgentRestarted().setWhy("exited mid-task");
      },
      31'000'001);
    r.feed(idle("backend"), 32'000'000);
    r.feed(working("backend"), 33'000'000);
    r.feed(done("backend"), 34'000'000);
    r.feed(gate_finished{"api", 4, true, {}, {}}, 35'000'000);
    r.feed(working("tester"), 36'000'000);
    r.feed(done("tester"), 37'000'000);
    r.feed(gate_finished{"check", 1, true, {}, {}}, 38'000'000);
  }
};

std::vector<std::string> kinds(const replay::explanation& x) {
  std::vector<std::string> out;
  for (auto& s : x.steps)
    out.push_back(s.event.kind);
  return out;
}

const replay::explanation_step& nth(const replay::explanation& x,
                                    std::string_view kind, size_t n = 0) {
  for (auto& s : x.steps)
    if (s.event.kind == kind && n-- == 0)
      return s;
  FAIL("no " << kind);
  return x.steps.front();
}

} // namespace

TEST_CASE("a task's chain names each decision's cause: the gate's reasons "
          "under the retry, the exit status under the restart",
          "[replay][explain]") {
  test::temp_dir tmp;
  recorder r{tmp / "log"};
  failing_run run{r};
  auto x = replay::explain(r.log(), "api");
  REQUIRE(x.ok());
  CHECK(x->kind == replay::subject_kind::task);
  CHECK(x->unattributed.empty());
  CHECK(kinds(*x)
        == std::vector<std::string>{
          "dispatch_task", "run_gate", "tell_agent", "run_gate", "tell_agent",
          "restart_agent", "dispatch_task", "run_gate", "task_settled",
          "finish_run"});
  auto& dispatch = nth(*x, "dispatch_task");
  REQUIRE(dispatch.cause);
  CHECK(dispatch.cause->kind == "agent_observed");
  auto& gate = nth(*x, "run_gate");
  REQUIRE(gate.cause);
  CHECK(gate.cause->text == "backend wrote: STATUS: DONE — api built + 3 passed");

  // The retry's cause is the failed gate, with its reasons.
  auto& retry = nth(*x, "tell_agent");
  REQUIRE(retry.cause);
  CHECK(retry.cause->kind == "gate_finished");
  CHECK(retry.cause->sequence == run.first_failure);
  CHECK(retry.cause->text.find("api/openapi.json is missing")
        != std::string::npos);
  CHECK(retry.cause->occurrence == 1);
  // The same failure again (another attempt): counted, pointing at the first.
  auto& again = nth(*x, "tell_agent", 1);
  REQUIRE(again.cause);
  CHECK(again.cause->sequence == run.second_failure);
  CHECK(again.cause->occurrence == 2);
  CHECK(again.cause->first_stream == "orchestrator");
  CHECK(again.cause->first_sequence == run.first_failure);
  // The restart's cause is the exit, with its status (the orchestrator
  // records a signal as 128 + its number; the worker's stream has both).
  auto& restart = nth(*x, "restart_agent");
  REQUIRE(restart.cause);
  CHECK(restart.cause->kind == "agent_exited");
  CHECK(restart.cause->sequence == run.exit);
  CHECK(restart.cause->text == "backend exited with status 139");
  CHECK(restart.event.text.find("status 139") != std::string::npos);
  // The second stage's dispatch is not the api task's concern, but the
  // settle that unblocked it is; the run's end comes last.
  CHECK(nth(*x, "task_settled").cause->kind == "gate_finished");
  CHECK(x->steps.back().event.kind == "finish_run");
}

TEST_CASE("an agent's chain interleaves its own stream's exits and restarts",
          "[replay][explain]") {
  test::temp_dir tmp;
  recorder r{tmp / "log"};
  failing_run run{r};
  auto x = replay::explain(r.log(), "backend");
  REQUIRE(x.ok());
  CHECK(x->kind == replay::subject_kind::agent);
  auto k = kinds(*x);
  auto at = [&k](std::string_view kind) {
    return std::find(k.begin(), k.end(), kind) - k.begin();
  };
  REQUIRE(at("process_exited") < static_cast<long>(k.size()));
  CHECK(at("process_exited") < at("restart_agent"));
  CHECK(at("restart_agent") < at("agent_restarted"));
  auto& exited = nth(*x, "process_exited");
  CHECK(exited.event.stream == "worker/backend");
  CHECK_FALSE(exited.cause);
  CHECK(exited.event.text == "process killed by signal 11");
  // Nothing about the tester's task.
  for (auto& s : x->steps)
    if (s.event.kind == "dispatch_task")
      CHECK(s.event.text.find("check") == std::string::npos);
  CHECK(k.back() == "finish_run");
}

TEST_CASE("decisions recorded after the next input are still attributed to "
          "the input that made them",
          "[replay][explain]") {
  test::temp_dir tmp;
  recorder r{tmp / "log"};
  r.feed(idle("backend"), 1);
  r.feed(working("backend"), 2);
  // DONE's run_gate reaches the log after the tester's idle report.
  r.feed_overlapping(done("backend"), idle("tester"), 3);
  auto x = replay::explain(r.log(), "api");
  REQUIRE(x.ok());
  CHECK(x->unattributed.empty());
  auto& gate = nth(*x, "run_gate");
  REQUIRE(gate.cause);
  CHECK(gate.cause->kind == "protocol_seen");
}

TEST_CASE("a decision the replay does not make stops attribution there, "
          "and says where",
          "[replay][explain]") {
  test::temp_dir tmp;
  recorder r{tmp / "log"};
  r.feed(idle("backend"), 1);
  auto forged = r.forge(tell_agent{"backend", "hurry up", "impatience"}, 2);
  r.feed(working("backend"), 3);
  r.feed(done("backend"), 4);
  auto x = replay::explain(r.log(), "backend");
  REQUIRE(x.ok());
  CHECK(x->unattributed.find("orchestrator@" + std::to_string(forged))
        == 0);
  REQUIRE(x->steps.size() == 3);
  CHECK(x->steps[0].event.kind == "dispatch_task");
  CHECK(x->steps[0].cause);
  CHECK(x->steps[1].event.text == "tell backend (impatience): hurry up");
  CHECK_FALSE(x->steps[1].cause);
  CHECK(x->steps[2].event.kind == "run_gate");
  CHECK_FALSE(x->steps[2].cause);
}

TEST_CASE("an unknown subject is an error listing the plan's agents and tasks",
          "[replay][explain]") {
  test::temp_dir tmp;
  recorder r{tmp / "log"};
  auto x = replay::explain(r.log(), "nobody");
  REQUIRE_FALSE(x.ok());
  CHECK(x.err().code() == ec::invalid_argument);
  CHECK(x.err().message().find("nobody") != std::string::npos);
  CHECK(x.err().message().find("agents: backend, tester") != std::string::npos);
  CHECK(x.err().message().find("tasks: api, check") != std::string::npos);
}

TEST_CASE("a log without an orchestrator stream is not found",
          "[replay][explain]") {
  test::temp_dir tmp;
  auto log = storage::event_log::open(tmp / "log");
  REQUIRE(log.ok());
  auto x = replay::explain(**log, "api");
  REQUIRE_FALSE(x.ok());
  CHECK(x.err().code() == ec::not_found);
}

TEST_CASE("repetitions fold digits for the comparison only",
          "[replay][explain]") {
  CHECK(replay::fold_digits("3 failed after 12.5s (attempt 2)")
        == "# failed after #.#s (attempt #)");
  CHECK(replay::fold_digits("") == "");
}
