// session_event: what an agent session reports about its agent.
//
// One event per state change (with the detector's evidence), per protocol
// message (each occurrence once), per compaction marker, per finished input
// delivery (delivered or failed, with the reason), and one at the end when
// the agent's process has exited. Value type.
#pragma once

#include <cstdint>

#include "engine/delivery/input_delivery.hpp"
#include "engine/monitor/agent_monitor.hpp"
#include "engine/session/exit_status.hpp"

namespace baton::engine {

struct session_event {
  enum class kind : uint8_t {
    /// The detected state changed: `observation.change`.
    state,
    /// A protocol message appeared: `observation.message`.
    protocol,
    /// The CLI's compaction marker appeared: `observation.marker`.
    compaction,
    /// An input delivery ended: `delivery` (what == finished).
    delivery,
    /// The process has exited: `status`. The last event of a session.
    exited,
  };
  session_event::kind what = kind::state;
  /// Logical microseconds, from the session's clock.
  uint64_t at = 0;
  engine::observation observation;
  engine::delivery_action delivery;
  exit_status status;
};

} // namespace baton::engine
