#include "actors/pty/exit_status.hpp"

#include <sys/wait.h>

#include <csignal>
#include <cstring>

namespace baton::actors::pty {

exit_status exit_status::from_wait_status(int status) noexcept {
  exit_status out;
  if (WIFEXITED(status))
    out.code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status))
    out.signal = WTERMSIG(status);
  return out;
}

std::string exit_status::to_string() const {
  if (exited())
    return "exit code " + std::to_string(code);
  if (signaled()) {
    std::string out = "killed by signal " + std::to_string(signal);
    if (const char* abbrev = sigabbrev_np(signal)) {
      out += " (SIG";
      out += abbrev;
      out += ')';
    }
    return out;
  }
  return "unknown";
}

} // namespace baton::actors::pty
