// Replaying a whole run: the orchestrator's stream and every worker's, each
// through its own engine logic (orchestrator_replay, worker_replay). Streams
// are independent in replay — each one's inputs are recorded in it — so the
// result does not depend on how the live actors were scheduled.
#pragma once

#include <string>
#include <vector>

#include "replay/orchestrator_replay.hpp"

namespace baton::replay {

struct stream_report {
  std::string stream;
  replay_report report;
};

struct run_replay_options : replay_options {
  /// Only this stream ("orchestrator" or "worker/<name>"). Default: all.
  std::string stream;
  /// Replay only events at or before this global position (each stream up
  /// to its last event there). Default: all. `until` then applies to
  /// `stream` only.
  uint64_t until_position = UINT64_MAX;
};

/// Replays the streams in order: the orchestrator, then the workers by
/// name. Stops at the first stream that diverges (its report is last).
/// Errors: ec::not_found for a stream the log does not hold, or a log
/// without any stream Baton replays; the per-stream errors otherwise.
result<std::vector<stream_report>> replay_run(const storage::event_log& log,
                                              const run_replay_options& opts);

} // namespace baton::replay
