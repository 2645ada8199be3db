// What crosses the network between the engine and `baton host`
// (schema/messages.capnp, "Agents on other machines"): the two typed actor
// interfaces and the messages, as C++ values with their codecs.
//
// A host publishes one actor, its door (host_door); the engine's side of
// one host is its link (host_link), which the door learns as the sender of
// the engine's hello. Nothing else of either process is ever named to the
// other, so nothing else is reachable from it.
//
// Record, then act, across the network: a host's workers record into the
// host's spool (the same storage/ as a run's log); the door ships what is
// spooled, stream by stream at the sequences the spool gave it, then the
// reports made after it, as one request; the link appends the events to
// the run's log (idempotent by event id, each stream a gap-free prefix),
// gives the reports to the orchestrator, and answers with what is durable.
// The door trims its spool below that and ships the rest after a cut.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/type_ids.hpp"
#include "engine/frame.hpp"
#include "engine/result.hpp"
#include "storage/event_log.hpp"

namespace baton::actors::remote {

/// A host's published actor.
using host_door = caf::typed_actor<
  // (hello, HostHello) -> HostWelcome: the engine opens its session for a
  // run (again, after a cut); the sender is the engine's link.
  caf::replies_to<atom::hello, frame>::with<frame>,
  // (command, HostCommand) -> its decision number, once taken: spawn,
  // command or kill one agent's worker; executed once per (engine,
  // decision), in decision order.
  caf::replies_to<atom::command, frame>::with<uint64_t>,
  // (tick): look for something to ship (from the host's own actors; a
  // peer sending it only makes the door look).
  caf::reacts_to<atom::tick>>;

/// The engine's side of one host, as the host sees it.
using host_link = caf::typed_actor<
  // (ship, HostShipment) -> HostAck, once the events are durable in the
  // run's log and the reports handed on.
  caf::replies_to<atom::ship, frame>::with<frame>>;

/// How far a stream is.
struct stream_mark {
  std::string stream;
  uint64_t sequence = 0;
  friend bool operator==(const stream_mark&, const stream_mark&) = default;
};

struct host_hello {
  std::string run;
  std::string host;
  uint64_t engine = 0;
  std::vector<stream_mark> durable;
  uint64_t reports_through = 0;
  /// The host process `reports_through` counts in.
  uint64_t process = 0;
  std::string plan_text;
  std::string plan_dir;
  std::string workspace;
  std::string log_dir;
};

struct host_welcome {
  std::string version;
  uint64_t process = 0;
  std::vector<std::string> agents;
};

/// Make the agent's worker and start it.
struct worker_spawn {
  uint64_t id_high = 0;
  bool resumed = false;
  /// The run's record format (RunStarted.version).
  uint16_t record_version = 0;
  frame checkpoint;
  /// Unused (the host's clock follows every command's `now`).
  uint64_t clock_base = 0;
  uint32_t stop_grace_ms = 2000;
};

/// End the agent's worker at once.
struct worker_kill {};

struct host_command {
  uint64_t engine = 0;
  uint64_t decision = 0;
  std::string agent;
  /// The run's logical time when the engine sent it.
  uint64_t now = 0;
  /// A WorkerCommand frame, or the two others.
  std::variant<worker_spawn, frame, worker_kill> what;
};

struct shipped_report {
  uint64_t number = 0;
  /// A WorkerReport frame; empty when `quit` is set.
  frame report;
  /// The agent whose worker ended.
  std::string quit;
};

struct host_shipment {
  uint64_t process = 0;
  /// Per stream, in order: its events at the sequences after
  /// `expected.version()`.
  std::vector<storage::append_request> streams;
  std::vector<shipped_report> reports;
};

struct host_ack {
  std::vector<stream_mark> durable;
  uint64_t reports_through = 0;
  /// Non-empty: refused; ship again from `durable`.
  std::string error;
};

frame encode(const host_hello& x);
frame encode(const host_welcome& x);
frame encode(const host_command& x);
frame encode(const host_shipment& x);
frame encode(const host_ack& x);

/// Each: ec::invalid_argument naming what is wrong with a bad frame.
result<host_hello> decode_hello(const frame& f);
result<host_welcome> decode_welcome(const frame& f);
result<host_command> decode_command(const frame& f);
result<host_shipment> decode_shipment(const frame& f);
result<host_ack> decode_ack(const frame& f);

} // namespace baton::actors::remote
