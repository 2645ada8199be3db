// Replaying a supervisor chain's streams (runStarted.chain;
// engine/orchestration/chain_nodes.hpp), each on its own, as the
// orchestrator's stream of a run without one is replayed:
//
//   lead/<team>    the team's scope fold (the recorded plan cut to the
//                  team) fed the stream's inputs (its workers' reports,
//                  gates, time, the router's deliveries: chainDelivered);
//                  its decisions and its reports up (chainReported) are
//                  compared, byte for byte, with those it recorded;
//   orchestrator   the chain's orchestrator (the agents in no team, and
//                  the router) fed its inputs and the operator's commands
//                  and the leads' reports (chainReported); its decisions
//                  and deliveries (chainDelivered) compared likewise.
//
// A stream replays alone: what crosses to another is recorded on both.
#pragma once

#include <string>
#include <vector>

#include "engine/orchestration/chain_nodes.hpp"
#include "engine/result.hpp"
#include "replay/lead_replay.hpp"
#include "replay/orchestrator_replay.hpp"
#include "storage/event_log.hpp"

namespace baton::replay {

/// Replays `lead/<team>` of a chain. Errors: ec::not_found when the log
/// has no such stream (or no orchestrator stream to take the plan from);
/// ec::invalid_argument when the plan has no top team `team`, the stream
/// does not start with runStarted, or a delivery is for another scope;
/// read errors.
result<replay_report> replay_chain_scope(const storage::event_log& log,
                                         const std::string& team,
                                         const replay_options& opts = {});

/// Replays the orchestrator's stream of a chain (with the operator's).
/// Errors: as replay_orchestrator, and ec::invalid_argument for a report
/// from a scope the chain does not have (named by stream and sequence).
result<replay_report> replay_chain_orchestrator(const storage::event_log& log,
                                                const replay_options& opts
                                                = {});

/// A lead of a chain as its stream left it, to go on from there (baton
/// resume; a lead whose actor died). The stream is replayed as
/// replay_chain_scope does, so a stream this build would decide otherwise
/// is an error (ec::invalid_argument, named by stream and sequence), not a
/// node that goes on from a story it did not record. Errors otherwise as
/// replay_chain_scope.
///
/// With `use_snapshots`, the node starts from the stream's latest snapshot
/// (a running lead saves one as [run] snapshot_every says;
/// engine/orchestration/chain_snapshot.hpp) and the records after it are
/// replayed; what it sent before it is read from the stream, not folded. A
/// snapshot this build cannot use is passed over, said in `stats`, and the
/// stream is replayed from its first event.
///
/// `whole`: the recorded plan, parsed (recorded_plan; a large plan takes
/// longer to parse than a lead's stream to replay from a snapshot), or null
/// to parse it here.
result<engine::scope_seed>
rebuild_chain_scope(const storage::event_log& log, const std::string& team,
                    bool use_snapshots = true, rebuild_stats* stats = nullptr,
                    std::shared_ptr<const engine::plan> whole = nullptr);

/// The orchestrator of a chain as its streams left it (`orchestrator`, and
/// `operator` merged by position). Errors and snapshots as
/// rebuild_chain_scope, for the orchestrator's stream.
result<engine::top_seed>
rebuild_chain_orchestrator(const storage::event_log& log,
                           bool use_snapshots = true,
                           rebuild_stats* stats = nullptr,
                           std::shared_ptr<const engine::plan> whole = nullptr);

} // namespace baton::replay
