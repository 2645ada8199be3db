// team_scope: a supervisor chain cut into the scopes its leads would run.
// The scopes' folds, told each other's verdicts, decide every task as the
// one fold of the whole plan does.
#include "engine/orchestration/team_scope.hpp"

#include <catch2/catch.hpp>

#include <climits>

#include "tests/engine/orchestration/chain_harness.hpp"

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
const script gates_only{{{"flaky", 2}, {"broken", INT_MAX}}, {}};

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

  driven flat{p, gates_only};
  flat.run();
  REQUIRE(flat.finished.has_value());
  REQUIRE(flat.verdicts.size() == p.tasks.size());

  // The router, as the orchestrator above the leads would be: each verdict
  // a scope reaches goes to the scopes that hold its task as a stub.
  chain cut{p, gates_only};
  cut.run();
  INFO("rounds: " << cut.rounds);
  std::map<std::string, verdict> verdicts;
  for (auto& [name, s] : cut.scopes) {
    INFO("scope " << name);
    REQUIRE(s->finished.has_value());
    for (auto& [task, v] : s->verdicts) {
      CHECK_FALSE(verdicts.contains(task)); // each task settled in one scope
      verdicts[task] = v;
    }
    for (auto& task : s->dispatched)
      CHECK_FALSE(s->fold.current_plan().find_task(task)->external);
  }
  CHECK(verdicts.size() == flat.verdicts.size());
  for (auto& [task, v] : flat.verdicts) {
    INFO("task " << task);
    REQUIRE(verdicts.contains(task));
    CHECK(verdicts.at(task).passed == v.passed);
    CHECK(verdicts.at(task).reason == v.reason);
  }
  // Each agent was given the same tasks.
  CHECK(merged(cut, &driven::tasks_of) == flat.tasks_of);
  // The run ends as the one fold's: its summary the sum of the scopes'.
  REQUIRE(cut.router.finished().has_value());
  CHECK(*cut.router.finished() == *flat.finished);
  // The outcome this plan has: broken fails, and what waits on it never
  // starts, across three scopes.
  CHECK_FALSE(flat.verdicts.at("broken").passed);
  CHECK(flat.verdicts.at("after_after").reason
        == "never started: dependency after_broken failed");
  CHECK(flat.verdicts.at("report").passed);
  CHECK(flat.verdicts.at("migrate").passed);
  CHECK(flat.gates.at("flaky") == 3);
  CHECK_FALSE(flat.finished->ok);
  // Each scope counts its own tasks only.
  CHECK(
    cut.scopes.at("front")->finished->summary.starts_with("2/3 tasks passed"));
  CHECK(cut.scopes.at("")->finished->summary.starts_with("1/2 tasks passed"));
  CHECK(
    cut.scopes.at("back")->finished->summary.starts_with("5/6 tasks passed"));
}

TEST_CASE("a stub's verdict is taken once, only for a stub, and an operator "
          "cannot cancel or rerun another team's task",
          "[engine][orchestration][team_scope]") {
  auto p = checked_plan(chain_text);
  driven top{team_scope(p, ""), gates_only};
  top.run();
  // x waits: report for page, after_broken for broken.
  CHECK(top.dispatched.empty());
  CHECK_FALSE(top.finished.has_value());
  // Not a stub here, or no such task: nothing.
  CHECK(top.fold.on_chain(chain_verdict{"report", true}, 0).empty());
  CHECK(top.fold.on_chain(chain_verdict{"nothing", true}, 0).empty());
  CHECK(top.fold.tasks().at("report").status == task_status::waiting);

  operator_command cancel;
  cancel.action = operator_action::cancel_task;
  cancel.task = "page";
  CHECK(top.fold.check_operator(cancel) == "task page is another team's");

  auto ds = top.fold.on_chain(chain_verdict{"page", true, "gate passed"}, 0);
  REQUIRE(only<dispatch_task>(ds).size() == 1);
  CHECK(only<dispatch_task>(ds)[0].task == "report");
  CHECK(only<task_settled>(ds).empty()); // the stub's verdict is page's scope's
  // Told again: already settled, nothing more.
  CHECK(top.fold.on_chain(chain_verdict{"page", false, "x"}, 0).empty());
  CHECK(top.fold.tasks().at("page").status == task_status::passed);
}
