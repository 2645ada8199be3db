// Rebuilding a worker's checkpoint summary (engine/checkpoint) from the log:
// the latest snapshot of its stream at or below the point asked for, then the
// events after it. It reads only that worker's stream and one snapshot, never
// the rest of the log, so its cost does not grow with the log.
#pragma once

#include <cstdint>
#include <string>

#include "engine/checkpoint/checkpoint.hpp"
#include "engine/result.hpp"
#include "replay/stream_fold.hpp"
#include "storage/event_log.hpp"

namespace baton::replay {

/// The stream a worker's events are recorded in: "worker/<agent>".
std::string worker_stream(const std::string& agent);

struct checkpoint_rebuild {
  engine::checkpoint_fold fold;
  fold_stats stats;
};

/// The checkpoint of `agent` as of sequence `at` of its stream (default: its
/// end). With `use_snapshots`, starts from the latest snapshot at or below
/// `at`; a snapshot this build cannot read is passed over (the fold then
/// starts from the first event).
/// Errors: ec::not_found when the log has no stream for `agent`; read errors
/// as event_log::read and load_snapshot say them.
result<checkpoint_rebuild> rebuild_checkpoint(const storage::event_log& log,
                                              const std::string& agent,
                                              uint64_t at = UINT64_MAX,
                                              bool use_snapshots = true);

/// Saves a snapshot of `agent`'s checkpoint fold at the end of its stream
/// (itself rebuilt from the latest snapshot). Returns the snapshot's
/// sequence. Errors: those of rebuild_checkpoint and save_snapshot
/// (ec::closed for a read-only log).
result<uint64_t> save_checkpoint_snapshot(storage::event_log& log,
                                          const std::string& agent);

} // namespace baton::replay
