// fork_exec: the fork() and the child's side of pty_process::spawn().
#pragma once

#include <sys/types.h>

#include "engine/result.hpp"

namespace baton::actors::pty::detail {

/// Everything the child needs, prepared by the parent: between fork() and
/// execve() the child may only make async-signal-safe calls, so it allocates
/// nothing and reads only these.
struct child_setup {
  /// The executable's path (already resolved).
  const char* path = nullptr;
  /// Null-terminated argument and environment arrays.
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  /// The directory to change to, or nullptr to stay.
  const char* working_dir = nullptr;
  /// The pty slave; it becomes the controlling terminal and stdin, stdout
  /// and stderr. Must be >= 3.
  int slave_fd = -1;
};

/// Forks a child that starts a new session, takes `setup.slave_fd` as its
/// controlling terminal and stdio, closes every other fd, resets signal
/// dispositions and mask to defaults, changes directory and execs. Returns
/// the child's pid once the exec succeeded. When a step in the child fails
/// the child is reaped and the error names the step and `setup.path` or
/// `setup.working_dir`.
result<pid_t> fork_exec(const child_setup& setup);

} // namespace baton::actors::pty::detail
