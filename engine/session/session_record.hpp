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

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/frame.hpp"
#include "engine/result.hpp"
#include "engine/session/session_core.hpp"
#include "schema/events.capnp.h"

namespace baton::engine {

/// The sessionOpened event for a session of `pack` with `opts`; `resumed`
/// for the first session after the engine restarted; `version`: the run's
/// record format, which the session's derived events follow.
frame session_opened_event(const detect::pack& pack,
                           const session_core_options& opts, bool resumed,
                           uint16_t version);

/// Packs already parsed from recorded text, by pack name and text: a
/// replay of many workers' streams (most with the same pack) parses and
/// compiles each pack once.
using pack_cache
  = std::map<std::pair<std::string, std::string>,
             std::shared_ptr<const detect::pack>>;

/// A recorded sessionOpened, decoded: the pack parsed from its recorded
/// text (or taken from `cache`, and kept there) and the core's options.
/// Errors: the pack's parse error.
struct session_config {
  std::shared_ptr<const detect::pack> pack;
  session_core_options options;
  bool resumed = false;
  /// The run's record format (0 in sessions recorded before it existed).
  uint16_t version = 0;
};
result<session_config> session_config_of(schema::SessionOpened::Reader e,
                                         pack_cache* cache = nullptr);

/// Puts `fx.events` in the order they are recorded (see above).
void order_for_record(session_effects& fx);

/// The event recorded for `ev` in the run's record `version`; nullopt for
/// the exit (recorded as input).
std::optional<frame> to_event(const session_event& ev, uint16_t version);

/// The ptyInput event recorded for a write to the terminal.
frame to_event(const session_write& w);

/// Every event recorded for one step of the core, in order.
std::vector<frame> session_records(session_effects& fx, uint16_t version);

/// One input of a session, as recorded and as the core takes it. The
/// worker records each before it acts on it and replay reads it back: both
/// turn it into the core's calls with apply_input, so the mapping that
/// replay's promise rests on exists once.
struct session_input {
  enum class kind : uint8_t {
    /// A prompt to deliver (acknowledged): promptRequested.
    prompt,
    /// The keys answering a permission prompt: promptRequested, answer.
    answer,
    /// A person's keys, passed as they are: promptRequested, raw.
    keys,
    /// Bytes the agent wrote: ptyOutput.
    output,
    /// A deadline the core asked for passed: timerFired.
    tick,
    /// The process ended: processExited.
    exit,
  };
  kind what = kind::output;
  /// The prompt, the keys or the bytes (a view into the caller's data).
  std::string_view text = {};
  /// The operator command a prompt carries out ("" when none).
  std::string_view ref = {};
  exit_status status = {};
};

/// The session input a recorded worker event is; nullopt for every other
/// event (processStarted, restarts, notes, what the core derived).
std::optional<session_input> session_input_of(schema::Event::Reader e);

/// Whether `in` needs a session core to be applied to: output, timers and
/// the exit always come from one (a log where they come first is damaged);
/// prompts may come when there is none, and are then dropped.
bool needs_core(const session_input& in);

/// Feeds `in` to `core`. A prompt, answer or keys for a session that has
/// ended, or when there is no core, is dropped (nobody to type into), as
/// live and in replay.
void apply_input(session_core* core, const session_input& in, uint64_t now,
                 session_effects& fx);

} // namespace baton::engine
