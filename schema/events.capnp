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
}

struct FilesChanged {
  task @0 :Text;
  attempt @1 :UInt32;
  paths @2 :List(Text);
  # Relative to the agent's directory.
}
