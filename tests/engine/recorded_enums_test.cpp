// Enumerations recorded as text, and since record version 1 (states, kinds,
// outcomes, strategies) or 2 (the decisions' kinds) as enum fields beside the
// text: written by version, read the same from either.
#include "engine/recorded_enums.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <catch2/catch.hpp>

#include "engine/concurrency/lock_table.hpp"
#include "engine/orchestration/orchestrator_event.hpp"

using namespace baton;
using namespace baton::engine;

namespace {

template<class F>
frame event(F&& fill) {
  capnp::MallocMessageBuilder b;
  fill(b.initRoot<schema::Event>());
  return frame::from(b);
}

} // namespace

TEST_CASE("version 0 writes the text alone, byte for byte as before, and "
          "version 1 adds the enum",
          "[engine][recorded_enums]") {
  auto old = event([](schema::Event::Builder e) {
    auto s = e.initStateChanged();
    s.setFrom("idle");
    s.setTo("waiting_approval");
  });
  auto v0 = event([](schema::Event::Builder e) {
    write_states(e.initStateChanged(), detect::state::idle,
                 detect::state::waiting_approval, 0);
  });
  CHECK(v0 == old);
  auto v1 = event([](schema::Event::Builder e) {
    write_states(e.initStateChanged(), detect::state::idle,
                 detect::state::waiting_approval, 1);
  });
  CHECK(v1 != old);
  capnp::FlatArrayMessageReader r{v1.words()};
  auto s = r.getRoot<schema::Event>().getStateChanged();
  CHECK(s.getFromState() == schema::AgentState::IDLE);
  CHECK(s.getToState() == schema::AgentState::WAITING_APPROVAL);
  CHECK(std::string{s.getTo().cStr()} == "waiting_approval");

  // A run's last decision: the same rule.
  finish_run f{false, "1/2 tasks passed", {"b (why)"}, run_outcome::reduced};
  auto f0 = to_event(f, 0);
  auto f1 = to_event(f, 1);
  capnp::FlatArrayMessageReader r0{f0.words()}, r1{f1.words()};
  auto e0 = r0.getRoot<schema::Event>().getRunFinished();
  auto e1 = r1.getRoot<schema::Event>().getRunFinished();
  CHECK(e0.getOutcomeKind() == schema::Outcome::UNSET);
  CHECK(e1.getOutcomeKind() == schema::Outcome::REDUCED);
  CHECK(std::string{e0.getOutcome().cStr()} == "reduced");
  CHECK(outcome_of(e0) == run_outcome::reduced);
  CHECK(outcome_of(e1) == run_outcome::reduced);
  // Read back and written again in its version: the same bytes.
  CHECK(to_event(*decision_from_event(r0.getRoot<schema::Event>()), 0) == f0);
  CHECK(to_event(*decision_from_event(r1.getRoot<schema::Event>()), 1) == f1);

  supervise acted{"back", "db", restart_strategy::rest_for_one, {"db"},
                  {"db"}, false, "restart"};
  auto a1 = to_event(acted, 1);
  capnp::FlatArrayMessageReader ra{a1.words()};
  auto sa = ra.getRoot<schema::Event>().getSupervisorActed();
  CHECK(sa.getStrategyKind() == schema::Strategy::REST_FOR_ONE);
  CHECK(std::string{sa.getStrategy().cStr()} == "rest_for_one");
  CHECK(strategy_of(sa) == restart_strategy::rest_for_one);
}

TEST_CASE("readers take the enum when it is set, the text otherwise, and "
          "nothing from what neither names",
          "[engine][recorded_enums]") {
  capnp::MallocMessageBuilder b;
  auto m = b.initRoot<schema::Event>().initProtocolMessage();
  m.setKind("need");
  CHECK(kind_of(m.asReader()) == protocol::kind::need);
  // The enum decides where both are there.
  m.setLineKind(schema::LineKind::CONTRACT);
  CHECK(kind_of(m.asReader()) == protocol::kind::contract);
  // A value a later version added: the text, as an older engine reads it.
  m.setLineKind(static_cast<schema::LineKind>(42));
  CHECK(kind_of(m.asReader()) == protocol::kind::need);
  m.setKind("chant");
  CHECK_FALSE(kind_of(m.asReader()));
  m.setStatus("BLOCKED");
  CHECK(status_of(m.asReader()) == protocol::status::blocked);
  m.setStatusKind(schema::StatusKind::DONE);
  CHECK(status_of(m.asReader()) == protocol::status::done);

  auto s = b.initRoot<schema::Event>().initStateChanged();
  s.setFrom("starting");
  s.setTo("gone");
  CHECK(from_state(s.asReader()) == detect::state::starting);
  CHECK_FALSE(to_state(s.asReader()));
  s.setToState(schema::AgentState::EXITED);
  CHECK(to_state(s.asReader()) == detect::state::exited);

  auto r = b.initRoot<schema::Event>().initRunFinished();
  CHECK_FALSE(outcome_of(r.asReader())); // recorded before outcomes
  r.setOutcome("operator");
  CHECK(outcome_of(r.asReader()) == run_outcome::by_operator);
  CHECK(run_outcome_from_string("complete") == run_outcome::complete);
  CHECK_FALSE(run_outcome_from_string("fine"));
}

TEST_CASE("the orchestrator's inputs carry the enums whatever the version, "
          "and read back as they were",
          "[engine][recorded_enums]") {
  agent_observed seen{"web", detect::state::waiting_approval, false, "Bash",
                      "rm -rf /", "Allow?"};
  auto f = to_event(orchestrator_input{seen});
  capnp::FlatArrayMessageReader r{f.words()};
  auto e = r.getRoot<schema::Event>();
  CHECK(e.getWorkerReported().getState().getToState()
        == schema::AgentState::WAITING_APPROVAL);
  auto back = input_from_event(e);
  REQUIRE(back);
  CHECK(std::get<agent_observed>(*back) == seen);
  protocol_seen line;
  line.agent = "web";
  line.kind = protocol_kind::blocked;
  line.text = "no key";
  auto lf = to_event(orchestrator_input{line});
  capnp::FlatArrayMessageReader lr{lf.words()};
  auto m = lr.getRoot<schema::Event>().getWorkerReported().getProtocol();
  CHECK(m.getLineKind() == schema::LineKind::STATUS);
  CHECK(m.getStatusKind() == schema::StatusKind::BLOCKED);
  CHECK(std::string{m.getStatus().cStr()} == "BLOCKED");
  auto lb = input_from_event(lr.getRoot<schema::Event>());
  REQUIRE(lb);
  CHECK(std::get<protocol_seen>(*lb).kind == protocol_kind::blocked);
}

TEST_CASE("version 1 writes the decisions' kinds as text alone, byte for byte "
          "as before, and version 2 adds the enum",
          "[engine][recorded_enums]") {
  escalate_task esc{"api",
                    "web",
                    escalation_trigger::stall,
                    escalation_step::reassign,
                    3,
                    "no PROGRESS for 600 s"};
  degrade_task deg{"api",
                   degrade_policy::ship_without,
                   "",
                   {"api", "ui"},
                   "shipped without it"};
  change_lock lock{"docs/api.md", "web", lock_change::withdrawn,
                   "back",        7,     "it left the queue"};
  decide_approval dec{"a2", "web", approval_answer::allow_always,
                      approval_by{approval_by_kind::rule, 12}, "npm test"};
  // What the engine wrote before version 2, field by field as it did.
  auto old_esc = event([&](schema::Event::Builder e) {
    auto b = e.initTaskEscalated();
    b.setTask("api");
    b.setAgent("web");
    b.setTrigger("stall");
    b.setStep("reassign");
    b.setCount(3);
    b.setEvidence("no PROGRESS for 600 s");
  });
  auto old_lock = event([&](schema::Event::Builder e) {
    auto b = e.initLockChanged();
    b.setPath("docs/api.md");
    b.setAgent("web");
    b.setWhat("withdrawn");
    b.setHolder("back");
    b.setExpiresUs(7);
    b.setWhy("it left the queue");
  });
  auto old_dec = event([&](schema::Event::Builder e) {
    auto b = e.initApprovalDecided();
    b.setId("a2");
    b.setAgent("web");
    b.setAnswer("allow_always");
    b.setBy("rule 12");
    b.setWhy("npm test");
  });
  CHECK(to_event(esc, 1) == old_esc);
  CHECK(to_event(lock, 1) == old_lock);
  CHECK(to_event(dec, 1) == old_dec);
  CHECK(to_event(esc, 2) != old_esc);

  auto v2 = [](const orchestrator_decision& d) { return to_event(d, 2); };
  auto fe = v2(esc), fd = v2(deg), fl = v2(lock), fa = v2(dec);
  capnp::FlatArrayMessageReader re{fe.words()}, rd{fd.words()}, rl{fl.words()},
    ra{fa.words()};
  auto e = re.getRoot<schema::Event>().getTaskEscalated();
  CHECK(e.getTriggerKind() == schema::EscalationTrigger::STALL);
  CHECK(e.getStepKind() == schema::EscalationStep::REASSIGN);
  CHECK(std::string{e.getStep().cStr()} == "reassign");
  CHECK(rd.getRoot<schema::Event>().getTaskDegraded().getPolicyKind()
        == schema::DegradePolicy::SHIP_WITHOUT);
  CHECK(rl.getRoot<schema::Event>().getLockChanged().getWhatKind()
        == schema::LockChange::WITHDRAWN);
  auto a = ra.getRoot<schema::Event>().getApprovalDecided();
  CHECK(a.getAnswerKind() == schema::ApprovalAnswer::ALLOW_ALWAYS);
  CHECK(a.getByKind() == schema::ApprovalBy::RULE);
  CHECK(a.getByRule() == 12);
  CHECK(std::string{a.getBy().cStr()} == "rule 12");

  // Read back, in either version, as the same decision; written again in
  // its version, the same bytes.
  for (uint16_t version : {1, 2})
    for (auto& d : std::vector<orchestrator_decision>{esc, deg, lock, dec}) {
      auto f = to_event(d, version);
      capnp::FlatArrayMessageReader r{f.words()};
      auto back = decision_from_event(r.getRoot<schema::Event>());
      REQUIRE(back);
      CHECK(*back == d);
      CHECK(to_event(*back, version) == f);
    }
}

TEST_CASE("each decision kind reads back from its recorded name, the enum "
          "decides where both are set, and unknown names read as nothing",
          "[engine][recorded_enums]") {
  auto round_trips = []<class E>(E) {
    for (size_t i = 0; i < kind_count<E>; ++i) {
      auto v = static_cast<E>(i);
      CHECK(named<E>(to_string(v)) == v);
    }
    CHECK_FALSE(named<E>("sometimes"));
  };
  round_trips(escalation_trigger{});
  round_trips(escalation_step{});
  round_trips(degrade_policy{});
  round_trips(lock_change{});
  round_trips(approval_answer{});
  round_trips(host_state{});
  // The names the log has always had.
  CHECK(to_string(lock_event::kind::renewed) == "renewed");
  CHECK(to_string(lock_change::conflict) == "conflict");
  CHECK(named<degrade_policy>("operator") == degrade_policy::by_operator);
  CHECK(to_string(escalation_step::redispatch) == "redispatch");
  CHECK(to_string(approval_answer::allow_always) == "allow_always");

  CHECK(approval_by_named("rule 3") == approval_by{approval_by_kind::rule, 3});
  CHECK(to_string(approval_by{approval_by_kind::rule, 3}) == "rule 3");
  CHECK(approval_by_named("deny list")
        == approval_by{approval_by_kind::deny_list});
  CHECK(approval_by_named("operator")
        == approval_by{approval_by_kind::by_operator});
  for (auto bad : {"rule", "rule ", "rule 0", "rule x", "rule 3b", "ops"})
    CHECK_FALSE(approval_by_named(bad));

  capnp::MallocMessageBuilder b;
  auto t = b.initRoot<schema::Event>().initTaskEscalated();
  t.setTrigger("loop");
  CHECK(trigger_of(t.asReader()) == escalation_trigger::loop);
  t.setTriggerKind(schema::EscalationTrigger::STALL);
  CHECK(trigger_of(t.asReader()) == escalation_trigger::stall);
  // A value a later version added: the text.
  t.setTriggerKind(static_cast<schema::EscalationTrigger>(9));
  CHECK(trigger_of(t.asReader()) == escalation_trigger::loop);
  CHECK_FALSE(step_of(t.asReader()));
  auto d = b.initRoot<schema::Event>().initApprovalDecided();
  d.setBy("rule 2");
  CHECK(by_of(d.asReader()) == approval_by{approval_by_kind::rule, 2});
  d.setByKind(schema::ApprovalBy::TIMEOUT);
  CHECK(by_of(d.asReader()) == approval_by{approval_by_kind::timeout});
  auto h = b.initRoot<schema::Event>().initHostChanged();
  h.setState("unreachable");
  CHECK(host_state_of(h.asReader()) == host_state::unreachable);
  write_host_state(h, host_state::lost);
  CHECK(h.getStateKind() == schema::HostState::LOST);
  CHECK(std::string{h.getState().cStr()} == "lost");
  CHECK(host_state_of(h.asReader()) == host_state::lost);
}

TEST_CASE("an operator's answer carries its enum whatever the version, and "
          "an answer no version knows is not applied",
          "[engine][recorded_enums]") {
  approval_answered in{"a1", approval_answer::allow_always, "ops", "fine"};
  auto f = to_event(orchestrator_input{in});
  capnp::FlatArrayMessageReader r{f.words()};
  auto e = r.getRoot<schema::Event>();
  CHECK(e.getApprovalAnswered().getAnswerKind()
        == schema::ApprovalAnswer::ALLOW_ALWAYS);
  auto back = input_from_event(e);
  REQUIRE(back);
  CHECK(std::get<approval_answered>(*back) == in);

  operator_command c;
  c.id = "o1";
  c.by = "ops";
  c.action = operator_action::approve;
  c.approval = "a1";
  c.answer = "deny";
  auto cf = to_event(orchestrator_input{c});
  capnp::FlatArrayMessageReader cr{cf.words()};
  auto ce = cr.getRoot<schema::Event>();
  CHECK(ce.getOperatorCommand().getAnswerKind()
        == schema::ApprovalAnswer::DENY);
  auto cb = input_from_event(ce);
  REQUIRE(cb);
  CHECK(std::get<operator_command>(*cb) == c);

  // Recorded before the enum: the text; a text nobody knows: no input.
  capnp::MallocMessageBuilder b;
  auto old = b.initRoot<schema::Event>();
  auto a = old.initApprovalAnswered();
  a.setId("a1");
  a.setAnswer("deny");
  auto read = input_from_event(old.asReader());
  REQUIRE(read);
  CHECK(std::get<approval_answered>(*read).answer == approval_answer::deny);
  a.setAnswer("maybe");
  CHECK_FALSE(input_from_event(old.asReader()));
}
