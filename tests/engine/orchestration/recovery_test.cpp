// The orchestrator acting on failures by itself (issue 5): loops, stalls,
// deadlocks, graceful degradation, the swarm's board, supervision and the
// mesh's locks. Each case drives the pure fold with the inputs a run would
// record and asserts on the decisions it takes; each detector also has a
// case that must not trigger it.
#include <catch2/catch.hpp>

#include "engine/orchestration/orchestrator.hpp"
#include "engine/orchestration/shared_state.hpp"
#include "engine/plan/plan_check.hpp"
#include "engine/plan/plan_parser.hpp"
#include "tests/engine/orchestration/fold_inputs.hpp"
#include "tests/support/kind_names.hpp"

using namespace baton::engine;
using namespace baton::engine::test;

namespace {

plan parse(std::string_view text) {
  return checked_plan(text);
}


protocol_seen need(std::string agent, std::string resource) {
  auto p = line(std::move(agent), protocol_kind::need, "I need it");
  p.resource = std::move(resource);
  return p;
}

protocol_seen progress(std::string agent, uint32_t x, uint32_t y) {
  auto p = line(std::move(agent), protocol_kind::progress, "a step");
  p.done = x;
  p.total = y;
  return p;
}

constexpr uint64_t s = 1'000'000; // a logical second, in µs

// Two builders of one role (either can take the other's task), a tester.
constexpr std::string_view builders = R"(
[policy]
retries = 2
stall_after = "60s"
task_timeout = "1h"
loop_repeats = 2
[agents.b1]
preset = "sim"
role = "builder"
owns = ["src/**"]
[agents.b2]
preset = "sim"
role = "builder"
[agents.tester]
preset = "sim"
role = "tester"
[[tasks]]
id = "build"
prompt = "build it"
agent = "b1"
[[tasks]]
id = "test"
prompt = "test it"
agent = "tester"
after = ["build"]
)";

std::vector<escalate_task> escalations(const std::vector<orchestrator_decision>& ds) {
  return only<escalate_task>(ds);
}

} // namespace

TEST_CASE("failures that differ only in numbers, paths and times are one "
          "failure",
          "[engine][recovery][loop]") {
  CHECK(normalise_failure("src/parser.cpp:12:3: error: 'token_kind' not "
                          "declared")
        == normalise_failure("src/lexer.cpp:40:9: error: 'token_kind' not "
                             "declared"));
  CHECK(normalise_failure("3 failed at 12:03:44.120 in build 1.2.3")
        == normalise_failure("5 failed at 09:15:02.001 in build 1.2.4"));
  CHECK(normalise_failure("  Error   in   main.rs  ")
        == normalise_failure("error in lib.rs"));
  CHECK(normalise_failure("undefined reference to parse")
        != normalise_failure("undefined reference to lex"));
}

TEST_CASE("the same BUILD: FAIL twice in a row climbs the ladder: nudge, "
          "re-dispatch with history, reassign, fail",
          "[engine][recovery][loop]") {
  orchestrator o{parse(builders)};
  o.on(run_begun{}, 0);
  o.on(idle("b2"), 0);
  o.on(idle("tester"), 0);
  REQUIRE(only<dispatch_task>(o.on(idle("b1"), 1 * s)).size() == 1);
  o.on(working("b1"), 1 * s);
  auto fail = [&](const std::string& agent, const std::string& summary,
                  uint64_t at) {
    return o.on(line(agent, protocol_kind::build_fail, summary), at);
  };

  // 1: nudge, with the repeated error.
  CHECK(escalations(fail("b1", "src/a.cpp:1: token_kind undeclared", 2 * s))
          .empty());
  auto first = fail("b1", "src/b.cpp:7: token_kind undeclared", 3 * s);
  REQUIRE(escalations(first).size() == 1);
  CHECK(escalations(first)[0].trigger == "loop");
  CHECK(escalations(first)[0].step == "nudge");
  CHECK(escalations(first)[0].count == 1);
  auto told = only<tell_agent>(first);
  REQUIRE(told.size() == 1);
  CHECK(told[0].agent == "b1");
  CHECK(told[0].text.find("token_kind undeclared") != std::string::npos);
  CHECK(told[0].text.find("different approach") != std::string::npos);

  // 2: stop the agent and dispatch again with what failed.
  fail("b1", "src/c.cpp:2: token_kind undeclared", 4 * s);
  auto second = fail("b1", "src/c.cpp:3: token_kind undeclared", 5 * s);
  REQUIRE(escalations(second).size() == 1);
  CHECK(escalations(second)[0].step == "redispatch");
  auto restart = only<restart_agent>(second);
  REQUIRE(restart.size() == 1);
  CHECK(restart[0].agent == "b1");
  // Its process ends (expected: no second restart) and a new one starts.
  CHECK(only<restart_agent>(o.on(agent_exited{"b1", 137}, 6 * s)).empty());
  auto again = only<dispatch_task>(o.on(idle("b1"), 7 * s));
  REQUIRE(again.size() == 1);
  CHECK(again[0].attempt == 1); // the same attempt, started over
  CHECK(again[0].prompt.find("What was tried and failed") != std::string::npos);
  CHECK(again[0].prompt.find("token_kind undeclared") != std::string::npos);

  // 3: another agent of the same role takes it.
  o.on(working("b1"), 8 * s);
  fail("b1", "src/d.cpp:1: token_kind undeclared", 9 * s);
  auto third = fail("b1", "src/d.cpp:2: token_kind undeclared", 10 * s);
  REQUIRE(escalations(third).size() == 1);
  CHECK(escalations(third)[0].step == "reassign");
  auto moved = only<dispatch_task>(third);
  REQUIRE(moved.size() == 1);
  CHECK(moved[0].agent == "b2");
  CHECK(moved[0].prompt.find("What was tried and failed") != std::string::npos);

  // 4: nobody else: the task fails, and the run without it (policy: fail).
  o.on(working("b2"), 11 * s);
  fail("b2", "src/e.cpp:1: token_kind undeclared", 12 * s);
  auto fourth = fail("b2", "src/e.cpp:5: token_kind undeclared", 13 * s);
  REQUIRE(escalations(fourth).size() == 1);
  CHECK(escalations(fourth)[0].step == "fail");
  CHECK(escalations(fourth)[0].count == 4);
  auto settled = only<task_settled>(fourth);
  REQUIRE(settled.size() == 2); // build, and test that depends on it
  CHECK(settled[0].task == "build");
  CHECK_FALSE(settled[0].passed);
  auto end = only<finish_run>(fourth);
  REQUIRE(end.size() == 1);
  CHECK(end[0].outcome == run_outcome::failed);
}

TEST_CASE("with no other capable agent the ladder is nudge, re-dispatch, "
          "fail, counted 1, 2, 3, and the history names a failure once",
          "[engine][recovery][loop]") {
  orchestrator o{parse(R"(
[policy]
stall_after = "60s"
task_timeout = "1h"
loop_repeats = 2
[agents.solo]
preset = "sim"
[[tasks]]
id = "build"
agent = "solo"
prompt = "build it"
)")};
  o.on(run_begun{}, 0);
  REQUIRE(only<dispatch_task>(o.on(idle("solo"), 1 * s)).size() == 1);
  o.on(working("solo"), 1 * s);
  auto fail = [&](const std::string& summary, uint64_t at) {
    return o.on(line("solo", protocol_kind::build_fail, summary), at);
  };
  std::vector<escalate_task> rungs;
  fail("src/a.cpp:1: token_kind undeclared", 2 * s);
  for (auto& e : escalations(fail("src/b.cpp:7: token_kind undeclared", 3 * s)))
    rungs.push_back(e);
  fail("src/c.cpp:2: token_kind undeclared", 4 * s);
  for (auto& e : escalations(fail("src/c.cpp:3: token_kind undeclared", 5 * s)))
    rungs.push_back(e);
  o.on(agent_exited{"solo", 137}, 6 * s);
  auto again = only<dispatch_task>(o.on(idle("solo"), 7 * s));
  REQUIRE(again.size() == 1);
  auto& prompt = again[0].prompt;
  auto first = prompt.find("token_kind undeclared");
  REQUIRE(first != std::string::npos);
  CHECK(prompt.find("token_kind undeclared", first + 1) == std::string::npos);
  o.on(working("solo"), 8 * s);
  fail("src/d.cpp:1: token_kind undeclared", 9 * s);
  for (auto& e : escalations(fail("src/d.cpp:2: token_kind undeclared", 10 * s)))
    rungs.push_back(e);
  REQUIRE(rungs.size() == 3);
  CHECK(rungs[0].step == "nudge");
  CHECK(rungs[1].step == "redispatch");
  CHECK(rungs[2].step == "fail");
  for (uint32_t i = 0; i < 3; ++i)
    CHECK(rungs[i].count == i + 1);
}

TEST_CASE("a re-dispatch's history lists a failure once per attempt: not "
          "once per rung it climbed",
          "[engine][recovery][loop]") {
  orchestrator o{parse(builders)};
  o.on(run_begun{}, 0);
  o.on(idle("b2"), 0);
  o.on(idle("tester"), 0);
  REQUIRE(only<dispatch_task>(o.on(idle("b1"), 1 * s)).size() == 1);
  o.on(working("b1"), 1 * s);
  auto fail = [&](const std::string& summary, uint64_t at) {
    return o.on(line("b1", protocol_kind::build_fail, summary), at);
  };
  auto count = [](const std::string& text, const std::string& what) {
    size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos;
         at = text.find(what, at + 1))
      ++n;
    return n;
  };
  // Attempt 1: the nudge.
  fail("src/a.cpp:1: token_kind undeclared", 2 * s);
  REQUIRE(escalations(fail("src/a.cpp:2: token_kind undeclared", 3 * s))
            .size() == 1);
  // An ERROR is retried: attempt 2.
  auto retried = o.on(line("b1", protocol_kind::error,
                           "the build fails, tried an include, check the "
                           "header"),
                      4 * s);
  REQUIRE(only<tell_agent>(retried).size() == 1);
  CHECK(only<tell_agent>(retried)[0].text.find("Attempt 2 of 3")
        != std::string::npos);
  // Attempt 2: the same failure again, the re-dispatch.
  fail("src/b.cpp:1: token_kind undeclared", 5 * s);
  auto second = fail("src/b.cpp:4: token_kind undeclared", 6 * s);
  REQUIRE(escalations(second).size() == 1);
  CHECK(escalations(second)[0].step == "redispatch");
  o.on(agent_exited{"b1", 137}, 7 * s);
  auto again = only<dispatch_task>(o.on(idle("b1"), 8 * s));
  REQUIRE(again.size() == 1);
  CHECK(again[0].attempt == 2);
  INFO(again[0].prompt);
  CHECK(count(again[0].prompt, "attempt 1 by b1: the same failure") == 1);
  CHECK(count(again[0].prompt, "attempt 1 by b1: you reported an error")
        == 1);
  CHECK(count(again[0].prompt, "attempt 2 by b1: the same failure") == 1);
  // Still attempt 2 after the re-dispatch: the same failure once more is
  // the reassignment, and the history does not list it a second time.
  o.on(working("b1"), 9 * s);
  fail("src/c.cpp:1: token_kind undeclared", 10 * s);
  auto third = fail("src/c.cpp:9: token_kind undeclared", 11 * s);
  REQUIRE(escalations(third).size() == 1);
  CHECK(escalations(third)[0].step == "reassign");
  auto moved = only<dispatch_task>(third);
  REQUIRE(moved.size() == 1);
  CHECK(moved[0].agent == "b2");
  INFO(moved[0].prompt);
  CHECK(count(moved[0].prompt, "token_kind undeclared") == 2);
  CHECK(count(moved[0].prompt, "attempt 1 by b1: the same failure") == 1);
  CHECK(count(moved[0].prompt, "attempt 2 by b1: the same failure") == 1);
}

TEST_CASE("different failures, or a pass between two, are no loop",
          "[engine][recovery][loop]") {
  orchestrator o{parse(builders)};
  o.on(run_begun{}, 0);
  o.on(idle("b1"), 0);
  o.on(working("b1"), 0);
  std::vector<orchestrator_decision> all;
  auto add = [&](std::vector<orchestrator_decision> ds) {
    all.insert(all.end(), ds.begin(), ds.end());
  };
  add(o.on(line("b1", protocol_kind::build_fail, "missing include"), 1 * s));
  add(o.on(line("b1", protocol_kind::build_fail, "undefined symbol"), 2 * s));
  add(o.on(line("b1", protocol_kind::build_pass), 3 * s));
  add(o.on(line("b1", protocol_kind::build_fail, "undefined symbol"), 4 * s));
  add(o.on(line("b1", protocol_kind::build_fail, "missing include"), 5 * s));
  CHECK(escalations(all).empty());
  CHECK(o.tasks().at("build").escalations == 0);
}

TEST_CASE("loop counters survive the agent's restart",
          "[engine][recovery][loop]") {
  orchestrator o{parse(builders)};
  o.on(run_begun{}, 0);
  o.on(idle("b1"), 0);
  o.on(working("b1"), 0);
  o.on(line("b1", protocol_kind::build_fail, "E1 at line 3"), 1 * s);
  auto nudge = o.on(line("b1", protocol_kind::build_fail, "E1 at line 4"), 2 * s);
  REQUIRE(escalations(nudge).size() == 1);
  // The agent crashes and comes back (or its context is compacted): the
  // log still holds the nudge, so the next loop is the next rung.
  REQUIRE(only<restart_agent>(o.on(agent_exited{"b1", 3}, 3 * s)).size() == 1);
  REQUIRE(only<dispatch_task>(o.on(idle("b1"), 4 * s)).size() == 1);
  o.on(working("b1"), 5 * s);
  o.on(line("b1", protocol_kind::build_fail, "E1 at line 9"), 6 * s);
  auto next = escalations(
    o.on(line("b1", protocol_kind::build_fail, "E1 at line 9"), 7 * s));
  REQUIRE(next.size() == 1);
  CHECK(next[0].step == "redispatch");
  CHECK(next[0].count == 2);
}

TEST_CASE("the same STATUS: ERROR twice is a loop too",
          "[engine][recovery][loop]") {
  orchestrator o{parse(builders)};
  o.on(run_begun{}, 0);
  o.on(idle("b1"), 0);
  o.on(working("b1"), 0);
  auto first = o.on(line("b1", protocol_kind::error, "test 3 fails, tried x"),
                    1 * s);
  CHECK(escalations(first).empty());
  CHECK(only<tell_agent>(first).at(0).text.find("Attempt 2") != std::string::npos);
  auto second = o.on(line("b1", protocol_kind::error, "test 4 fails, tried x"),
                     2 * s);
  REQUIRE(escalations(second).size() == 1);
  CHECK(escalations(second)[0].step == "nudge");
}

TEST_CASE("PROGRESS that does not advance across attempts is a loop",
          "[engine][recovery][loop]") {
  auto text = std::string{builders};
  text.replace(text.find("retries = 2"), 11, "retries = 5");
  text.replace(text.find("[policy]"), 8, "[policy]\nloop_attempts = 2");
  orchestrator o{parse(text)};
  o.on(run_begun{}, 0);
  o.on(idle("b1"), 0);
  o.on(working("b1"), 0);
  o.on(progress("b1", 2, 5), 1 * s);
  auto first = o.on(line("b1", protocol_kind::error, "first thing"), 2 * s);
  CHECK(escalations(first).empty());
  o.on(progress("b1", 1, 5), 3 * s);
  o.on(progress("b1", 2, 5), 4 * s);
  auto second = o.on(line("b1", protocol_kind::error, "other thing"), 5 * s);
  REQUIRE(escalations(second).size() == 1);
  CHECK(escalations(second)[0].evidence.find("PROGRESS has not passed 2")
        != std::string::npos);
}

TEST_CASE("a silent agent is a stall: nudged, then re-dispatched",
          "[engine][recovery][stall]") {
  orchestrator o{parse(builders)};
  o.on(run_begun{}, 0);
  REQUIRE(only<dispatch_task>(o.on(idle("b1"), 10 * s)).size() == 1);
  o.on(working("b1"), 11 * s);
  CHECK(o.next_deadline() == 70 * s); // dispatched at 10 s + 60 s
  CHECK(o.stall_due(69 * s).empty());
  CHECK(o.stall_due(70 * s) == std::vector<std::string>{"b1"});
  auto first = o.on(time_passed{}, 70 * s);
  REQUIRE(escalations(first).size() == 1);
  CHECK(escalations(first)[0].trigger == "stall");
  CHECK(escalations(first)[0].step == "nudge");
  CHECK(escalations(first)[0].evidence.find("its screen says: working")
        != std::string::npos);
  auto second = o.on(time_passed{}, 130 * s);
  REQUIRE(escalations(second).size() == 1);
  CHECK(escalations(second)[0].step == "redispatch");
}

TEST_CASE("a slow agent that reports progress, or whose files change, is no "
          "stall",
          "[engine][recovery][stall]") {
  orchestrator o{parse(builders)};
  o.on(run_begun{}, 0);
  o.on(idle("b1"), 0);
  o.on(working("b1"), 0);
  std::vector<orchestrator_decision> all;
  auto add = [&](std::vector<orchestrator_decision> ds) {
    all.insert(all.end(), ds.begin(), ds.end());
  };
  // A step every 50 s, 10 steps: 500 s of work with a 60 s stall limit.
  uint64_t t = 0;
  for (uint32_t i = 1; i <= 5; ++i) {
    t += 50 * s;
    add(o.on(progress("b1", i, 10), t));
    add(o.on(time_passed{}, t));
  }
  for (int i = 0; i < 5; ++i) {
    t += 50 * s;
    add(o.on(agent_active{"b1", {"src/file" + std::to_string(i) + ".cpp"}},
             t));
    add(o.on(time_passed{}, t));
  }
  CHECK(escalations(all).empty());
  CHECK(o.tasks().at("build").status == task_status::dispatched);
}

// -- deadlocks -----------------------------------------------------------------

constexpr std::string_view pair_plan = R"(
[agents.frontend]
preset = "sim"
owns = ["web/**"]
[agents.backend]
preset = "sim"
owns = ["api/**"]
[[tasks]]
id = "page"
prompt = "the page"
agent = "frontend"
[[tasks]]
id = "api"
prompt = "the api"
agent = "backend"
)";

/// frontend and backend each dispatched their task and at work on it.
void both_at_work(orchestrator& o) {
  o.on(run_begun{}, 0);
  o.on(idle("frontend"), 0);
  o.on(idle("backend"), 0);
  o.on(working("frontend"), 1 * s);
  o.on(working("backend"), 1 * s);
}

TEST_CASE("two agents that NEED each other's files are a deadlock, broken by "
          "a stub from the one with less work done",
          "[engine][recovery][deadlock]") {
  orchestrator o{parse(pair_plan)};
  both_at_work(o);
  o.on(progress("frontend", 2, 4), 2 * s); // frontend has done more
  CHECK(only<report_deadlock>(o.on(need("frontend", "api/openapi.json"), 3 * s))
          .empty());
  auto ds = o.on(need("backend", "web/schema.json"), 4 * s);
  auto found = only<report_deadlock>(ds);
  REQUIRE(found.size() == 1);
  CHECK(found[0].members.size() == 2);
  CHECK(found[0].description.find("frontend waits for backend (need: "
                                  "api/openapi.json)")
        != std::string::npos);
  CHECK(found[0].description.find("backend waits for frontend (need: "
                                  "web/schema.json)")
        != std::string::npos);
  CHECK(found[0].stub_maker == "backend");
  CHECK(found[0].stub_for == "frontend");
  CHECK(found[0].what == "api/openapi.json");
  auto asked = only<tell_agent>(ds);
  REQUIRE_FALSE(asked.empty());
  CHECK(asked.back().agent == "backend");
  CHECK(asked.back().text.find("stub of api/openapi.json") != std::string::npos);
  // Reported once, not again while it lasts.
  CHECK(only<report_deadlock>(o.on(need("backend", "web/schema.json"), 5 * s))
          .empty());

  // The stub arrives, frontend goes on; later the real one replaces it and
  // frontend is told.
  auto stub = line("backend", protocol_kind::contract, "stub: api/openapi.json");
  stub.body = "GET /api/todos -> []";
  auto routed = only<tell_agent>(o.on(stub, 6 * s));
  REQUIRE(routed.size() == 1);
  CHECK(routed[0].agent == "frontend");
  auto real = line("backend", protocol_kind::contract, "todo API");
  auto replaced = only<tell_agent>(o.on(real, 9 * s));
  bool told = false;
  for (auto& t : replaced)
    told = told || (t.agent == "frontend" && t.why == "stub replaced by backend");
  CHECK(told);
}

TEST_CASE("a stub never replaced is named in the run's summary",
          "[engine][recovery][deadlock]") {
  orchestrator o{parse(pair_plan)};
  both_at_work(o);
  o.on(progress("frontend", 2, 4), 2 * s);
  o.on(need("frontend", "api/openapi.json"), 3 * s);
  REQUIRE(only<report_deadlock>(o.on(need("backend", "web/schema.json"), 4 * s))
            .size() == 1);
  o.on(line("backend", protocol_kind::contract, "stub: api/openapi.json"),
       5 * s);
  o.on(line("frontend", protocol_kind::done, "page", "3 passed"), 6 * s);
  o.on(gate_finished{"page", 1, true, {}, {}}, 6 * s);
  o.on(line("backend", protocol_kind::done, "api", "5 passed"), 7 * s);
  auto end = only<finish_run>(o.on(gate_finished{"api", 1, true, {}, {}}, 7 * s));
  REQUIRE(end.size() == 1);
  CHECK(end[0].summary.find("stubs not replaced: api/openapi.json (by backend "
                            "for frontend)")
        != std::string::npos);
}

TEST_CASE("a NEED answered in time is no deadlock",
          "[engine][recovery][deadlock]") {
  orchestrator o{parse(pair_plan)};
  both_at_work(o);
  std::vector<orchestrator_decision> all;
  auto add = [&](std::vector<orchestrator_decision> ds) {
    all.insert(all.end(), ds.begin(), ds.end());
  };
  add(o.on(need("frontend", "api/openapi.json"), 2 * s));
  add(o.on(line("backend", protocol_kind::contract, "todo API"), 3 * s));
  add(o.on(need("backend", "web/schema.json"), 4 * s));
  CHECK(only<report_deadlock>(all).empty());
}

TEST_CASE("a NEED to an agent whose task waits for the sender's is a "
          "deadlock",
          "[engine][recovery][deadlock]") {
  orchestrator o{parse(R"(
[agents.a]
preset = "sim"
owns = ["a/**"]
[agents.b]
preset = "sim"
owns = ["b/**"]
[[tasks]]
id = "first"
prompt = "1"
agent = "a"
[[tasks]]
id = "second"
prompt = "2"
agent = "b"
after = ["first"]
)")};
  o.on(run_begun{}, 0);
  o.on(idle("b"), 0);
  o.on(idle("a"), 0);
  o.on(working("a"), 1 * s);
  o.on(progress("a", 1, 3), 1 * s); // a has done more than b (nothing)
  auto found = only<report_deadlock>(o.on(need("a", "b/schema.json"), 2 * s));
  REQUIRE(found.size() == 1);
  CHECK(found[0].description.find("b waits for a (dependency") != std::string::npos);
  CHECK(found[0].stub_maker == "b");
}

// -- degradation ---------------------------------------------------------------

std::string with_policy(std::string_view degrade) {
  return "[policy]\nretries = 0\ndegrade = \"" + std::string{degrade} + "\"\n"
         + R"(
[agents.a]
preset = "sim"
capabilities = ["code"]
owns = ["core/**"]
[agents.b]
preset = "sim"
capabilities = ["code"]
[[tasks]]
id = "core"
prompt = "core"
requires = ["code"]
[[tasks]]
id = "extra"
prompt = "extra"
agent = "a"
after = ["core"]
[[tasks]]
id = "docs"
prompt = "docs"
agent = "b"
)";
}

TEST_CASE("ship_without: the run ships without a failed task and its "
          "dependents, and says so",
          "[engine][recovery][degrade]") {
  orchestrator o{parse(with_policy("ship_without"))};
  o.on(run_begun{}, 0);
  o.on(idle("a"), 0); // a takes core (first by name)
  o.on(idle("b"), 0); // b takes docs
  o.on(working("a"), 1 * s);
  o.on(working("b"), 1 * s);
  o.on(line("b", protocol_kind::done, "docs", "3 pages"), 2 * s);
  o.on(gate_finished{"docs", 1, true, {}, {}}, 3 * s);
  auto ds = o.on(line("a", protocol_kind::error, "cannot"), 4 * s);
  // core is retried by b (reassign) first: it is routed by capability.
  REQUIRE(only<dispatch_task>(o.on(idle("b"), 5 * s)).size() == 1);
  o.on(working("b"), 6 * s);
  ds = o.on(line("b", protocol_kind::error, "cannot either"), 7 * s);
  auto degraded = only<degrade_task>(ds);
  REQUIRE(degraded.size() == 1);
  CHECK(degraded[0].policy == "ship_without");
  CHECK(degraded[0].skipped == std::vector<std::string>{"core", "extra"});
  auto end = only<finish_run>(ds);
  REQUIRE(end.size() == 1);
  CHECK(end[0].outcome == run_outcome::reduced);
  CHECK_FALSE(end[0].ok);
  REQUIRE(end[0].skipped.size() == 2);
  CHECK(end[0].summary.find("shipped without: core") != std::string::npos);
}

TEST_CASE("merge: a failed task's scope goes to another capable agent",
          "[engine][recovery][degrade]") {
  orchestrator o{parse(merging)};
  o.on(run_begun{}, 0);
  o.on(idle("a"), 0);
  o.on(idle("b"), 0);
  o.on(working("a"), 1 * s);
  auto ds = o.on(line("a", protocol_kind::error, "cannot"), 2 * s);
  auto merged = only<degrade_task>(ds);
  REQUIRE(merged.size() == 1);
  CHECK(merged[0].policy == "merge");
  CHECK(merged[0].into == "b");
  auto moved = only<dispatch_task>(ds);
  REQUIRE(moved.size() == 1);
  CHECK(moved[0].agent == "b");
  CHECK(moved[0].prompt.find("you own docs/**, core/**") != std::string::npos);
  // Failing again, it ships without it.
  o.on(working("b"), 3 * s);
  auto end = only<finish_run>(o.on(line("b", protocol_kind::error, "no"), 4 * s));
  REQUIRE(end.size() == 1);
  CHECK(end[0].outcome
        == run_outcome::failed); // nothing else shipped: nothing to ship
}

TEST_CASE("operator: the task is left for the operator, and the run says so",
          "[engine][recovery][degrade]") {
  orchestrator o{parse(with_policy("operator"))};
  o.on(run_begun{}, 0);
  o.on(idle("b"), 0);
  o.on(idle("a"), 0);
  o.on(working("b"), 1 * s);
  o.on(working("a"), 1 * s);
  auto core = o.tasks().at("core").agent; // routed by capability
  auto other = core == "a" ? "b" : "a";
  o.on(line(core, protocol_kind::error, "cannot"), 2 * s);
  REQUIRE(only<dispatch_task>(o.on(idle(other), 3 * s)).size() <= 1);
  o.on(working(other), 4 * s);
  auto ds = o.on(line(other, protocol_kind::error, "cannot either"), 5 * s);
  auto left = only<degrade_task>(ds);
  REQUIRE(left.size() == 1);
  CHECK(left[0].policy == "operator");
}

// -- swarm ---------------------------------------------------------------------

constexpr std::string_view swarm_plan = R"(
[run]
pattern = "swarm"
[agents.x]
preset = "sim"
capabilities = ["code", "tests"]
[agents.y]
preset = "sim"
capabilities = ["code", "docs"]
[[tasks]]
id = "fix-all"
title = "fix all the warnings"
requires = ["code"]
)";

protocol_seen task_line(std::string agent, std::string title,
                        std::vector<std::string> reqs) {
  auto p = line(std::move(agent), protocol_kind::task, std::move(title));
  p.requirements = std::move(reqs);
  p.description = "found on the way";
  return p;
}

TEST_CASE("swarm: TASK lines add to the board, idle capable agents take the "
          "next task, never the same one",
          "[engine][recovery][swarm]") {
  orchestrator o{parse(swarm_plan)};
  o.on(run_begun{}, 0);
  auto took = only<dispatch_task>(o.on(idle("x"), 0));
  REQUIRE(took.size() == 1);
  CHECK(took[0].prompt.find("from the board") != std::string::npos);
  o.on(working("x"), 1 * s);
  auto added = o.on(task_line("x", "Document the flags", {"docs"}), 2 * s);
  auto a = only<add_task>(added);
  REQUIRE(a.size() == 1);
  CHECK(a[0].task == "document-the-flags");
  CHECK(a[0].by == "x");
  // The same title again is the same task.
  CHECK(only<add_task>(o.on(task_line("y", "Document the flags", {"docs"}),
                            3 * s))
          .empty());
  o.on(task_line("x", "Fix the flaky test", {"tests"}), 4 * s);
  // y (docs) takes the docs task; the tests task waits for x.
  auto y_took = only<dispatch_task>(o.on(idle("y"), 5 * s));
  REQUIRE(y_took.size() == 1);
  CHECK(y_took[0].task == "document-the-flags");
  auto board = board_json(o);
  CHECK(board.find("\"id\": \"fix-the-flaky-test\"") != std::string::npos);
  CHECK(board.find("\"added_by\": \"x\"") != std::string::npos);
  // Nobody can do a task needing "design": it fails at once.
  auto none = o.on(task_line("y", "Redesign", {"design"}), 6 * s);
  REQUIRE(only<task_settled>(none).size() == 1);
  // x finishes and takes the tests task.
  o.on(line("x", protocol_kind::done, "fixed", "0 warnings"), 7 * s);
  o.on(gate_finished{"fix-all", 1, true, {}, {}}, 8 * s);
  auto next = only<dispatch_task>(o.on(idle("x"), 8 * s));
  REQUIRE(next.size() == 1);
  CHECK(next[0].task == "fix-the-flaky-test");
  CHECK(next[0].agent == "x");
  o.on(working("x"), 9 * s);
  o.on(line("y", protocol_kind::done, "doc", "ok"), 10 * s);
  o.on(gate_finished{"document-the-flags", 1, true, {}, {}}, 11 * s);
  o.on(line("x", protocol_kind::done, "fixed", "20 runs"), 12 * s);
  auto end = only<finish_run>(
    o.on(gate_finished{"fix-the-flaky-test", 1, true, {}, {}}, 13 * s));
  REQUIRE(end.size() == 1); // board empty, everyone idle
  CHECK(end[0].summary.rfind("3/4 tasks passed", 0) == 0);
}

TEST_CASE("TASK lines outside a swarm add nothing", "[engine][recovery][swarm]") {
  orchestrator o{parse(builders)};
  o.on(run_begun{}, 0);
  o.on(idle("b1"), 0);
  CHECK(only<add_task>(o.on(task_line("b1", "more work", {}), 1 * s)).empty());
  CHECK(o.tasks().size() == 2);
}

// -- supervision ---------------------------------------------------------------

std::string team_plan(std::string_view strategy, uint32_t intensity) {
  return R"(
[run]
pattern = "supervisor"
[supervision]
strategy = "one_for_one"
intensity = 1
period = "60s"
[teams.front]
members = ["f1", "f2", "f3"]
strategy = ")"
         + std::string{strategy} + R"("
intensity = )" + std::to_string(intensity)
         + R"(
period = "60s"
[agents.f1]
preset = "sim"
[agents.f2]
preset = "sim"
[agents.f3]
preset = "sim"
restart = "temporary"
[[tasks]]
id = "t1"
prompt = "1"
agent = "f1"
[[tasks]]
id = "t2"
prompt = "2"
agent = "f2"
[[tasks]]
id = "t3"
prompt = "3"
agent = "f3"
)";
}

void start_team(orchestrator& o) {
  o.on(run_begun{}, 0);
  for (auto a : {"f1", "f2", "f3"}) {
    REQUIRE(only<dispatch_task>(o.on(idle(a), 0)).size() == 1);
    o.on(working(a), 0);
  }
}

TEST_CASE("supervision: one_for_all restarts every member in start order and "
          "gives each its task again",
          "[engine][recovery][supervision]") {
  orchestrator o{parse(team_plan("one_for_all", 3))};
  start_team(o);
  auto ds = o.on(agent_exited{"f2", 1}, 5 * s);
  auto acted = only<supervise>(ds);
  REQUIRE(acted.size() == 1);
  CHECK(acted[0].team == "front");
  CHECK(acted[0].strategy == restart_strategy::one_for_all);
  CHECK(acted[0].stop == std::vector<std::string>{"f3", "f1"});
  // f3 is temporary: stopped, not restarted.
  CHECK(acted[0].start == std::vector<std::string>{"f1", "f2"});
  auto restarts = only<restart_agent>(ds);
  REQUIRE(restarts.size() == 2);
  CHECK(restarts[0].agent == "f1");
  CHECK(restarts[1].agent == "f2");
  // f1's live process ends on request: expected, nothing more.
  CHECK(only<supervise>(o.on(agent_exited{"f1", 137}, 6 * s)).empty());
  auto again = only<dispatch_task>(o.on(idle("f1"), 7 * s));
  REQUIRE(again.size() == 1);
  CHECK(again[0].attempt == 1);
  CHECK(again[0].prompt.find(".baton/checkpoint.md") != std::string::npos);
}

TEST_CASE("supervision: rest_for_one restarts the member and those started "
          "after it",
          "[engine][recovery][supervision]") {
  orchestrator o{parse(team_plan("rest_for_one", 3))};
  start_team(o);
  auto acted = only<supervise>(o.on(agent_exited{"f1", 1}, 5 * s));
  REQUIRE(acted.size() == 1);
  CHECK(acted[0].stop == std::vector<std::string>{"f3", "f2"});
  CHECK(acted[0].start == std::vector<std::string>{"f1", "f2"});
}

TEST_CASE("supervision: past its intensity a team stops and its parent "
          "decides, past the orchestrator's, the tasks fail",
          "[engine][recovery][supervision]") {
  orchestrator o{parse(team_plan("one_for_one", 1))};
  start_team(o);
  auto first = only<supervise>(o.on(agent_exited{"f1", 1}, 1 * s));
  REQUIRE(first.size() == 1);
  CHECK_FALSE(first[0].escalate);
  // Second restart within 60 s: the team's intensity (1) is exceeded. The
  // orchestrator restarts the team (its first restart, intensity 1).
  auto second = only<supervise>(o.on(agent_exited{"f1", 1}, 2 * s));
  REQUIRE(second.size() == 2);
  CHECK(second[0].team == "front");
  CHECK(second[0].escalate);
  CHECK(second[0].stop == std::vector<std::string>{"f3", "f2"});
  CHECK(second[1].team == "orchestrator");
  CHECK(second[1].start == std::vector<std::string>{"team:front"});
  // The members it stopped end as asked: expected, no decision.
  CHECK(only<supervise>(o.on(agent_exited{"f2", 137}, 2 * s)).empty());
  CHECK(only<supervise>(o.on(agent_exited{"f3", 137}, 2 * s)).empty());
  // Again, twice: the team escalates, and the orchestrator's own intensity
  // is exceeded: its tasks fail.
  o.on(agent_exited{"f2", 1}, 3 * s);
  auto last = o.on(agent_exited{"f2", 1}, 4 * s);
  auto acted = only<supervise>(last);
  REQUIRE(acted.size() == 2);
  CHECK(acted[1].team == "orchestrator");
  CHECK(acted[1].escalate);
  CHECK_FALSE(only<task_settled>(last).empty());
  CHECK(o.finished());
}

TEST_CASE("supervision: a transient member that ends normally is not "
          "restarted, the product of intensities bounds restarts",
          "[engine][recovery][supervision]") {
  auto text = team_plan("one_for_one", 2);
  text.replace(text.find("restart = \"temporary\""), 21,
               "restart = \"transient\"");
  orchestrator o{parse(text)};
  start_team(o);
  auto normal = only<supervise>(o.on(agent_exited{"f3", 0}, 1 * s));
  REQUIRE(normal.size() == 1);
  CHECK(normal[0].start.empty());
  // f1 crashes as often as it is started: at most (2+1) * (1+1) restarts.
  size_t restarts = 0;
  for (int i = 0; i < 20 && !o.finished(); ++i) {
    auto ds = o.on(agent_exited{"f1", 1}, (2 + i) * s);
    for (auto& r : only<restart_agent>(ds))
      restarts += r.agent == "f1";
    o.on(idle("f1"), (2 + i) * s);
  }
  CHECK(o.finished());
  CHECK(restarts <= 6);
  CHECK(restarts >= 4);
}

// -- mesh ----------------------------------------------------------------------

constexpr std::string_view mesh_plan = R"(
[run]
pattern = "mesh"
[policy]
lock_lease = "30s"
[agents.a]
preset = "sim"
workdir = "shared"
[agents.b]
preset = "sim"
workdir = "shared"
[[tasks]]
id = "ta"
prompt = "a"
agent = "a"
[[tasks]]
id = "tb"
prompt = "b"
agent = "b"
)";

TEST_CASE("mesh: every agent starts at once, locks are granted, queued, "
          "handed on, expired and freed",
          "[engine][recovery][mesh]") {
  orchestrator o{parse(mesh_plan)};
  o.on(run_begun{}, 0);
  REQUIRE(only<dispatch_task>(o.on(idle("a"), 0)).size() == 1);
  auto b = only<dispatch_task>(o.on(idle("b"), 0)); // no dispatcher order
  REQUIRE(b.size() == 1);
  CHECK(b[0].prompt.find("locks/") != std::string::npos);
  auto granted = only<change_lock>(
    o.on(lock_requested{"api/openapi.json", "a", false}, 1 * s));
  REQUIRE(granted.size() == 1);
  CHECK(granted[0].what == "granted");
  CHECK(granted[0].expires_us == 31 * s);
  auto queued = only<change_lock>(
    o.on(lock_requested{"api/openapi.json", "b", false}, 2 * s));
  REQUIRE(queued.size() == 1);
  CHECK(queued[0].what == "queued");
  CHECK(queued[0].holder == "a");
  auto handed = only<change_lock>(
    o.on(lock_requested{"api/openapi.json", "a", true}, 3 * s));
  REQUIRE(handed.size() == 2);
  CHECK(handed[0].what == "released");
  CHECK(handed[1].what == "granted");
  CHECK(handed[1].agent == "b");
  // b's lease ends at 33 s.
  CHECK(o.next_deadline() <= 33 * s);
  auto expired = only<change_lock>(o.on(time_passed{}, 33 * s));
  REQUIRE(expired.size() == 1);
  CHECK(expired[0].what == "expired");
  // A dead agent's locks are freed.
  o.on(lock_requested{"web/app.js", "a", false}, 34 * s);
  auto freed = only<change_lock>(o.on(agent_exited{"a", 3}, 35 * s));
  REQUIRE(freed.size() == 1);
  CHECK(freed[0].what == "freed");
}

TEST_CASE("mesh: two agents waiting for each other's locks are a deadlock",
          "[engine][recovery][mesh][deadlock]") {
  orchestrator o{parse(mesh_plan)};
  o.on(run_begun{}, 0);
  o.on(idle("a"), 0);
  o.on(idle("b"), 0);
  o.on(lock_requested{"x", "a", false}, 1 * s);
  o.on(lock_requested{"y", "b", false}, 1 * s);
  CHECK(only<report_deadlock>(o.on(lock_requested{"y", "a", false}, 2 * s))
          .empty());
  auto found = only<report_deadlock>(o.on(lock_requested{"x", "b", false}, 3 * s));
  REQUIRE(found.size() == 1);
  CHECK(found[0].description.find("(lock: x)") != std::string::npos);
}

TEST_CASE("mesh: a file changed by two agents is reported",
          "[engine][recovery][mesh]") {
  orchestrator o{parse(mesh_plan)};
  o.on(run_begun{}, 0);
  o.on(idle("a"), 0);
  o.on(idle("b"), 0);
  o.on(working("a"), 0);
  o.on(working("b"), 0);
  CHECK(only<change_lock>(o.on(agent_active{"a", {"shared.md"}}, 1 * s)).empty());
  auto c = only<change_lock>(o.on(agent_active{"b", {"shared.md"}}, 2 * s));
  REQUIRE(c.size() == 1);
  CHECK(c[0].what == "conflict");
  CHECK(c[0].agent == "b");
  CHECK(c[0].holder == "a");
}

TEST_CASE("shared state files: contract and lock names round-trip",
          "[engine][recovery][mesh]") {
  auto name = contract_file_name("backend", "Todo API v2");
  CHECK(name == "backend--todo-api-v2.md");
  auto back = parse_contract_file(name, contract_file_text("Todo API v2",
                                                           "GET /todos\n"));
  REQUIRE(back);
  CHECK(back->agent == "backend");
  CHECK(back->text == "Todo API v2");
  CHECK(back->body == "GET /todos");
  CHECK_FALSE(parse_contract_file("notes.md", "x"));
  CHECK(lock_path(lock_name("api/v1/openapi.json")) == "api/v1/openapi.json");
  auto want = parse_lock_request("api__openapi.json.want.frontend");
  REQUIRE(want);
  CHECK(want->path == "api/openapi.json");
  CHECK(want->agent == "frontend");
  CHECK_FALSE(want->release);
  auto rel = parse_lock_request("x.release.b");
  REQUIRE(rel);
  CHECK(rel->release);
  CHECK_FALSE(parse_lock_request("x.lock"));
}

// -- plans ---------------------------------------------------------------------

TEST_CASE("plans: bad teams, policies and restart types are named with their "
          "place",
          "[engine][recovery][plan]") {
  auto bad = parse_plan(R"(
[policy]
degrade = "pray"
[agents.a]
preset = "sim"
restart = "sometimes"
[teams.t]
strategy = "all_for_none"
)",
                        "p.toml");
  REQUIRE_FALSE(bad.ok());
  auto msg = bad.err().message();
  CHECK(msg.find("p.toml:3:11: unknown degrade policy \"pray\"")
        != std::string::npos);
  CHECK(msg.find("unknown restart \"sometimes\"") != std::string::npos);
  CHECK(msg.find("unknown strategy \"all_for_none\"") != std::string::npos);
  auto p = parse_plan(R"(
[run]
pattern = "supervisor"
[agents.a]
preset = "sim"
[teams.t]
members = ["a", "ghost"]
parent = "nowhere"
[[tasks]]
id = "x"
prompt = "x"
agent = "a"
)",
                      "p.toml");
  REQUIRE(p.ok());
  auto problems = check_plan(*p);
  std::string all;
  for (auto& x : problems)
    all += x + "\n";
  CHECK(all.find("team t names unknown agent \"ghost\"") != std::string::npos);
  CHECK(all.find("team t names unknown parent team \"nowhere\"")
        != std::string::npos);
  auto mesh = parse_plan(R"(
[run]
pattern = "mesh"
[agents.a]
preset = "sim"
[[tasks]]
id = "x"
prompt = "x"
agent = "a"
[[tasks]]
id = "y"
prompt = "y"
agent = "a"
after = ["x"]
)",
                         "m.toml");
  REQUIRE(mesh.ok());
  auto mesh_problems = check_plan(*mesh);
  REQUIRE(mesh_problems.size() == 1);
  CHECK(mesh_problems[0].find("m.toml:10:1: task y comes \"after\" others, "
                              "but a mesh has no dispatcher")
        != std::string::npos);
}
