// The engine's side of one host: its link actor, and a stand-in worker
// actor per agent that runs there.
//
// The link connects to the host's door (a blocking TLS connect, made on a
// thread of its own, never on an actor's), says hello with what the run's
// log holds of the host's streams, and from then on:
//   - sends the stand-ins' commands to the door as numbered decisions,
//     each until the door has taken it (sent again after a reconnect; the
//     door executes each once);
//   - takes the door's shipments: appends each stream's events to the run's
//     log at the sequences the host's spool gave them (a gap is refused,
//     what the log already holds is passed over), then hands the reports to
//     the orchestrator, then answers with what is durable;
//   - records on `host/<name>` when the host goes unreachable (its agents
//     keep running there: unknown, not exited), when it is back, and when
//     it stayed away longer than the plan allows — then its agents count as
//     exited for their supervisors, and a restart spawns them again.
// Reconnects with backoff (250 ms doubling to 2 s; each attempt gives up
// after 3 s without a TCP answer).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/interfaces.hpp"
#include "actors/remote/host_protocol.hpp"
#include "actors/worker_actor.hpp"
#include "storage/event_log.hpp"

namespace baton::actors::remote {

/// The link: what the door sees (ship) and what the engine's own actors
/// send it.
using link_actor = host_link::extend<
  // (command, agent, HostCommand without its numbers): from a stand-in.
  caf::reacts_to<atom::command, std::string, frame>,
  // (connect, attempt): the connect thread finished attempt `attempt`.
  caf::reacts_to<atom::connect, uint64_t>,
  // (tick): time to connect again, or to give up on the agents.
  caf::reacts_to<atom::tick>>;

/// Connects to the door (blocking; called on a thread of its own).
using connect_fn = std::function<result<host_door>()>;

struct link_options {
  /// The plan's name of the host, and its address (for messages).
  std::string host;
  std::string address;
  /// The agents it runs.
  std::set<std::string> agents;
  /// The hello, less the durable marks (the link reads them).
  host_hello hello;
  /// The run's log: the link appends through a log actor of its own, in
  /// its own actor system (nothing it sends crosses into the engine's
  /// system but one-way messages: CAF 0.17 runs a receiver on the sender's
  /// scheduler, and a scheduler that stops drops what it holds).
  storage::event_log* central = nullptr;
  /// The run's logical clock.
  logical_clock clock;
  /// The run's record format (RunStarted.version), for the workers it
  /// spawns again after giving up on them.
  uint16_t record_version = 0;
  /// High half of the `host/<name>` stream's event ids.
  uint64_t id_high = 0;
  /// A report to the orchestrator (a one-way message).
  std::function<void(frame)> report;
  /// The agent's worker ended on the host.
  std::function<void(const std::string&)> quit;
  connect_fn connect;
  /// The door, when the caller connected before the run started.
  host_door door;
  /// How long the host may stay unreachable before its agents count as
  /// exited.
  std::chrono::milliseconds down_after{30000};
};

/// Spawns a link in `sys` (the actor system with this host's network
/// layer).
link_actor spawn_link(caf::actor_system& sys,
                      std::shared_ptr<link_options> opts);

/// What a stand-in needs to spawn its agent on the host.
struct remote_worker_config {
  std::string name;
  link_actor link;
  uint64_t id_high = 0;
  bool resumed = false;
  /// The run's record format (RunStarted.version).
  uint16_t record_version = 0;
  frame checkpoint;
  std::chrono::milliseconds stop_grace{2000};
  logical_clock clock;
};

struct remote_worker_state {
  static inline const char* name = "baton.remote_worker";
};

/// A worker actor whose agent runs on a host: it passes start and commands
/// to the link; the link ends it once the host says the worker ended.
worker_actor::behavior_type
remote_worker_impl(worker_actor::stateful_pointer<remote_worker_state> self,
                   std::shared_ptr<remote_worker_config> cfg);

} // namespace baton::actors::remote
