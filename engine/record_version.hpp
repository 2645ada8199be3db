// The record format a run writes, recorded in its RunStarted.version. Replay
// compares what it derives with what a run recorded byte for byte, so a field
// added to a derived event is written only by runs of the version that
// introduced it; a resumed run keeps the version it began with.
//
//   0  runs recorded before the field existed
//   1  typed purposes (engine/purpose.hpp) and enum fields beside the
//      enumerations recorded as text (engine/recorded_enums.hpp): states,
//      protocol kinds, outcomes, strategies
//   2  enum fields beside the decisions' kinds recorded as text
//      (engine/decision_kinds.hpp): escalations' triggers and
//      steps, degradation policies, lock changes, approval answers
#pragma once

#include <cstdint>

namespace baton::engine {

/// The version new runs write.
inline constexpr uint16_t record_version = 2;

} // namespace baton::engine
