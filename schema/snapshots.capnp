# Snapshot payloads: the state a fold saved at a sequence of its stream, so a
# rebuild starts from the latest snapshot instead of the stream's first event
# (storage/snapshot.hpp stores one as the snapshot's state frame).
#
# FROZEN FORMAT. Snapshots are stored in run logs that outlive the code that
# wrote them. Never renumber or reuse an ordinal; never change a field's type;
# add new structs and fields only at the end, with the next free ordinal. A
# reader that cannot use a snapshot folds from the first event instead.
@0xaf30027b0711ec1b;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("baton::schema");

struct CheckpointState {
  # A worker's checkpoint fold (engine/checkpoint): its re-orientation
  # summary as of `sequence` of the worker's stream.
  sequence @0 :UInt64;
  # The last sequence folded.
  task @1 :Text;
  attempt @2 :UInt32;
  taskTitle @3 :Text;
  completed @4 :List(Text);
  nextStep @5 :Text;
  build @6 :Text;
  openNeeds @7 :List(Text);
  contracts @8 :List(Text);
  filesModified @9 :List(Text);
}

struct LeadState {
  # A team's lead (engine/orchestration/team_lead) as its stream
  # `lead/<team>` left it at `sequence`: what rebuilding it from the stream's
  # first record up to there gives.
  sequence @0 :UInt64;
  # The last sequence folded.
  team @1 :Text;
  lastAsk @2 :UInt64;
  # The number of the last question applied (0: none).
  children @3 :List(LeadChild);
  # The team's supervisor's live spec, in start order.
  restarts @4 :List(UInt64);
  # Logical times of the restarts still counted against the intensity.
  stopped @5 :Bool;
  # The intensity was exceeded.
  answers @6 :List(LeadAnswer);
  unrecorded @7 :List(UInt64);
  # Questions decided and not yet answered on the stream, in order.
}

struct LeadChild {
  id @0 :Text;
  restart @1 :RestartType;
}

enum RestartType {
  permanent @0;
  transient @1;
  temporary @2;
}

struct LeadAnswer {
  ask @0 :UInt64;
  acted @1 :Data;
  # The answer: an Event holding its supervisorActed, encoded in the run's
  # record version.
}
