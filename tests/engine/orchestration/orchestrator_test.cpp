#include "engine/orchestration/orchestrator.hpp"

#include <catch2/catch.hpp>

#include "engine/plan/plan_parser.hpp"
#include "tests/engine/orchestration/fold_inputs.hpp"

using namespace baton::engine;
using namespace baton::engine::test;

namespace {

plan parse(std::string_view text) {
  auto p = parse_plan(text, "t.toml");
  REQUIRE(p.ok());
  return *p;
}

constexpr std::string_view feature = R"(
[policy]
retries = 1
[agents.backend]
preset = "sim"
owns = ["api/**"]
[agents.frontend]
preset = "sim"
owns = ["web/**"]
[agents.tester]
preset = "sim"
[[tasks]]
id = "api"
prompt = "build the api"
agent = "backend"
[[tasks]]
id = "page"
prompt = "build the page"
agent = "frontend"
[[tasks]]
id = "verify"
prompt = "test it"
agent = "tester"
after = ["api", "page"]
)";



} // namespace

TEST_CASE("ready tasks are dispatched to their agents once they are idle",
          "[engine][orchestrator]") {
  orchestrator o{parse(feature)};
  CHECK(only<dispatch_task>(o.on(run_begun{})).empty()); // nobody idle yet
  auto first = only<dispatch_task>(o.on(idle("backend")));
  REQUIRE(first.size() == 1);
  CHECK(first[0].task == "api");
  CHECK(first[0].attempt == 1);
  CHECK(first[0].prompt.find("build the api") != std::string::npos);
  CHECK(first[0].prompt.find("you own api/**") != std::string::npos);
  CHECK(first[0].prompt.find("STATUS: DONE") != std::string::npos);
  CHECK(only<dispatch_task>(o.on(idle("tester"))).empty()); // waits for deps
  CHECK(o.tasks().at("verify").status == task_status::waiting);
}

TEST_CASE("DONE runs the gate, a passed gate unblocks dependents and ends "
          "the run",
          "[engine][orchestrator]") {
  orchestrator o{parse(feature)};
  o.on(run_begun{});
  o.on(idle("backend"));
  o.on(idle("frontend"));
  o.on(idle("tester"));
  pass(o, "backend", "api");
  CHECK(o.tasks().at("api").status == task_status::passed);
  CHECK(o.tasks().at("verify").status == task_status::waiting);
  o.on(working("frontend"));
  auto ds = o.on(line("frontend", protocol_kind::done, "page", "ok"));
  REQUIRE(only<run_gate>(ds).size() == 1);
  auto next = o.on(gate_finished{"page", 1, true, {}, {}});
  auto dispatched = only<dispatch_task>(next);
  REQUIRE(dispatched.size() == 1);
  CHECK(dispatched[0].task == "verify");
  CHECK(dispatched[0].agent == "tester");
  o.on(working("tester"));
  o.on(line("tester", protocol_kind::done, "tested", "9 passed"));
  auto end = only<finish_run>(o.on(gate_finished{"verify", 1, true, {}, {}}));
  REQUIRE(end.size() == 1);
  CHECK(end[0].ok);
  CHECK(end[0].summary == "3/3 tasks passed");
  CHECK(o.finished());
}

TEST_CASE("a failed gate sends its reasons back and retries up to the limit",
          "[engine][orchestrator]") {
  orchestrator o{parse(feature)};
  o.on(run_begun{});
  o.on(idle("backend"));
  o.on(working("backend"));
  o.on(line("backend", protocol_kind::done, "api", "trust me"));
  auto retry = only<tell_agent>(
    o.on(gate_finished{"api", 1, false, {"api/openapi.json is missing"}, {}}));
  REQUIRE(retry.size() == 1);
  CHECK(retry[0].agent == "backend");
  CHECK(retry[0].text.find("Attempt 2 of 2") != std::string::npos);
  CHECK(retry[0].text.find("api/openapi.json is missing") != std::string::npos);
  CHECK(o.tasks().at("api").status == task_status::dispatched);
  // A stale gate result of attempt 1 changes nothing.
  CHECK(o.on(gate_finished{"api", 1, true, {}, {}}).empty());
  o.on(line("backend", protocol_kind::done, "api", "still no"));
  auto out = o.on(gate_finished{"api", 2, false, {"still missing"}, {}});
  auto settled = only<task_settled>(out);
  REQUIRE(settled.size() == 2); // api failed, and verify can never start
  CHECK(settled[0].task == "api");
  CHECK_FALSE(settled[0].passed);
  CHECK(settled[1].task == "verify");
  CHECK(settled[1].reason == "never started: dependency api failed");
  CHECK(o.tasks().at("page").status == task_status::ready);
}

TEST_CASE("NEED goes to the owner and the owner's CONTRACT comes back",
          "[engine][orchestrator]") {
  orchestrator o{parse(feature)};
  o.on(run_begun{});
  o.on(idle("backend"));
  o.on(idle("frontend"));
  auto need = line("frontend", protocol_kind::need, "the endpoint's shape");
  need.resource = "api/openapi.json";
  auto routed = only<tell_agent>(o.on(need));
  REQUIRE(routed.size() == 1);
  CHECK(routed[0].agent == "backend");
  // Not a line of its own that starts with "NEED:": the owner's echo of
  // it must not read as the owner's NEED.
  CHECK(routed[0].text.rfind("frontend needs api/openapi.json: the endpoint's "
                             "shape\n",
                             0)
        == 0);
  auto contract = line("backend", protocol_kind::contract, "GET /api/todos");
  contract.body = "-> [{id, title, done}]";
  auto delivered = only<tell_agent>(o.on(contract));
  // The frontend asked for it and is at work: told now. The tester's task
  // depends on the api task but has not started: it is not typed into; the
  // contract waits for its dispatch prompt.
  REQUIRE(delivered.size() == 1);
  CHECK(delivered[0].agent == "frontend");
  CHECK(delivered[0].text
        == "CONTRACT from backend: GET /api/todos\n-> [{id, title, done}]");
  // The NEED is answered: a second contract reaches only the dependents.
  CHECK(only<tell_agent>(o.on(contract)).empty());
  pass(o, "backend", "api");
  o.on(idle("frontend"));
  pass(o, "frontend", "page");
  auto d = only<dispatch_task>(o.on(idle("tester")));
  REQUIRE(d.size() == 1);
  CHECK(d[0].prompt.find("Contracts you have received:\nCONTRACT from "
                         "backend: GET /api/todos")
        != std::string::npos);
}

TEST_CASE("a CONTRACT reaches the agents of dependent tasks",
          "[engine][orchestrator]") {
  orchestrator o{parse(R"(
[agents.a]
preset = "sim"
[agents.b]
preset = "sim"
[[tasks]]
id = "one"
prompt = "x"
agent = "a"
[[tasks]]
id = "two"
prompt = "y"
agent = "b"
after = ["one"]
)")};
  o.on(run_begun{});
  o.on(idle("a"));
  // b has no task yet: the contract is held for its dispatch prompt.
  CHECK(only<tell_agent>(o.on(line("a", protocol_kind::contract, "schema")))
          .empty());
  o.on(idle("b"));
  pass(o, "a", "one");
  auto d = only<dispatch_task>(o.on(idle("b")));
  // b was idle already: dispatched when "one" passed, with the contract.
  auto& t = o.tasks().at("two");
  CHECK(t.status == task_status::dispatched);
  CHECK(d.empty());
  CHECK(o.agents().at("b").task == "two");
}

TEST_CASE("an agent that exits mid-task is restarted and the task retried",
          "[engine][orchestrator]") {
  orchestrator o{parse(feature)};
  o.on(run_begun{});
  o.on(idle("backend"));
  auto out = o.on(agent_exited{"backend", 139});
  auto restart = only<restart_agent>(out);
  REQUIRE(restart.size() == 1);
  CHECK(restart[0].why
        == "agent backend exited with status 139 during "
           "attempt 1");
  auto again = only<dispatch_task>(o.on(idle("backend")));
  REQUIRE(again.size() == 1);
  CHECK(again[0].attempt == 2);
  CHECK(again[0].prompt.find("(attempt 2 of 2)") != std::string::npos);
  auto last = o.on(agent_exited{"backend", 1});
  CHECK(only<restart_agent>(last).empty());
  auto settled = only<task_settled>(last);
  REQUIRE_FALSE(settled.empty());
  CHECK(settled[0].reason.find("no attempts left") != std::string::npos);
}

TEST_CASE("an agent that exits with no task and no supervisor fails what "
          "waits for it, instead of leaving the run waiting for ever",
          "[engine][orchestrator]") {
  orchestrator o{parse(feature)};
  o.on(run_begun{});
  o.on(idle("tester"));
  // backend's command is not there: it exits before it was ever ready.
  auto out = o.on(agent_exited{"backend", 127});
  CHECK(only<restart_agent>(out).empty());
  auto settled = only<task_settled>(out);
  REQUIRE(settled.size() == 2);
  CHECK(settled[0].task == "api");
  CHECK(settled[0].reason
        == "never started: agent backend exited with status 127 while it "
           "had no task, and no supervisor restarts it ([teams] or "
           "[supervision] would)");
  CHECK(settled[1].task == "verify");
  // The page is still built; then the run ends, failed.
  o.on(idle("frontend"));
  pass(o, "frontend", "page");
  CHECK(o.finished());
}

TEST_CASE("a pipeline stage starts only after the previous stage passed",
          "[engine][orchestrator]") {
  orchestrator o{parse(R"(
[run]
pattern = "pipeline"
[policy]
retries = 0
[agents.a]
preset = "sim"
[agents.b]
preset = "sim"
[[tasks]]
id = "research"
prompt = "r"
agent = "a"
[[tasks]]
id = "plan"
prompt = "p"
agent = "b"
[[tasks]]
id = "build"
prompt = "b"
agent = "a"
[[stages]]
name = "research"
tasks = ["research"]
[[stages]]
name = "plan"
tasks = ["plan"]
[[stages]]
name = "build"
tasks = ["build"]
)")};
  o.on(run_begun{});
  o.on(idle("a"));
  CHECK(only<dispatch_task>(o.on(idle("b"))).empty());
  pass(o, "a", "research");
  CHECK(o.tasks().at("plan").status == task_status::dispatched);
  CHECK(o.tasks().at("build").status == task_status::waiting);
  o.on(working("b"));
  o.on(line("b", protocol_kind::done, "plan", "x"));
  auto out = o.on(gate_finished{"plan", 1, false, {"plan.md is empty"}, {}});
  auto settled = only<task_settled>(out);
  REQUIRE(settled.size() == 2);
  CHECK(settled[1].task == "build");
  CHECK(settled[1].reason == "never started: stage plan failed");
  auto end = only<finish_run>(out);
  REQUIRE(end.size() == 1);
  CHECK_FALSE(end[0].ok);
  CHECK(end[0].summary.find("1/3 tasks passed") == 0);
}

TEST_CASE("the same inputs always give the same decisions",
          "[engine][orchestrator]") {
  std::vector<orchestrator_input> inputs{
    run_begun{},
    idle("tester"),
    idle("frontend"),
    idle("backend"),
    working("backend"),
    line("backend", protocol_kind::progress),
    line("backend", protocol_kind::done, "a", "e"),
    gate_finished{"api", 1, true, {}, {}},
    agent_exited{"frontend", 2},
    idle("frontend")};
  auto run = [&] {
    orchestrator o{parse(feature)};
    std::vector<orchestrator_decision> all;
    for (auto& in : inputs) {
      auto ds = o.on(in);
      all.insert(all.end(), ds.begin(), ds.end());
    }
    return all;
  };
  auto first = run();
  CHECK(first.size() >= 5);
  CHECK(first == run());
}

TEST_CASE("a dispatched task that never reports is retried at its time "
          "limit, then fails",
          "[engine][orchestrator]") {
  auto p = parse(std::string{feature} + "\n");
  p.run.task_timeout_s = 60;
  orchestrator o{p};
  o.on(run_begun{}, 1'000);
  auto d = only<dispatch_task>(o.on(idle("backend"), 2'000));
  REQUIRE(d.size() == 1);
  // First due: the run's start deadline (agents that never became ready).
  CHECK(o.next_deadline() == 1'000 + 60'000'000);
  // Early: nothing happens.
  CHECK(o.on(time_passed{}, 30'000'000).empty());
  // At the limit: the attempt fails, the agent is told why.
  auto told = only<tell_agent>(o.on(time_passed{}, 60'002'000));
  REQUIRE(told.size() == 1);
  CHECK(told[0].agent == "backend");
  CHECK(told[0].text.find("time limit of 60 s") != std::string::npos);
  CHECK(o.tasks().at("api").attempt == 2);
  // The second attempt has its own limit; past it, no attempts are left.
  CHECK(o.next_deadline() == 60'002'000 + 60'000'000);
  auto out = o.on(time_passed{}, 120'002'000);
  auto settled = only<task_settled>(out);
  // verify settled at the start deadline already (its agent, the tester,
  // never became ready, and page's neither).
  REQUIRE(settled.size() == 1);
  CHECK(settled[0].task == "api");
  CHECK_FALSE(settled[0].passed);
  CHECK(settled[0].reason.find("no attempts left") != std::string::npos);
}

TEST_CASE("a task that reports in time is not touched by its old deadline",
          "[engine][orchestrator]") {
  auto p = parse(feature);
  p.run.task_timeout_s = 60;
  orchestrator o{p};
  o.on(run_begun{}, 0);
  o.on(idle("backend"), 0);
  o.on(working("backend"), 1'000'000);
  o.on(line("backend", protocol_kind::done, "did it", "3 passed"), 5'000'000);
  // The start deadline settles the tasks of agents that never became ready
  // (frontend, tester); nothing touches api, which reported in time.
  auto out = o.on(time_passed{}, 61'000'000);
  for (auto& t : only<tell_agent>(out))
    CHECK(t.agent != "backend");
  for (auto& t : only<task_settled>(out))
    CHECK(t.task != "api");
  CHECK(o.tasks().at("api").status == task_status::verifying);
}

TEST_CASE("a task routed by capabilities goes to another capable agent once "
          "its attempts are used up, then fails",
          "[engine][orchestrator]") {
  orchestrator o{parse(R"(
[policy]
retries = 1
[agents.a]
preset = "sim"
capabilities = ["api"]
[agents.b]
preset = "sim"
capabilities = ["api"]
[agents.c]
preset = "sim"
[[tasks]]
id = "t"
prompt = "p"
requires = ["api"]
)")};
  o.on(run_begun{});
  o.on(idle("c"));
  auto first = only<dispatch_task>(o.on(idle("a")));
  REQUIRE(first.size() == 1);
  CHECK(first[0].agent == "a");
  o.on(idle("b"));
  o.on(working("a"));
  o.on(line("a", protocol_kind::error, "broke"));
  auto out = o.on(line("a", protocol_kind::error, "broke again"));
  // a is told to stop; b (capable, idle, not tried) gets attempt 1 afresh.
  auto told = only<tell_agent>(out);
  REQUIRE(told.size() == 1);
  CHECK(told[0].agent == "a");
  CHECK(told[0].why == "reassign of task t");
  auto second = only<dispatch_task>(out);
  REQUIRE(second.size() == 1);
  CHECK(second[0].agent == "b");
  CHECK(second[0].attempt == 1);
  o.on(working("b"));
  o.on(line("b", protocol_kind::error, "no"));
  auto last = o.on(line("b", protocol_kind::error, "no again"));
  auto settled = only<task_settled>(last);
  REQUIRE(settled.size() == 1);
  CHECK_FALSE(settled[0].passed);
  CHECK(only<dispatch_task>(last).empty()); // c is not capable
}

TEST_CASE("an agent that never becomes ready fails its tasks at the time "
          "limit instead of holding the run for ever",
          "[engine][orchestrator]") {
  auto p = parse(feature);
  p.run.task_timeout_s = 30;
  orchestrator o{p};
  o.on(run_begun{}, 0);
  CHECK(o.next_deadline() == 30'000'000);
  o.on(idle("frontend"), 1'000'000); // backend and tester never do
  o.on(agent_observed{"backend", detect::state::unknown, false}, 2'000'000);
  auto out = o.on(time_passed{}, 30'000'000);
  auto settled = only<task_settled>(out);
  REQUIRE(settled.size() == 2);
  CHECK(settled[0].task == "api");
  CHECK(settled[0].reason
        == "never started: agent backend did not become ready to take input "
           "within 30 s of the run's start (its state: unknown)");
  CHECK(settled[1].task == "verify"); // depends on api
  CHECK(o.tasks().at("page").status == task_status::dispatched);
}

TEST_CASE("a resumed start keeps settled tasks, dispatches an interrupted "
          "attempt again as the same attempt with the agent's checkpoint, "
          "and re-runs a gate whose verdict was never recorded",
          "[engine][orchestrator][resume]") {
  orchestrator o{parse(feature)};
  o.on(run_begun{});
  o.on(idle("backend"));
  o.on(idle("frontend"));
  o.on(idle("tester"));
  pass(o, "backend", "api");
  o.on(working("frontend"));
  REQUIRE(o.tasks().at("page").status == task_status::dispatched);
  REQUIRE(o.tasks().at("page").attempt == 1);

  run_begun again;
  again.resumed = true;
  again.checkpoints["frontend"] = "CHECKPOINT for frontend: 2 of 3 done";
  auto ds = o.on(again, 5'000'000);
  // Nobody takes input yet: the new processes are starting.
  CHECK(only<dispatch_task>(ds).empty());
  CHECK(o.tasks().at("api").status == task_status::passed);
  CHECK(o.tasks().at("page").status == task_status::ready);
  CHECK(o.agents().at("frontend").state == detect::state::starting);
  CHECK_FALSE(o.agents().at("frontend").input_ready);

  auto redo = only<dispatch_task>(o.on(idle("frontend"), 6'000'000));
  REQUIRE(redo.size() == 1);
  CHECK(redo[0].task == "page");
  CHECK(redo[0].attempt == 1); // the same attempt, not a retry
  CHECK(redo[0].prompt.find("build the page") != std::string::npos);
  CHECK(redo[0].prompt.find("The engine restarted") != std::string::npos);
  CHECK(redo[0].prompt.find("2 of 3 done") != std::string::npos);
  // The backend's settled task is not dispatched again.
  CHECK(only<dispatch_task>(o.on(idle("backend"), 6'000'000)).empty());

  // Its DONE was seen, its gate's verdict never recorded: the gate runs
  // again on resume.
  o.on(working("frontend"));
  auto gate
    = only<run_gate>(o.on(line("frontend", protocol_kind::done, "ok", "2 ok")));
  REQUIRE(gate.size() == 1);
  auto gates = only<run_gate>(o.on(again, 7'000'000));
  REQUIRE(gates.size() == 1);
  CHECK(gates[0].task == "page");
  CHECK(gates[0].attempt == 1);
  CHECK(gates[0].evidence == "2 ok");
  o.on(gate_finished{"page", 1, true, {}, {}});
  CHECK(o.tasks().at("page").status == task_status::passed);
}

TEST_CASE("a resumed start asks an open NEED again, an answered one is not "
          "asked again",
          "[engine][orchestrator][resume]") {
  orchestrator o{parse(feature)};
  o.on(run_begun{});
  o.on(idle("backend"));
  o.on(idle("frontend"));
  o.on(working("frontend"));
  auto need = line("frontend", protocol_kind::need, "the schema");
  need.resource = "api/openapi.json";
  REQUIRE(only<tell_agent>(o.on(need)).size() == 1);
  run_begun again;
  again.resumed = true;
  auto told = only<tell_agent>(o.on(again));
  REQUIRE(told.size() == 1);
  CHECK(told[0].agent == "backend");
  CHECK(told[0].text.find("frontend needs api/openapi.json") == 0);

  auto contract = line("backend", protocol_kind::contract, "API");
  o.on(contract);
  CHECK(only<tell_agent>(o.on(again)).empty());
}

TEST_CASE("a DONE without \" + \" that states something checkable goes to "
          "the gate with what it states, a vague one is sent back",
          "[engine][orchestrator][evidence]") {
  orchestrator o{parse(feature)};
  o.on(run_begun{});
  o.on(idle("backend"));
  o.on(idle("frontend"));
  o.on(working("backend"));
  o.on(working("frontend"));
  // The protocol's own example: its evidence is the line.
  auto example = "Built REST API with 6 endpoints, all tests pass (23/23), "
                 "server running on port 3001";
  auto gates = only<run_gate>(o.on(line("backend", protocol_kind::done,
                                        example)));
  REQUIRE(gates.size() == 1);
  CHECK(gates[0].task == "api");
  CHECK(gates[0].evidence == example);
  CHECK(o.tasks().at("api").status == task_status::verifying);
  CHECK(o.tasks().at("api").evidence == example);

  // Vague: sent back, saying what evidence is wanted, and still at work.
  for (auto vague : {"I think the page is working", "Everything looks good",
                     "done"}) {
    INFO(vague);
    orchestrator fresh{parse(feature)};
    fresh.on(run_begun{});
    fresh.on(idle("frontend"));
    fresh.on(working("frontend"));
    auto ds = fresh.on(line("frontend", protocol_kind::done, vague));
    CHECK(only<run_gate>(ds).empty());
    auto told = only<tell_agent>(ds);
    REQUIRE(told.size() == 1);
    CHECK(told[0].agent == "frontend");
    CHECK(told[0].text.find("Attempt 2 of 2") != std::string::npos);
    CHECK(told[0].text.find("states no evidence") != std::string::npos);
    CHECK(told[0].text.find(vague) != std::string::npos);
    CHECK(told[0].text.find("test counts") != std::string::npos);
    CHECK(fresh.tasks().at("page").status == task_status::dispatched);
  }
}

TEST_CASE("a DONE's checkable statements are what is recorded of it",
          "[engine][orchestrator][evidence]") {
  orchestrator o{parse(feature)};
  o.on(run_begun{});
  o.on(idle("frontend"));
  o.on(working("frontend"));
  auto gates = only<run_gate>(o.on(line(
    "frontend", protocol_kind::done,
    "Page finished, looks great, wrote web/index.html and 4 tests pass")));
  REQUIRE(gates.size() == 1);
  CHECK(gates[0].evidence == "wrote web/index.html and 4 tests pass");
  // Evidence cited after " + " is taken as written, as before.
  o.on(gate_finished{"page", 1, false, {"web/app.js is missing"}, {}});
  gates = only<run_gate>(o.on(
    line("frontend", protocol_kind::done, "page + trust me", "trust me")));
  REQUIRE(gates.size() == 1);
  CHECK(gates[0].evidence == "trust me");
}

TEST_CASE("a run of record version 1 tells with typed purposes, a run of "
          "version 0 as it always did",
          "[engine][orchestrator][purpose]") {
  auto told = [](uint16_t version) {
    orchestrator o{parse(feature)};
    run_begun b;
    b.version = version;
    o.on(b);
    o.on(idle("backend"));
    o.on(idle("frontend"));
    o.on(working("backend"));
    auto need = line("frontend", protocol_kind::need, "the shape");
    need.resource = "api/openapi.json";
    auto out = only<tell_agent>(o.on(need));
    auto contract = line("backend", protocol_kind::contract, "GET /api/todos");
    for (auto& t : only<tell_agent>(o.on(contract)))
      out.push_back(t);
    o.on(line("backend", protocol_kind::done, "api", "trust me"));
    for (auto& t : only<tell_agent>(
           o.on(gate_finished{"api", 1, false, {"no openapi.json"}, {}})))
      out.push_back(t);
    return out;
  };
  auto v1 = told(1);
  REQUIRE(v1.size() == 3);
  CHECK(v1[0].purpose == purpose{purpose_kind::need, {}, 0, "frontend",
                                 "api/openapi.json"});
  CHECK(v1[1].purpose == purpose{purpose_kind::contract, {}, 0, "backend",
                                 "GET /api/todos"});
  CHECK(v1[2].purpose == purpose{purpose_kind::retry, "api", 2});
  auto v0 = told(0);
  REQUIRE(v0.size() == 3);
  for (size_t i = 0; i < v0.size(); ++i) {
    INFO(v0[i].why);
    CHECK(v0[i].purpose.empty());
    // The same message otherwise, and its sentence reads as the same kind.
    auto typed = v1[i];
    typed.purpose = {};
    CHECK(v0[i] == typed);
    CHECK(purpose_of({}, v0[i].why).kind == v1[i].purpose.kind);
    CHECK(purpose_of({}, v0[i].why).from == v1[i].purpose.from);
    CHECK(purpose_of({}, v0[i].why).task == v1[i].purpose.task);
  }
}
