// Internal: what a baton::event_cursor holds — the run's log (shared: the
// cursor may outlive the run object), the next position, and one batch of
// events read ahead (the events handed out point into it).
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "baton/event_cursor.hpp"
#include "storage/event_log.hpp"

namespace baton {

struct event_cursor::impl {
  /// `done`: whether the run has ended (no more events will come); null
  /// for a stored log, which is over once its runFinished was read and
  /// nothing follows.
  impl(std::shared_ptr<storage::event_log> log, uint64_t from,
       std::function<bool()> done);

  /// The next event, or null (none within `wait`, or a read error).
  const storage::recorded_event* next(std::chrono::milliseconds wait);
  bool at_end() const;

  /// Reads the next batch from next_position; false when none (or an
  /// error, in `failure`).
  bool fill();

  /// Events read ahead per batch: large enough that a reader keeps up
  /// with the log's raw read_all, small enough to stay in cache.
  static constexpr uint64_t batch_size = 1024;

  std::shared_ptr<storage::event_log> log;
  uint64_t next_position = 1;
  std::function<bool()> finished;
  std::vector<storage::recorded_event> batch;
  size_t at = 0;
  bool saw_finish = false;
  result<void> failure;
};

} // namespace baton
