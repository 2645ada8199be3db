// new_event: an event handed to event_log::append. The log adds the stream,
// sequence, global position and schema version and stores the whole envelope.
#pragma once

#include <cstdint>

#include "engine/event_id.hpp"
#include "engine/frame.hpp"

namespace baton::storage {

struct new_event {
  /// Identity chosen by the writer. Re-appending an id the log holds is a
  /// no-op (see event_log::append). Must not be empty.
  event_id id;

  /// The event that caused this one; empty for external inputs.
  event_id causation;

  /// The operation this event belongs to; may be empty.
  event_id correlation;

  /// The run's logical time in microseconds.
  uint64_t logical_time = 0;

  /// Wall-clock nanoseconds since the Unix epoch, for people only.
  int64_t wall_time = 0;

  /// A frame whose root is schema::Event. Must not be empty.
  frame payload;
};

} // namespace baton::storage
