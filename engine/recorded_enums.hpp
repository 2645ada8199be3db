// The enumerations the frozen schema first recorded as text, and since record
// version 1 also as enum fields beside the text (RunStarted.version): agents'
// states, protocol lines' kinds, run outcomes, supervisors' strategies.
// Writers set the enum field only in runs of version 1 or later, so an older
// run's replay derives the bytes it recorded; readers take the enum when it
// is set and the text otherwise, so every log reads the same way.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "engine/detect/state.hpp"
#include "engine/orchestration/inputs.hpp"
#include "engine/protocol/message.hpp"
#include "engine/record_version.hpp"
#include "engine/supervision/supervisor.hpp"
#include "schema/events.capnp.h"

namespace baton::engine {

/// The run's record format from which the enum fields are written.
inline constexpr uint16_t enums_since = 1;
static_assert(record_version >= enums_since);

// -- writers: the text always, the enum from version 1 ----------------------

void write_states(schema::StateChanged::Builder b, detect::state from,
                  detect::state to, uint16_t version);
/// `to` only (a worker's report to the orchestrator names no `from`).
void write_state(schema::StateChanged::Builder b, detect::state to,
                 uint16_t version);
void write_kind(schema::ProtocolMessage::Builder b, protocol::kind k,
                uint16_t version);
/// STATUS lines only.
void write_status(schema::ProtocolMessage::Builder b, protocol::status s,
                  uint16_t version);
void write_outcome(schema::RunFinished::Builder b, run_outcome o,
                   uint16_t version);
void write_strategy(schema::SupervisorActed::Builder b, restart_strategy s,
                    uint16_t version);

// -- readers: the enum when set, else the text ------------------------------

/// nullopt when neither is one the engine knows.
std::optional<detect::state> from_state(schema::StateChanged::Reader r);
std::optional<detect::state> to_state(schema::StateChanged::Reader r);
std::optional<protocol::kind> kind_of(schema::ProtocolMessage::Reader r);
std::optional<protocol::status> status_of(schema::ProtocolMessage::Reader r);
std::optional<run_outcome> outcome_of(schema::RunFinished::Reader r);
std::optional<restart_strategy>
strategy_of(schema::SupervisorActed::Reader r);

} // namespace baton::engine
