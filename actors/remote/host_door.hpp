// The door of `baton host`: the one actor a host publishes. It runs the
// agents of the runs whose engines say hello (their PTYs, worker actors and
// detector packs, here), records their events in a spool per run (a
// storage::event_log under the host's spool directory) before anything
// acts on them, and ships what is spooled to the engine's link, which
// appends it to the run's log and answers with what is durable.
//
// Guarantees (host_protocol.hpp): every command is executed once per
// (engine, decision), whatever arrives twice; events are shipped at their
// spool sequences, oldest first, and stay spooled until the engine says
// they are durable, so a cut connection or a restarted host loses none; a
// report is shipped only with (or after) every event spooled before it.
//
// Spawned detached: it reads the spool on its own thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/interfaces.hpp"
#include "actors/remote/host_protocol.hpp"
#include "actors/team.hpp"
#include "engine/result.hpp"

namespace baton::actors::remote {

struct door_options {
  /// Where spools live: one directory per run under it. Required.
  std::string spool_dir;
  /// This program's version, told to engines.
  std::string version;
  /// Makes one agent of the hello's plan ready here: its terminal, pack,
  /// working directory and monitor options. Required.
  std::function<result<team_agent>(const host_hello&, const std::string&)>
    make_agent;
  /// Lines for the host's own log (refusals, failures). Default: stderr.
  std::function<void(const std::string&)> log;
  /// Called with each acknowledged shipment: the events it carried and how
  /// long the engine took to make them durable and answer (measurement).
  std::function<void(size_t events, std::chrono::nanoseconds)> on_ack;
};

struct door_session;

struct door_state {
  static inline const char* name = "baton.host";
  std::shared_ptr<door_options> opts;
  /// This process's incarnation (random): a new one tells the engine the
  /// host restarted.
  uint64_t process = 0;
  /// By run.
  std::map<std::string, std::shared_ptr<door_session>> sessions;
};

host_door::behavior_type
host_door_impl(host_door::stateful_pointer<door_state> self,
               std::shared_ptr<door_options> opts);

/// The spool's directory name for a run (a stable hash of its id).
std::string spool_name(const std::string& run);

} // namespace baton::actors::remote
