// recorded_orchestrator: the orchestrator's fold as its recorded streams
// leave it, and its snapshot (DESIGN.md §2: snapshots bound replay).
//
// The orchestrator records each input before it applies it and each
// decision before it carries it out, and the two interleave in its stream:
// an input may be recorded while the decisions of the one before are on
// their way to the log. Folding the stream record by record therefore keeps
// the engine (every input applied, in the log's order, with the operator
// stream's commands merged by position) and the decisions it made that are
// not recorded yet, which a resumed run records first.
//
// One fold, two callers: a resume rebuilds the orchestrator with it
// (replay::rebuild_orchestrator), and the running orchestrator actor keeps
// a second copy folded from what its journals recorded, whose save() is the
// snapshot. So a snapshot is exactly what a rebuild from the stream's first
// event up to its sequence gives, whatever was in flight when it was taken.
//
// A snapshot holds the plan's changes (tasks added, stages' tasks, merged
// ownership) and every part's state, not the plan: restore() starts from
// the recorded plan text of the run's first start, as a rebuild does.
// Deterministic: the same fold always saves the same bytes.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "engine/frame.hpp"
#include "engine/orchestration/orchestrator.hpp"
#include "engine/result.hpp"
#include "schema/events.capnp.h"
#include "schema/snapshots.capnp.h"

namespace baton::engine {

/// The layout of the parts' state a snapshot holds. A snapshot of another
/// layout is passed over (the stream is folded from its first event).
inline constexpr uint32_t orchestrator_snapshot_format = 1;

/// The operator stream's name (DESIGN.md §7).
inline constexpr std::string_view operator_stream_name = "operator";

struct recorded_orchestrator {
  /// The run's first start, as recorded (plan text, workspace, version).
  run_begun start;
  /// Null until the first event (runStarted) is folded.
  std::unique_ptr<orchestrator> engine;
  /// Decisions made and not recorded yet, in the order they were made.
  std::deque<orchestrator_decision> unrecorded;
  /// The last sequences folded of the orchestrator's stream and the
  /// operator's.
  uint64_t sequence = 0;
  uint64_t operator_sequence = 0;
  /// The latest logical time of the events folded.
  uint64_t last_time = 0;
  /// The recorded plan's tasks (those after them the run added).
  size_t plan_tasks = 0;
  /// The scope of a supervisor chain this fold is (team_scope: the plan
  /// recorded is cut to it), or unset for the whole plan's fold.
  std::optional<std::string> scope;

  /// Folds the event at `sequence` of `stream` ("orchestrator" or
  /// "operator"), recorded at `logical_time`: a decision is recorded (the
  /// first unrecorded one), an input is applied. Events must come in the
  /// log's order. Errors: ec::invalid_argument when the first input is not
  /// runStarted or its plan does not parse (named by stream@sequence).
  result<void> fold(std::string_view stream, uint64_t sequence,
                    schema::Event::Reader e, uint64_t logical_time);

  /// The fold as a snapshot payload (schema::OrchestratorState).
  /// @pre the engine exists.
  frame save() const;

  /// The fold save() wrote, for the run that began with `start` (its
  /// first runStarted, whose plan text the snapshot's changes apply to).
  /// Errors: ec::corruption for a snapshot that does not decode or does
  /// not fit the plan; ec::newer_schema for another layout (format).
  /// `scope`: the chain's scope the fold was of (unset: the whole plan).
  static result<recorded_orchestrator>
  restore(const run_begun& start, const frame& state,
          const std::optional<std::string>& scope = std::nullopt);

  /// The last sequence of `operator` folded into the snapshot `state` (a
  /// copy of a log up to a position holds a snapshot only when both its
  /// streams reach the snapshot's sequences). Errors: ec::corruption.
  static result<uint64_t> operator_sequence_of(const frame& state);
};

/// The fold `o` alone into `st` (its parts and the plan's changes; not a
/// stream's position or decisions unrecorded): `plan_tasks`, how many of
/// its plan's tasks the recorded plan has (those after them the run added).
/// A supervisor chain's node saves its scope's fold so (chain_snapshot.hpp).
void save_fold(const orchestrator& o, size_t plan_tasks,
               schema::OrchestratorState::Builder st);

/// The fold save_fold wrote, over `base`: the recorded plan, cut to the
/// fold's scope. Errors: ec::corruption for one that does not fit the plan;
/// ec::newer_schema for another layout.
result<std::unique_ptr<orchestrator>>
restore_fold(plan base, schema::OrchestratorState::Reader st);

} // namespace baton::engine
