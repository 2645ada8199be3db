# Messages between actors. An actor sends a frame whose root is one of these;
# the events inside are the same Event type the log stores, so the bytes an
# actor sends are the bytes the log keeps.
#
# FROZEN FORMAT. Never renumber or reuse an ordinal; append new fields only.
@0x96545bfa19456cd0;

using Cxx = import "/capnp/c++.capnp";
using Json = import "/capnp/compat/json.capnp";
using Events = import "events.capnp";
$Cxx.namespace("baton::schema");

struct NewEvent {
  # An event to record; the log adds the stream, sequence and position.
  id @0 :Data $Json.hex;
  # 16 bytes chosen by the sender; the idempotency key.
  causationId @1 :Data $Json.hex;
  # The event that caused this one; empty for external inputs.
  correlationId @2 :Data $Json.hex;
  # The operation this belongs to; may be empty.
  logicalTime @3 :UInt64;
  # The run's logical time in microseconds.
  wallTime @4 :Int64;
  # Wall-clock nanoseconds since the Unix epoch, for people only.
  event @5 :Events.Event;
  # What happened.
}

struct AppendRequest {
  # Ask the log actor to record events in one stream, atomically.
  stream @0 :Text;
  # The stream to append to, e.g. "worker/backend".
  expectedVersion @1 :Int64;
  # -1 for any version; otherwise the exact version the stream must be at
  # (0: the stream must not exist yet).
  events @2 :List(NewEvent);
  # The events, in order.
  relaxed @3 :Bool;
  # Acknowledge once written to the operating system, whatever the log's
  # durability mode (raw PTY output); see storage::append_request::relaxed.
}

struct AppendReply {
  # The log actor's answer, sent once the events are durable under the run's
  # durability mode (or once the append failed).
  union {
    appended @0 :Appended;
    # The events are stored.
    failed @1 :Failure;
    # Nothing was stored.
  }
}

struct Appended {
  firstSequence @0 :UInt64;
  # Sequence of the first event in its stream.
  lastSequence @1 :UInt64;
  # Sequence of the last event.
  firstPosition @2 :UInt64;
  # Global position of the first event.
  lastPosition @3 :UInt64;
  # Global position of the last event.
  duplicate @4 :Bool;
  # True when every id was already stored: nothing new was written.
}

struct Failure {
  code @0 :UInt8;
  # A baton::ec value (engine/ec.hpp).
  message @1 :Text;
  # What failed, naming the stream and sequence.
}

struct WorkerCommand {
  # What the orchestrator (or a lead) asks a worker actor to do.
  union {
    prompt @0 :Events.PromptRequested;
    # Type this into the agent as an acknowledged prompt.
    restart @1 :Events.AgentRestarted;
    # Start the agent's process again (it exited).
    stop @2 :Events.StopRequested;
    # Stop the agent's process.
    files @3 :Events.FilesChanged;
    # Record the files its agent changed during an attempt.
  }
}

struct WorkerReport {
  # What a worker actor tells its supervisor, after recording it.
  report @0 :Events.WorkerReported;
  logicalTime @1 :UInt64;
  # When the worker recorded it.
}

struct GateReport {
  # A gate runner's outcome, sent to the orchestrator, which records it.
  finished @0 :Events.GateFinished;
}
