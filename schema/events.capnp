# Event kinds: every input an actor records and every decision it takes.
#
# FROZEN FORMAT. Events are stored in run logs that outlive the code that wrote
# them. Never renumber or reuse an ordinal; never change a field's type; add new
# kinds and fields only at the end, with the next free ordinal.
@0x805e2a774e38d060;

using Cxx = import "/capnp/c++.capnp";
using Json = import "/capnp/compat/json.capnp";
$Cxx.namespace("baton::schema");

struct Event {
  # One recorded fact. The union discriminant names the kind.
  union {
    note @0 :Note;
    # Free text written by an operator or a tool; engine logic ignores it.
    runStarted @1 :RunStarted;
    # A run began (or resumed) with this configuration.
    runFinished @2 :RunFinished;
    # A run ended.
    ptyOutput @3 :PtyOutput;
    # Bytes an agent wrote to its terminal, as read from the PTY.
    ptyInput @4 :PtyInput;
    # Bytes Baton typed into an agent's terminal.
    processStarted @5 :ProcessStarted;
    # An agent process was spawned.
    processExited @6 :ProcessExited;
    # An agent process ended.
    timerFired @7 :TimerFired;
    # A timer an actor had set reached its deadline (logical time is in the envelope).
    stateChanged @8 :StateChanged;
    # The detector read a new state off an agent's screen.
    protocolMessage @9 :ProtocolMessage;
    # A protocol line an agent wrote (STATUS, PROGRESS, BUILD, NEED, ...).
    compactionSeen @10 :CompactionSeen;
    # The agent CLI's context-compaction marker appeared.
    inputFinished @11 :InputFinished;
    # A typed input was confirmed delivered, or given up on.
    taskDispatched @12 :TaskDispatched;
    # Decision: type a task's dispatch prompt into an agent.
    gateRequested @13 :GateRequested;
    # Decision: verify a task's attempt (artifacts, commands, evidence).
    agentTold @14 :AgentTold;
    # Decision: type a message into an agent (guidance, a NEED, a CONTRACT).
    agentRestarted @15 :AgentRestarted;
    # Decision: start an agent's process again.
    taskSettled @16 :TaskSettled;
    # Decision: a task reached its verdict.
    gateFinished @17 :GateFinished;
    # Input: the verification of a task's attempt finished.
    workerReported @18 :WorkerReported;
    # Input: what a worker reported to the orchestrator.
    scopeViolation @19 :ScopeViolation;
    # Decision: a worker changed a file outside its scope.
    promptRequested @20 :PromptRequested;
    # Input (worker): text the orchestrator asked to type into the agent.
    stopRequested @21 :StopRequested;
    # Input: the operator (or the orchestrator) asked the run or an agent to stop.
    sessionOpened @22 :SessionOpened;
    # Input (worker): a new agent session begins (before its process starts),
    # with everything its logic depends on, so replay can rebuild it.
    filesChanged @23 :FilesChanged;
    # Input (worker): the files the engine saw its agent change during an
    # attempt (the gate's before/after scan of its directory).
    taskEscalated @24 :TaskEscalated;
    # Decision: a loop or a stall was seen on a task; the next step of the
    # response (nudge, re-dispatch, reassign, fail).
    taskAdded @25 :TaskAdded;
    # Decision: a task was put on the swarm board (an agent's TASK: line).
    deadlockFound @26 :DeadlockFound;
    # Decision: a cycle formed in the wait-for graph; one member is asked
    # for a temporary stub of what another waits for.
    taskDegraded @27 :TaskDegraded;
    # Decision: a task that could not be completed within its limits was
    # merged into another agent's scope, shipped without, or left to the
    # operator (the plan's degradation policy).
    agentActive @28 :AgentActive;
    # Input: files in an agent's directory changed while it had a task.
    supervisorActed @29 :SupervisorActed;
    # Decision: a team's supervisor reacted to an agent's exit.
    lockChanged @30 :LockChanged;
    # Decision (mesh): a lock of the shared state folder changed hands.
    lockRequested @31 :LockRequested;
    # Input (mesh): an agent asked for a lock, or gave one back.
    approvalRequested @32 :ApprovalRequested;
    # Decision: an agent's permission prompt became an approval request.
    approvalDecided @33 :ApprovalDecided;
    # Decision: an approval request was answered (by the plan's policy, the
    # operator or the timeout's fallback), or the agent left the prompt.
    approvalAnswered @34 :ApprovalAnswered;
    # Input: the operator answered an approval request (runs before the
    # operator stream; newer runs record operatorCommand).
    operatorCommand @35 :OperatorCommand;
    # Input (the `operator` stream): something a person or a program did to
    # a running run through the engine's API (text typed to an agent, a task
    # added, cancelled or run again, an approval decided, a stop).
    hostChanged @36 :HostChanged;
    # Input (the `host/<name>` stream): the engine's link to another machine
    # came up, went down, or gave up on its agents.
    leadAsked @37 :LeadAsked;
    # Decision of the orchestrator, input of the lead (recorded on both
    # streams: sent, then received): a team's lead is asked to decide on a
    # member's exit, or to start its team afresh.
    leadReported @38 :LeadReported;
    # Input (the orchestrator's stream): what a team's lead decided, as it
    # recorded it on `lead/<team>`; the orchestrator carries it out.
    chainReported @39 :ChainReported;
    # Decision of a supervisor chain's scope (a lead's, on `lead/<team>`, or
    # the orchestrator's own), input of the chain's router on the
    # orchestrator's stream (recorded on both: sent, then received): what
    # other scopes must hear (a verdict, a NEED, a CONTRACT, its tasks all
    # settled). engine/orchestration/chain_router.hpp.
    chainDelivered @40 :ChainDelivered;
    # Decision of the chain's router (the orchestrator's stream), input of
    # the scope it is for (recorded on both): a stub's verdict, a NEED from
    # another scope, a CONTRACT, a NEED held, the chain's end.
  }
}

struct Note {
  text @0 :Text;
  # What was noted.
}

struct RunStarted {
  plan @0 :Text;
  # The plan file the run was started from (empty when none).
  pattern @1 :Text;
  # The orchestration pattern: hub, pipeline, supervisor, swarm or mesh.
  resumed @2 :Bool;
  # True when this start continues an earlier run from its log.
  planText @3 :Text;
  # The plan file's text as the run read it, so the run can be re-derived
  # without the file.
  workspace @4 :Text;
  # The run's working area (absolute), where each agent's directory is.
  checkpoints @5 :List(AgentCheckpoint);
  # A resumed start: each agent's re-orientation summary, folded from its
  # stream, given back to it with its interrupted task.
  leads @6 :Bool;
  # Each team's supervision runs in a lead actor recording to its own
  # stream `lead/<team>` (false in runs recorded before leads existed: the
  # orchestrator's one fold decided for every team).
  version @7 :UInt16;
  # The record format the run writes. 0: runs recorded before it existed.
  # 1: decisions and prompts carry a typed `purpose` (AgentTold,
  # PromptRequested) beside their `why` sentence, and enumerations recorded
  # as text carry an enum beside it (StateChanged.fromState/toState,
  # ProtocolMessage.lineKind/statusKind, RunFinished.outcomeKind,
  # SupervisorActed.strategyKind). A resumed run keeps the version it began
  # with, so its replay derives the same bytes.
  # 2: the remaining enumerations recorded as text carry an enum beside it
  # too (TaskEscalated.triggerKind/stepKind, TaskDegraded.policyKind,
  # LockChanged.whatKind, ApprovalDecided.answerKind/byKind/byRule).
  # Inputs (ApprovalAnswered.answerKind, OperatorCommand.answerKind,
  # HostChanged.stateKind) carry theirs whatever the version: they are
  # recorded, never derived again.
  chain @8 :Bool;
  # A supervisor chain: each top team's lead runs its team's scope
  # (dispatch, gates, supervision, its NEEDs and CONTRACTs) on its stream
  # `lead/<team>`, and the orchestrator's stream holds the agents in no team
  # and the router between the scopes (chainReported, chainDelivered).
  # False: one fold of the whole plan on the orchestrator's stream.
}

struct AgentCheckpoint {
  agent @0 :Text;
  summary @1 :Text;
}

struct RunFinished {
  ok @0 :Bool;
  # True when every task passed its gates.
  summary @1 :Text;
  # One line saying how the run ended.
  skipped @2 :List(Text);
  # Tasks the run shipped without (the degradation policy), each with why.
  outcome @3 :Text;
  # "complete", "reduced" (shipped without some tasks), "operator" (left
  # for the operator) or "failed".
  outcomeKind @4 :Outcome;
  # The same, as a value (unset in runs of version 0).
}

enum Outcome {
  unset @0;
  complete @1;
  reduced @2;
  operator @3;
  failed @4;
}

struct PtyOutput {
  bytes @0 :Data $Json.base64;
  # The bytes exactly as read; they need not be valid UTF-8.
}

struct PtyInput {
  bytes @0 :Data $Json.base64;
  # The bytes exactly as written to the terminal.
  deliveryId @1 :UInt64;
  # The input-delivery operation these bytes belong to (0 when none).
}

struct ProcessStarted {
  argv @0 :List(Text);
  # The program and its arguments, as executed (never through a shell).
  pid @1 :Int32;
  # Operating-system process id; informational, differs between runs.
  columns @2 :UInt16;
  # Terminal width in cells.
  rows @3 :UInt16;
  # Terminal height in cells.
}

struct ProcessExited {
  exitCode @0 :Int32;
  # The exit status when the process exited normally, else -1.
  signal @1 :Int32;
  # The signal that ended the process, else 0.
}

struct TimerFired {
  timerId @0 :UInt64;
  # The id the actor gave the timer when it set it.
}

struct StateChanged {
  from @0 :Text;
  # The state before: starting, working, idle, waiting_approval, done,
  # blocked, error, exited or unknown.
  to @1 :Text;
  # The state now.
  rule @2 :Text;
  # The pack rule that decided it ("" when nothing matched).
  region @3 :Text;
  # The screen region the rule read.
  evidence @4 :Text;
  # The text the rule matched.
  inputReady @5 :Bool;
  # The pack says the new state takes input.
  askTool @6 :Text;
  # waiting_approval: the tool the agent asks to use, as the pack's
  # [approval] rules read it off the screen ("" when none matched).
  askSubject @7 :Text;
  # waiting_approval: what it asks for: the command, file or URL.
  fromState @8 :AgentState;
  toState @9 :AgentState;
  # `from` and `to` as values (unset in runs of version 0).
}

enum AgentState {
  unset @0;
  starting @1;
  working @2;
  idle @3;
  waitingApproval @4;
  done @5;
  blocked @6;
  error @7;
  exited @8;
  unknown @9;
}

struct ProtocolMessage {
  line @0 :Text;
  # The line as read, decoration removed: "STATUS: DONE — x + y".
  kind @1 :Text;
  # status, progress, build, need, contract or task.
  status @2 :Text;
  # For STATUS: DONE, BLOCKED or ERROR.
  text @3 :Text;
  # STATUS: the text; PROGRESS: what completed; BUILD: the summary; NEED: the
  # reason; CONTRACT and TASK: the title.
  evidence @4 :Text;
  # STATUS DONE: the part after " + ".
  resource @5 :Text;
  # NEED: the path or resource.
  body @6 :List(Text);
  # CONTRACT: the interface text, a line per entry.
  done @7 :UInt32;
  # PROGRESS: X.
  total @8 :UInt32;
  # PROGRESS: Y.
  passed @9 :Bool;
  # BUILD: PASS (true) or FAIL (false).
  historyIndex @10 :UInt64;
  # Where it appeared in the agent's line history.
  requirements @11 :List(Text);
  # TASK: the capabilities in `[requires: ...]`.
  description @12 :Text;
  # TASK: the text after the separator.
  lineKind @13 :LineKind;
  statusKind @14 :StatusKind;
  # `kind` and `status` as values (unset in runs of version 0).
}

enum LineKind {
  unset @0;
  status @1;
  progress @2;
  build @3;
  need @4;
  contract @5;
  task @6;
}

enum StatusKind {
  unset @0;
  done @1;
  blocked @2;
  error @3;
}

struct CompactionSeen {
  rule @0 :Text;
  # The pack's marker rule.
  evidence @1 :Text;
  # The marker text as seen.
}

struct InputFinished {
  deliveryId @0 :UInt64;
  # The input-delivery operation (see PtyInput.deliveryId).
  delivered @1 :Bool;
  # True when the agent was seen to take it.
  attempts @2 :UInt32;
  # How many writes it took.
  reason @3 :Text;
  # Why it counts as delivered or failed, e.g. "confirmed: idle -> working".
  ref @4 :Text;
  # The operator command whose prompt this was (PromptRequested.ref).
}

struct TaskDispatched {
  task @0 :Text;
  agent @1 :Text;
  attempt @2 :UInt32;
  # From 1.
  prompt @3 :Text;
  # The prompt as typed.
}

struct GateRequested {
  task @0 :Text;
  attempt @1 :UInt32;
  agent @2 :Text;
  evidence @3 :Text;
  # The evidence the worker gave with its DONE.
}

struct AgentTold {
  agent @0 :Text;
  text @1 :Text;
  # What is typed.
  why @2 :Text;
  # Why, for people: "retry of task api", "need from frontend", ...
  ref @3 :Text;
  # The operator command it carries out ("o3"); empty for the engine's own.
  raw @4 :Bool;
  # True: keys typed as they are (PromptRequested.raw).
  purpose @5 :Purpose;
  # What it is for, as a value folds read (null in runs of version 0: read
  # `why`).
}

struct AgentRestarted {
  agent @0 :Text;
  why @1 :Text;
}

struct TaskSettled {
  task @0 :Text;
  passed @1 :Bool;
  reason @2 :Text;
  # Why it passed ("gate passed: <evidence>") or failed.
}

struct GateFinished {
  task @0 :Text;
  attempt @1 :UInt32;
  passed @2 :Bool;
  reasons @3 :List(Text);
  # Why it failed, one entry per problem; empty when it passed.
  changed @4 :List(Text);
  # Files the worker changed during the attempt, relative to its directory.
}

struct WorkerReported {
  agent @0 :Text;
  # The worker that reported.
  union {
    state @1 :StateChanged;
    # Its detected state changed.
    protocol @2 :ProtocolMessage;
    # It wrote a protocol line.
    exited @3 :ProcessExited;
    # Its process ended.
    started @4 :ProcessStarted;
    # Its process was (re)started.
  }
}

struct ScopeViolation {
  agent @0 :Text;
  # Who changed the file.
  task @1 :Text;
  # During which task.
  path @2 :Text;
  # The file, relative to the agent's directory.
  owner @3 :Text;
  # The agent that owns it ("" when nobody does).
}

struct PromptRequested {
  text @0 :Text;
  # What to type (a bracketed paste, then the pack's submit key).
  why @1 :Text;
  # dispatch of task X, retry, need, contract, ...
  answer @2 :Bool;
  # True: `text` is the keys answering a permission prompt, typed as they
  # are (no paste, no submit key) while the agent is in waiting_approval.
  ref @3 :Text;
  # The operator command it carries out ("o3"); empty for the engine's own.
  # The delivery's InputFinished carries it too.
  raw @4 :Bool;
  # True: `text` is keys a person typed (baton attach), passed through at
  # once: no paste, no submit key, no acknowledgement.
  purpose @5 :Purpose;
  # What it is for (null when the prompt's sender recorded none: read
  # `why`).
}

struct StopRequested {
  reason @0 :Text;
  # "interrupted", "run finished", ...
  immediate @1 :Bool;
  # True: kill at once; false: ask, then kill after a grace period.
}

struct SessionOpened {
  pack @0 :Text;
  # The detector pack's name.
  packText @1 :Text;
  # The pack's TOML text, as the session parsed it.
  columns @2 :UInt16;
  rows @3 :UInt16;
  # The screen model's size.
  coalesceUs @4 :UInt64;
  # The monitor's coalescing window, logical microseconds.
  submitDelayUs @5 :UInt64;
  # Between a pasted prompt and its submit key.
  answerConfirmUs @6 :UInt64;
  # Within which an answer must take the agent out of waiting_approval.
  resumed @7 :Bool;
  # The first session after the engine restarted (baton resume): what the
  # session before it derived but had not recorded when the engine stopped
  # is not in the log.
  version @8 :UInt16;
  # The run's record format (RunStarted.version): what this session's
  # derived events carry.
}

struct FilesChanged {
  task @0 :Text;
  attempt @1 :UInt32;
  paths @2 :List(Text);
  # Relative to the agent's directory.
}

struct TaskEscalated {
  task @0 :Text;
  agent @1 :Text;
  trigger @2 :Text;
  # "loop" or "stall".
  step @3 :Text;
  # "nudge", "redispatch", "reassign" or "fail".
  count @4 :UInt32;
  # The task's escalations so far, this one included (from 1).
  evidence @5 :Text;
  # The repeated summary, or how long the task went without progress.
  triggerKind @6 :EscalationTrigger;
  stepKind @7 :EscalationStep;
  # `trigger` and `step` as values (unset in runs before version 2).
}

enum EscalationTrigger {
  unset @0;
  loop @1;
  stall @2;
}

enum EscalationStep {
  unset @0;
  nudge @1;
  redispatch @2;
  reassign @3;
  fail @4;
}

struct TaskAdded {
  task @0 :Text;
  # The board's id for it, made from the title.
  title @1 :Text;
  requires @2 :List(Text);
  description @3 :Text;
  by @4 :Text;
  # The agent whose TASK: line it was.
}

struct DeadlockFound {
  members @0 :List(Text);
  # The agents of the cycle, in wait order.
  description @1 :Text;
  # Who waits for whom, and for what.
  stubMaker @2 :Text;
  # The member asked for a stub (the one with the least completed work).
  stubFor @3 :Text;
  # The member that waits for the stub.
  what @4 :Text;
  # What the stub stands in for.
}

struct TaskDegraded {
  task @0 :Text;
  policy @1 :Text;
  # "merge", "ship_without" or "operator".
  into @2 :Text;
  # merge: the agent whose scope takes the task.
  skipped @3 :List(Text);
  # ship_without: the tasks the run ships without (it and its dependents).
  why @4 :Text;
  policyKind @5 :DegradePolicy;
  # `policy` as a value (unset in runs before version 2).
}

enum DegradePolicy {
  unset @0;
  merge @1;
  shipWithout @2;
  operator @3;
}

struct AgentActive {
  agent @0 :Text;
  paths @1 :List(Text);
  # Files changed since the last look, relative to the agent's directory.
}

struct SupervisorActed {
  team @0 :Text;
  agent @1 :Text;
  # The member whose exit it reacts to.
  strategy @2 :Text;
  stop @3 :List(Text);
  # Members stopped, in reverse start order.
  start @4 :List(Text);
  # Members (re)started, in start order.
  escalate @5 :Bool;
  # The restart intensity was exceeded: the team stops, its parent decides.
  why @6 :Text;
  removed @7 :List(Text);
  # Temporary members dropped rather than restarted (recorded by leads).
  strategyKind @8 :Strategy;
  # `strategy` as a value (unset in runs of version 0).
}

enum Strategy {
  unset @0;
  oneForOne @1;
  oneForAll @2;
  restForOne @3;
}

struct LockChanged {
  path @0 :Text;
  agent @1 :Text;
  what @2 :Text;
  # granted, queued, renewed, released, expired, freed, refused, withdrawn
  # (it left the queue) or conflict.
  holder @3 :Text;
  expiresUs @4 :UInt64;
  # Logical time the lease ends.
  why @5 :Text;
  whatKind @6 :LockChange;
  # `what` as a value (unset in runs before version 2).
}

enum LockChange {
  unset @0;
  granted @1;
  queued @2;
  released @3;
  expired @4;
  freed @5;
  renewed @6;
  refused @7;
  withdrawn @8;
  conflict @9;
}

struct LockRequested {
  path @0 :Text;
  agent @1 :Text;
  release @2 :Bool;
  # True: the agent gives the lock back.
}

struct ApprovalRequested {
  id @0 :Text;
  # "a1", "a2", ... in the order the run saw them.
  agent @1 :Text;
  task @2 :Text;
  # The task the agent had ("" when none).
  tool @3 :Text;
  subject @4 :Text;
  # What is asked, as read off the screen (see StateChanged.askTool).
  evidence @5 :Text;
  # The screen text the detector's rule matched.
  policy @6 :Text;
  # What the plan's policy says: "allow", "deny" or "operator", and by which
  # rule ("deny list: ...", "rule 2", "no rule").
}

struct ApprovalDecided {
  id @0 :Text;
  agent @1 :Text;
  answer @2 :Text;
  # "allow", "allow_always", "deny", or "withdrawn" (the agent left the
  # prompt before an answer; nothing is typed).
  by @3 :Text;
  # "deny list", "rule N", "policy", "operator", "timeout" or "agent".
  why @4 :Text;
  answerKind @5 :ApprovalAnswer;
  byKind @6 :ApprovalBy;
  # `answer` and `by` as values (unset in runs before version 2).
  byRule @7 :UInt32;
  # byKind rule: N of "rule N", the [[approvals.rules]] entry (from 1).
}

enum ApprovalAnswer {
  unset @0;
  allow @1;
  allowAlways @2;
  deny @3;
  withdrawn @4;
}

enum ApprovalBy {
  unset @0;
  denyList @1;
  rule @2;
  policy @3;
  operator @4;
  timeout @5;
  agent @6;
}

struct ApprovalAnswered {
  id @0 :Text;
  answer @1 :Text;
  # "allow", "allow_always" or "deny".
  by @2 :Text;
  # Who answered (the operator's name or "operator").
  reason @3 :Text;
  answerKind @4 :ApprovalAnswer;
  # `answer` as a value (unset in logs recorded before it existed).
}

enum OperatorAction {
  send @0;
  # Type `text` into `agent` as an acknowledged prompt.
  keys @1;
  # Pass the keys in `text` to `agent` as they are (baton attach).
  addTask @2;
  # Put a task on the board: `text` is its [[tasks]] table in TOML, `task`
  # its id.
  cancelTask @3;
  # Fail `task` now (its agent is told to stop working on it).
  rerunTask @4;
  # Run a settled `task` again from attempt 1.
  approve @5;
  # Answer the approval request `approval` with `answer`.
  stop @6;
  # Stop the run (`immediate`: kill the agents at once).
}

struct OperatorCommand {
  id @0 :Text;
  # "o1", "o2", ... in the order the run accepted them.
  by @1 :Text;
  # Who: "operator", a person's name, "mcp:<client>", a program's name.
  action @2 :OperatorAction;
  agent @3 :Text;
  task @4 :Text;
  text @5 :Text;
  approval @6 :Text;
  # approve: the request's id ("a1").
  answer @7 :Text;
  # approve: "allow", "allow_always" or "deny".
  reason @8 :Text;
  # Why, as the operator gave it (may be empty).
  immediate @9 :Bool;
  answerKind @10 :ApprovalAnswer;
  # approve: `answer` as a value (unset in logs recorded before it existed).
}

struct HostChanged {
  host @0 :Text;
  # The plan's name of the machine.
  state @1 :Text;
  # "connected", "unreachable" (its agents keep running there; their state
  # is unknown) or "lost" (unreachable longer than the plan allows: its
  # agents count as exited).
  why @2 :Text;
  # For people: the error, the address.
  agents @3 :List(Text);
  # The agents it runs for this run.
  process @4 :UInt64;
  # connected: the host process's incarnation (a new one: it restarted).
  run @5 :Text;
  # The run's id on the host (its spool's name), kept for a resume.
  stateKind @6 :HostState;
  # `state` as a value (unset in logs recorded before it existed).
}

enum HostState {
  unset @0;
  connected @1;
  unreachable @2;
  lost @3;
}

struct LeadAsked {
  team @0 :Text;
  # The lead asked.
  member @1 :Text;
  # The member whose exit it decides on: an agent, or "team:<name>" for a
  # sub-team that stopped. Empty with `reset`.
  exitCode @2 :Int32;
  reset @3 :Bool;
  # Its parent restarted the team: the lead starts afresh (a new
  # supervisor, its restart history forgotten); nothing to answer.
  ask @4 :UInt64;
  # The orchestrator's number for the question (1, 2, ... per run): a lead
  # started again answers a question it already answered from its stream.
}

struct LeadReported {
  ask @0 :UInt64;
  # The question answered.
  acted @1 :SupervisorActed;
  # The lead's decision, as recorded on its stream.
}

struct Purpose {
  # Why an agent is told something, as a value: the checkpoint fold, the run
  # view and the inspector read it; `why` beside it is for people.
  kind @0 :Kind;
  task @1 :Text;
  # The task it is about ("" when none).
  attempt @2 :UInt32;
  # dispatch, retry: the attempt it starts. status: the ask's number.
  from @3 :Text;
  # The agent it comes from: contract, need, stub, stubReplaced, scope; the
  # operator's name for operator; who answered for approval.
  what @4 :Text;
  # need: the resource. contract: the title. nudge: "loop" or "stall".
  # stub, stubReplaced: what the stub stands in for. lockGranted: the path.
  # approval: the request's id. scope: the file. teamStopped: why.

  enum Kind {
    unset @0;
    # None recorded.
    dispatch @1;
    # The task's attempt begins.
    retry @2;
    # The task's next attempt, after a failure.
    contract @3;
    # Another agent published a CONTRACT the agent waits for.
    need @4;
    # Another agent NEEDs what the agent owns.
    checkpoint @5;
    # The agent's context was compacted: where it is.
    status @6;
    # It stopped without a STATUS line: where does the task stand?
    nudge @7;
    # A loop or a stall on the task: try another way.
    withdrawn @8;
    # The task was taken from the agent (reassigned, cancelled).
    stub @9;
    # A deadlock: write a stub for the agent that waits.
    stubReplaced @10;
    # The stub the agent used was replaced by the real thing.
    lockGranted @11;
    # The agent holds a lock of the shared state folder.
    approval @12;
    # An answer to its permission prompt, or a refusal.
    teamStopped @13;
    # Its team was stopped by its supervisor.
    scope @14;
    # Another agent changed a file the agent owns.
    operator @15;
    # A person (or a program) typed it through the engine's API.
  }
}

struct ChainReported {
  scope @0 :Text;
  # The scope reporting: its top team, or "" for the agents in no team.
  number @1 :UInt64;
  # The scope's number for the report (1, 2, ... per scope and run): the
  # router takes each once, from a lead started again as well.
  union {
    verdict @2 :ChainVerdict;
    need @3 :ChainNeed;
    contract @4 :ChainContract;
    settled @5 :RunTally;
    # Every task of the scope is settled (it goes on answering until the
    # chain ends): what they add up to.
  }
}

struct ChainDelivered {
  scope @0 :Text;
  # The scope told.
  number @1 :UInt64;
  # The router's number for the delivery (1, 2, ... per run): a scope takes
  # each once.
  union {
    verdict @2 :ChainVerdict;
    # A task of another scope this one holds as a stub was settled.
    need @3 :ChainNeed;
    # A NEED from another scope whose owner is in this one.
    contract @4 :ChainContract;
    # A CONTRACT from another scope for agents of this one.
    needHeld @5 :ChainNeedHeld;
    # Nobody in the chain owns what an agent of this scope needs.
    ended @6 :Void;
    # Every scope is settled: the chain ends.
    deadlock @7 :DeadlockFound;
    # NEEDs between scopes closed a cycle: its stub maker is of this scope.
  }
}

struct ChainVerdict {
  task @0 :Text;
  passed @1 :Bool;
  reason @2 :Text;
  degraded @3 :DegradePolicy;
  # The degradation it shipped under (unset: none).
}

struct ChainNeed {
  from @0 :Text;
  # The agent that needs it.
  fromTeam @1 :Text;
  # Its team ("" for none), for the request's route.
  resource @2 :Text;
  text @3 :Text;
  # What it said it needs it for.
}

struct ChainContract {
  from @0 :Text;
  # The agent that published it.
  task @1 :Text;
  # Its task when it did ("" for none): other scopes' tasks after it.
  title @2 :Text;
  body @3 :Text;
  waiters @4 :List(Text);
  # Agents whose NEED it answers (down: those of the scope told).
}

struct ChainNeedHeld {
  from @0 :Text;
  resource @1 :Text;
}

struct RunTally {
  passed @0 :UInt64;
  total @1 :UInt64;
  failed @2 :List(Text);
  skipped @3 :List(Text);
  operatorLeft @4 :List(Text);
  # Each "id (reason)", in the order of the ids.
  stubs @5 :List(Text);
  # Deadlock stubs never replaced.
}
