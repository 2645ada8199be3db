// escalation_ladder: what watches a task going nowhere, one part of the
// orchestrator (engine/orchestration/orchestrator.hpp; DESIGN.md §4, §6).
//
// A loop is the same failure (BUILD: FAIL or STATUS: ERROR, normalised:
// numbers, paths and times folded) `loop_repeats` times in a row, or
// PROGRESS not advancing across `loop_attempts` attempts. A stall is no
// PROGRESS, BUILD, STATUS or file change for `stall_after` seconds of
// logical time. Both climb one ladder, a rung per escalation: nudge the
// agent -> stop it and dispatch again with the history of what failed ->
// reassign to another capable agent -> fail the task (and the plan's
// degradation policy decides what the run does without it). Before any
// of it, an agent that went back to its prompt without a STATUS line is
// asked for its status, at most twice an attempt.
//
// The counters live on each task's view (task_board.hpp), so they are
// folded from the log like the rest and neither an agent's restart nor its
// context compaction resets them; this part keeps the thresholds and the
// due times. What a rung does to agents and tasks is the orchestrator's
// (watchdog.cpp). Deterministic.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/orchestration/task_board.hpp"
#include "engine/plan/plan.hpp"

namespace baton::engine {

/// A failure summary with what changes between repeats folded: paths
/// become <path>, numbers (and times, dates, versions) #, letters lower
/// case, blanks single. Two summaries that differ only there are the same
/// failure.
std::string normalise_failure(std::string_view text);

class escalation_ladder {
  friend class orchestrator_snapshot;

public:
  /// The rungs, in the order they are climbed.
  enum class rung : uint8_t { nudge = 1, redispatch, reassign, fail };

  /// How many times an attempt's agent is asked for its status.
  static constexpr uint32_t max_status_asks = 2;

  /// The thresholds of `run`: stall_after, loop_repeats, loop_attempts,
  /// status_grace (0 turns each off).
  explicit escalation_ladder(const plan_run& run);

  // -- loops -----------------------------------------------------------------

  /// Task `t` failed with `text`: true when that made a loop (the same
  /// failure loop_repeats times in a row), and its count starts over.
  bool repeated(task_view& t, std::string_view text) const;
  /// Before `t`'s next attempt: true when PROGRESS has not passed its best
  /// across loop_attempts attempts (only a task that reports PROGRESS can
  /// be seen not to advance).
  bool flat(task_view& t) const;
  /// `t` climbs a rung because of `evidence`: which one. Its history lists
  /// the failure once per attempt and agent.
  rung climb(task_view& t, const std::string& evidence) const;

  // -- stalls ----------------------------------------------------------------

  /// Task `t` (board index `i`) showed a sign of life at `now`: its next is
  /// due stall_after later.
  void arm_stall(task_view& t, size_t i, uint64_t now);
  /// The next task of `board` whose stall is due at `now` and still armed,
  /// taken off; nullopt when none is.
  std::optional<size_t> take_stalled(uint64_t now, const task_board& board);
  /// The agents whose task's stall is due at `now` (nothing taken off).
  std::vector<std::string> stall_due(uint64_t now,
                                     const task_board& board) const;
  uint64_t stall_after_s() const {
    return stall_after_us_ / 1'000'000;
  }

  // -- status asks -----------------------------------------------------------

  /// Task `t` (board index `i`), worked on and back at its prompt without a
  /// STATUS line at `now`: its agent is asked status_grace later, unless
  /// asked already, twice this attempt, or the grace is off.
  void arm_status_ask(task_view& t, size_t i, uint64_t now);
  /// The next task of `board` whose status ask is due at `now` and still
  /// armed, taken off (its due time cleared); nullopt when none is.
  std::optional<size_t> take_status_due(uint64_t now, task_board& board);

  /// The earliest stall or status ask (logical µs); 0 when none.
  uint64_t next_deadline() const;

private:
  uint64_t stall_after_us_;
  uint64_t status_grace_us_;
  uint32_t loop_repeats_;
  uint32_t loop_attempts_;
  /// (due, task index) of stalls and of status asks.
  std::set<std::pair<uint64_t, size_t>> stalls_;
  std::set<std::pair<uint64_t, size_t>> status_asks_;
};

} // namespace baton::engine
