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

struct OrchestratorState {
  # The orchestrator's fold (engine/orchestration/orchestrator) as its
  # streams left it: the inputs of `orchestrator` up to `sequence` and of
  # `operator` up to `operatorSequence`, applied in the log's order, the
  # decisions they made that were not yet recorded at that point, and every
  # part's state. The plan is the recorded one (runStarted's text) with the
  # run's changes to it.
  format @0 :UInt32;
  # The layout of the parts' state below (orchestrator_snapshot_format): a
  # build that keeps its parts otherwise passes over the snapshot and folds
  # the stream from its first event.
  sequence @1 :UInt64;
  operatorSequence @2 :UInt64;
  lastTime @3 :UInt64;
  # The latest logical time of the events folded.
  unrecorded @4 :List(Data);
  # Decisions made and not recorded at `sequence`, in order: each an Event
  # in the run's record version.

  addedTasks @5 :List(OrchestratorPlanTask);
  # Tasks the run added (swarm TASK lines, the operator's add_task), in
  # order, after the plan's.
  stageTasks @6 :List(List(Text));
  # Each pipeline stage's tasks, the added ones included.
  owns @7 :List(List(Text));
  # Each plan agent's ownership globs, in plan order (a merge widens them).

  tasks @8 :List(OrchestratorTask);
  # Every task's view, in plan order.
  board @9 :OrchestratorBoard;
  stalls @10 :List(DueTask);
  statusAsks @11 :List(DueTask);
  waits @12 :List(OrchestratorWait);
  deadlocks @13 :List(List(Text));
  stubs @14 :List(OrchestratorStub);
  locks @15 :List(OrchestratorLock);
  lockWriters @16 :List(NamedList);
  held @17 :List(NamedList);
  contracts @18 :List(NamedList);
  needs @19 :List(OrchestratorNeed);
  supervision @20 :OrchestratorSupervision;
  approvals @21 :List(OrchestratorApproval);
  approvalsSeen @22 :UInt64;
  agents @23 :List(OrchestratorAgent);
  checkpoints @24 :List(NamedText);
  now @25 :UInt64;
  operatorsSeen @26 :UInt64;
  workspace @27 :Text;
  begun @28 :Bool;
  version @29 :UInt16;
  finished @30 :Bool;
  approvalDeadlines @31 :List(DueId);
  # The approval desk's deadlines, those of requests answered or withdrawn
  # since included (the desk leaves them; they set when time next passes).
}

struct DueId {
  due @0 :UInt64;
  id @1 :Text;
}

struct NamedText {
  name @0 :Text;
  text @1 :Text;
}

struct NamedList {
  name @0 :Text;
  items @1 :List(Text);
}

struct DueTask {
  due @0 :UInt64;
  task @1 :UInt64;
  # The task's plan index.
}

struct OrchestratorPlanTask {
  id @0 :Text;
  title @1 :Text;
  prompt @2 :Text;
  agent @3 :Text;
  requires @4 :List(Text);
  after @5 :List(Text);
  artifacts @6 :List(OrchestratorArtifact);
  verify @7 :List(Text);
  hasRetries @8 :Bool;
  retries @9 :UInt32;
  degrade @10 :Text;
}

struct OrchestratorArtifact {
  path @0 :Text;
  format @1 :Text;
  pattern @2 :Text;
  nonEmpty @3 :Bool;
  mustContain @4 :List(Text);
}

struct OrchestratorTask {
  id @0 :Text;
  status @1 :UInt8;
  agent @2 :Text;
  attempt @3 :UInt32;
  maxAttempts @4 :UInt32;
  progress @5 :Text;
  build @6 :Text;
  lastLine @7 :Text;
  reason @8 :Text;
  evidence @9 :Text;
  deadline @10 :UInt64;
  tried @11 :List(Text);
  interrupted @12 :Bool;
  escalations @13 :UInt32;
  history @14 :List(Text);
  lastFailure @15 :Text;
  repeats @16 :UInt32;
  bestProgress @17 :UInt32;
  attemptProgress @18 :UInt32;
  flatAttempts @19 :UInt32;
  stall @20 :UInt64;
  redispatch @21 :Bool;
  restarted @22 :Text;
  worked @23 :Bool;
  needPending @24 :Bool;
  statusDue @25 :UInt64;
  statusAsks @26 :UInt32;
  addedBy @27 :Text;
  degraded @28 :UInt8;
  # 0: none; else 1 + the policy.
}

struct OrchestratorBoard {
  stage @0 :UInt64;
  laterStagesClosed @1 :Bool;
  worklist @2 :List(UInt64);
  readyFor @3 :List(NamedIndexes);
  readyAny @4 :List(UInt64);
  dirty @5 :List(Text);
  settled @6 :UInt64;
  passedInStage @7 :List(UInt64);
  failedInStage @8 :List(UInt64);
  deadlines @9 :List(DueTask);
}

struct NamedIndexes {
  name @0 :Text;
  indexes @1 :List(UInt64);
}

struct OrchestratorWait {
  from @0 :Text;
  to @1 :Text;
  kind @2 :UInt8;
  what @3 :Text;
}

struct OrchestratorStub {
  agent @0 :Text;
  what @1 :Text;
  forAgent @2 :Text;
  published @3 :Bool;
}

struct OrchestratorLock {
  path @0 :Text;
  owner @1 :Text;
  expires @2 :UInt64;
  queue @3 :List(OrchestratorLockWaiter);
}

struct OrchestratorLockWaiter {
  agent @0 :Text;
  lease @1 :UInt64;
}

struct OrchestratorNeed {
  owner @0 :Text;
  waiter @1 :Text;
  request @2 :Text;
  resource @3 :Text;
}

struct OrchestratorSupervision {
  teams @0 :List(OrchestratorTeam);
  leads @1 :Bool;
  asks @2 :UInt64;
  pendingAsks @3 :List(UInt64);
  dropped @4 :List(Text);
  stopped @5 :List(Text);
}

struct OrchestratorTeam {
  name @0 :Text;
  children @1 :List(LeadChild);
  restarts @2 :List(UInt64);
  stopped @3 :Bool;
}

struct OrchestratorApproval {
  id @0 :Text;
  agent @1 :Text;
  task @2 :Text;
  tool @3 :Text;
  subject @4 :Text;
  deadline @5 :UInt64;
}

struct OrchestratorAgent {
  name @0 :Text;
  state @1 :UInt8;
  inputReady @2 :Bool;
  reportedReady @3 :Bool;
  everReady @4 :Bool;
  unavailable @5 :Bool;
  gone @6 :Text;
  exited @7 :Bool;
  restarting @8 :Bool;
  task @9 :Text;
  approval @10 :Text;
}

struct ChainNodeState {
  # A supervisor chain's node (engine/orchestration/chain_nodes) as its
  # streams left it: a lead's scope, on lead/<team>, or the orchestrator
  # above the leads (its own scope and the router), on orchestrator and
  # operator. The inputs up to `sequence` (and the operator's commands up to
  # `operatorSequence`) are applied in the log's order; `pending` is what
  # they derived that was not recorded at that point.
  #
  # Its first five fields are laid out as OrchestratorState's, so a reader
  # of the orchestrator stream's snapshots (baton fork) finds the operator's
  # sequence in either; `format` differs, so neither is taken for the other.
  format @0 :UInt32;
  sequence @1 :UInt64;
  operatorSequence @2 :UInt64;
  lastTime @3 :UInt64;
  pending @4 :List(Data);
  # Each an Event: a decision, or a message to the other side of the chain
  # (a lead's chainReported, the orchestrator's chainDelivered), in order.
  scope @5 :OrchestratorState;
  # The scope's fold (its position and unrecorded decisions are the node's,
  # above). The plan is the recorded one cut to the scope.
  reported @6 :UInt64;
  # The last report it numbered, and the last delivery it took.
  delivered @7 :UInt64;
  router @8 :ChainRouterState;
  # The orchestrator's; unset for a lead.
  finishTold @9 :Bool;
  # The orchestrator decided the run's finish.
}

struct ChainRouterState {
  # The router between a chain's scopes (engine/orchestration/chain_router):
  # what it learned from the reports it took. What it knows from the plan
  # (the scopes, the owners, the tasks other scopes wait for) is not here.
  open @0 :List(ChainRoute);
  # NEEDs routed between scopes and not answered yet.
  answered @1 :List(ChainRoute);
  waits @2 :List(OrchestratorWait);
  # Those NEEDs as waits, in the order they were added.
  deadlocks @3 :List(List(Text));
  # The cycles reported (their members, sorted).
  settled @4 :List(Data);
  # Each scope's latest tally, as the chainReported event that carried it.
  finish @5 :Data;
  # The run's finish it decided, as the runFinished event (empty: none).
  held @6 :List(Data);
  # NEEDs nobody in the chain owns, as the chainReported events.
  lastReports @7 :List(ChainScopeNumber);
  delivered @8 :UInt64;
  # The number of its last delivery.
}

struct ChainRoute {
  owner @0 :Text;
  asker @1 :Text;
  scope @2 :Text;
  # The asker's scope.
}

struct ChainScopeNumber {
  scope @0 :Text;
  number @1 :UInt64;
}
