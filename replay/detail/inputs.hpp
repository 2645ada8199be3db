// The orchestrator's inputs come from two streams: its own, and the
// `operator` stream (DESIGN.md §7), where the commands people and programs
// gave the running run are recorded before the orchestrator applies them.
// The orchestrator applies them in the order the log recorded them, so a
// fold reads both merged by global position.
#pragma once

#include <cstdint>
#include <functional>

#include "engine/orchestration/orchestrator_snapshot.hpp"
#include "engine/result.hpp"
#include "storage/event_log.hpp"

namespace baton::replay::detail {

/// The operator stream's name.
inline constexpr const char* operator_stream = "operator";
static_assert(std::string_view{operator_stream}
              == engine::operator_stream_name);

/// Calls `fn` for the orchestrator stream's events 1..`until` and the
/// operator stream's events, in global order: an operator event before the
/// first orchestrator event recorded after it; those recorded after the
/// last orchestrator event read only when the whole stream is read
/// (`until` = UINT64_MAX). Stops when `fn` returns false. Returns the
/// number of events given. `from` and `operator_from`: the first sequence
/// of each stream to give (after a snapshot). Errors: as event_log::read.
result<uint64_t> read_orchestrator_inputs(
  const storage::event_log& log, uint64_t until,
  const std::function<bool(storage::recorded_event&&)>& fn, uint64_t from = 1,
  uint64_t operator_from = 1);

} // namespace baton::replay::detail
