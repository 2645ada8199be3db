// orchestrator: a run's policy (hub, pipeline, swarm, mesh, supervisor
// chain) as a pure fold.
//
// For each input it returns the decisions the reaction policy of DESIGN.md
// §4 calls for:
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
//   worker exits     -> its team's supervisor (or lead) decides; without
//                       one, the attempt fails and the agent restarts
//
// A task whose dependency failed never starts; in a pipeline, no stage
// starts before every task of the previous stage passed its gate. When every
// task is settled or can never start, the run finishes.
//
// It is a composition of parts, each a value type with its own state and
// operations, in a header of its own:
//
//   task_board          the tasks, their dependencies and stages, what is
//                       ready, the attempts' time limits
//   escalation_ladder   status asks, loops and stalls: when a task climbs a
//                       rung (nudge, re-dispatch, reassign, fail)
//   coordination        who waits for whom, deadlocks and their stubs, the
//                       mesh's locks
//   routing             NEEDs and CONTRACTs, by the ownership table
//   team_supervision    who decides when an agent exits: the teams'
//                       supervisors, or their leads
//   approval_desk       permission prompts left to the operator
//
// The orchestrator holds the agents' views and what ties the parts
// together: a task settled frees its agent, ends its waits, moves its
// dependents; a rung climbed restarts or reassigns. Its own files say
// which: orchestrator.cpp (inputs, the task lifecycle, dispatch),
// watchdog.cpp (the ladder's rungs and degradation), restarts.cpp
// (supervisors' decisions carried out), approvals.cpp, operator.cpp,
// swarm.cpp (TASK lines), prompt.cpp (the dispatch prompt).
//
// Deterministic: no clock, no randomness; ties (which idle agent gets a task)
// are broken by name. The same inputs always give the same decisions.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/orchestration/approval_desk.hpp"
#include "engine/orchestration/coordination.hpp"
#include "engine/orchestration/escalation_ladder.hpp"
#include "engine/orchestration/inputs.hpp"
#include "engine/orchestration/routing.hpp"
#include "engine/orchestration/task_board.hpp"
#include "engine/orchestration/team_supervision.hpp"
#include "engine/plan/plan.hpp"
#include "engine/result.hpp"

namespace baton::engine {

struct agent_view {
  std::string name;
  detect::state state = detect::state::starting;
  bool input_ready = false;
  /// What the agent's last state report said, before a dispatch marked it
  /// busy: an agent faster than its detector may finish a task without a
  /// state change, and is then free again with its task settled.
  bool reported_ready = false;
  /// It has taken input at least once.
  bool ever_ready = false;
  /// It never became ready within the task time limit of the run's start,
  /// or it exited between tasks and nothing restarts it: its tasks fail
  /// instead of waiting for ever.
  bool unavailable = false;
  /// Why it is unavailable, when it exited (see never_ready()).
  std::string gone;
  bool exited = false;
  /// The engine stopped its process to start it afresh: the exit that
  /// follows is expected.
  bool restarting = false;
  /// The task it works on; empty when free.
  std::string task;
  /// The approval request its permission prompt is waiting on ("" none).
  std::string approval;
};

class orchestrator {
  friend class orchestrator_snapshot;

public:
  explicit orchestrator(plan p);
  // Indexes point into its own maps: moved, never copied.
  orchestrator(const orchestrator&) = delete;
  orchestrator& operator=(const orchestrator&) = delete;
  orchestrator(orchestrator&&) = default;
  orchestrator& operator=(orchestrator&&) = default;

  /// Applies `in`, which arrived at logical time `now_us` (the recorded
  /// event's), and returns what to do, in order.
  std::vector<orchestrator_decision> on(const orchestrator_input& in,
                                        uint64_t now_us = 0);

  /// In a supervisor chain's scope (team_scope.hpp, plan::scope), what the
  /// router above tells it at logical time `now_us`, and what it does:
  ///   chain_verdict   a stub's task was settled in its scope: the stub's
  ///                   dependents here move, or never start (its own
  ///                   verdict is not decided here again; nothing for a
  ///                   task that is no stub here or has settled);
  ///   chain_need      a NEED from another scope, whose owner is here: the
  ///                   owner is asked, as for a NEED from its own team;
  ///   chain_contract  a CONTRACT from another scope: delivered to the
  ///                   agents here whose tasks come after its task, and to
  ///                   those whose NEED it answers;
  ///   need_held       nobody in the chain owns what an agent here needs:
  ///                   the NEED is held for the operator;
  ///   chain_ended     every scope is settled: this one finishes;
  ///   chain_deadlock  NEEDs between scopes closed a cycle whose stub maker
  ///                   is here: reported and broken as a cycle found here
  ///                   is (the maker asked for a stub), once.
  /// A whole plan's fold (no plan::scope) does nothing with any of them.
  std::vector<orchestrator_decision> on_chain(const chain_input& in,
                                              uint64_t now_us);

  /// In a chain's scope: what it reported up since last asked, in order
  /// (verdicts of its tasks, NEEDs whose owner is not here, CONTRACTs
  /// other scopes may wait for, its tasks all settled). The caller takes
  /// them after each input. Always empty for a whole plan.
  std::vector<chain_report> take_reports();

  /// What the tasks add up to now (a scope: its own tasks, not its stubs).
  run_tally tally() const;

  /// When a time_passed input is due (a dispatched task's time limit), in
  /// logical µs; 0 when none. May be early (a limit since met): the input
  /// then changes nothing.
  uint64_t next_deadline() const;

  /// Agents whose task's stall deadline is due at `now_us`: before the
  /// time passes, the caller looks at their files and records any change
  /// (agent_active), so an agent whose files are still changing is not a
  /// stall.
  std::vector<std::string> stall_due(uint64_t now_us) const;

  /// The plan as the run goes: swarm tasks added, merged scopes.
  const engine::plan& current_plan() const {
    return plan_;
  }

  const std::map<std::string, task_view>& tasks() const {
    return board_.tasks();
  }
  /// The task board (tasks, their order, stages, what is ready).
  const task_board& board() const {
    return board_;
  }
  const std::map<std::string, agent_view>& agents() const {
    return agents_;
  }
  bool finished() const {
    return finished_;
  }
  /// Approval requests waiting for the operator, by id.
  const std::map<std::string, approval_view>& approvals() const {
    return desk_.waiting();
  }
  /// The run has begun (a fold of a stopped run's log, to be resumed).
  bool begun() const {
    return begun_;
  }
  /// Its teams' supervision runs in their leads (run_begun.leads, in a plan
  /// with teams).
  bool leads() const {
    return supervision_.leads();
  }
  /// The run's record format (run_begun.version of its first start).
  uint16_t version() const {
    return version_;
  }
  /// The plan's teams, whose leads it asks (empty without leads).
  std::vector<std::string> lead_teams() const {
    return supervision_.lead_teams();
  }
  /// Questions to leads not answered yet.
  const std::set<uint64_t>& pending_asks() const {
    return supervision_.pending_asks();
  }

  /// Why the operator command `c` cannot be carried out now ("no agent x in
  /// this run (agents: a, b)", the plan problems of a task to add, ...);
  /// empty when it can. A command is checked before it is recorded: bad
  /// input is refused and changes nothing.
  std::string check_operator(const operator_command& c) const;

  /// The id the next operator command gets ("o1", "o2", ...).
  std::string next_operator_id() const;

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
  void on_active(const agent_active& in, decisions& out);
  void on_lock(const lock_requested& in, decisions& out);
  void on_task_line(const protocol_seen& in, decisions& out);
  void on_lead_reported(const lead_reported& in, decisions& out);

  // The operator's commands (operator.cpp).
  void on_operator(const operator_command& c, decisions& out);
  /// The task of an add_task command, parsed and checked as `baton check`
  /// checks a plan's tasks.
  result<plan_task> added_task(const operator_command& c) const;
  /// A settled task (and its dependents that never started because it
  /// failed) waits to run again from attempt 1.
  void reopen(size_t i);

  // Approvals and status asks (approvals.cpp).
  /// The agent's state changed from `before`: a permission prompt becomes
  /// an approval request; one it left unanswered is withdrawn; a return to
  /// its prompt without a STATUS line arms the status ask.
  void approval_seen(agent_view& a, detect::state before,
                     const agent_observed& in, decisions& out);
  void on_answered(const approval_answered& in, decisions& out);
  /// The agent's open request, if any, is withdrawn (it left the prompt:
  /// now `now`).
  void withdraw_approval(agent_view& a, detect::state now,
                         decisions& out);
  void answer(const std::string& id, const std::string& agent,
              const std::string& tool, const std::string& subject,
              approval_answer answer, const approval_by& by,
              const std::string& why, decisions& out);
  void approvals_due(decisions& out);
  void watch_status(agent_view& a, const agent_observed& in);
  void statuses_due(decisions& out);

  // Loops, stalls and degradation (watchdog.cpp).
  void note_progress(task_view& t);
  /// A failure `text` (BUILD: FAIL or STATUS: ERROR summary); true when it
  /// made a loop and the task was escalated.
  bool note_failure(task_view& t, const std::string& text, decisions& out);
  /// Before a new attempt: true when PROGRESS has not advanced across the
  /// plan's loop_attempts attempts and the task was escalated.
  bool progress_stuck(task_view& t, decisions& out);
  void escalate(task_view& t, escalation_trigger trigger,
                const std::string& evidence, decisions& out);
  void check_stalls(decisions& out);
  void arm_stall(task_view& t);
  /// The task could not be completed within its limits: the plan's
  /// degradation policy decides.
  void fail_task(task_view& t, const std::string& reason, decisions& out);
  std::string policy_of(const task_view& t) const;
  const plan_agent* merge_target(const task_view& t) const;
  std::vector<std::string> dependents_of(size_t i) const;

  // Waits between agents and the mesh's locks: the glue between the task
  // board and coordination (coordination.hpp).
  /// The waits of `agent` that settling `task` ends: its NEEDs and BLOCKED
  /// reasons, and the dependency waits on its task.
  void end_waits(const std::string& agent, const std::string& task);
  /// A BLOCKED reason naming a path someone else owns is a wait for them.
  void on_blocked(const protocol_seen& in, decisions& out);
  /// An agent whose next task comes after `t` waits for `t`'s agent.
  void wait_on_dependents(const task_view& t, decisions& out);
  /// A path relative to an agent's directory, relative to the workspace
  /// (locks name workspace paths).
  std::string in_workspace(const std::string& agent,
                           const std::string& path) const;
  /// Mesh: a change by `agent` to `path` (relative to its directory).
  void check_write(const std::string& agent, const std::string& path,
                   decisions& out);

  // Supervisors' decisions carried out (restarts.cpp); team_supervision
  // decides.
  /// The agent exited by itself: its team's supervisor decides. False
  /// when the plan declares no supervision (the plain restart applies).
  bool supervise_exit(const std::string& agent, int exit_code,
                      decisions& out);
  /// The effects of a supervisor's decision in `team` (this fold's or a
  /// lead's): members stopped, restarted, dropped; a stopped team is its
  /// parent's to decide about.
  void carry_out(const std::string& team, const std::string& child,
                 const std::vector<std::string>& stop,
                 const std::vector<std::string>& start,
                 const std::vector<std::string>& removed, bool escalate,
                 const std::string& reason, decisions& out);
  void carry_out(const team_supervision::decided& d, decisions& out);
  /// Restarts `agent` (alive or not) and gives it its task again.
  void restart_member(const std::string& agent, bool alive,
                      const std::string& why, decisions& out);
  void stop_member(const std::string& agent, const std::string& why,
                   decisions& out);
  void start_deadline_passed(decisions& out);
  std::string never_ready(const agent_view& a) const;
  void arm_deadline(task_view& t);
  void check_scope(const task_view& t, const std::vector<std::string>& changed,
                   decisions& out);

  void on_done(task_view& t, const protocol_seen& in, decisions& out);
  void on_error(task_view& t, const std::string& why, decisions& out);
  void on_need(const protocol_seen& in, decisions& out);
  void on_contract(const protocol_seen& in, decisions& out);
  /// `owner` is asked for `resource` on behalf of `from` (of team
  /// `from_team`), who said `text`; `from` waits for `owner`.
  void route_need(const std::string& owner, const std::string& from,
                  const std::string& from_team, const std::string& resource,
                  const std::string& text, decisions& out);
  /// The CONTRACT `title` (with `body`) of `from` goes to the agents `to`;
  /// those at work are told now.
  void deliver_contract(const std::string& from, const std::string& title,
                        const std::string& body,
                        const std::set<std::string>& to, decisions& out);
  void on_chain_contract(const chain_contract& in, decisions& out);

  void settle(task_view& t, bool passed, std::string reason, decisions& out);
  void retry(task_view& t, const std::string& guidance, decisions& out);
  void promote(decisions& out);
  bool can_take(const agent_view& a, const plan_task& pt) const;
  bool capable(const plan_agent& a, const plan_task& pt) const;
  bool reassign(task_view& t, const std::string& guidance, decisions& out);
  void dispatch_ready(decisions& out);
  void maybe_finish(decisions& out);
  /// promote, dispatch_ready, maybe_finish: after anything that may have
  /// settled or freed something.
  void finish_step(decisions& out) {
    promote(out);
    dispatch_ready(out);
    maybe_finish(out);
  }
  bool dependencies_passed(const plan_task& t) const;
  bool dependency_failed(const plan_task& t, std::string& which) const;
  const plan_agent* plan_agent_of(std::string_view name) const;
  std::string prompt_for(const plan_task& t, const task_view& v) const;

  /// The plan as the run goes (swarm tasks added, merged scopes).
  plan plan_;

  // -- the parts -------------------------------------------------------------

  /// The tasks and where each stands (task_board.hpp).
  task_board board_;
  /// Status asks, stalls and loops: when a task climbs a rung
  /// (escalation_ladder.hpp).
  escalation_ladder ladder_;
  /// Who waits for whom, deadlocks and their stubs, the mesh's locks
  /// (coordination.hpp).
  coordination coord_;
  /// NEEDs and CONTRACTs between agents (routing.hpp).
  routing routing_;
  /// Who decides when an agent exits: the teams' supervisors, or their
  /// leads (team_supervision.hpp).
  team_supervision supervision_;
  /// Approval requests left to the operator (approval_desk.hpp).
  approval_desk desk_;

  // -- what ties them together -----------------------------------------------

  /// The agents, by name, and the plan's agents by name.
  std::map<std::string, agent_view> agents_;
  std::map<std::string, const plan_agent*, std::less<>> plan_agents_;
  /// Resumed: each agent's checkpoint summary, for its interrupted task.
  std::map<std::string, std::string> checkpoints_;
  /// The current input's logical time.
  uint64_t now_ = 0;
  /// Operator commands applied so far (their ids are "o<n>").
  uint64_t operators_seen_ = 0;
  /// The run's working area (absolute), from run_begun.
  std::string workspace_;
  bool begun_ = false;
  /// The run's record format (run_begun.version): 0 leaves purposes unset.
  uint16_t version_ = 0;
  bool finished_ = false;
  /// A chain's scope: its reports up not taken yet (a verdict is filled
  /// in when taken: a degradation follows its task's settling). Taken
  /// after each input, so never in a snapshot.
  std::vector<chain_report> reports_;
};

} // namespace baton::engine
