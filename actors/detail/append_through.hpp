// How an actor's journal reaches the log actor: each AppendRequest as a
// request from the actor itself, its AppendReply (or the log actor's
// silence) handed to the journal. One definition for every actor with a
// stream of its own (orchestrator, worker, host link).
#pragma once

#include <caf/typed_actor.hpp>

#include "actors/detail/journal.hpp"
#include "actors/interfaces.hpp"
#include "actors/log_codec.hpp"

namespace baton::actors::detail {

template<class Self>
journal::append_fn append_through(Self* self, log_actor log) {
  return [self, log](frame request, journal::done_fn done) {
    self->request(log, caf::infinite, atom::append_v, std::move(request))
      .then([done](frame& reply) { done(decode_append_reply(reply)); },
            [done](caf::error& err) {
              done(error{ec::io_error,
                         "the log actor did not answer: " + to_string(err)});
            });
  };
}

} // namespace baton::actors::detail
