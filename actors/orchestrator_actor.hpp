// The orchestrator actor: the engine's orchestrator (hub-and-spoke and
// pipeline, engine/orchestration) wrapped in record, then apply, then act.
//
//   (start)          ─▶ record runStarted      ─▶ engine.on(run_begun)
//   worker report    ─▶ record workerReported  ─▶ engine.on(observed | seen |
//                                                   exited)
//   gate outcome     ─▶ record gateFinished    ─▶ engine.on(gate_finished)
//   operator stop    ─▶ record stopRequested   ─▶ engine.on(stop_requested)
//   each decision    ─▶ record it (taskDispatched, gateRequested, agentTold,
//                       agentRestarted, taskSettled, scopeViolation,
//                       runFinished) ─▶ carry it out: a prompt to a worker, a
//                       gate on its own thread, a restart, the end of the run
//
// Its stream is "orchestrator"; everything in it is strict (the run's
// durability). Gates (artifact contracts, verification commands, the
// before/after scan of the worker's directory) run on a detached thread and
// come back as a message. When the run finishes, it stops every worker and
// quits; the workers quit once their agents have exited.
//
// A supervisor chain (plan [run] chain, engine/orchestration/chain_nodes)
// runs on several of these: one per top team, its lead, running the team's
// scope on `lead/<team>` with the team's workers, and the orchestrator above
// them, running the agents in no team and the router on `orchestrator`. A
// lead's report up is recorded on its stream, sent as (chain, frame), and
// recorded again on the orchestrator's as its input; a delivery down the
// same way back.
//
// Without a chain, a plan with teams gets a lead actor per team
// (actors/lead_actor): a
// member's exit becomes a question to its lead (leadAsked, recorded here,
// then sent), and the lead's answer an input (leadReported) carried out
// here. The orchestrator monitors its leads and starts one that dies again
// from its stream, asking again what it had not heard answered.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/detail/journal.hpp"
#include "actors/detail/scanner.hpp"
#include "actors/gate/file_scan.hpp"
#include "actors/interfaces.hpp"
#include "actors/messages.hpp"
#include "actors/shared_folder.hpp"
#include "actors/worker_actor.hpp"
#include "engine/orchestration/chain_nodes.hpp"
#include "engine/orchestration/chain_snapshot.hpp"
#include "engine/orchestration/orchestrator.hpp"
#include "engine/orchestration/orchestrator_snapshot.hpp"
#include "engine/orchestration/team_lead.hpp"
#include "engine/plan/plan.hpp"

namespace baton::actors {

/// Where a chain lead's members send their reports: the lead's actor, set
/// again when the lead is started again (read on the workers' threads).
/// While the lead is down (from its actor's end until the lead started
/// again is set), the reports wait here, in order.
class report_slot {
public:
  /// The lead's actor (again): what waited is sent to it first.
  void set(orchestrator_actor a);
  /// The lead's actor ended: reports wait for the next.
  void hold();
  /// Sends `report` to the lead, or keeps it while the lead is down.
  void send(frame report);

private:
  std::mutex mu_;
  orchestrator_actor actor_;
  bool held_ = false;
  std::vector<frame> waiting_;
};

struct orchestrator_config {
  engine::plan plan;
  /// The plan file and its text, recorded in runStarted.
  std::string plan_path;
  std::string plan_text;
  /// The log actor. Required.
  log_actor log;
  /// The run's logical clock. Required.
  logical_clock clock;
  /// High half of the orchestrator's event ids, and of the operator
  /// stream's.
  uint64_t id_high = 0;
  uint64_t operator_id_high = 0;
  /// The workers, by agent name. Every agent of the plan needs one.
  std::map<std::string, worker_actor> workers;
  /// Each agent's working directory (absolute): gates run there.
  std::map<std::string, std::string> workdirs;
  /// Per verification command. Default: 10 minutes.
  std::chrono::milliseconds gate_timeout{10 * 60 * 1000};
  /// Run gates and directory scans on the orchestrator's own thread
  /// (blocking it while they run) instead of threads of their own: for
  /// tests under CAF's deterministic scheduler. A gate's outcome still
  /// arrives as a message. Default: false.
  bool inline_gates = false;
  /// The run's working area, recorded in runStarted.
  std::string workspace;
  /// Resuming: the orchestrator folded from the log, and the agents'
  /// checkpoint summaries (see team_options).
  std::unique_ptr<engine::orchestrator> resume;
  std::map<std::string, std::string> checkpoints;
  std::vector<engine::orchestrator_decision> unrecorded;
  /// Resuming with snapshots on: the fold `resume` was rebuilt as, to go
  /// on folding (orchestrator_state::recorded). Unset: from the start.
  std::unique_ptr<engine::recorded_orchestrator> recorded;
  /// Resuming a run with leads: each team's lead as its stream left it.
  std::map<std::string, engine::lead_seed> lead_seeds;
  /// A team's lead as its stream holds it now, to start a lead whose actor
  /// died again (called off the actor's thread). Unset: a dead lead is not
  /// started again and its team is no longer supervised.
  std::function<result<engine::lead_seed>(const std::string&)> rebuild_lead;
  /// A supervisor chain (plan.run.chain): a lead running this top team's
  /// scope (its workers only), or, unset, the orchestrator above the leads.
  std::optional<std::string> scope;
  /// A lead's: the orchestrator above it, where its reports go (filled
  /// before the lead starts).
  std::shared_ptr<orchestrator_actor> parent;
  /// The orchestrator's in a chain: each lead's actor, by team.
  std::map<std::string, orchestrator_actor> chain_leads;
  /// Resuming a chain, or starting one of its leads again: the node as
  /// its stream left it (this lead's scope, or the orchestrator above the
  /// leads), and what it derived and did not record (recorded first).
  std::unique_ptr<engine::chain_scope> resume_scope;
  std::unique_ptr<engine::chain_orchestrator> resume_chain;
  /// With snapshots: a second copy of that node as its streams left it
  /// (engine::recorded_copy), which its snapshots save. Unset with a node
  /// to go on from: it saves none.
  std::unique_ptr<engine::recorded_scope> recorded_scope;
  std::unique_ptr<engine::recorded_top> recorded_top;
  std::deque<frame> unrecorded_events;
  /// What it sent that the other side had not taken, sent again once the
  /// above is recorded: (team, delivery) from the orchestrator, ("",
  /// report) from a lead.
  std::vector<std::pair<std::string, frame>> resend;
  /// The orchestrator's: the deliveries its stream holds (a lead started
  /// again is sent those it had not taken).
  std::vector<engine::recorded_delivery> delivered;
  /// A lead started again while the run goes on: its workers kept working,
  /// so it goes on from its fold (no runStarted, nothing dispatched again).
  bool go_on = false;
  /// Resuming a chain: the next operator command's number (the leads
  /// recorded some of them), and the tasks the operator added to a team
  /// (its lead's, by team).
  uint64_t next_operator = 0;
  std::map<std::string, std::string> added_tasks;
  /// The orchestrator's in a chain: starts a team's lead again, from its
  /// stream, once its actor died (called off the actor's thread): the new
  /// lead's actor and the number of the last delivery it took; it sends
  /// again its reports numbered above `taken`. Unset: a lead that died is
  /// not started again (said on stderr; the run waits for the operator).
  std::function<result<std::pair<orchestrator_actor, uint64_t>>(
    const std::string& team, uint64_t taken)>
    restart_chain_lead;
};

struct orchestrator_state {
  static inline const char* name = "baton.orchestrator";
  orchestrator_config cfg;
  /// What decides, one of: the whole plan's fold; in a chain, a lead's
  /// scope, or the orchestrator above the leads.
  std::unique_ptr<engine::orchestrator> whole;
  std::unique_ptr<engine::chain_scope> scope;
  std::unique_ptr<engine::chain_orchestrator> chain;
  /// Its orchestrator fold, for what it says.
  const engine::orchestrator* engine = nullptr;
  /// Above a chain's leads: the team of each agent and task of a team (an
  /// operator's command about one is its lead's).
  std::map<std::string, std::string> chain_index;
  /// Above a chain's leads: which team each lead's actor runs (monitored,
  /// to start it again when it dies), and the deliveries sent so far.
  std::map<caf::actor_addr, std::string> chain_lead_of;
  std::vector<engine::recorded_delivery> delivered;
  /// Above a chain's leads: a stop was asked for (its immediacy), for a
  /// lead started again after it.
  std::optional<bool> stop_asked;
  std::unique_ptr<detail::journal> journal;
  /// The `operator` stream: commands recorded before they are applied.
  std::unique_ptr<detail::journal> operator_journal;
  /// With snapshots ([policy] snapshot_every): the fold of the streams as
  /// recorded so far (what a rebuild from them would give), which a
  /// snapshot saves; and the orchestrator stream's sequence of the last.
  std::unique_ptr<engine::recorded_orchestrator> recorded;
  /// The same, of a chain's node (a lead's scope, or the orchestrator
  /// above the leads).
  std::unique_ptr<engine::recorded_scope> recorded_scope;
  std::unique_ptr<engine::recorded_top> recorded_top;
  uint64_t snapshot_at = 0;
  /// The last snapshot's size, and the bytes recorded since.
  uint64_t snapshot_bytes = 0;
  uint64_t recorded_bytes = 0;
  /// The number the next accepted operator command gets ("o<n>").
  uint64_t next_operator = 0;
  /// Some agent owns paths: scan workers' directories around attempts.
  bool check_scope = false;
  /// The plan's tasks by id.
  std::map<std::string, const engine::plan_task*> tasks;
  /// Each agent's files when its current attempt was dispatched.
  std::map<std::string, file_snapshot> baselines;
  /// Scans of agents' directories, off the actor's thread (none with
  /// inline_gates); those handed over and not back yet, by id.
  std::unique_ptr<detail::scanner> scanner;
  struct pending_scan {
    /// A dispatch's baseline (one agent), or a look at agents whose stall
    /// is due (then time passes).
    bool stalls = false;
    /// The agents scanned, and each one's dispatch then (a scan of an
    /// earlier dispatch than the agent's last is stale).
    std::vector<std::string> agents;
    std::vector<uint64_t> dispatches;
  };
  std::map<uint64_t, pending_scan> scans;
  /// Dispatches so far, per agent.
  std::map<std::string, uint64_t> dispatches;
  /// Commands to an agent held, in order, until its dispatch's baseline
  /// is taken: the agent must not change a file before it.
  std::map<std::string, std::vector<worker_command>> held;
  /// A look at agents whose stall is due is under way.
  bool looking = false;
  bool started = false;
  /// Workers' reports that arrived before the run's start was recorded:
  /// the stream begins with runStarted, so they are recorded after it.
  std::vector<frame> early_reports;
  /// The same for a chain's messages from other nodes.
  std::vector<frame> early_chain;
  bool finished = false;
  /// The deadline a tick is armed for (0: none).
  uint64_t armed = 0;
  /// Swarm and mesh: the workspace's state/ folder (shared with the
  /// scanner's thread, where it is polled).
  std::shared_ptr<shared_folder> folder;
  /// Polls of the folder handed to the scanner, by id: filled there, taken
  /// on (scanned, id).
  std::map<uint64_t, std::shared_ptr<shared_folder::collected>> polls;
  /// Each working agent's files when last looked at: a stall is checked
  /// against them first.
  std::map<std::string, file_snapshot> activity;
  /// Files an attempt's gate took as its agent's changes (absolute path ->
  /// agent and the file's size and time then): read and written by gates
  /// on their own threads.
  struct file_claims {
    std::mutex mu;
    std::map<std::string,
             std::pair<std::string, std::pair<uint64_t, int64_t>>>
      by_path;
  };
  std::shared_ptr<file_claims> claims = std::make_shared<file_claims>();
  /// Each team's lead (a run with leads), and which team each lead actor
  /// is (to start it again when it dies).
  std::map<std::string, lead_actor> leads;
  std::map<caf::actor_addr, std::string> lead_of;
  /// Questions asked and not answered yet, and every reset: (team, the
  /// recorded question), asked again of a lead started again.
  std::map<uint64_t, std::pair<std::string, frame>> asked;
};

orchestrator_actor::behavior_type orchestrator_actor_impl(
  orchestrator_actor::stateful_pointer<orchestrator_state> self,
  std::shared_ptr<orchestrator_config> cfg);

} // namespace baton::actors
