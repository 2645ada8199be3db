// What the orchestrator reacts to, and what it decides. Inputs are recorded
// before the orchestrator sees them; decisions are recorded before they are
// carried out (DESIGN.md §2). Plain values: comparable, so replay can check
// that the same inputs give the same decisions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engine/decision_kinds.hpp"
#include "engine/detect/state.hpp"
#include "engine/purpose.hpp"
#include "engine/supervision/supervisor.hpp"

namespace baton::engine {

// -- inputs ------------------------------------------------------------------

/// The run begins (or resumes): dispatch what is ready.
struct run_begun {
  /// The plan file, its text and pattern, as recorded (the orchestrator
  /// itself was built from the parsed plan).
  std::string plan;
  std::string plan_text;
  std::string pattern;
  /// The engine was restarted (baton resume): every agent starts again.
  bool resumed = false;
  /// The run's working area.
  std::string workspace = {};
  /// Resumed: each agent's checkpoint summary, by name.
  std::map<std::string, std::string> checkpoints = {};
  /// Each team's supervision runs in its lead, recording to `lead/<team>`
  /// (false: a run recorded before leads, decided in this one fold).
  bool leads = false;
  /// The record format the run writes (engine::record_version; 0 for runs
  /// recorded before it existed). A resumed run keeps its first one.
  uint16_t version = 0;
  /// A supervisor chain: each top team's scope runs in its lead, on
  /// `lead/<team>` (chain_nodes.hpp); false: one fold of the whole plan.
  bool chain = false;
  friend bool operator==(const run_begun&, const run_begun&) = default;
};

/// A worker's detected state changed.
struct agent_observed {
  std::string agent;
  detect::state state = detect::state::unknown;
  /// The pack says this state takes input.
  bool input_ready = false;
  /// waiting_approval: what the prompt asks (tool; command, file or URL),
  /// as the pack read it off the screen, and the detector's evidence.
  std::string ask_tool = {};
  std::string ask_subject = {};
  std::string evidence = {};
  friend bool operator==(const agent_observed&, const agent_observed&)
    = default;
};

/// The kinds of protocol lines (DESIGN.md §4).
enum class protocol_kind : uint8_t {
  done,
  blocked,
  error,
  progress,
  build_pass,
  build_fail,
  need,
  contract,
  /// TASK: work an agent discovered, for the swarm board.
  task,
};

/// A protocol line a worker wrote, as parsed from its screen.
struct protocol_seen {
  std::string agent;
  protocol_kind kind = protocol_kind::done;
  /// The whole line as read.
  std::string line;
  /// DONE: what was accomplished; ERROR/BLOCKED: the text; BUILD FAIL: the
  /// summary; NEED: the reason; CONTRACT: the title.
  std::string text;
  /// DONE: the evidence after " + ".
  std::string evidence;
  /// NEED: the path or resource.
  std::string resource;
  /// CONTRACT: the interface text.
  std::string body;
  /// PROGRESS: X of Y.
  uint32_t done = 0;
  uint32_t total = 0;
  /// TASK: the capabilities it requires and its description (the title is
  /// `text`).
  std::vector<std::string> requirements = {};
  std::string description = {};
  friend bool operator==(const protocol_seen&, const protocol_seen&) = default;
};

/// The verification of a task's attempt finished.
struct gate_finished {
  std::string task;
  uint32_t attempt = 0;
  bool passed = false;
  /// Why it failed, one reason per line (empty when it passed).
  std::vector<std::string> reasons;
  /// Files the worker changed during the attempt (relative to its
  /// directory), checked against the ownership table.
  std::vector<std::string> changed;
  friend bool operator==(const gate_finished&, const gate_finished&) = default;
};

/// A worker's process ended.
struct agent_exited {
  std::string agent;
  int exit_code = 0;
  friend bool operator==(const agent_exited&, const agent_exited&) = default;
};

/// The operator asked the run to stop: every task not settled fails.
struct stop_requested {
  std::string reason;
  bool immediate = false;
  friend bool operator==(const stop_requested&, const stop_requested&)
    = default;
};

/// A timer the orchestrator asked for (next_deadline()) fired; the time is
/// the input's logical time.
struct time_passed {
  friend bool operator==(const time_passed&, const time_passed&) = default;
};

/// Files in an agent's directory changed while it had a task: it is at
/// work even when it writes no protocol line (not a stall).
struct agent_active {
  std::string agent;
  std::vector<std::string> paths;
  friend bool operator==(const agent_active&, const agent_active&) = default;
};

/// Mesh: an agent asked for a lock of the shared state folder, or gave one
/// back.
struct lock_requested {
  std::string path;
  std::string agent;
  bool release = false;
  friend bool operator==(const lock_requested&, const lock_requested&)
    = default;
};

/// The operator answered an approval request.
struct approval_answered {
  /// The request's id ("a1").
  std::string id;
  /// allow, allow_always or deny.
  approval_answer answer = approval_answer::deny;
  /// Who answered.
  std::string by = "operator";
  std::string reason = {};
  friend bool operator==(const approval_answered&, const approval_answered&)
    = default;
};

/// What an operator command does (schema OperatorAction).
enum class operator_action : uint8_t {
  /// Type `text` into `agent` as an acknowledged prompt.
  send,
  /// Pass the keys in `text` to `agent` as they are.
  keys,
  /// Put the task in `text` (a [[tasks]] table in TOML) on the board.
  add_task,
  /// Fail `task` now.
  cancel_task,
  /// Run the settled `task` again from attempt 1.
  rerun_task,
  /// Answer the approval request `approval` with `answer`.
  approve,
  /// Stop the run.
  stop,
};

std::string_view to_string(operator_action a);

/// Something a person or a program did to the running run through the
/// engine's API, recorded on the `operator` stream before it is applied.
/// Checked first (orchestrator::check): a recorded command is one the
/// engine accepted.
struct operator_command {
  /// "o1", "o2", ... in the order the run accepted them.
  std::string id;
  /// Who: "operator", a person's name, "mcp:<client>".
  std::string by;
  operator_action action = operator_action::send;
  std::string agent;
  std::string task;
  std::string text;
  std::string approval;
  std::string answer;
  std::string reason;
  bool immediate = false;
  friend bool operator==(const operator_command&, const operator_command&)
    = default;
};

/// A team's supervisor reacted to a member's exit.
struct supervise {
  std::string team;
  std::string agent;
  restart_strategy strategy = restart_strategy::one_for_one;
  std::vector<std::string> stop;
  std::vector<std::string> start;
  bool escalate = false;
  std::string why;
  /// Temporary members dropped rather than restarted (a lead's record says
  /// so; the orchestrator's own fold keeps it implicit, as before).
  std::vector<std::string> removed = {};
  friend bool operator==(const supervise&, const supervise&) = default;
};

/// A team's lead answered question `ask`: its decision, as it recorded it
/// on its stream. The orchestrator carries it out.
struct lead_reported {
  uint64_t ask = 0;
  supervise acted;
  friend bool operator==(const lead_reported&, const lead_reported&)
    = default;
};

using orchestrator_input
  = std::variant<run_begun, agent_observed, protocol_seen, gate_finished,
                 agent_exited, stop_requested, time_passed, agent_active,
                 lock_requested, approval_answered, operator_command,
                 lead_reported>;

// -- decisions ---------------------------------------------------------------

/// Type a task's dispatch prompt into an agent.
struct dispatch_task {
  std::string task;
  std::string agent;
  uint32_t attempt = 0;
  std::string prompt;
  friend bool operator==(const dispatch_task&, const dispatch_task&) = default;
};

/// Verify a task's attempt: its artifacts, commands and evidence.
struct run_gate {
  std::string task;
  uint32_t attempt = 0;
  std::string agent;
  /// The evidence the worker gave, to be checked.
  std::string evidence;
  friend bool operator==(const run_gate&, const run_gate&) = default;
};

/// Type a message into an agent: guidance after a failure, a routed NEED, a
/// delivered CONTRACT.
struct tell_agent {
  std::string agent;
  std::string text;
  /// Why, for people ("retry of task api", "need from frontend", ...).
  std::string why;
  /// What it is for, as folds read it (left unset in runs of record
  /// version 0, whose replay must derive the bytes they recorded).
  engine::purpose purpose = {};
  /// The operator command it carries out ("o3"); empty for the engine's
  /// own.
  std::string ref = {};
  /// Keys typed as they are (an operator's raw keys), not a prompt.
  bool raw = false;
  friend bool operator==(const tell_agent&, const tell_agent&) = default;
};

/// Restart an agent's process (it exited mid-task).
struct restart_agent {
  std::string agent;
  std::string why;
  friend bool operator==(const restart_agent&, const restart_agent&) = default;
};

/// A task reached a verdict.
struct task_settled {
  std::string task;
  bool passed = false;
  std::string reason;
  friend bool operator==(const task_settled&, const task_settled&) = default;
};

/// How a run ended: every task passed (complete), shipped without some as
/// the plan allows (reduced), left to the operator, or failed.
enum class run_outcome : uint8_t { complete, reduced, by_operator, failed };

/// "complete", "reduced", "operator", "failed".
constexpr std::string_view to_string(run_outcome o) {
  switch (o) {
    case run_outcome::complete: return "complete";
    case run_outcome::reduced: return "reduced";
    case run_outcome::by_operator: return "operator";
    case run_outcome::failed: return "failed";
  }
  return "failed";
}

/// The outcome to_string() names; nullopt for anything else.
constexpr std::optional<run_outcome> run_outcome_from_string(
  std::string_view s) {
  for (auto o : {run_outcome::complete, run_outcome::reduced,
                 run_outcome::by_operator, run_outcome::failed})
    if (to_string(o) == s)
      return o;
  return std::nullopt;
}

/// Nothing more will happen: every task is settled or can never start.
struct finish_run {
  bool ok = false;
  std::string summary;
  /// Tasks shipped without (the degradation policy), each "id (why)".
  std::vector<std::string> skipped = {};
  run_outcome outcome = run_outcome::failed;
  friend bool operator==(const finish_run&, const finish_run&) = default;
};

/// What a run's (or a chain scope's) tasks add up to once every one is
/// settled: what its finish says.
struct run_tally {
  size_t passed = 0;
  size_t total = 0;
  /// Each "id (reason)", in the order of the ids.
  std::vector<std::string> failed = {};
  std::vector<std::string> skipped = {};
  std::vector<std::string> operator_left = {};
  /// Deadlock stubs never replaced (coordination::unreplaced_stubs).
  std::vector<std::string> stubs = {};
  friend bool operator==(const run_tally&, const run_tally&) = default;
};

/// The finish of a run whose tasks add up to `t`: its summary ("3/4 tasks
/// passed; failed: x (why)"), outcome and the tasks shipped without.
finish_run finish_of(run_tally t);

// -- between a supervisor chain's scopes and the router above them ----------
// (engine/orchestration/team_scope.hpp, chain_router.hpp). A scope's fold
// reports up what other scopes must hear (orchestrator::take_reports); the
// router hands each report to the scopes it concerns
// (orchestrator::on_chain). Not recorded yet: runs do not cut a chain into
// scopes.

/// A task's verdict, for the scopes that hold it as a stub.
struct chain_verdict {
  std::string task;
  bool passed = false;
  std::string reason = {};
  std::optional<degrade_policy> degraded = {};
  friend bool operator==(const chain_verdict&, const chain_verdict&) = default;
};

/// A NEED whose owner is not in the scope of `from` (whose team is
/// `from_team`): up to the router, down to the owner's scope.
struct chain_need {
  std::string from;
  std::string from_team;
  std::string resource;
  std::string text;
  friend bool operator==(const chain_need&, const chain_need&) = default;
};

/// A CONTRACT of `from` (at work on `task`, or "") for other scopes: the
/// agents there whose tasks come after `task`, and `waiters`, the agents
/// there whose NEED it answers.
struct chain_contract {
  std::string from;
  std::string task;
  std::string title;
  std::string body;
  std::vector<std::string> waiters = {};
  friend bool operator==(const chain_contract&, const chain_contract&)
    = default;
};

/// Every task of a scope is settled; what they add up to. The scope goes
/// on (its agents may still be asked for contracts) until the chain ends.
struct scope_settled {
  run_tally tally;
  friend bool operator==(const scope_settled&, const scope_settled&) = default;
};

/// Down to the scope of `from`: nobody in the chain owns `resource`, so
/// the NEED is held for the operator, as a run holds one nobody owns.
struct need_held {
  std::string from;
  std::string resource;
  friend bool operator==(const need_held&, const need_held&) = default;
};

/// Down to every scope: every scope's tasks are settled; the chain ends.
struct chain_ended {
  friend bool operator==(const chain_ended&, const chain_ended&) = default;
};

/// Down to the scope of the member asked for a stub: NEEDs between scopes
/// closed a cycle, which only the router sees (each scope sees the waits
/// within it). As report_deadlock.
struct chain_deadlock {
  /// The agents of the cycle, in wait order.
  std::vector<std::string> members;
  std::string description;
  /// The member asked for a stub (an agent of the scope told), the member
  /// waiting for it, and what the stub stands in for.
  std::string stub_maker;
  std::string stub_for;
  std::string what;
  friend bool operator==(const chain_deadlock&, const chain_deadlock&)
    = default;
};

/// What a scope reports up.
using chain_report
  = std::variant<chain_verdict, chain_need, chain_contract, scope_settled>;
/// What a scope is told from above.
using chain_input = std::variant<chain_verdict, chain_need, chain_contract,
                                 need_held, chain_ended, chain_deadlock>;

/// A worker changed a file outside its scope (reported; the owner is told
/// with a NEED).
struct report_violation {
  std::string agent;
  std::string task;
  std::string path;
  /// The owner, or empty when nobody owns it.
  std::string owner;
  friend bool operator==(const report_violation&, const report_violation&)
    = default;
};

/// A loop or a stall on a task, and the step of the response taken.
struct escalate_task {
  std::string task;
  std::string agent;
  escalation_trigger trigger = escalation_trigger::loop;
  escalation_step step = escalation_step::nudge;
  /// The task's escalations so far, this one included.
  uint32_t count = 0;
  std::string evidence;
  friend bool operator==(const escalate_task&, const escalate_task&) = default;
};

/// A task put on the swarm board.
struct add_task {
  std::string task;
  std::string title;
  std::vector<std::string> requires_caps;
  std::string description;
  std::string by;
  friend bool operator==(const add_task&, const add_task&) = default;
};

/// A cycle in the wait-for graph, and who is asked to break it.
struct report_deadlock {
  std::vector<std::string> members;
  std::string description;
  std::string stub_maker;
  std::string stub_for;
  std::string what;
  friend bool operator==(const report_deadlock&, const report_deadlock&)
    = default;
};

/// The degradation policy applied to a task that could not be completed.
struct degrade_task {
  std::string task;
  degrade_policy policy = degrade_policy::by_operator;
  std::string into;
  std::vector<std::string> skipped;
  std::string why;
  friend bool operator==(const degrade_task&, const degrade_task&) = default;
};

/// A team's lead is asked to decide on `member`'s exit (an agent, or
/// "team:<name>" for a sub-team that stopped), or, with `reset`, to start
/// afresh because its parent restarted the team. `ask` numbers the
/// questions of a run.
struct ask_lead {
  uint64_t ask = 0;
  std::string team;
  std::string member;
  int exit_code = 0;
  bool reset = false;
  friend bool operator==(const ask_lead&, const ask_lead&) = default;
};

/// Mesh: a lock changed (granted, queued, renewed, released, expired,
/// freed, refused) or two agents modified one file (conflict).
struct change_lock {
  std::string path;
  std::string agent;
  lock_change what = lock_change::granted;
  std::string holder;
  uint64_t expires_us = 0;
  std::string why;
  friend bool operator==(const change_lock&, const change_lock&) = default;
};

/// An agent's permission prompt, recorded as an approval request.
struct request_approval {
  std::string id;
  std::string agent;
  /// The task the agent has ("" when none).
  std::string task;
  std::string tool;
  std::string subject;
  std::string evidence;
  /// What the plan's policy says, and by which rule ("operator (no rule)").
  std::string policy;
  friend bool operator==(const request_approval&, const request_approval&)
    = default;
};

/// An approval request answered: the worker types the pack's keys for
/// `answer` ("allow", "allow_always", "deny"); "withdrawn" types nothing.
struct decide_approval {
  std::string id;
  std::string agent;
  approval_answer answer = approval_answer::deny;
  approval_by by;
  std::string why;
  friend bool operator==(const decide_approval&, const decide_approval&)
    = default;
};

using orchestrator_decision
  = std::variant<dispatch_task, run_gate, tell_agent, restart_agent,
                 task_settled, finish_run, report_violation, escalate_task,
                 add_task, report_deadlock, degrade_task, supervise,
                 change_lock, request_approval, decide_approval, ask_lead>;

/// Why a prompt is typed: the sentence for people, and the purpose folds
/// read (unset in runs of record version 0).
struct prompt_reason {
  std::string why;
  engine::purpose purpose;
};

/// The reason of a dispatch's prompt, and of the keys answering an
/// approval, in the run's record `version` (engine/orchestration/prompt.cpp).
prompt_reason reason_of(const dispatch_task& d, uint16_t version);
prompt_reason reason_of(const decide_approval& d, uint16_t version);

} // namespace baton::engine
