// The orchestrator's parts, each on its own (engine/orchestration:
// task_board, escalation_ladder, coordination, routing, team_supervision,
// approval_desk): what each keeps and decides without the others. The
// orchestrator's own tests cover what they do together.
#include <catch2/catch.hpp>

#include "engine/orchestration/approval_desk.hpp"
#include "engine/orchestration/coordination.hpp"
#include "engine/orchestration/escalation_ladder.hpp"
#include "engine/orchestration/routing.hpp"
#include "engine/orchestration/task_board.hpp"
#include "engine/orchestration/team_supervision.hpp"
#include "tests/engine/orchestration/fold_inputs.hpp"
#include "tests/support/kind_names.hpp"

using namespace baton::engine;
using namespace baton::engine::test;

namespace {

constexpr uint64_t s = 1'000'000;

const char* hub_plan = R"(
[run]
pattern = "hub"
[agents.api]
preset = "sim"
owns = ["src/api/**"]
[agents.web]
preset = "sim"
owns = ["src/web/**"]
capabilities = ["ui"]
[[tasks]]
id = "schema"
prompt = "the schema"
agent = "api"
[[tasks]]
id = "server"
prompt = "the server"
agent = "api"
after = ["schema"]
[[tasks]]
id = "page"
prompt = "the page"
requires = ["ui"]
after = ["schema"]
)";

const char* pipeline_plan = R"(
[run]
pattern = "pipeline"
[agents.a]
preset = "sim"
[[stages]]
name = "one"
tasks = ["x", "y"]
[[stages]]
name = "two"
tasks = ["z"]
[[tasks]]
id = "x"
prompt = "x"
agent = "a"
[[tasks]]
id = "y"
prompt = "y"
agent = "a"
[[tasks]]
id = "z"
prompt = "z"
agent = "a"
)";

std::vector<size_t> drain(task_board& b) {
  std::vector<size_t> out;
  while (auto i = b.next_queued())
    out.push_back(*i);
  return out;
}

} // namespace

TEST_CASE("task_board: indexes, ready sets by agent, dependents queued when "
          "a task settles") {
  auto p = checked_plan(hub_plan);
  task_board b{p};
  REQUIRE(b.size() == 3);
  CHECK(b.index_of("page") == 2);
  CHECK(b.find("nothing") == nullptr);
  CHECK(b.view(1).agent == "api");
  CHECK(b.view(1).max_attempts == 1 + p.run.retries);
  CHECK(b.dependents(0) == std::vector<size_t>{1, 2});
  b.queue_all();
  CHECK(drain(b) == std::vector<size_t>{0, 1, 2});

  // A task bound to an agent is a candidate once that agent may be free;
  // a task any capable agent may take is always one.
  b.make_ready(0);
  b.make_ready(2);
  CHECK(b.candidates() == std::set<size_t>{0, 2});
  CHECK(b.candidates() == std::set<size_t>{2});
  b.may_be_free("api");
  CHECK(b.candidates() == std::set<size_t>{0, 2});
  CHECK(b.ready_for("api") == std::set<size_t>{0});
  b.unready(2);
  CHECK(b.candidates().empty());

  // Taken off the ready sets while still ready, then dispatched.
  b.unready(0);
  b.view(0).status = task_status::dispatched;
  CHECK(b.ready_for("api").empty());
  CHECK_FALSE(b.all_settled());
  b.settle(0, true);
  CHECK(b.view(0).status == task_status::passed);
  CHECK(drain(b) == std::vector<size_t>{1, 2});
  b.settle(1, false);
  b.settle(2, true);
  CHECK(b.all_settled());

  // Run again: waiting from attempt 1, queued, no longer counted settled.
  b.view(1).attempt = 3;
  b.reopen(1, "api");
  CHECK(b.view(1).status == task_status::waiting);
  CHECK(b.view(1).attempt == 0);
  CHECK_FALSE(b.all_settled());
  CHECK(drain(b) == std::vector<size_t>{1});

  // Deadlines come out in time order, only once due.
  b.arm_deadline(20 * s, 1);
  b.arm_deadline(10 * s, task_board::run_start);
  CHECK(b.next_deadline() == 10 * s);
  CHECK_FALSE(b.take_due(9 * s));
  auto first = b.take_due(25 * s);
  REQUIRE(first);
  CHECK(first->second == task_board::run_start);
  CHECK(b.take_due(25 * s)->second == 1);
  CHECK(b.next_deadline() == 0);
}

TEST_CASE("task_board: a pipeline opens its next stage when every task of "
          "the stage passed, and closes the rest when one failed") {
  auto p = checked_plan(pipeline_plan);
  task_board b{p};
  CHECK(b.stage_of(2) == 1);
  CHECK_FALSE(b.advance_stages(p));
  CHECK(b.stage() == 0);
  b.settle(0, true);
  drain(b);
  CHECK_FALSE(b.advance_stages(p));
  CHECK(b.stage() == 0);
  b.settle(1, true);
  CHECK_FALSE(b.advance_stages(p));
  CHECK(b.stage() == 1);
  CHECK(drain(b) == std::vector<size_t>{2});

  task_board failing{p};
  failing.settle(0, false);
  drain(failing);
  CHECK(failing.advance_stages(p));
  CHECK(failing.stage() == 0);
  // The later stage's tasks are queued once, to be failed.
  CHECK(drain(failing) == std::vector<size_t>{2});
  CHECK(failing.advance_stages(p));
  CHECK(drain(failing).empty());

  // A task added while the run goes joins at the end, with its edges.
  p.tasks.push_back(plan_task{});
  p.tasks.back().id = "w";
  p.tasks.back().after = {"x"};
  auto& w = b.add(p.tasks.back(), 2, 1);
  CHECK(w.id == "w");
  CHECK(w.max_attempts == 2);
  CHECK(b.index_of("w") == 3);
  CHECK(b.stage_of(3) == 1);
  CHECK(b.dependents(0) == std::vector<size_t>{3});
}

TEST_CASE("escalation_ladder: the same failure repeated is a loop, flat "
          "PROGRESS across attempts is one, and the rungs come in order") {
  plan_run run;
  run.loop_repeats = 2;
  run.loop_attempts = 2;
  run.stall_after_s = 30;
  run.status_grace_s = 5;
  escalation_ladder ladder{run};
  task_view t;
  t.id = "t";
  t.agent = "a";
  t.attempt = 1;
  CHECK_FALSE(ladder.repeated(t, "src/a.cpp:3: error 12"));
  // Paths and numbers aside, the same failure: a loop, counted afresh.
  CHECK(ladder.repeated(t, "src/b.cpp:9: error 40"));
  CHECK(t.repeats == 0);
  CHECK_FALSE(ladder.repeated(t, "link error"));

  t.attempt_progress = 3;
  CHECK_FALSE(ladder.flat(t));
  t.attempt = 2;
  t.attempt_progress = 3;
  CHECK(ladder.flat(t));
  CHECK(t.best_progress == 3);

  using rung = escalation_ladder::rung;
  CHECK(ladder.climb(t, "failed 3 times") == rung::nudge);
  CHECK(ladder.climb(t, "failed 4 times") == rung::redispatch);
  // The same failure by the same agent in the same attempt: listed once.
  CHECK(t.history.size() == 1);
  CHECK(ladder.climb(t, "another failure") == rung::reassign);
  CHECK(ladder.climb(t, "another failure") == rung::fail);
  CHECK(t.history.size() == 2);
}

TEST_CASE("escalation_ladder: a stall or status ask comes due only while "
          "the attempt that armed it is at work") {
  auto p = checked_plan(hub_plan);
  task_board b{p};
  plan_run run;
  run.stall_after_s = 30;
  run.status_grace_s = 5;
  escalation_ladder ladder{run};
  auto& t = b.view(0);
  t.status = task_status::dispatched;
  ladder.arm_stall(t, 0, 0);
  ladder.arm_stall(t, 0, 10 * s); // progress at 10 s: the first is stale
  CHECK(ladder.next_deadline() == 30 * s);
  CHECK(ladder.stall_due(35 * s, b).empty());
  CHECK_FALSE(ladder.take_stalled(35 * s, b));
  CHECK(ladder.stall_due(40 * s, b) == std::vector<std::string>{"api"});
  CHECK(ladder.take_stalled(40 * s, b) == size_t{0});
  CHECK(ladder.next_deadline() == 0);

  ladder.arm_status_ask(t, 0, 50 * s);
  ladder.arm_status_ask(t, 0, 51 * s); // asked already: not moved
  CHECK(t.status_due_us == 55 * s);
  CHECK(ladder.take_status_due(55 * s, b) == size_t{0});
  CHECK(t.status_due_us == 0);
  t.status_asks = escalation_ladder::max_status_asks;
  ladder.arm_status_ask(t, 0, 60 * s);
  CHECK(t.status_due_us == 0);

  // Off: nothing is armed.
  plan_run none;
  none.stall_after_s = 0;
  none.status_grace_s = 0;
  escalation_ladder off{none};
  t.status_asks = 0;
  off.arm_stall(t, 0, 0);
  off.arm_status_ask(t, 0, 0);
  CHECK(off.next_deadline() == 0);
}

TEST_CASE("coordination: a wait that closes a cycle is reported once and "
          "broken by a stub, which a later CONTRACT replaces") {
  auto p = checked_plan(hub_plan);
  task_board b{p};
  b.settle(0, true); // api completed work: web makes the stub
  coordination c{300 * s};
  std::vector<orchestrator_decision> out;
  c.add_wait({"api", "web", wait_kind::need, "src/web/form.ts"}, b, out);
  CHECK(out.empty());
  c.add_wait({"web", "api", wait_kind::blocked, "src/api/routes.ts"}, b, out);
  auto reports = only<report_deadlock>(out);
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].stub_maker == "web");
  CHECK(only<tell_agent>(out).size() == 1);
  out.clear();
  c.remove_wait("web", "api", wait_kind::blocked);
  c.add_wait({"web", "api", wait_kind::blocked, "src/api/routes.ts"}, b, out);
  CHECK(only<report_deadlock>(out).empty()); // reported when it formed

  out.clear();
  c.contract_from("web", "stub: form", out);
  CHECK(out.empty()); // the stub itself
  CHECK(c.unreplaced_stubs().size() == 1);
  c.contract_from("web", "form", out);
  auto told = only<tell_agent>(out);
  REQUIRE(told.size() == 1);
  CHECK(told[0].agent == "api");
  CHECK(c.unreplaced_stubs().empty());

  CHECK(paths_named("waiting on (src/api/routes.ts), and schema.sql.")
        == std::vector<std::string>{"src/api/routes.ts", "schema.sql"});
}

TEST_CASE("coordination: locks are granted, queued and freed with their "
          "holder, and a change under another's lock is a conflict") {
  auto p = checked_plan(hub_plan);
  task_board b{p};
  coordination c{300 * s};
  std::vector<orchestrator_decision> out;
  c.lock({"shared/config.json", "api", false}, 0, b, out);
  c.lock({"shared/config.json", "web", false}, 1 * s, b, out);
  auto changes = only<change_lock>(out);
  REQUIRE(changes.size() == 2);
  CHECK(changes[0].what == "granted");
  CHECK(changes[1].what == "queued");
  CHECK(c.next_expiry() == 300 * s);
  out.clear();
  c.check_write("api", "shared/config.json", 2 * s, out);
  CHECK(out.empty()); // its holder
  c.check_write("web", "shared/config.json", 2 * s, out);
  REQUIRE(only<change_lock>(out).size() == 1);
  CHECK(only<change_lock>(out)[0].what == "conflict");
  out.clear();
  c.free_agent("api", 3 * s, b, out);
  changes = only<change_lock>(out);
  REQUIRE(changes.size() == 2);
  CHECK(changes[0].what == "freed");
  CHECK(changes[1].what == "granted");
  CHECK(changes[1].agent == "web");
}

TEST_CASE("routing: NEEDs wait on their owner until its CONTRACT, and "
          "contracts are kept for the next prompt") {
  auto p = checked_plan(hub_plan);
  CHECK(owner_of(p, "src/web/form.ts") == "web");
  CHECK(owner_of(p, "docs/readme.md").empty());
  routing r;
  r.need("web", "api", "api needs the form", "web/form.html");
  r.need("web", "api", "api needs the form, again", "web/form.js");
  r.need("api", "web", "web needs routes", "api/routes.json");
  CHECK(r.waiting("api"));
  auto open = r.open_needs();
  REQUIRE(open.size() == 2);
  CHECK(open[0].owner == "api");
  CHECK(open[1].request == "api needs the form, again");
  CHECK(open[1].resource == "web/form.js");
  CHECK(r.answered_by("web") == std::vector<std::string>{"api"});
  CHECK_FALSE(r.waiting("api"));
  CHECK(r.answered_by("web").empty());
  r.deliver("api", "CONTRACT from web: form");
  CHECK(r.contracts_of("api").size() == 1);
  CHECK(r.contracts_of("nobody").empty());
}

TEST_CASE("team_supervision: a plan with teams decides here, or asks the "
          "lead once leads are on, and a plan without declares nothing") {
  CHECK_FALSE(team_supervision{checked_plan(hub_plan)}.declared());
  auto p = checked_plan(R"(
[run]
pattern = "supervisor"
[teams.front]
members = ["f1"]
strategy = "one_for_one"
intensity = 1
period = "60s"
[agents.f1]
preset = "sim"
[[tasks]]
id = "t"
prompt = "t"
agent = "f1"
)");
  team_supervision here{p};
  REQUIRE(here.declared());
  CHECK(here.team_of("f1") == "front");
  CHECK(here.agents_under(p, "") == std::vector<std::string>{"f1"});
  std::vector<orchestrator_decision> out;
  auto d = here.on_exit("f1", 1, 0, out);
  REQUIRE(d);
  CHECK(d->team == "front");
  CHECK(d->action.start == std::vector<std::string>{"f1"});
  CHECK(only<supervise>(out).size() == 1);
  // Past its intensity the team stops: the orchestrator's own decides.
  out.clear();
  d = here.on_exit("f1", 1, 1 * s, out);
  REQUIRE(d);
  CHECK(d->action.escalate);
  auto up = here.team_stopped("front", 1 * s, out);
  REQUIRE(up);
  CHECK(up->team.empty());
  CHECK(up->child == "team:front");

  team_supervision led{p};
  led.hand_to_leads();
  CHECK(led.lead_teams() == std::vector<std::string>{"front"});
  out.clear();
  CHECK_FALSE(led.on_exit("f1", 1, 0, out));
  auto asks = only<ask_lead>(out);
  REQUIRE(asks.size() == 1);
  CHECK(asks[0].team == "front");
  CHECK(led.pending_asks().size() == 1);
  lead_reported answer{asks[0].ask, {}};
  answer.acted.team = "front";
  CHECK(led.take_answer(answer));
  CHECK_FALSE(led.take_answer(answer)); // answered twice: once carried out
  led.drop("f1");
  CHECK(led.stopped("f1"));
  CHECK(led.agents_under(p, "front").empty());
}

TEST_CASE("approval_desk: ids in order, a request answered or withdrawn "
          "is gone, and a deadline takes only what still waits") {
  approval_desk d;
  auto a1 = d.take_id();
  auto a2 = d.take_id();
  CHECK(a1 == "a1");
  CHECK(a2 == "a2");
  d.open({a1, "api", "schema", "Bash", "rm -rf build", 10 * s});
  d.open({a2, "web", "page", "Edit", "src/web/a.ts", 20 * s});
  CHECK(d.waiting().size() == 2);
  CHECK(d.next_deadline() == 10 * s);
  CHECK(d.take(a1)->agent == "api");
  CHECK_FALSE(d.take(a1));
  CHECK_FALSE(d.take_due(15 * s)); // a1 was answered before its deadline
  auto due = d.take_due(20 * s);
  REQUIRE(due);
  CHECK(due->id == a2);
  CHECK(d.waiting().empty());
  d.clear();
  CHECK(d.take_id() == "a3");
}
