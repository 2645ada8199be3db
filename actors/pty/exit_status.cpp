#include "actors/pty/exit_status.hpp"

#include <sys/wait.h>

namespace baton::actors::pty {

exit_status from_wait_status(int status) noexcept {
  exit_status out;
  if (WIFEXITED(status))
    out.code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status))
    out.signal = WTERMSIG(status);
  return out;
}

} // namespace baton::actors::pty
