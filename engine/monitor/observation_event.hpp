// Observations as recorded events: the schema::Event frames a worker appends
// to its stream for each state change, protocol message and compaction
// marker, and for each finished input delivery. Replay decodes and compares
// exactly these bytes, so they are built here, once, deterministically.
#pragma once

#include "engine/delivery/input_delivery.hpp"
#include "engine/frame.hpp"
#include "engine/monitor/agent_monitor.hpp"

namespace baton::engine {

/// A frame whose root is schema::Event: stateChanged, protocolMessage or
/// compactionSeen, after `o.what`, in the run's record `version` (the enum
/// fields from 1: engine/recorded_enums.hpp).
frame to_event(const observation& o, uint16_t version);

/// A frame whose root is schema::Event::inputFinished.
/// @pre a.what == delivery_action::kind::finished
frame to_event(const delivery_action& a);

} // namespace baton::engine
