// The log actor: the one writer of a run's event log. Every other actor sends
// it AppendRequest frames and continues when the AppendReply arrives, which
// happens only after the events are durable under the log's mode (record,
// then apply, then act). Requests that arrive while a commit is in flight are
// committed together by its writer thread.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "actors/detail/batch_writer.hpp"
#include "actors/interfaces.hpp"
#include "storage/event_log.hpp"

namespace baton::actors {

struct log_state {
  static inline const char* name = "baton.log";
  /// Requests handed to the writer, by ticket, waiting for their reply.
  std::unordered_map<uint64_t, caf::typed_response_promise<frame>> pending;
  uint64_t next_ticket = 1;
  /// Declared last: destroyed first, so the writer thread has finished
  /// before `pending` goes away.
  std::unique_ptr<detail::batch_writer> writer;
};

/// The log actor's behavior. `log` must outlive the actor.
log_actor::behavior_type
log_actor_impl(log_actor::stateful_pointer<log_state> self,
               storage::event_log* log);

/// The same, appending on the actor's own thread (blocking it for each
/// commit, with no batching across requests): for tests under CAF's
/// deterministic scheduler, where no other thread may send messages.
log_actor::behavior_type
inline_log_actor_impl(log_actor::stateful_pointer<log_state> self,
                      storage::event_log* log);

} // namespace baton::actors
