// pty_process: one program running in its own pseudo-terminal.
//
// spawn() starts the program as the leader of a new session and process group
// whose controlling terminal is the slave side of a fresh pty; Baton keeps the
// master side (O_NONBLOCK, O_CLOEXEC) and a pidfd of the child. Everything
// that can fail is checked in the parent before it forks: the working
// directory, the environment, and the executable's lookup in PATH, so a
// missing program is ec::not_found naming it, not a child that exits with 127.
// In the child only async-signal-safe calls run between fork() and execve():
// new session, controlling terminal, stdio on the slave, every other fd
// closed, signal dispositions and mask reset to defaults, chdir. A failure
// there is reported back through a close-on-exec pipe and becomes spawn()'s
// error (the child is reaped).
//
// Lifetime: the process is reaped by try_reap(), wait() or stop(); the
// destructor of a process not yet reaped kills its group with SIGKILL and
// reaps it, so a pty_process never leaves a zombie behind. Nothing else in the
// program may reap it: no waitpid(-1, ...) and SIGCHLD not set to SIG_IGN.
//
// Thread safety: none. One owner at a time; the reactor serialises access.
// Requires Linux 5.3 or newer (pidfd_open).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "actors/pty/detail/unique_fd.hpp"
#include "actors/pty/exit_status.hpp"
#include "actors/pty/spawn_options.hpp"
#include "engine/result.hpp"

namespace baton::actors::pty {

/// What one read_some() call found.
struct read_outcome {
  /// Bytes placed in the buffer; 0 with !eof means nothing to read now.
  size_t bytes = 0;
  /// True when the terminal has no writer left (every slave fd closed, which
  /// the kernel reports as EIO) or reading failed: no more output will come.
  bool eof = false;
};

class pty_process {
public:
  /// Starts `opts.argv` in a new pty. Errors: ec::invalid_argument (empty
  /// argv, zero size, bad environment addition, program not executable),
  /// ec::not_found (missing executable or working directory, each named),
  /// ec::io_error (the system refused a pty, a fork or a pidfd).
  static result<pty_process> spawn(const spawn_options& opts);

  pty_process(const pty_process&) = delete;
  pty_process& operator=(const pty_process&) = delete;
  pty_process(pty_process&& other) noexcept;
  pty_process& operator=(pty_process&& other) noexcept;

  /// Kills the process group and reaps the child if that has not happened.
  ~pty_process();

  /// The child's pid, which is also its process group and session id.
  pid_t pid() const noexcept {
    return pid_;
  }

  /// The pty master, or -1 after close_master().
  int master_fd() const noexcept {
    return master_.get();
  }

  /// A pidfd of the child: readable once the child has exited.
  int pidfd() const noexcept {
    return pidfd_.get();
  }

  /// The resolved path of the program that was executed.
  const std::string& program() const noexcept {
    return program_;
  }

  term_size size() const noexcept {
    return size_;
  }

  /// Sets the terminal's size; the kernel sends SIGWINCH to the terminal's
  /// foreground process group. Fails with ec::closed after close_master().
  result<void> resize(term_size size);

  // -- input to the program -------------------------------------------------

  /// Queues `bytes` for the program and writes as much as the terminal takes
  /// now, without blocking. All or nothing: fails with ec::io_error, queueing
  /// nothing, when the queue would exceed spawn_options::max_queued_input;
  /// with ec::closed when the terminal is gone (the queue is dropped).
  result<void> write(std::string_view bytes);

  /// Writes queued input until the terminal would block or the queue is
  /// empty. Fails like write().
  result<void> flush();

  /// Bytes written with write() that the terminal has not taken yet.
  size_t queued_input() const noexcept {
    return input_.size() - input_offset_;
  }

  // -- output of the program ------------------------------------------------

  /// Reads what the program wrote, up to `size` bytes, without blocking.
  read_outcome read_some(char* buffer, size_t size);

  /// Closes the master. The slave side sees a hangup.
  void close_master() noexcept {
    master_.reset();
  }

  // -- lifetime -------------------------------------------------------------

  /// Sends `sig` to the program's process group. Fails with ec::closed once
  /// the child was reaped (its group id may be reused), ec::io_error when
  /// kill() fails for another reason than an empty group.
  result<void> signal_group(int sig);

  /// Reaps the child if it has exited; its status, or nullopt while running.
  std::optional<exit_status> try_reap();

  /// Blocks until the child has exited, reaps it and returns its status.
  exit_status wait();

  /// Waits up to `timeout` for the child to exit, without reaping it. True
  /// when it has exited (or was reaped already).
  bool wait_exit(std::chrono::milliseconds timeout) const;

  /// Stops the program: SIGTERM (and SIGCONT) to its group, up to `grace` for
  /// the child to exit, then SIGKILL to the group; reaps the child. Blocking.
  exit_status stop(std::chrono::milliseconds grace);

  /// The status once the child was reaped.
  const std::optional<exit_status>& status() const noexcept {
    return status_;
  }

private:
  pty_process() = default;

  void reap(int wait_status);

  pid_t pid_ = -1;
  detail::unique_fd master_;
  detail::unique_fd pidfd_;
  std::string program_;
  term_size size_;
  std::optional<exit_status> status_;
  size_t max_queued_input_ = 0;
  std::string input_;
  size_t input_offset_ = 0;
};

} // namespace baton::actors::pty
