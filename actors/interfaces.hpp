// Every typed actor interface of Baton, with a comment per message. Messages
// between actors carry frames: Cap'n Proto messages from
// schema/messages.capnp (actors/messages.hpp builds and reads them). The
// few internal messages an actor sends itself (output read from its agent's
// terminal, timers) carry plain values.
#pragma once

#include <cstdint>
#include <string>

#include <caf/actor.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/type_ids.hpp"

namespace baton::actors {

/// The log writer: records events for every other actor and answers once they
/// are durable under the run's durability mode.
using log_actor = caf::typed_actor<
  // (append, AppendRequest frame) -> AppendReply frame. Requests that arrive
  // together are committed together (one write, one sync).
  caf::replies_to<atom::append, frame>::with<frame>,
  // Internal: the writer thread finished the request with this ticket.
  caf::reacts_to<atom::appended, uint64_t, frame>,
  // (snapshot, stream, sequence, logical time, state): a fold of `stream`
  // as of `sequence` (recorded already), saved by the writer thread after
  // what was appended before it. A snapshot that fails to save is reported
  // on stderr and loses nothing: the stream is whole.
  caf::reacts_to<atom::snapshot, std::string, uint64_t, uint64_t, frame>,
  // (sync) -> an empty frame, once everything appended before it is in
  // the log: what an actor that died had on its way is there when its
  // stream is read to start it again.
  caf::replies_to<atom::sync>::with<frame>>;

/// A worker: one agent in a terminal, its screen, detector and protocol
/// tracker, and its acknowledged input.
using worker_actor = caf::typed_actor<
  // (start): spawn the agent's process (sent once by whoever spawned the
  // worker, after it knows its supervisor).
  caf::reacts_to<atom::start>,
  // (command, WorkerCommand frame): type a prompt, restart, stop.
  caf::reacts_to<atom::command, frame>,
  // Internal: bytes the agent wrote, from the terminal's reader thread.
  caf::reacts_to<atom::output, std::string>,
  // Internal: the agent's process ended (exit code or -1, signal or 0).
  caf::reacts_to<atom::exited, int32_t, int32_t>,
  // Internal: the session's deadline (logical µs) may have passed.
  caf::reacts_to<atom::tick, uint64_t>>;

/// The orchestrator of a run: the engine's hub-and-spoke / pipeline policy.
using orchestrator_actor = caf::typed_actor<
  // (start): record the run's start and dispatch what is ready.
  caf::reacts_to<atom::start>,
  // (report, WorkerReport frame): what a worker recorded and tells it.
  caf::reacts_to<atom::report, frame>,
  // (gate, GateReport frame): a gate runner's outcome.
  caf::reacts_to<atom::gate, frame>,
  // (stop, immediate): the operator asked the run to stop.
  caf::reacts_to<atom::stop, bool>,
  // (operate, OperatorCommand event frame) -> "ok: <id>" or "error: ...":
  // an operator's command (DESIGN.md §7). Checked against the run, then
  // recorded on the `operator` stream, then applied; the reply comes once
  // it was applied (or refused).
  caf::replies_to<atom::operate, frame>::with<std::string>,
  // Internal: a task's time limit (logical µs) may have passed.
  caf::reacts_to<atom::tick, uint64_t>,
  // Internal: look at the shared state folder (mesh).
  caf::reacts_to<atom::tick>,
  // Internal: a directory scan handed to the scanner's thread is done (its
  // id): a dispatch's baseline, or a look at agents about to be stalled.
  caf::reacts_to<atom::scanned, uint64_t>,
  // (chain, event frame): in a supervisor chain (plan [run] chain), a
  // lead's report up (chainReported) to the orchestrator, or the
  // orchestrator's delivery (chainDelivered) to a lead: recorded on the
  // receiver's stream, then applied, once (by its number).
  caf::reacts_to<atom::chain, frame>,
  // (lead, LeadReported event frame): a team's lead answered a question,
  // as it recorded the answer on its stream.
  caf::reacts_to<atom::lead, frame>,
  // Internal: the lead of a team started again after its actor died,
  // rebuilt from its stream off the actor's thread (the handle, or
  // nullptr with why it could not be).
  caf::reacts_to<atom::lead, std::string, caf::actor, std::string>,
  // Internal: a supervisor chain's lead started again after its actor died,
  // rebuilt from its stream off the actor's thread: the team, the handle
  // and the number of the last delivery it took (or nullptr, 0 and why it
  // could not be).
  caf::reacts_to<atom::chain, std::string, caf::actor, uint64_t, std::string>,
  // (lead, team) -> the actor of the team's lead now (nullptr: none, or
  // being started again): for tools and tests.
  caf::replies_to<atom::lead, std::string>::with<caf::actor>>;

/// A team's lead in a supervisor chain: the supervisor of its members,
/// recording to its own stream `lead/<team>` (DESIGN.md §5). It knows its
/// team; the orchestrator asks it about its members and carries out what
/// it decides.
using lead_actor = caf::typed_actor<
  // (ask, LeadAsked event frame): decide on a member's exit (or start the
  // team afresh). Recorded on the lead's stream, applied, the decision
  // recorded there, then sent to the orchestrator as (lead, LeadReported).
  // A question already answered is answered again from the record.
  caf::reacts_to<atom::ask, frame>>;

} // namespace baton::actors
