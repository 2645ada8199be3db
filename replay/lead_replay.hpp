// Replaying a team lead's stream (`lead/<team>`): the lead is rebuilt from
// the plan the run recorded (the orchestrator stream's runStarted), fed
// each question it recorded (leadAsked) at its recorded logical time, and
// each decision it makes is compared, byte for byte, with the decision it
// recorded (supervisorActed) — as the orchestrator's stream is replayed.
#pragma once

#include <string>

#include "engine/orchestration/team_lead.hpp"
#include "engine/result.hpp"
#include "replay/orchestrator_replay.hpp"
#include "storage/event_log.hpp"

namespace baton::replay {

/// Errors: ec::not_found when the log has no such stream (or no
/// orchestrator stream to take the plan from), ec::invalid_argument when
/// the plan has no team `team` or does not parse; read errors.
result<replay_report> replay_lead(const storage::event_log& log,
                                  const std::string& team,
                                  const replay_options& opts = {});

/// The plan the run recorded (the orchestrator stream's runStarted), or
/// `override_text`, parsed. Errors: ec::not_found without an orchestrator
/// stream, ec::invalid_argument when it does not start with runStarted or
/// the plan does not parse; read errors.
result<std::shared_ptr<const engine::plan>>
recorded_plan(const storage::event_log& log,
              const std::string& override_text = {});

/// The run is a supervisor chain whose leads run their teams (its first
/// runStarted says so; replay/chain_replay.hpp). Errors as recorded_plan.
result<bool> recorded_chain(const storage::event_log& log);

/// The run's first start, as recorded (plan file and text, workspace).
/// Errors as recorded_plan.
result<engine::run_begun> recorded_start(const storage::event_log& log);

/// The run's record format (the orchestrator stream's runStarted.version).
/// Errors as recorded_plan.
result<uint16_t> recorded_version(const storage::event_log& log);

/// A lead as its stream left it, to be started again (its actor killed, or
/// the engine resumed). With `use_snapshots`, from the stream's latest
/// snapshot (the lead actor writes them every [policy] snapshot_every
/// records) and the records after it; a snapshot this build cannot read is
/// passed over (said in `stats`), and the stream folded from its first
/// record. Errors as replay_lead, and load_snapshot's, except that a stream
/// not yet written gives a fresh lead.
result<engine::lead_seed> rebuild_lead(const storage::event_log& log,
                                       const std::string& team,
                                       bool use_snapshots = true,
                                       rebuild_stats* stats = nullptr);

} // namespace baton::replay
