// exit_status: how an agent's process ended. Value type.
#pragma once

#include <string>

namespace baton::engine {

struct exit_status {
  /// The value passed to exit() (0..255) when the process exited on its own;
  /// -1 when a signal ended it or the status could not be obtained.
  int code = -1;

  /// The signal that ended the process (e.g. SIGKILL), or 0.
  int signal = 0;

  /// True when the process exited on its own (code is meaningful).
  bool exited() const noexcept {
    return signal == 0 && code >= 0;
  }

  /// True when a signal ended the process.
  bool signaled() const noexcept {
    return signal != 0;
  }

  /// "exit code 3", "killed by signal 9 (SIGKILL)" or "unknown".
  std::string to_string() const;

  friend bool operator==(const exit_status&, const exit_status&) = default;
};

} // namespace baton::engine
