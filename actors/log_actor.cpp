#include "actors/log_actor.hpp"

#include <cstdio>

#include <caf/actor_cast.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/log_codec.hpp"

namespace baton::actors {

namespace {

/// Sends the writer thread's outcome back into the actor. Holds the actor
/// weakly so the writer does not keep it alive.
detail::batch_writer::done_fn
reply_to(log_actor::stateful_pointer<log_state> self) {
  auto weak = caf::actor_cast<caf::weak_actor_ptr>(self);
  return [weak](uint64_t ticket, frame reply) {
    if (auto strong = caf::actor_cast<caf::strong_actor_ptr>(weak))
      caf::anon_send(caf::actor_cast<log_actor>(strong), atom::appended_v,
                     ticket, std::move(reply));
  };
}

} // namespace

log_actor::behavior_type
log_actor_impl(log_actor::stateful_pointer<log_state> self,
               storage::event_log* log) {
  self->state.writer
    = std::make_unique<detail::batch_writer>(*log, reply_to(self));
  return {
    [self](atom::append, frame& request) -> caf::result<frame> {
      auto decoded = decode_append_request(request);
      if (!decoded)
        return encode_append_reply(decoded.err());
      auto ticket = self->state.next_ticket++;
      auto promise = self->make_response_promise<frame>();
      self->state.pending.emplace(ticket, promise);
      self->state.writer->submit(ticket, std::move(*decoded));
      return promise;
    },
    [self](atom::appended, uint64_t ticket, frame& reply) {
      auto i = self->state.pending.find(ticket);
      if (i == self->state.pending.end())
        return;
      i->second.deliver(std::move(reply));
      self->state.pending.erase(i);
    },
    [self](atom::snapshot, std::string& stream, uint64_t sequence,
           uint64_t time, frame& state) {
      self->state.writer->submit_snapshot(
        std::move(stream), storage::snapshot{sequence, time, std::move(state)});
    },
    [self](atom::sync) -> caf::result<frame> {
      auto ticket = self->state.next_ticket++;
      auto promise = self->make_response_promise<frame>();
      self->state.pending.emplace(ticket, promise);
      self->state.writer->submit_mark(ticket);
      return promise;
    },
  };
}

log_actor::behavior_type
inline_log_actor_impl(log_actor::stateful_pointer<log_state>,
                      storage::event_log* log) {
  return {
    [log](atom::append, frame& request) -> caf::result<frame> {
      auto decoded = decode_append_request(request);
      if (!decoded)
        return encode_append_reply(decoded.err());
      auto results = log->append_many({&*decoded, 1});
      return encode_append_reply(results.front());
    },
    [](atom::appended, uint64_t, frame&) {},
    [log](atom::snapshot, std::string& stream, uint64_t sequence, uint64_t time,
          frame& state) {
      detail::save_snapshot(
        *log, stream, storage::snapshot{sequence, time, std::move(state)});
    },
    // (Every append here is written before its reply.)
    [](atom::sync) -> caf::result<frame> { return frame{}; },
  };
}

} // namespace baton::actors
