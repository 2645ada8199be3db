// Rebuilding one stream's state: start from its latest snapshot at or below a
// point, then fold the events after it. This is how a worker's state (and its
// checkpoint summary) is rebuilt, live or after the fact, and it reads only
// that stream plus one snapshot — never the rest of the log.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "engine/result.hpp"
#include "storage/event_log.hpp"

namespace baton::replay {

struct fold_options {
  /// Fold events up to and including this sequence. Default: all.
  uint64_t until = UINT64_MAX;
  /// Start from the latest snapshot at or below `until`. Default: true.
  bool use_snapshots = true;
};

/// What a fold did.
struct fold_stats {
  /// Sequence of the snapshot the fold started from; 0 when none.
  uint64_t snapshot_sequence = 0;
  /// Events applied after the snapshot.
  uint64_t events_applied = 0;
};

/// Calls `restore` with the snapshot the fold starts from (if any), then
/// `apply` with each later event of `stream` up to `opts.until`, in order.
/// Errors: those of event_log::read and load_snapshot, and any error
/// `restore` returns (e.g. a snapshot from an older state format).
result<fold_stats>
fold_stream(const storage::event_log& log, std::string_view stream,
            const fold_options& opts,
            const std::function<result<void>(const storage::snapshot&)>& restore,
            const std::function<void(const storage::recorded_event&)>& apply);

} // namespace baton::replay
