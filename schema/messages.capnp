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

# -- Agents on other machines (baton host) ---------------------------------
# The engine's host link and a host's published actor exchange these over
# CAF's network layer (mutual TLS). Events travel as their stored envelopes.

struct HostHello {
  # The engine opens (or re-opens, after a cut) a run's session on a host.
  run @0 :Text;
  # The run's id (its log directory's name); the host's spool is per run.
  host @1 :Text;
  # The host's name in the plan.
  engine @2 :UInt64;
  # The engine's incarnation: decision numbers restart with a new one.
  durable @3 :List(StreamMark);
  # What the central log holds of each of this host's streams: the host
  # ships from the next sequence on and trims its spool below it.
  reportsThrough @4 :UInt64;
  # The last report the engine took (reports are numbered per host process).
  planText @5 :Text;
  # The plan, as recorded (secrets redacted), for the agents' settings.
  planDir @6 :Text;
  # The plan file's directory on the engine's machine ("${plan_dir}").
  workspace @7 :Text;
  # The run's working area (absolute; a shared file system).
  logDir @8 :Text;
  # The run's log directory as the engine sees it (for `baton mcp`).
  process @9 :UInt64;
  # The host process `reportsThrough` counts in (0: none yet).
}

struct HostWelcome {
  # The host's answer to a hello.
  version @0 :Text;
  # Its baton version.
  process @1 :UInt64;
  # Its process's incarnation: a new one means the host restarted (its
  # agents, and reports not yet taken, are gone).
  agents @2 :List(Text);
  # The agents it runs for this run.
}

struct StreamMark {
  stream @0 :Text;
  sequence @1 :UInt64;
}

struct HostCommand {
  # What the engine asks a host to do for one agent; executed once per
  # (engine, decision) even if it arrives twice.
  engine @0 :UInt64;
  decision @1 :UInt64;
  # Numbered from 1 per engine incarnation and host, in sending order.
  agent @2 :Text;
  union {
    spawn @3 :WorkerSpawn;
    # Make the agent's worker (its terminal, screen, detector) and start it.
    command @4 :WorkerCommand;
    # A command for its worker.
    kill @5 :Void;
    # End the worker at once (the engine gave up on it).
  }
  now @6 :UInt64;
  # The run's logical time (µs) when the engine sent it: the host's clock
  # for the run never falls behind what it has seen of the engine's.
}

struct WorkerSpawn {
  idHigh @0 :UInt64;
  # High half of the worker's event ids.
  resumed @1 :Bool;
  checkpoint @2 :Data;
  # Its checkpoint fold's saved state (resume), else empty.
  clockBase @3 :UInt64;
  # The run's logical time (µs) now: the host's clock continues from it.
  stopGraceMs @4 :UInt32;
  recordVersion @5 :UInt16;
  # The run's record format (Events.RunStarted.version): what its sessions
  # record.
}

struct HostShipment {
  # What a host recorded and tells, in order: every stream's events first,
  # then the reports (each made after its events were spooled).
  process @0 :UInt64;
  streams @1 :List(AppendRequest);
  # Per stream, its events as spooled; expectedVersion is the sequence
  # before the first (the central log appends them at the same sequences).
  reports @2 :List(ShippedReport);
}

struct ShippedReport {
  # What a worker told, numbered per host process.
  number @0 :UInt64;
  report @1 :WorkerReport;
  quit @2 :Text;
  # Non-empty: instead of a report, this agent's worker ended (after all it
  # recorded and told).
}

struct HostAck {
  # What the central log holds durably of the host's streams, and the last
  # report the engine took: the host trims, and ships from there on.
  durable @0 :List(StreamMark);
  reportsThrough @1 :UInt64;
  error @2 :Text;
  # Non-empty: the shipment was refused (a gap, a damaged event): the host
  # ships again from `durable`.
}
