// supervisor_actor: an Erlang/OTP-style supervisor for CAF 0.17 actors,
// which have none. It starts its children in order, monitors them, and on
// each child's end asks engine::supervisor what to do and does it:
//
//  - stops children one at a time in the order given (reverse start order):
//    an exit message with reason user_shutdown, then waits for the child's
//    down message — after `shutdown_timeout`, a kill — before the next;
//  - then starts the children to restart, in start order, with their
//    factories;
//  - when the restart intensity is exceeded, stops every child in reverse
//    start order and quits with a non-normal reason (sec::runtime_error and
//    the model's sentence), so that a parent supervisor_actor sees an
//    abnormal exit: that is how a chain escalates.
//
// Children are monitored, not linked. A down message of a child's reason
// normal is exit_kind::normal, user_shutdown is shutdown, anything else
// (kill, an exception, an error) is abnormal. An exit message from anyone
// (a parent stopping it, a person) stops the children in reverse start order
// and then quits with that reason; if the supervisor is killed, its running
// children are killed as it terminates (no orphans).
//
// It never dies of an error reply: a request (made by its `extend` handlers)
// whose child fails or times out is the requester's business, and without
// an error handler of its own the error is dropped.
//
// Messages (CAF's own atoms, no new message types):
//   (get_atom, std::string id) -> caf::actor     the child's current handle
//   (forward_atom, std::string id, caf::message m) -> whatever the child
//       answers to m: m is delegated to the child (its reply goes to the
//       requester).
//   Errors of both: sec::invalid_argument for an unknown child,
//   sec::request_receiver_down for a child that is not running now (being
//   restarted).
//
// Time: the actor system's clock, in µs since its epoch (virtual time under
// caf::scheduler::test_coordinator).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/message_handler.hpp>

#include "engine/supervision/supervisor.hpp"

namespace baton::actors {

/// Starts one incarnation of a child and returns its handle (spawned, not
/// linked: the supervisor monitors it). Called on the supervisor's thread,
/// each time the child (re)starts. @pre returns a valid handle.
using child_factory = std::function<caf::actor(caf::actor_system&)>;

struct supervised_child {
  engine::child_spec spec;
  child_factory start;
};

/// One decision, as the supervisor took it.
struct supervision_record {
  /// The supervisor's name (supervisor_config::name).
  std::string supervisor;
  /// The actor clock when the exit was handled, µs.
  uint64_t now_us = 0;
  std::string child;
  engine::exit_kind how = engine::exit_kind::abnormal;
  engine::supervisor_action action;
};

/// Told of every decision before it is carried out, on the supervisor's
/// thread (so it must be thread-safe when several supervisors share it).
using supervision_observer = std::function<void(const supervision_record&)>;

/// The current handle of a child by id (an invalid handle when it is not
/// running). Valid inside the supervisor's own handlers only.
using child_lookup = std::function<caf::actor(std::string_view id)>;

struct supervisor_config {
  /// Names the supervisor in records and in its exit reason.
  std::string name = "supervisor";
  /// Strategy, intensity and period. Its `children` are ignored: they are
  /// taken from `children` below.
  engine::supervisor_spec spec;
  /// In start order; ids unique.
  std::vector<supervised_child> children;
  /// How long a child asked to stop may take before it is killed.
  /// Default: 5 s.
  std::chrono::milliseconds shutdown_timeout{5000};
  /// Optional.
  supervision_observer observer;
  /// Optional: more handlers (a team lead's own protocol), tried after the
  /// supervisor's. Made once, when the supervisor starts.
  std::function<caf::message_handler(caf::event_based_actor* self,
                                     child_lookup child)>
    extend;
};

/// Spawns a supervisor, which starts its children in order at once.
caf::actor spawn_supervisor(caf::actor_system& sys, supervisor_config cfg);

/// A factory that spawns a new supervisor of `cfg` each time: a supervisor
/// as the child of another (a chain).
child_factory supervisor_factory(supervisor_config cfg);

/// How a CAF exit reason counts for a supervisor.
engine::exit_kind exit_kind_of(const caf::error& reason);

} // namespace baton::actors
