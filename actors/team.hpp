// team: a run's actors, put together — the headless entry point for programs
// that embed Baton (the `baton run` command is one of them).
//
// start() spawns the log actor over an open event log, one worker actor per
// agent (each with the terminal the caller made for it: a PTY or an
// in-process stand-in) and the orchestrator, then starts them. The run then
// goes on by itself; the caller watches the log (event_log::wait_beyond) and
// may ask it to stop. wait() returns once the orchestrator and every worker
// have quit (their agents exited, their events durable); the destructor
// stops what still runs and shuts the log actor down.
//
// Thread-safe: stop() and wait() may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "actors/agent_terminal.hpp"
#include "actors/interfaces.hpp"
#include "actors/remote/host_link.hpp"
#include "actors/worker_actor.hpp"
#include "engine/detect/pack.hpp"
#include "engine/orchestration/chain_nodes.hpp"
#include "engine/orchestration/orchestrator.hpp"
#include "engine/orchestration/orchestrator_snapshot.hpp"
#include "engine/orchestration/team_lead.hpp"
#include "engine/plan/plan.hpp"
#include "engine/result.hpp"
#include "storage/event_log.hpp"

namespace baton::actors {

/// One agent of the team, resolved by the caller.
struct team_agent {
  std::string name;
  /// Where it runs. Required.
  std::unique_ptr<agent_terminal> terminal;
  /// Its detector pack. Required.
  std::shared_ptr<const engine::detect::pack> pack;
  /// Its working directory (absolute): gates run there.
  std::string workdir;
  /// Monitor and delivery options.
  terminal::session_core_options core;
  /// Resuming: its checkpoint fold as the log left it (checkpoint_fold::
  /// save()); empty for a new run.
  frame checkpoint;
  /// The host it runs on (team_options::hosts); empty: here. An agent on a
  /// host has no terminal and no pack here: its host makes them.
  std::string host;
};

/// A machine agents run on: `baton host`, reached over the network.
struct team_host {
  std::string name;
  std::string address;
  /// The actor system with the network layer for this host (its
  /// certificates). Must outlive the team.
  caf::actor_system* net = nullptr;
  /// Connected before the run starts (so a wrong address or certificate
  /// stops it before anything is recorded).
  remote::host_door door;
  /// Connects again after a cut (blocking; the link calls it on a thread).
  remote::connect_fn connect;
  /// What the host needs of the run (plan, directories); its durable marks
  /// and numbers are the link's.
  remote::host_hello hello;
  std::chrono::milliseconds down_after{30000};
};

struct team_options {
  engine::plan plan;
  std::string plan_path;
  /// The text `plan` was parsed from, recorded in runStarted (replay,
  /// resume and fork parse it again). Required for a new run.
  std::string plan_text;
  /// One per agent of the plan.
  std::vector<team_agent> agents;
  /// The run's logical clock. Required.
  logical_clock clock;
  /// Grace between SIGTERM and SIGKILL when agents are stopped.
  std::chrono::milliseconds stop_grace{2000};
  /// Per verification command.
  std::chrono::milliseconds gate_timeout{10 * 60 * 1000};
  /// Append and run gates on the actors' own threads, so that nothing but
  /// the scheduler delivers messages: for CAF's deterministic scheduler
  /// with stand-in terminals. Default: false.
  bool deterministic = false;
  /// The run's working area, recorded in runStarted.
  std::string workspace;
  /// Continue a run whose engine was stopped (baton resume): the
  /// orchestrator as folded from the log's recorded inputs, and each
  /// agent's checkpoint summary. Unset: a new run.
  std::unique_ptr<engine::orchestrator> resume;
  std::map<std::string, std::string> checkpoints;
  /// Decisions the stopped engine made and did not record: recorded first.
  std::vector<engine::orchestrator_decision> unrecorded;
  /// Resuming with snapshots on: a second copy of the fold `resume` comes
  /// from, which the orchestrator goes on folding from what it records and
  /// saves as its snapshots.
  std::unique_ptr<engine::recorded_orchestrator> recorded;
  /// Resuming a run with leads: each team's lead as its stream left it.
  std::map<std::string, engine::lead_seed> lead_seeds;
  /// Rebuilds a team's lead from its stream, to start a lead whose actor
  /// died again (see orchestrator_config). Unset: it is not.
  std::function<result<engine::lead_seed>(const std::string&)> rebuild_lead;
  /// Resuming a supervisor chain (plan.run.chain): the orchestrator above
  /// the leads and each team's lead, as their streams left them
  /// (replay::rebuild_chain_*). Then `resume` is unset.
  std::unique_ptr<engine::top_seed> chain_top;
  std::map<std::string, engine::scope_seed> chain_seeds;
  /// A chain's team's lead as its stream holds it now, to start a lead
  /// whose actor died again (called off the actors' threads). Unset: it is
  /// not.
  std::function<result<engine::scope_seed>(const std::string&)> rebuild_scope;
  /// The hosts agents name.
  std::vector<team_host> hosts;
};

/// Configures an actor system for a run: Baton's message types, and CAF's
/// `sharing` scheduler — its workers block on one queue when idle, where
/// the default work-stealing workers poll in short sleeps (measured: most
/// of Baton's CPU time with a few dozen quiet agents).
void configure_actor_system(caf::actor_system_config& cfg);

class team {
public:
  /// Errors: ec::invalid_argument when an agent of the plan has no worker
  /// (or the other way round), or a terminal, pack or clock is missing.
  static result<std::unique_ptr<team>>
  start(caf::actor_system& sys, storage::event_log& log, team_options opts);

  team(const team&) = delete;
  team& operator=(const team&) = delete;
  ~team();

  /// Asks the run to stop: unsettled tasks fail, agents are stopped (at
  /// once when `immediate`). Does nothing once the run has finished, except
  /// that `immediate` still kills agents being stopped gracefully.
  void stop(bool immediate);

  /// An operator's command (DESIGN.md §7): checked against the run,
  /// recorded on the `operator` stream, applied. Returns "ok: <id>" once it
  /// was applied, or "error: ..." (refused and not recorded; the run
  /// finished; no reply within `timeout`). Blocks the caller; thread-safe.
  std::string operate(const engine::operator_command& c,
                      std::chrono::milliseconds timeout
                      = std::chrono::seconds{30});

  /// Waits up to `timeout` for every actor of the run to quit.
  bool wait(std::chrono::milliseconds timeout);

  /// True once every actor of the run has quit.
  bool done() const;

  /// The actor of a team's lead now (nullptr: no such lead, or being
  /// started again). Blocks the caller; for tools and tests.
  caf::actor lead(const std::string& team);

  /// The run's log actor (it quits when the team is destroyed).
  const log_actor& log() const noexcept {
    return log_;
  }

private:
  team() = default;

  void track(const caf::actor_addr& a);

  log_actor log_;
  orchestrator_actor orchestrator_;
  /// A supervisor chain's leads, each running its team's scope (and those
  /// started again: added under sig_->mu).
  std::shared_ptr<std::vector<orchestrator_actor>> chain_leads_
    = std::make_shared<std::vector<orchestrator_actor>>();
  std::vector<worker_actor> workers_;
  /// One link per host (in that host's actor system).
  std::vector<remote::link_actor> links_;
  /// What the actors' exit callbacks signal on: shared with them, so that
  /// a callback still running (or a late one, after a stop gave up
  /// waiting) never touches a destroyed team.
  struct signal {
    std::mutex mu;
    std::condition_variable cv;
  };
  std::shared_ptr<signal> sig_ = std::make_shared<signal>();
  /// Run actors (orchestrator and workers) still alive.
  std::shared_ptr<size_t> alive_;
  std::shared_ptr<bool> log_alive_;
};

} // namespace baton::actors
