// The operator's commands in the orchestrator's fold (engine/orchestration/
// operator.cpp): each is checked against the run as it stands, a refused
// one changes nothing, and an accepted one decides what the engine does —
// typed text carrying its command's id, a task added (in a pipeline, to the
// stage under way), cancelled, run again, an approval decided, a stop.
#include "engine/orchestration/orchestrator.hpp"

#include <catch2/catch.hpp>

#include "engine/plan/plan_parser.hpp"
#include "tests/engine/orchestration/fold_inputs.hpp"

using namespace baton::engine;
using namespace baton::engine::test;

namespace {

constexpr std::string_view hub = R"(
[agents.a]
preset = "sim"
[agents.b]
preset = "sim"
[[tasks]]
id = "one"
prompt = "first"
agent = "a"
[[tasks]]
id = "two"
prompt = "second"
agent = "b"
after = ["one"]
)";

operator_command command(operator_action action) {
  operator_command c;
  c.by = "ops";
  c.action = action;
  return c;
}

/// The command as the orchestrator actor records it: checked, then given
/// the next id.
std::vector<orchestrator_decision> apply(orchestrator& o, operator_command c) {
  REQUIRE(o.check_operator(c).empty());
  c.id = o.next_operator_id();
  return o.on(c);
}


} // namespace

TEST_CASE("text the operator sends is typed with its command's id, unknown "
          "agents and empty text are refused",
          "[engine][operator]") {
  orchestrator o{checked_plan(hub)};
  o.on(run_begun{});
  auto c = command(operator_action::send);
  c.agent = "b";
  c.text = "look at the logs";
  auto told = only<tell_agent>(apply(o, c));
  REQUIRE(told.size() == 1);
  CHECK(told[0].agent == "b");
  CHECK(told[0].text == "look at the logs");
  CHECK(told[0].ref == "o1");
  CHECK(told[0].why == "the operator (ops, o1) typed it");
  CHECK_FALSE(told[0].raw);

  auto keys = command(operator_action::keys);
  keys.agent = "a";
  keys.text = "\x1b";
  auto raw = only<tell_agent>(apply(o, keys));
  REQUIRE(raw.size() == 1);
  CHECK(raw[0].raw);
  CHECK(raw[0].ref == "o2");

  c.agent = "nobody";
  CHECK(o.check_operator(c) == "no agent nobody in this run (agents: a, b)");
  c.agent = "a";
  c.text.clear();
  CHECK(o.check_operator(c) == "nothing to type");
  CHECK(o.next_operator_id() == "o3");
}

TEST_CASE("a task added runs like a planned one, a bad one is refused with "
          "the plan checker's reasons",
          "[engine][operator]") {
  orchestrator o{checked_plan(hub)};
  o.on(run_begun{});
  o.on(idle("a"));
  o.on(idle("b"));
  auto c = command(operator_action::add_task);
  c.text = "id = \"three\"\nprompt = \"third\"\nagent = \"b\"\n";
  auto out = apply(o, c);
  auto added = only<add_task>(out);
  REQUIRE(added.size() == 1);
  CHECK(added[0].task == "three");
  // b is free: it takes the new task at once.
  auto dispatched = only<dispatch_task>(out);
  REQUIRE(dispatched.size() == 1);
  CHECK(dispatched[0].task == "three");
  CHECK(o.tasks().at("three").added_by == "ops");

  c.text = "id = \"four\"\nprompt = \"x\"\nagent = \"nobody\"\n";
  // Without the plan file's lines: they are nothing to the one adding it.
  CHECK(o.check_operator(c) == "task four names unknown agent \"nobody\"");
  c.text = "id = \"three\"\nprompt = \"again\"\nagent = \"a\"\n";
  CHECK(o.check_operator(c).find("\"three\" is used twice")
        != std::string::npos);
  c.text = "id = \"five\"\nprompt = \"x\"\nagent = \"a\"\n"
           "[[artifacts]]\npath = \"/etc/passwd\"\n";
  CHECK(o.check_operator(c).find("outside the workspace")
        != std::string::npos);
  c.text = "id = \"six\"\nprompt = \"x\"\nagent = \"a\"\nafter = [\"six\"]\n";
  CHECK(o.check_operator(c).find("dependency cycle") != std::string::npos);
}

TEST_CASE("a task added to a pipeline joins the stage under way, which "
          "closes only when it passed too",
          "[engine][operator]") {
  orchestrator o{checked_plan(two_stages)};
  o.on(run_begun{});
  o.on(idle("a"));
  o.on(idle("b"));
  auto c = command(operator_action::add_task);
  c.text = "id = \"survey\"\nprompt = \"s\"\nagent = \"b\"\n";
  auto dispatched = only<dispatch_task>(apply(o, c));
  REQUIRE(dispatched.size() == 1);
  CHECK(dispatched[0].task == "survey");
  pass(o, "a", "research");
  // The research stage waits for the task added to it.
  CHECK(o.tasks().at("build").status == task_status::waiting);
  o.on(idle("a"));
  pass(o, "b", "survey");
  CHECK(o.tasks().at("build").status == task_status::dispatched);
}

TEST_CASE("a task cancelled fails with the operator's reason and its agent is "
          "told, a settled task runs again on request, then its dependents",
          "[engine][operator]") {
  // b works on a side task meanwhile: the run goes on.
  orchestrator o{checked_plan(std::string{hub} + R"(
[[tasks]]
id = "side"
prompt = "meanwhile"
agent = "b"
)")};
  o.on(run_begun{});
  o.on(idle("a"));
  o.on(idle("b"));
  auto cancel = command(operator_action::cancel_task);
  cancel.task = "one";
  cancel.reason = "wrong approach";
  auto out = apply(o, cancel);
  auto told = only<tell_agent>(out);
  REQUIRE(told.size() == 1);
  CHECK(told[0].agent == "a");
  auto settled = only<task_settled>(out);
  REQUIRE(settled.size() == 2);
  CHECK(settled[0].task == "one");
  CHECK(settled[0].reason
        == "cancelled by the operator (ops, o1): wrong approach");
  CHECK(settled[1].task == "two"); // it depended on one
  CHECK(o.check_operator(cancel) == "task one has settled already (failed)");

  auto rerun = command(operator_action::rerun_task);
  rerun.task = "one";
  out = apply(o, rerun);
  auto again = only<dispatch_task>(out);
  REQUIRE(again.size() == 1);
  CHECK(again[0].task == "one");
  CHECK(o.tasks().at("two").status == task_status::waiting);
  CHECK(o.check_operator(rerun) == "task one has not settled (it is "
                                   "dispatched)");
  rerun.task = "nine";
  CHECK(o.check_operator(rerun) == "no task nine in this run");
}

TEST_CASE("an operator's stop fails what has not settled and ends the run, "
          "afterwards every command is refused",
          "[engine][operator]") {
  orchestrator o{checked_plan(hub)};
  o.on(run_begun{});
  o.on(idle("a"));
  auto stop = command(operator_action::stop);
  stop.reason = "enough";
  auto out = apply(o, stop);
  auto settled = only<task_settled>(out);
  REQUIRE(settled.size() == 2);
  CHECK(settled[0].reason == "stopped before it finished (stopped by the "
                             "operator (ops, o1): enough)");
  REQUIRE(only<finish_run>(out).size() == 1);
  CHECK(o.check_operator(stop) == "the run has finished");

  auto approve = command(operator_action::approve);
  approve.approval = "a1";
  approve.answer = "maybe";
  CHECK(o.check_operator(approve) == "the run has finished");
}

TEST_CASE("an approval decision names a known answer and a waiting request",
          "[engine][operator]") {
  orchestrator o{checked_plan(hub)};
  o.on(run_begun{});
  auto approve = command(operator_action::approve);
  approve.approval = "a1";
  approve.answer = "maybe";
  CHECK(o.check_operator(approve)
        == "unknown answer \"maybe\" (allow, allow_always or deny)");
  approve.answer = "allow";
  CHECK(o.check_operator(approve).starts_with(
    "no approval request a1 is waiting for an answer"));
}
