// orchestrator: the hub-and-spoke and pipeline policy as a pure fold.
//
// It holds the state of every task and worker of a plan, and for each input
// returns the decisions the reaction policy of DESIGN.md §4 calls for:
//
//   STATUS: DONE     -> run the task's gate; passed: settle it, unblock its
//                       dependents (or the next pipeline stage); failed: send
//                       the reasons back as guidance, up to the retry limit
//   STATUS: ERROR    -> retry with the worker's suggested fix as guidance, up
//                       to the limit, then fail the task
//   STATUS: BLOCKED  -> route a named need to its owner, else hold
//   NEED: X          -> type the request into the owner of X (ownership
//                       globs); the owner's CONTRACT is routed back
//   CONTRACT         -> deliver to every worker whose task depends on the
//                       sender's, and to workers waiting on its NEEDs
//   PROGRESS, BUILD  -> recorded on the task
//   worker exits     -> the attempt fails; restart and dispatch again
//
// A task whose dependency failed never starts; in a pipeline, no stage
// starts before every task of the previous stage passed its gate. When every
// task is settled or can never start, the run finishes.
//
// Deterministic: no clock, no randomness; ties (which idle agent gets a task)
// are broken by name. The same inputs always give the same decisions.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "engine/orchestration/inputs.hpp"
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
};

struct agent_view {
  std::string name;
  std::string state = "starting";
  bool input_ready = false;
  /// What the agent's last state report said, before a dispatch marked it
  /// busy: an agent faster than its detector may finish a task without a
  /// state change, and is then free again with its task settled.
  bool reported_ready = false;
  /// It has taken input at least once.
  bool ever_ready = false;
  /// It never became ready within the task time limit of the run's start:
  /// its tasks fail instead of waiting for ever.
  bool unavailable = false;
  bool exited = false;
  /// The task it works on; empty when free.
  std::string task;
};

class orchestrator {
public:
  explicit orchestrator(plan p);

  /// Applies `in`, which arrived at logical time `now_us` (the recorded
  /// event's), and returns what to do, in order.
  std::vector<orchestrator_decision> on(const orchestrator_input& in,
                                        uint64_t now_us = 0);

  /// When a time_passed input is due (a dispatched task's time limit), in
  /// logical µs; 0 when none. May be early (a limit since met): the input
  /// then changes nothing.
  uint64_t next_deadline() const {
    return deadlines_.empty() ? 0 : deadlines_.begin()->first;
  }

  const std::map<std::string, task_view>& tasks() const {
    return tasks_;
  }
  const std::map<std::string, agent_view>& agents() const {
    return agents_;
  }
  bool finished() const {
    return finished_;
  }
  /// The run has begun (a fold of a stopped run's log, to be resumed).
  bool begun() const {
    return begun_;
  }

private:
  using decisions = std::vector<orchestrator_decision>;

  void on_begun(const run_begun& in, decisions& out);
  void on_resumed(const run_begun& in, decisions& out);
  void on_observed(const agent_observed& in, decisions& out);
  void on_protocol(const protocol_seen& in, decisions& out);
  void on_gate(const gate_finished& in, decisions& out);
  void on_exited(const agent_exited& in, decisions& out);
  void on_stop(const stop_requested& in, decisions& out);
  void on_time(decisions& out);
  void start_deadline_passed(decisions& out);
  std::string never_ready(const agent_view& a) const;
  void arm_deadline(task_view& t);
  void check_scope(const task_view& t, const std::vector<std::string>& changed,
                   decisions& out);

  void on_done(task_view& t, const protocol_seen& in, decisions& out);
  void on_error(task_view& t, const std::string& why, decisions& out);
  void on_need(const protocol_seen& in, decisions& out);
  void on_contract(const protocol_seen& in, decisions& out);

  void settle(task_view& t, bool passed, std::string reason, decisions& out);
  void retry(task_view& t, const std::string& guidance, decisions& out);
  void promote(decisions& out);
  void make_ready(size_t i);
  void unready(size_t i);
  bool can_take(const agent_view& a, const plan_task& pt) const;
  bool capable(const plan_agent& a, const plan_task& pt) const;
  bool reassign(task_view& t, const std::string& guidance, decisions& out);
  void dispatch_ready(decisions& out);
  void maybe_finish(decisions& out);
  bool dependencies_passed(const plan_task& t) const;
  bool dependency_failed(const plan_task& t, std::string& which) const;
  std::string owner_of(const std::string& resource) const;
  const plan_agent* plan_agent_of(std::string_view name) const;
  std::string prompt_for(const plan_task& t, const task_view& v) const;

  plan plan_;
  std::map<std::string, task_view> tasks_;
  std::map<std::string, agent_view> agents_;
  /// Contracts each agent has received, in order (title + body).
  std::map<std::string, std::vector<std::string>> contracts_;
  /// Open NEEDs: owner -> agents waiting on it, and what each asked.
  std::map<std::string, std::vector<std::string>> waiting_on_;
  std::map<std::pair<std::string, std::string>, std::string> need_text_;
  /// Resumed: each agent's checkpoint summary, for its interrupted task.
  std::map<std::string, std::string> checkpoints_;
  /// Index of the pipeline stage that may run; unused for hub.
  size_t stage_ = 0;

  // Indexes that keep each input's cost independent of the plan's size.
  /// Plan index of each task, and its view (nodes of tasks_).
  std::map<std::string, size_t> index_;
  std::vector<task_view*> views_;
  /// The plan's agents by name.
  std::map<std::string, const plan_agent*, std::less<>> plan_agents_;
  /// Tasks that depend on each task; each task's pipeline stage (SIZE_MAX:
  /// none) and per stage the tasks passed and failed.
  std::vector<std::vector<size_t>> dependents_;
  std::vector<size_t> stage_of_;
  std::vector<size_t> passed_in_stage_;
  std::vector<size_t> failed_in_stage_;
  bool later_stages_closed_ = false;
  /// Waiting tasks that may be able to move (a dependency settled, a stage
  /// opened), in plan order.
  std::set<size_t> worklist_;
  /// Ready tasks bound to an agent, by agent; ready tasks any capable agent
  /// may take.
  std::map<std::string, std::set<size_t>> ready_for_;
  std::set<size_t> ready_any_;
  /// Agents that may have become free since the last dispatch.
  std::set<std::string> dirty_;
  size_t settled_ = 0;
  /// The current input's logical time.
  uint64_t now_ = 0;
  /// (deadline, task index) of dispatched attempts with a time limit.
  std::set<std::pair<uint64_t, size_t>> deadlines_;
  bool begun_ = false;
  bool finished_ = false;
};

} // namespace baton::engine
