// The enumerations the frozen schema first recorded as text, and since a
// record version (RunStarted.version) also as enum fields beside the text:
// from version 1 agents' states, protocol lines' kinds, run outcomes and
// supervisors' strategies; from version 2 escalations' triggers and steps,
// degradation policies, lock changes and approval answers (their values:
// engine/decision_kinds.hpp). Writers of derived events set
// the enum field only in runs of the version that added it, so an older
// run's replay derives the bytes it recorded; inputs (recorded once, never
// derived again) carry it whatever the version. Readers take the enum when
// it is set and the text otherwise, so every log reads the same way.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/decision_kinds.hpp"
#include "engine/detect/state.hpp"
#include "engine/orchestration/inputs.hpp"
#include "engine/protocol/message.hpp"
#include "engine/record_version.hpp"
#include "engine/supervision/supervisor.hpp"
#include "schema/events.capnp.h"

namespace baton::engine {

/// The run's record format from which the enum fields are written.
inline constexpr uint16_t enums_since = 1;
/// ... and those of decisions' kinds (decision_kinds.hpp).
inline constexpr uint16_t decision_enums_since = 2;
static_assert(record_version >= decision_enums_since);

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

// -- from version 2 ----------------------------------------------------------

void write_escalation(schema::TaskEscalated::Builder b,
                      escalation_trigger trigger, escalation_step step,
                      uint16_t version);
void write_policy(schema::TaskDegraded::Builder b, degrade_policy p,
                  uint16_t version);
void write_change(schema::LockChanged::Builder b, lock_change c,
                  uint16_t version);
void write_answer(schema::ApprovalDecided::Builder b, approval_answer a,
                  const approval_by& by, uint16_t version);

// -- inputs: the text and the enum, whatever the version ---------------------

void write_answer(schema::ApprovalAnswered::Builder b, approval_answer a);
/// An operator's approve command: `answer` as given (the command is checked
/// before it is recorded), its enum when it names one.
void write_answer(schema::OperatorCommand::Builder b, std::string_view answer);
void write_host_state(schema::HostChanged::Builder b, host_state s);

// -- readers: the enum when set, else the text ------------------------------

/// nullopt when neither is one the engine knows.
std::optional<detect::state> from_state(schema::StateChanged::Reader r);
std::optional<detect::state> to_state(schema::StateChanged::Reader r);
std::optional<protocol::kind> kind_of(schema::ProtocolMessage::Reader r);
std::optional<protocol::status> status_of(schema::ProtocolMessage::Reader r);
std::optional<run_outcome> outcome_of(schema::RunFinished::Reader r);
std::optional<restart_strategy>
strategy_of(schema::SupervisorActed::Reader r);
std::optional<escalation_trigger> trigger_of(schema::TaskEscalated::Reader r);
std::optional<escalation_step> step_of(schema::TaskEscalated::Reader r);
std::optional<degrade_policy> degrade_policy_of(schema::TaskDegraded::Reader r);
std::optional<lock_change> change_of(schema::LockChanged::Reader r);
std::optional<approval_answer> answer_of(schema::ApprovalDecided::Reader r);
std::optional<approval_by> by_of(schema::ApprovalDecided::Reader r);
std::optional<approval_answer> answer_of(schema::ApprovalAnswered::Reader r);
/// The answer's name: the enum's when set, else the text as recorded.
std::string answer_of(schema::OperatorCommand::Reader r);
std::optional<host_state> host_state_of(schema::HostChanged::Reader r);
/// A chain verdict's degradation: unset for none; nullopt too for a value
/// of a later version.
std::optional<degrade_policy> degraded_of(schema::ChainVerdict::Reader r);
void write_degraded(schema::ChainVerdict::Builder b,
                    std::optional<degrade_policy> p);

} // namespace baton::engine
