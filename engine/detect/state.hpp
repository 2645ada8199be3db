// state: what an agent is doing, as its screen shows it (DESIGN.md §3).
//
// DO NOT CHANGE THESE ENUM VALUES: they are recorded in events.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace baton::engine::detect {

enum class state : uint8_t {
  /// Launched; no rule has recognised the screen yet.
  starting = 0,
  /// Busy: a spinner, a running tool.
  working = 1,
  /// At its prompt, waiting for input.
  idle = 2,
  /// Asking permission for a tool call.
  waiting_approval = 3,
  /// Finished the task (the CLI's own "done" screen).
  done = 4,
  /// Stopped, needing something it cannot get itself.
  blocked = 5,
  /// Showing an error it cannot recover from by itself.
  error = 6,
  /// The process has exited.
  exited = 7,
  /// The screen matches no rule: the honest answer, not a guess.
  unknown = 8,
};

/// "starting", "working", "idle", "waiting_approval", ...
std::string_view to_string(state s);

/// The state named `name`; nullopt for anything else.
std::optional<state> state_from_string(std::string_view name);

} // namespace baton::engine::detect
