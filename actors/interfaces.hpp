// Every typed actor interface of Baton, with a comment per message. Messages
// carry frames: Cap'n Proto messages from schema/messages.capnp.
#pragma once

#include <cstdint>

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
  caf::reacts_to<atom::appended, uint64_t, frame>>;

} // namespace baton::actors
