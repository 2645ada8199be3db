#include "actors/pty/detail/fork_exec.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <string>

#include "actors/pty/detail/unique_fd.hpp"

namespace baton::actors::pty::detail {

namespace {

/// The step of the child's setup that failed.
enum class step : int {
  setsid,
  controlling_tty,
  stdio,
  close_fds,
  chdir,
  exec
};

/// What a failing child writes into the report pipe.
struct child_failure {
  step what;
  int err;
};

/// Closes every fd from 3 up except `keep`. Async-signal-safe.
void close_other_fds(int keep, int max_fd) {
  bool below = keep == 3 || ::close_range(3, keep - 1, 0) == 0;
  if (below && ::close_range(keep + 1, ~0U, 0) == 0)
    return;
  for (int fd = 3; fd < max_fd; ++fd) // kernels without close_range
    if (fd != keep)
      ::close(fd);
}

[[noreturn]] void fail(int report_fd, step what) {
  child_failure failure{what, errno};
  [[maybe_unused]] auto n = ::write(report_fd, &failure, sizeof failure);
  ::_exit(127);
}

/// The child, from fork() to execve(). Only async-signal-safe calls.
[[noreturn]] void run_child(const child_setup& setup, int report_fd,
                            int max_fd) {
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig)
    ::sigaction(sig, &dfl, nullptr); // fails harmlessly for KILL, STOP
  if (::setsid() < 0)
    fail(report_fd, step::setsid);
  if (::ioctl(setup.slave_fd, TIOCSCTTY, 0) < 0)
    fail(report_fd, step::controlling_tty);
  for (int fd = 0; fd < 3; ++fd)
    if (::dup2(setup.slave_fd, fd) < 0)
      fail(report_fd, step::stdio);
  close_other_fds(report_fd, max_fd);
  if (setup.working_dir != nullptr && ::chdir(setup.working_dir) < 0)
    fail(report_fd, step::chdir);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::execve(setup.path, setup.argv, setup.envp);
  fail(report_fd, step::exec);
}

/// vfork: the child borrows the parent's memory until execve() instead of
/// copying its page tables — a copy whose cost grows with the engine's
/// memory, and which made starting many agents the slowest part of a run's
/// start. The child runs only system calls on its own locals (run_child)
/// and ends in execve() or _exit(), never returning here, as vfork requires.
/// A function of its own, so that no variable of the caller lives across
/// the vfork.
[[gnu::noinline]] pid_t start_child(const child_setup& setup, int report_fd,
                                    int max_fd) {
  pid_t pid = ::vfork();
  if (pid == 0)
    run_child(setup, report_fd, max_fd);
  return pid;
}

error describe(const child_setup& setup, const child_failure& failure) {
  std::string reason = std::strerror(failure.err);
  switch (failure.what) {
    case step::chdir:
      return error{failure.err == ENOENT ? ec::not_found : ec::io_error,
                   "working directory '" + std::string{setup.working_dir}
                     + "': " + reason};
    case step::exec:
      return error{failure.err == ENOENT    ? ec::not_found
                   : failure.err == EACCES  ? ec::invalid_argument
                   : failure.err == ENOEXEC ? ec::invalid_argument
                                            : ec::io_error,
                   "executable '" + std::string{setup.path} + "': " + reason};
    default:
      return error{ec::io_error, "setting up the child for '"
                                   + std::string{setup.path}
                                   + "' failed: " + reason};
  }
}

/// Reads the child's report into `out`: false when the pipe closed empty (the
/// exec succeeded), true when the child reported a failure.
bool read_failure(int fd, child_failure& out) {
  size_t got = 0;
  auto* bytes = reinterpret_cast<char*>(&out);
  while (got < sizeof out) {
    auto n = ::read(fd, bytes + got, sizeof out - got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    got += static_cast<size_t>(n);
  }
  return got == sizeof out;
}

/// An fd >= 3 with close-on-exec (stdio slots are the child's targets).
int above_stdio(unique_fd& fd) {
  if (fd.get() < 3)
    fd.reset(::fcntl(fd.get(), F_DUPFD_CLOEXEC, 3));
  return fd.get();
}

} // namespace

result<pid_t> fork_exec(const child_setup& setup) {
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) < 0)
    return error{ec::io_error, std::string{"pipe2: "} + std::strerror(errno)};
  unique_fd report_read{ends[0]};
  unique_fd report_write{ends[1]};
  if (above_stdio(report_write) < 0)
    return error{ec::io_error, std::string{"fcntl: "} + std::strerror(errno)};
  struct rlimit files {};
  int max_fd
    = ::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur != RLIM_INFINITY
        ? static_cast<int>(files.rlim_cur)
        : 65536;
  // Signals stay blocked across the fork so that no handler of the parent
  // runs in the child before the child has reset the dispositions.
  sigset_t all;
  sigset_t old;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t pid = start_child(setup, report_write.get(), max_fd);
  int fork_errno = errno;
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (pid < 0)
    return error{ec::io_error,
                 std::string{"fork: "} + std::strerror(fork_errno)};
  report_write.reset();
  child_failure failure{};
  if (!read_failure(report_read.get(), failure))
    return pid;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return describe(setup, failure);
}

} // namespace baton::actors::pty::detail
