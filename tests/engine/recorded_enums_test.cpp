// Enumerations recorded as text, and since record version 1 as enum fields
// beside the text: written by version, read the same from either.
#include "engine/recorded_enums.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <catch2/catch.hpp>

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
