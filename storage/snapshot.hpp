// Snapshots: a stream's folded state at a sequence, so replay and recovery
// start from the latest snapshot instead of the first event.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "engine/frame.hpp"

namespace baton::storage {

/// A stored snapshot.
struct snapshot {
  /// The last sequence folded into `state`.
  uint64_t sequence = 0;
  /// Logical time of that event, in microseconds.
  uint64_t logical_time = 0;
  /// The state, as the writer encoded it.
  frame state;
};

/// Which snapshots a load or delete considers (Akka's SnapshotSelectionCriteria).
struct snapshot_criteria {
  /// Only snapshots at or below this sequence. Default: all.
  uint64_t max_sequence = std::numeric_limits<uint64_t>::max();
  /// Only snapshots at or below this logical time. Default: all.
  uint64_t max_logical_time = std::numeric_limits<uint64_t>::max();
  /// Only snapshots at or above this sequence. Default: 0.
  uint64_t min_sequence = 0;
  /// Only snapshots at or above this logical time. Default: 0.
  uint64_t min_logical_time = 0;

  bool matches(uint64_t sequence, uint64_t logical_time) const noexcept {
    return sequence <= max_sequence && sequence >= min_sequence
           && logical_time <= max_logical_time
           && logical_time >= min_logical_time;
  }
};

} // namespace baton::storage
