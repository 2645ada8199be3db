// team_scope: a supervisor chain cut into the scopes its leads would run.
// The scopes' folds, told each other's verdicts, decide every task as the
// one fold of the whole plan does.
#include "engine/orchestration/team_scope.hpp"

#include <catch2/catch.hpp>

#include <climits>
#include <deque>
#include <map>
#include <memory>

#include "engine/record_version.hpp"
#include "tests/engine/orchestration/fold_inputs.hpp"

using namespace baton::engine;
using namespace baton::engine::test;

namespace {

// Teams: front (a1, a2), back (b1) with its sub-team data (c1); x in no
// team. Dependencies cross the scopes back and forth; b1 alone can do
// "db" work.
constexpr const char* chain_text = R"(
[run]
name = "chain"
pattern = "supervisor"
[policy]
retries = 2
[teams.front]
members = ["a1", "a2"]
[teams.back]
members = ["b1"]
[teams.data]
parent = "back"
members = ["c1"]
[agents.x]
command = ["x"]
[agents.a1]
command = ["a"]
[agents.a2]
command = ["a"]
[agents.b1]
command = ["b"]
capabilities = ["db"]
[agents.c1]
command = ["c"]
[[tasks]]
id = "ui"
agent = "a1"
prompt = "p"
[[tasks]]
id = "api"
agent = "b1"
prompt = "p"
after = ["ui"]
[[tasks]]
id = "etl"
agent = "c1"
prompt = "p"
after = ["api"]
[[tasks]]
id = "page"
agent = "a2"
prompt = "p"
after = ["etl"]
[[tasks]]
id = "report"
agent = "x"
prompt = "p"
after = ["page"]
[[tasks]]
id = "flaky"
agent = "b1"
prompt = "p"
[[tasks]]
id = "broken"
agent = "a1"
prompt = "p"
[[tasks]]
id = "after_broken"
agent = "x"
prompt = "p"
after = ["broken"]
[[tasks]]
id = "after_after"
agent = "c1"
prompt = "p"
after = ["after_broken"]
[[tasks]]
id = "schema"
prompt = "p"
requires = ["db"]
[[tasks]]
id = "migrate"
prompt = "p"
requires = ["db"]
after = ["schema", "flaky"]
)";

/// How many of each task's gates fail before one passes (INT_MAX: all).
const std::map<std::string, int> failing_gates{{"flaky", 2},
                                               {"broken", INT_MAX}};

struct verdict {
  bool passed = false;
  std::string reason;
  friend bool operator==(const verdict&, const verdict&) = default;
};

/// One fold and the agents it drives: each dispatch or retry is worked on
/// and reported DONE at once; a task's gates fail as failing_gates says.
struct driven {
  explicit driven(plan p) : fold(std::move(p)) {
    // This version's records: a retry says what it retries (purpose).
    run_begun begun;
    begun.version = record_version;
    feed(fold.on(begun));
    for (auto& a : fold.current_plan().agents)
      feed(fold.on(idle(a.name)));
  }

  void feed(const std::vector<orchestrator_decision>& ds) {
    todo.insert(todo.end(), ds.begin(), ds.end());
  }

  void work_on(const std::string& agent, const std::string& task) {
    feed(fold.on(working(agent)));
    feed(fold.on(line(agent, protocol_kind::done, task, "1 passed")));
  }

  /// Until it waits for something outside (another scope's verdict).
  void run() {
    while (!todo.empty()) {
      auto d = std::move(todo.front());
      todo.pop_front();
      if (auto* x = std::get_if<dispatch_task>(&d)) {
        dispatched.push_back(x->task);
        work_on(x->agent, x->task);
      } else if (auto* x = std::get_if<tell_agent>(&d)) {
        if (x->purpose.kind == purpose_kind::retry)
          work_on(x->agent, x->purpose.task);
      } else if (auto* x = std::get_if<run_gate>(&d)) {
        auto fails
          = failing_gates.contains(x->task) ? failing_gates.at(x->task) : 0;
        bool pass = gates[x->task]++ >= fails;
        feed(fold.on(gate_finished{x->task,
                                   x->attempt,
                                   pass,
                                   pass ? std::vector<std::string>{}
                                        : std::vector<std::string>{"1 failed"},
                                   {}}));
        feed(fold.on(idle(x->agent)));
      } else if (auto* x = std::get_if<task_settled>(&d)) {
        verdicts[x->task] = {x->passed, x->reason};
        fresh.push_back(x->task);
      } else if (auto* x = std::get_if<finish_run>(&d)) {
        finished = *x;
      }
    }
  }

  orchestrator fold;
  std::deque<orchestrator_decision> todo;
  std::map<std::string, int> gates;
  std::vector<std::string> dispatched;
  std::map<std::string, verdict> verdicts;
  /// Settled since the router last looked.
  std::vector<std::string> fresh;
  std::optional<finish_run> finished;
};

} // namespace

TEST_CASE("a chain's plan cuts into the scopes of its top teams, each with "
          "its agents, its tasks, and stubs for the tasks of others it "
          "waits for",
          "[engine][orchestration][team_scope]") {
  auto p = checked_plan(chain_text);
  CHECK(chain_scopes(p) == std::vector<std::string>{"", "back", "front"});
  CHECK(scope_of_agent(p, "c1") == "back"); // through its sub-team
  CHECK(scope_of_agent(p, "x").empty());
  CHECK(scope_of_task(p, *p.find_task("schema")) == "back");

  auto ids = [](const plan& s, bool external) {
    std::vector<std::string> out;
    for (auto& t : s.tasks)
      if (t.external == external)
        out.push_back(t.id);
    return out;
  };
  auto names = [](const plan& s) {
    std::vector<std::string> out;
    for (auto& a : s.agents)
      out.push_back(a.name);
    return out;
  };
  auto front = team_scope(p, "front");
  CHECK(names(front) == std::vector<std::string>{"a1", "a2"});
  CHECK(ids(front, false) == std::vector<std::string>{"ui", "page", "broken"});
  CHECK(ids(front, true) == std::vector<std::string>{"etl"});
  REQUIRE(front.teams.size() == 1);
  CHECK(front.teams[0].name == "front");

  auto back = team_scope(p, "back");
  CHECK(names(back) == std::vector<std::string>{"b1", "c1"});
  CHECK(ids(back, false)
        == std::vector<std::string>{"api", "etl", "flaky", "after_after",
                                    "schema", "migrate"});
  CHECK(ids(back, true) == std::vector<std::string>{"ui", "after_broken"});
  CHECK(back.teams.size() == 2); // back and its sub-team data

  auto top = team_scope(p, "");
  CHECK(names(top) == std::vector<std::string>{"x"});
  CHECK(ids(top, false) == std::vector<std::string>{"report", "after_broken"});
  CHECK(ids(top, true) == std::vector<std::string>{"page", "broken"});
  CHECK(top.teams.empty());
  // A stub is a name only: nothing to run, nobody to run it.
  auto* stub = top.find_task("broken");
  REQUIRE(stub != nullptr);
  CHECK(stub->agent.empty());
  CHECK(stub->verify.empty());
  CHECK(stub->after.empty());
}

TEST_CASE("a chain's scopes, told each other's verdicts, settle every task "
          "as the one fold of the whole plan does, and never dispatch a "
          "stub",
          "[engine][orchestration][team_scope]") {
  auto p = checked_plan(chain_text);

  driven flat{p};
  flat.run();
  REQUIRE(flat.finished.has_value());
  REQUIRE(flat.verdicts.size() == p.tasks.size());

  std::map<std::string, std::unique_ptr<driven>> scopes;
  for (auto& s : chain_scopes(p))
    scopes[s] = std::make_unique<driven>(team_scope(p, s));
  // The router, as the orchestrator above the leads would be: each verdict
  // a scope reaches goes to the scopes that hold its task as a stub.
  size_t rounds = 0;
  for (bool moved = true; moved; ++rounds) {
    moved = false;
    for (auto& [name, s] : scopes)
      s->run();
    for (auto& [name, s] : scopes) {
      for (auto& task : std::exchange(s->fresh, {})) {
        auto& v = s->fold.tasks().at(task);
        for (auto& [other, o] : scopes)
          if (other != name) {
            o->feed(o->fold.on_dependency(task, v.status == task_status::passed,
                                          v.reason, v.degraded, 0));
            moved = true;
          }
      }
    }
  }
  INFO("rounds: " << rounds);
  std::map<std::string, verdict> chain;
  for (auto& [name, s] : scopes) {
    INFO("scope " << name);
    REQUIRE(s->finished.has_value());
    for (auto& [task, v] : s->verdicts) {
      CHECK_FALSE(chain.contains(task)); // each task settled in one scope
      chain[task] = v;
    }
    for (auto& task : s->dispatched)
      CHECK_FALSE(s->fold.current_plan().find_task(task)->external);
  }
  CHECK(chain.size() == flat.verdicts.size());
  for (auto& [task, v] : flat.verdicts) {
    INFO("task " << task);
    REQUIRE(chain.contains(task));
    CHECK(chain.at(task).passed == v.passed);
    CHECK(chain.at(task).reason == v.reason);
  }
  // The outcome this plan has: broken fails, and what waits on it never
  // starts, across three scopes.
  CHECK_FALSE(flat.verdicts.at("broken").passed);
  CHECK(flat.verdicts.at("after_after").reason
        == "never started: dependency after_broken failed");
  CHECK(flat.verdicts.at("report").passed);
  CHECK(flat.verdicts.at("migrate").passed);
  CHECK(flat.gates.at("flaky") == 3);
  CHECK_FALSE(flat.finished->ok);
  bool all_ok = true;
  for (auto& [name, s] : scopes)
    all_ok = all_ok && s->finished->ok;
  CHECK(all_ok == flat.finished->ok);
  // Each scope counts its own tasks only.
  CHECK(scopes.at("front")->finished->summary.starts_with("2/3 tasks passed"));
  CHECK(scopes.at("")->finished->summary.starts_with("1/2 tasks passed"));
  CHECK(scopes.at("back")->finished->summary.starts_with("5/6 tasks passed"));
}

TEST_CASE("a stub's verdict is taken once, only for a stub, and an operator "
          "cannot cancel or rerun another team's task",
          "[engine][orchestration][team_scope]") {
  auto p = checked_plan(chain_text);
  driven top{team_scope(p, "")};
  top.run();
  // x waits: report for page, after_broken for broken.
  CHECK(top.dispatched.empty());
  CHECK_FALSE(top.finished.has_value());
  // Not a stub here, or no such task: nothing.
  CHECK(top.fold.on_dependency("report", true, "", std::nullopt, 0).empty());
  CHECK(top.fold.on_dependency("nothing", true, "", std::nullopt, 0).empty());
  CHECK(top.fold.tasks().at("report").status == task_status::waiting);

  operator_command cancel;
  cancel.action = operator_action::cancel_task;
  cancel.task = "page";
  CHECK(top.fold.check_operator(cancel) == "task page is another team's");

  auto ds
    = top.fold.on_dependency("page", true, "gate passed", std::nullopt, 0);
  REQUIRE(only<dispatch_task>(ds).size() == 1);
  CHECK(only<dispatch_task>(ds)[0].task == "report");
  CHECK(only<task_settled>(ds).empty()); // the stub's verdict is page's scope's
  // Told again: already settled, nothing more.
  CHECK(top.fold.on_dependency("page", false, "x", std::nullopt, 0).empty());
  CHECK(top.fold.tasks().at("page").status == task_status::passed);
}
