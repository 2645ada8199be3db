// task_board: the tasks of a run and where each one stands, one part of the
// orchestrator (engine/orchestration/orchestrator.hpp).
//
// It owns every task's view (status, attempt, agent, ladder counters), the
// plan's dependency edges and pipeline stages as indexes, the tasks that
// may be able to move (the worklist), the ready tasks by agent, the agents
// that may have become free, and the dispatched attempts' time limits. It
// keeps its indexes consistent; what a change means for the run (a verdict
// recorded, an agent freed, a dependent failed) is the orchestrator's.
//
// Indexes are plan positions: task i is `plan.tasks[i]`, in plan order,
// then tasks added while the run goes (swarm TASK lines, the operator's
// add_task) in the order they were added. Every input's cost is
// independent of the board's size, but for the scans the orchestrator
// chooses to make.
//
// Deterministic and single-threaded, like every fold of engine/.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "engine/decision_kinds.hpp"
#include "engine/plan/plan.hpp"

namespace baton::engine {

enum class task_status : uint8_t {
  /// Waiting for dependencies (or its pipeline stage).
  waiting,
  /// May start when a capable agent is free.
  ready,
  /// Typed into an agent; the agent is working on it.
  dispatched,
  /// The agent said DONE; the gate is running.
  verifying,
  /// Passed its gate.
  passed,
  /// Out of attempts, or a dependency failed.
  failed,
};

std::string_view to_string(task_status s);

/// Passed or failed: nothing more happens to it (but an operator's rerun).
inline bool is_settled(task_status s) {
  return s == task_status::passed || s == task_status::failed;
}

struct task_view {
  std::string id;
  task_status status = task_status::waiting;
  std::string agent;
  uint32_t attempt = 0;
  uint32_t max_attempts = 1;
  /// Last PROGRESS as "X/Y", last BUILD, last protocol line.
  std::string progress;
  std::string build;
  std::string last_line;
  /// The verdict's reason once settled; the evidence of the last DONE.
  std::string reason;
  std::string evidence;
  /// Logical µs by which the current attempt must report (0: no limit).
  uint64_t deadline_us = 0;
  /// Agents that used up their attempts on it (a task routed by
  /// capabilities goes to another capable agent before it fails).
  std::vector<std::string> tried;
  /// The engine restarted during the current attempt: it is dispatched
  /// again, as the same attempt, with the agent's checkpoint summary.
  bool interrupted = false;

  // Loops and stalls (DESIGN.md §4, §6; the escalation ladder). Folded
  // from the log like the rest, so neither an agent's restart nor its
  // context compaction resets them.
  /// Rungs of the escalation ladder climbed: nudge, re-dispatch, reassign,
  /// fail.
  uint32_t escalations = 0;
  /// What was tried and failed, for a re-dispatch's prompt.
  std::vector<std::string> history;
  /// The last failure (BUILD: FAIL or STATUS: ERROR), normalised, and how
  /// many times in a row it was seen.
  std::string last_failure;
  uint32_t repeats = 0;
  /// PROGRESS: the highest X of earlier attempts, of this attempt, and how
  /// many attempts in a row did not pass it.
  uint32_t best_progress = 0;
  uint32_t attempt_progress = 0;
  uint32_t flat_attempts = 0;
  /// Logical µs by which the next sign of progress is due (0: not
  /// watched).
  uint64_t stall_us = 0;
  /// A re-dispatch after a loop or a stall: the next dispatch carries the
  /// history.
  bool redispatch = false;
  /// Its agent was restarted by its supervisor (why): the next dispatch is
  /// the same attempt, pointing at the agent's checkpoint.
  std::string restarted;

  /// Its agent worked since the last STATUS line or dispatch, then went back
  /// to its prompt: when it is asked for its status (0: not due), and how
  /// many times it was asked in this attempt.
  bool worked = false;
  /// Its last protocol line was a NEED: it waits for an answer.
  bool need_pending = false;
  uint64_t status_due_us = 0;
  uint32_t status_asks = 0;

  /// Put on the swarm board by this agent's TASK line (empty: the plan's).
  std::string added_by;
  /// The degradation policy applied to it, once it could not be completed.
  std::optional<degrade_policy> degraded;
};

class task_board {
  friend class orchestrator_snapshot;

public:
  /// No stage: a task outside a pipeline's stages.
  static constexpr size_t no_stage = SIZE_MAX;
  /// The deadline of no task: the run's start limit, by which every agent
  /// should have become ready.
  static constexpr size_t run_start = SIZE_MAX;

  /// The board of `p`'s tasks, each waiting, bound to the agent the plan
  /// names (if any), with `1 + retries` attempts.
  explicit task_board(const plan& p);
  // Views point into its own map: moved, never copied.
  task_board(const task_board&) = delete;
  task_board& operator=(const task_board&) = delete;
  task_board(task_board&&) = default;
  task_board& operator=(task_board&&) = default;

  /// Puts `pt`, just appended to the plan as task `size()`, on the board,
  /// waiting, bound to the agent it names, in pipeline stage `stage`
  /// (no_stage: none). The caller queues it.
  /// @pre its id is on no task of the board.
  task_view& add(const plan_task& pt, uint32_t max_attempts, size_t stage);

  // -- lookup ----------------------------------------------------------------

  size_t size() const {
    return views_.size();
  }
  /// Every task by id (in id order, which verdicts of a stopped run
  /// follow).
  const std::map<std::string, task_view>& tasks() const {
    return tasks_;
  }
  std::map<std::string, task_view>& tasks() {
    return tasks_;
  }
  /// Task i's view (plan index).
  task_view& view(size_t i) {
    return *views_[i];
  }
  const task_view& view(size_t i) const {
    return *views_[i];
  }
  /// Every task's view, in plan order.
  const std::vector<task_view*>& views() const {
    return views_;
  }
  /// The task `id`; nullptr when the board has none.
  task_view* find(std::string_view id);
  const task_view* find(std::string_view id) const;
  /// The task `id`. @pre the board has it.
  task_view& at(std::string_view id) {
    return *find(id);
  }
  /// The plan index of task `id`. @pre the board has it.
  size_t index_of(std::string_view id) const;
  /// The tasks that name task i in their `after`.
  const std::vector<size_t>& dependents(size_t i) const {
    return dependents_[i];
  }
  /// What `agent` has completed: tasks passed (a thousand each), then the
  /// PROGRESS of the one it works on. A scan of the board.
  uint64_t completed_work(std::string_view agent) const;
  /// Task i's pipeline stage (no_stage: none).
  size_t stage_of(size_t i) const {
    return stage_of_[i];
  }
  /// The pipeline stage that may run (past the last: the pipeline is over).
  size_t stage() const {
    return stage_;
  }

  // -- moving tasks ----------------------------------------------------------

  /// Task i may be able to move: promote looks at it.
  void queue(size_t i) {
    worklist_.insert(i);
  }
  /// Every task may be able to move (the run begins).
  void queue_all();
  /// The next task to look at, in plan order; nullopt when none is left.
  std::optional<size_t> next_queued();
  /// Task i may start: ready for its agent, or for any capable one.
  void make_ready(size_t i);
  /// Task i is no longer ready (about to be dispatched or settled): call
  /// it before its status changes. Nothing when it is not ready.
  void unready(size_t i);
  /// Task i passed or failed: its dependents are queued and its stage
  /// counted. The caller frees its agent and records the verdict.
  void settle(size_t i, bool passed);
  /// Task i, settled, waits again from attempt 1 (an operator's rerun).
  /// @pre it is settled.
  void reopen(size_t i, std::string agent);
  /// Every task passed or failed (stubs of other scopes' tasks, external
  /// in the plan, aside).
  bool all_settled() const {
    return settled_ >= views_.size() - externals_;
  }
  /// Task i stands for another scope's task (plan_task::external).
  bool external(size_t i) const {
    return external_[i];
  }
  /// The tasks that are not stubs.
  size_t own_size() const {
    return views_.size() - externals_;
  }

  /// A pipeline's stage moves past every stage whose tasks all passed
  /// (queueing the next one's). True when the stage under way has a
  /// failed task: later stages never start, and the first time it is seen
  /// their tasks are queued to be failed.
  bool advance_stages(const plan& p);

  // -- dispatching -----------------------------------------------------------

  /// `agent` may have become free: dispatch looks at its ready tasks.
  void may_be_free(const std::string& agent) {
    dirty_.insert(agent);
  }
  /// The tasks dispatch should try, in plan order: every ready task any
  /// capable agent may take, and the first ready task of each agent that
  /// may have become free since the last call.
  std::set<size_t> candidates();
  /// The ready tasks bound to `agent` (a copy: settling changes the set).
  std::set<size_t> ready_for(const std::string& agent) const;

  // -- time limits -----------------------------------------------------------

  /// Task i's attempt must report by `at` (logical µs); `i` run_start:
  /// the run's start limit.
  void arm_deadline(uint64_t at, size_t i) {
    deadlines_.emplace(at, i);
  }
  /// The earliest (deadline, task) due at `now`, taken off; nullopt when
  /// none is due.
  std::optional<std::pair<uint64_t, size_t>> take_due(uint64_t now);
  /// The earliest deadline; 0 when none.
  uint64_t next_deadline() const {
    return deadlines_.empty() ? 0 : deadlines_.begin()->first;
  }

private:
  std::map<std::string, task_view> tasks_;
  /// Plan index of each task, and its view (nodes of tasks_).
  std::map<std::string, size_t, std::less<>> index_;
  std::vector<task_view*> views_;
  /// Tasks that depend on each task; each task's pipeline stage and per
  /// stage the tasks passed and failed.
  std::vector<std::vector<size_t>> dependents_;
  std::vector<size_t> stage_of_;
  std::vector<size_t> passed_in_stage_;
  std::vector<size_t> failed_in_stage_;
  size_t stage_ = 0;
  bool later_stages_closed_ = false;
  /// Waiting tasks that may be able to move, in plan order.
  std::set<size_t> worklist_;
  /// Ready tasks bound to an agent, by agent; ready tasks any capable agent
  /// may take.
  std::map<std::string, std::set<size_t>> ready_for_;
  std::set<size_t> ready_any_;
  /// Agents that may have become free since the last dispatch.
  std::set<std::string> dirty_;
  /// Tasks settled, stubs aside.
  size_t settled_ = 0;
  /// Which tasks are stubs, and how many: the plan's, not state.
  std::vector<bool> external_;
  size_t externals_ = 0;
  /// (deadline, task index) of dispatched attempts with a time limit.
  std::set<std::pair<uint64_t, size_t>> deadlines_;
};

} // namespace baton::engine
