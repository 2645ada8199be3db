// The orchestrator's snapshot (engine/orchestration/orchestrator_snapshot)
// across the run's changes to its plan: a task the operator added to a
// pipeline's stage, a failed task's scope merged into another agent's. The
// fold restored from it saves the same bytes and decides what the fold that
// never stopped decides. (tests/replay/orchestrator_snapshot_test cuts the
// stored runs at every event.)
#include "engine/orchestration/orchestrator_snapshot.hpp"

#include <catch2/catch.hpp>

#include "engine/orchestration/orchestrator_event.hpp"
#include "tests/engine/orchestration/fold_inputs.hpp"
#include "tests/support/kind_names.hpp"

using namespace baton;
using namespace baton::engine;
using namespace baton::engine::test;

namespace {

constexpr uint64_t s = 1'000'000;

recorded_orchestrator fold_of(const std::string& text) {
  recorded_orchestrator r;
  r.start.plan_text = text;
  auto p = checked_plan(text);
  r.plan_tasks = p.tasks.size();
  r.engine = std::make_unique<orchestrator>(std::move(p));
  return r;
}

/// `r` saved and restored.
recorded_orchestrator round_trip(const recorded_orchestrator& r) {
  auto saved = r.save();
  auto restored = recorded_orchestrator::restore(r.start, saved);
  INFO((restored ? std::string{} : restored.err().message()));
  REQUIRE(restored.ok());
  REQUIRE(restored->save() == saved);
  return std::move(*restored);
}

/// The decisions of `in` at `now` in both folds, as recorded bytes: equal.
std::vector<orchestrator_decision> both(recorded_orchestrator& a,
                                        recorded_orchestrator& b,
                                        const orchestrator_input& in,
                                        uint64_t now) {
  auto da = a.engine->on(in, now);
  auto db = b.engine->on(in, now);
  REQUIRE(da.size() == db.size());
  for (size_t i = 0; i < da.size(); ++i)
    CHECK(to_event(da[i], a.engine->version())
          == to_event(db[i], b.engine->version()));
  CHECK(a.save() == b.save());
  return da;
}

} // namespace

TEST_CASE("a snapshot keeps a task the operator added to a pipeline's stage: "
          "restored, the stage waits for it and the next stage starts after",
          "[engine][snapshot]") {
  auto r = fold_of(std::string{two_stages});
  auto& o = *r.engine;
  o.on(run_begun{}, 0);
  o.on(idle("a"), 0);
  o.on(idle("b"), 0);
  operator_command c;
  c.by = "ops";
  c.action = operator_action::add_task;
  c.text = "id = \"survey\"\nprompt = \"s\"\nagent = \"b\"\n";
  REQUIRE(o.check_operator(c).empty());
  c.id = o.next_operator_id();
  REQUIRE(only<add_task>(o.on(c, 1 * s)).size() == 1);

  auto back = round_trip(r);
  CHECK(back.engine->current_plan().tasks.size() == 3);
  CHECK(back.engine->current_plan().stages[0].tasks
        == std::vector<std::string>{"research", "survey"});
  CHECK(back.engine->next_operator_id() == "o2");
  CHECK(back.engine->tasks().at("survey").added_by == "ops");
  CHECK(back.engine->tasks().at("survey").status == task_status::dispatched);

  both(r, back, working("a"), 2 * s);
  both(r, back, line("a", protocol_kind::done, "research done", "1 passed"),
       3 * s);
  both(r, back, gate_finished{"research", 1, true, {}, {}}, 4 * s);
  both(r, back, idle("a"), 5 * s);
  CHECK(back.engine->tasks().at("build").status == task_status::waiting);
  both(r, back, working("b"), 6 * s);
  both(r, back, line("b", protocol_kind::done, "survey done", "1 passed"),
       7 * s);
  auto out = both(r, back, gate_finished{"survey", 1, true, {}, {}}, 8 * s);
  auto next = only<dispatch_task>(out);
  REQUIRE(next.size() == 1);
  CHECK(next[0].task == "build");
}

TEST_CASE("a snapshot keeps a merged scope: restored, the task goes on with "
          "the agent it was merged into, which owns both scopes",
          "[engine][snapshot]") {
  auto r = fold_of(std::string{merging});
  auto& o = *r.engine;
  o.on(run_begun{}, 0);
  o.on(idle("a"), 0);
  o.on(idle("b"), 0);
  o.on(working("a"), 1 * s);
  auto ds = o.on(line("a", protocol_kind::error, "cannot"), 2 * s);
  REQUIRE(only<degrade_task>(ds).size() == 1);

  auto back = round_trip(r);
  auto& agents = back.engine->current_plan().agents;
  REQUIRE(agents.size() == 2);
  CHECK(agents[1].owns == std::vector<std::string>{"docs/**", "core/**"});
  CHECK(back.engine->tasks().at("core").agent == "b");
  CHECK(back.engine->tasks().at("core").degraded == degrade_policy::merge);

  both(r, back, working("b"), 3 * s);
  auto end = only<finish_run>(
    both(r, back, line("b", protocol_kind::error, "no"), 4 * s));
  REQUIRE(end.size() == 1);
  CHECK(end[0].outcome == run_outcome::failed);
  CHECK(back.engine->finished());
}

TEST_CASE("a snapshot keeps the approvals waiting, the deadlines of those "
          "answered, and an agent whose screen matched no rule",
          "[engine][snapshot]") {
  auto r = fold_of(R"(
[policy]
stall_after = "60s"
task_timeout = "1h"
[approvals]
timeout = "2m"
[agents.builder]
preset = "sim"
[agents.writer]
preset = "sim"
[[tasks]]
id = "build"
agent = "builder"
prompt = "build it"
[[tasks]]
id = "doc"
agent = "writer"
prompt = "write it"
)");
  auto& o = *r.engine;
  run_begun b;
  b.workspace = "/w";
  o.on(b, 0);
  o.on(idle("builder"), 1 * s);
  o.on(idle("writer"), 1 * s);
  o.on(working("builder"), 2 * s);
  o.on(working("writer"), 2 * s);
  REQUIRE(only<request_approval>(
            o.on(asking("builder", "Bash", "rm -rf build"), 3 * s))
            .size()
          == 1);
  REQUIRE(
    only<request_approval>(o.on(asking("writer", "Bash", "rm -rf docs"), 4 * s))
      .size()
    == 1);
  // a1 answered: its deadline stays on the desk until time passes it.
  REQUIRE(
    only<decide_approval>(
      o.on(approval_answered{"a1", approval_answer::allow, "ops", ""}, 5 * s))
      .size()
    == 1);
  o.on(agent_observed{"builder", detect::state::unknown, false}, 6 * s);

  auto back = round_trip(r);
  CHECK(back.engine->approvals().size() == 1);
  CHECK(back.engine->approvals().count("a2") == 1);
  CHECK(back.engine->agents().at("builder").state == detect::state::unknown);
  CHECK(back.engine->next_deadline() == o.next_deadline());
  CHECK(back.engine->stall_due(200 * s) == o.stall_due(200 * s));

  // The deadlines fall due alike: a1's passes, then a2 takes the fallback.
  both(r, back, time_passed{}, 123 * s);
  CHECK(back.engine->next_deadline() == o.next_deadline());
  auto late = only<decide_approval>(both(r, back, time_passed{}, 124 * s));
  REQUIRE(late.size() == 1);
  CHECK(late[0].by == "timeout");
  // The next request's id goes on from the snapshot's count.
  both(r, back, working("writer"), 126 * s);
  auto again = only<request_approval>(
    both(r, back, asking("writer", "Bash", "rm -rf tmp"), 130 * s));
  REQUIRE(again.size() == 1);
  CHECK(again[0].id == "a3");
}

TEST_CASE("a snapshot of bytes that are no snapshot, or of another plan, is "
          "refused with the reason",
          "[engine][snapshot]") {
  auto r = fold_of("[agents.a]\npreset = \"sim\"\n[[tasks]]\nid = \"t\"\n"
                   "prompt = \"p\"\nagent = \"a\"\n");
  r.engine->on(run_begun{}, 0);
  std::vector<std::byte> junk(64, std::byte{0x5a});
  auto bad = frame::from_bytes(junk);
  REQUIRE(bad.ok());
  auto refused = recorded_orchestrator::restore(r.start, *bad);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.err().code() == ec::corruption);
  CHECK(refused.err().message().find("snapshot of the orchestrator")
        != std::string::npos);

  // A snapshot of another plan: its tasks are not this plan's.
  auto other = fold_of("[agents.a]\npreset = \"sim\"\n[[tasks]]\nid = \"u\"\n"
                       "prompt = \"p\"\nagent = \"a\"\n");
  other.engine->on(run_begun{}, 0);
  auto mismatched = recorded_orchestrator::restore(r.start, other.save());
  REQUIRE_FALSE(mismatched.ok());
  CHECK(mismatched.err().message().find("task u") != std::string::npos);
}
