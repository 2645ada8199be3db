#include "engine/recorded_enums.hpp"

#include <string>

namespace baton::engine {

namespace {

kj::StringPtr text(std::string_view s) {
  // Every name here is a literal: NUL-terminated.
  return {s.data(), s.size()};
}

std::string_view view(capnp::Text::Reader t) {
  return {t.begin(), t.size()};
}

// Each schema enum is the engine's, shifted by one: 0 is `unset`.
template<class Schema, class Engine>
Schema to_schema(Engine e) {
  return static_cast<Schema>(static_cast<uint16_t>(e) + 1);
}

/// The engine's value of a recorded enum field; nullopt when unset or
/// beyond `count` values (a later version's).
template<class Engine, class Schema>
std::optional<Engine> from_schema(Schema s, uint16_t count) {
  auto v = static_cast<uint16_t>(s);
  if (v == 0 || v > count)
    return std::nullopt;
  return static_cast<Engine>(v - 1);
}

static_assert(static_cast<uint16_t>(schema::AgentState::UNKNOWN)
              == static_cast<uint16_t>(detect::state::unknown) + 1);
static_assert(static_cast<uint16_t>(schema::LineKind::TASK)
              == static_cast<uint16_t>(protocol::kind::task) + 1);
static_assert(static_cast<uint16_t>(schema::StatusKind::ERROR)
              == static_cast<uint16_t>(protocol::status::error) + 1);
static_assert(static_cast<uint16_t>(schema::Outcome::FAILED)
              == static_cast<uint16_t>(run_outcome::failed) + 1);
static_assert(static_cast<uint16_t>(schema::Strategy::REST_FOR_ONE)
              == static_cast<uint16_t>(restart_strategy::rest_for_one) + 1);

constexpr uint16_t states = 9, kinds = 6, statuses = 3, outcomes = 4,
                   strategies = 3;

// Version 2's: decision_kinds.hpp's values, each shifted by one.
static_assert(
  static_cast<uint16_t>(schema::EscalationTrigger::STALL)
    == kind_count<
      escalation_trigger> && static_cast<uint16_t>(schema::EscalationStep::FAIL) == kind_count<escalation_step> && static_cast<uint16_t>(schema::DegradePolicy::OPERATOR) == kind_count<degrade_policy> && static_cast<uint16_t>(schema::LockChange::CONFLICT) == kind_count<lock_change> && static_cast<uint16_t>(schema::ApprovalAnswer::WITHDRAWN) == kind_count<approval_answer> && static_cast<uint16_t>(schema::ApprovalBy::AGENT) == kind_count<approval_by_kind> && static_cast<uint16_t>(schema::HostState::LOST) == kind_count<host_state>);

/// A decision kind's recorded value: the enum when set and known, else its
/// text.
template<class Engine, class Schema>
std::optional<Engine> kind_read(Schema s, capnp::Text::Reader t) {
  if (auto v = from_schema<Engine>(s, kind_count<Engine>))
    return v;
  return named<Engine>(view(t));
}

std::optional<protocol::kind> kind_named(std::string_view s) {
  for (uint16_t i = 0; i < kinds; ++i)
    if (protocol::to_string(static_cast<protocol::kind>(i)) == s)
      return static_cast<protocol::kind>(i);
  return std::nullopt;
}

std::optional<protocol::status> status_named(std::string_view s) {
  for (uint16_t i = 0; i < statuses; ++i)
    if (protocol::to_string(static_cast<protocol::status>(i)) == s)
      return static_cast<protocol::status>(i);
  return std::nullopt;
}

} // namespace

void write_states(schema::StateChanged::Builder b, detect::state from,
                  detect::state to, uint16_t version) {
  b.setFrom(text(detect::to_string(from)));
  b.setTo(text(detect::to_string(to)));
  if (version >= enums_since) {
    b.setFromState(to_schema<schema::AgentState>(from));
    b.setToState(to_schema<schema::AgentState>(to));
  }
}

void write_state(schema::StateChanged::Builder b, detect::state to,
                 uint16_t version) {
  b.setTo(text(detect::to_string(to)));
  if (version >= enums_since)
    b.setToState(to_schema<schema::AgentState>(to));
}

void write_kind(schema::ProtocolMessage::Builder b, protocol::kind k,
                uint16_t version) {
  b.setKind(text(protocol::to_string(k)));
  if (version >= enums_since)
    b.setLineKind(to_schema<schema::LineKind>(k));
}

void write_status(schema::ProtocolMessage::Builder b, protocol::status s,
                  uint16_t version) {
  b.setStatus(text(protocol::to_string(s)));
  if (version >= enums_since)
    b.setStatusKind(to_schema<schema::StatusKind>(s));
}

void write_outcome(schema::RunFinished::Builder b, run_outcome o,
                   uint16_t version) {
  b.setOutcome(text(to_string(o)));
  if (version >= enums_since)
    b.setOutcomeKind(to_schema<schema::Outcome>(o));
}

void write_strategy(schema::SupervisorActed::Builder b, restart_strategy s,
                    uint16_t version) {
  b.setStrategy(text(to_string(s)));
  if (version >= enums_since)
    b.setStrategyKind(to_schema<schema::Strategy>(s));
}

std::optional<detect::state> from_state(schema::StateChanged::Reader r) {
  if (auto s = from_schema<detect::state>(r.getFromState(), states))
    return s;
  return detect::state_from_string(view(r.getFrom()));
}

std::optional<detect::state> to_state(schema::StateChanged::Reader r) {
  if (auto s = from_schema<detect::state>(r.getToState(), states))
    return s;
  return detect::state_from_string(view(r.getTo()));
}

std::optional<protocol::kind> kind_of(schema::ProtocolMessage::Reader r) {
  if (auto k = from_schema<protocol::kind>(r.getLineKind(), kinds))
    return k;
  return kind_named(view(r.getKind()));
}

std::optional<protocol::status> status_of(schema::ProtocolMessage::Reader r) {
  if (auto s = from_schema<protocol::status>(r.getStatusKind(), statuses))
    return s;
  return status_named(view(r.getStatus()));
}

std::optional<run_outcome> outcome_of(schema::RunFinished::Reader r) {
  if (auto o = from_schema<run_outcome>(r.getOutcomeKind(), outcomes))
    return o;
  return run_outcome_from_string(view(r.getOutcome()));
}

std::optional<restart_strategy>
strategy_of(schema::SupervisorActed::Reader r) {
  if (auto s = from_schema<restart_strategy>(r.getStrategyKind(), strategies))
    return s;
  return parse_restart_strategy(view(r.getStrategy()));
}

void write_escalation(schema::TaskEscalated::Builder b,
                      escalation_trigger trigger, escalation_step step,
                      uint16_t version) {
  b.setTrigger(text(to_string(trigger)));
  b.setStep(text(to_string(step)));
  if (version >= decision_enums_since) {
    b.setTriggerKind(to_schema<schema::EscalationTrigger>(trigger));
    b.setStepKind(to_schema<schema::EscalationStep>(step));
  }
}

void write_policy(schema::TaskDegraded::Builder b, degrade_policy p,
                  uint16_t version) {
  b.setPolicy(text(to_string(p)));
  if (version >= decision_enums_since)
    b.setPolicyKind(to_schema<schema::DegradePolicy>(p));
}

void write_change(schema::LockChanged::Builder b, lock_change c,
                  uint16_t version) {
  b.setWhat(text(to_string(c)));
  if (version >= decision_enums_since)
    b.setWhatKind(to_schema<schema::LockChange>(c));
}

void write_answer(schema::ApprovalDecided::Builder b, approval_answer a,
                  const approval_by& by, uint16_t version) {
  b.setAnswer(text(to_string(a)));
  b.setBy(to_string(by));
  if (version >= decision_enums_since) {
    b.setAnswerKind(to_schema<schema::ApprovalAnswer>(a));
    b.setByKind(to_schema<schema::ApprovalBy>(by.kind));
    b.setByRule(by.rule);
  }
}

void write_answer(schema::ApprovalAnswered::Builder b, approval_answer a) {
  b.setAnswer(text(to_string(a)));
  b.setAnswerKind(to_schema<schema::ApprovalAnswer>(a));
}

void write_answer(schema::OperatorCommand::Builder b, std::string_view answer) {
  b.setAnswer(capnp::Text::Reader{answer.data(), answer.size()});
  if (auto a = named<approval_answer>(answer))
    b.setAnswerKind(to_schema<schema::ApprovalAnswer>(*a));
}

void write_host_state(schema::HostChanged::Builder b, host_state s) {
  b.setState(text(to_string(s)));
  b.setStateKind(to_schema<schema::HostState>(s));
}

std::optional<escalation_trigger> trigger_of(schema::TaskEscalated::Reader r) {
  return kind_read<escalation_trigger>(r.getTriggerKind(), r.getTrigger());
}

std::optional<escalation_step> step_of(schema::TaskEscalated::Reader r) {
  return kind_read<escalation_step>(r.getStepKind(), r.getStep());
}

std::optional<degrade_policy>
degrade_policy_of(schema::TaskDegraded::Reader r) {
  return kind_read<degrade_policy>(r.getPolicyKind(), r.getPolicy());
}

std::optional<degrade_policy> degraded_of(schema::ChainVerdict::Reader r) {
  return from_schema<degrade_policy>(r.getDegraded(),
                                     kind_count<degrade_policy>);
}

void write_degraded(schema::ChainVerdict::Builder b,
                    std::optional<degrade_policy> p) {
  if (p)
    b.setDegraded(to_schema<schema::DegradePolicy>(*p));
}

std::optional<lock_change> change_of(schema::LockChanged::Reader r) {
  return kind_read<lock_change>(r.getWhatKind(), r.getWhat());
}

std::optional<approval_answer> answer_of(schema::ApprovalDecided::Reader r) {
  return kind_read<approval_answer>(r.getAnswerKind(), r.getAnswer());
}

std::optional<approval_by> by_of(schema::ApprovalDecided::Reader r) {
  if (auto k = from_schema<approval_by_kind>(r.getByKind(),
                                             kind_count<approval_by_kind>))
    return approval_by{*k, *k == approval_by_kind::rule ? r.getByRule() : 0};
  return approval_by_named(view(r.getBy()));
}

std::optional<approval_answer> answer_of(schema::ApprovalAnswered::Reader r) {
  return kind_read<approval_answer>(r.getAnswerKind(), r.getAnswer());
}

std::string answer_of(schema::OperatorCommand::Reader r) {
  if (auto a = from_schema<approval_answer>(r.getAnswerKind(),
                                            kind_count<approval_answer>))
    return std::string{to_string(*a)};
  return std::string{view(r.getAnswer())};
}

std::optional<host_state> host_state_of(schema::HostChanged::Reader r) {
  return kind_read<host_state>(r.getStateKind(), r.getState());
}

} // namespace baton::engine
