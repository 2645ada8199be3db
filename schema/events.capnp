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
