# The envelope every stored event travels in: where it sits in the log, when
# it happened, and what caused it.
#
# FROZEN FORMAT. Never renumber or reuse an ordinal; append new fields only.
@0xa05ad9b419f6251e;

using Cxx = import "/capnp/c++.capnp";
using Json = import "/capnp/compat/json.capnp";
using Events = import "events.capnp";
$Cxx.namespace("baton::schema");

const currentSchemaVersion :UInt16 = 1;
# The schema version this build writes. A log whose format marker names a
# newer version is refused rather than misread.

struct Envelope {
  stream @0 :Text;
  # The stream the event belongs to: "orchestrator", "lead/<team>",
  # "worker/<name>", or any name an embedding program chooses.
  sequence @1 :UInt64;
  # Position within the stream, from 1, assigned by the log; never reused.
  position @2 :UInt64;
  # Position in the one global order over all streams, from 1, gap-free,
  # assigned by the log.
  logicalTime @3 :UInt64;
  # The run's logical time, in microseconds, at which the input arrived. Engine
  # logic reads time only from here.
  eventId @4 :Data $Json.hex;
  # 16 bytes chosen by the writer. Appending an event whose id the log already
  # holds is a no-op that returns the original position (idempotent retry).
  causationId @5 :Data $Json.hex;
  # The id of the event that caused this one; empty for external inputs.
  correlationId @6 :Data $Json.hex;
  # The id shared by every event of one operation (a task, a delivery); may be empty.
  schemaVersion @7 :UInt16;
  # The schema version the writer used.
  wallTime @8 :Int64;
  # Wall-clock nanoseconds since the Unix epoch when the event was recorded.
  # For people and tools only: engine logic never reads it.
  event @9 :Events.Event;
  # What happened.
}
