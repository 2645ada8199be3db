// What a worker records about its session, built here once so that the
// worker (live) and replay (from the log) produce the same bytes:
//
//  - sessionOpened: a new session core begins, with its pack and options;
//  - for each step of the core, the events it derived, in the order they
//    are recorded — protocol lines, compaction markers and finished
//    deliveries before state changes (a supervisor that hands out work on
//    `idle` must have heard every line written before it), then the writes
//    to the terminal as ptyInput. The exit itself is not among them: it
//    was recorded as the input that caused it.
#pragma once

#include <optional>
#include <vector>

#include "engine/frame.hpp"
#include "engine/result.hpp"
#include "engine/session/session_core.hpp"
#include "schema/events.capnp.h"

namespace baton::engine {

/// The sessionOpened event for a session of `pack` with `opts`; `resumed`
/// for the first session after the engine restarted.
frame session_opened_event(const detect::pack& pack,
                           const session_core_options& opts, bool resumed);

/// A recorded sessionOpened, decoded: the pack parsed from its recorded
/// text and the core's options. Errors: the pack's parse error.
struct session_config {
  std::shared_ptr<const detect::pack> pack;
  session_core_options options;
  bool resumed = false;
};
result<session_config> session_config_of(schema::SessionOpened::Reader e);

/// Puts `fx.events` in the order they are recorded (see above).
void order_for_record(session_effects& fx);

/// The event recorded for `ev`; nullopt for the exit (recorded as input).
std::optional<frame> to_event(const session_event& ev);

/// The ptyInput event recorded for a write to the terminal.
frame to_event(const session_write& w);

/// Every event recorded for one step of the core, in order.
std::vector<frame> session_records(session_effects& fx);

} // namespace baton::engine
