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

} // namespace baton::engine
