#include "actors/pty/pty_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>

#include "actors/pty/detail/executable.hpp"
#include "actors/pty/detail/fork_exec.hpp"

namespace baton::actors::pty {

namespace {

using detail::unique_fd;

error sys_error(const char* what) {
  return error{ec::io_error, std::string{what} + ": " + std::strerror(errno)};
}

result<void> check_working_dir(const std::string& dir) {
  if (dir.empty())
    return {};
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0)
    return error{errno == ENOENT ? ec::not_found : ec::io_error,
                 "working directory '" + dir + "': " + std::strerror(errno)};
  if (!S_ISDIR(st.st_mode))
    return error{ec::invalid_argument,
                 "working directory '" + dir + "' is not a directory"};
  return {};
}

/// Where argv[0] is looked up: the child's PATH, else the parent's, else the
/// system default.
std::string search_path(const std::vector<std::string>& env) {
  if (auto path = find_variable(env, "PATH"))
    return std::string{*path};
  if (const char* path = std::getenv("PATH"))
    return path;
  return "/usr/local/bin:/usr/bin:/bin";
}

/// A null-terminated array of pointers into `strings`.
std::vector<char*> c_array(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings)
    out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

struct pty_pair {
  unique_fd master;
  unique_fd slave;
};

/// A new pty, both ends close-on-exec, the master non-blocking, the slave
/// at an fd >= 3.
result<pty_pair> open_pty(term_size size) {
  pty_pair out;
  out.master.reset(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!out.master)
    return sys_error("posix_openpt");
  if (::grantpt(out.master.get()) != 0 || ::unlockpt(out.master.get()) != 0)
    return sys_error("unlockpt");
  int flags = O_RDWR | O_NOCTTY | O_CLOEXEC;
  out.slave.reset(::ioctl(out.master.get(), TIOCGPTPEER, flags));
  if (!out.slave) {
    char name[64];
    if (::ptsname_r(out.master.get(), name, sizeof name) != 0)
      return sys_error("ptsname_r");
    out.slave.reset(::open(name, flags));
    if (!out.slave)
      return sys_error(name);
  }
  if (out.slave.get() < 3)
    out.slave.reset(::fcntl(out.slave.get(), F_DUPFD_CLOEXEC, 3));
  struct winsize ws {};
  ws.ws_col = size.cols;
  ws.ws_row = size.rows;
  if (!out.slave || ::ioctl(out.master.get(), TIOCSWINSZ, &ws) != 0)
    return sys_error("pty setup");
  int fl = ::fcntl(out.master.get(), F_GETFL);
  if (fl < 0 || ::fcntl(out.master.get(), F_SETFL, fl | O_NONBLOCK) < 0)
    return sys_error("fcntl(O_NONBLOCK)");
  return out;
}

} // namespace

result<pty_process> pty_process::spawn(const spawn_options& opts) {
  if (opts.argv.empty())
    return error{ec::invalid_argument, "spawn: empty argv"};
  if (opts.size.cols == 0 || opts.size.rows == 0)
    return error{ec::invalid_argument, "spawn: terminal size must not be 0"};
  if (auto ok = check_working_dir(opts.working_dir); !ok)
    return ok.err();
  auto env = make_environment(opts.env, parent_environment());
  if (!env)
    return env.err();
  auto exe = detail::find_executable(opts.argv[0], search_path(*env),
                                     opts.working_dir);
  if (!exe)
    return exe.err();
  auto pty = open_pty(opts.size);
  if (!pty)
    return pty.err();
  auto argv = opts.argv;
  auto c_argv = c_array(argv);
  auto c_env = c_array(*env);
  detail::child_setup setup;
  setup.path = exe->c_str();
  setup.argv = c_argv.data();
  setup.envp = c_env.data();
  setup.working_dir
    = opts.working_dir.empty() ? nullptr : opts.working_dir.c_str();
  setup.slave_fd = pty->slave.get();
  auto pid = detail::fork_exec(setup);
  if (!pid)
    return pid.err();
  pty_process proc;
  proc.pid_ = *pid;
  proc.master_ = std::move(pty->master);
  proc.program_ = std::move(*exe);
  proc.size_ = opts.size;
  proc.max_queued_input_ = opts.max_queued_input;
  proc.pidfd_.reset(static_cast<int>(::syscall(SYS_pidfd_open, *pid, 0)));
  if (!proc.pidfd_)
    return sys_error("pidfd_open"); // proc's destructor kills and reaps
  return proc;
}

pty_process::pty_process(pty_process&& other) noexcept
  : pid_(std::exchange(other.pid_, -1)), master_(std::move(other.master_)),
    pidfd_(std::move(other.pidfd_)), program_(std::move(other.program_)),
    size_(other.size_), status_(std::exchange(other.status_, std::nullopt)),
    max_queued_input_(other.max_queued_input_), input_(std::move(other.input_)),
    input_offset_(std::exchange(other.input_offset_, 0)) {
}

pty_process& pty_process::operator=(pty_process&& other) noexcept {
  if (this != &other) {
    pty_process old{std::move(*this)}; // reaps what this held, on scope exit
    pid_ = std::exchange(other.pid_, -1);
    master_ = std::move(other.master_);
    pidfd_ = std::move(other.pidfd_);
    program_ = std::move(other.program_);
    size_ = other.size_;
    status_ = std::exchange(other.status_, std::nullopt);
    max_queued_input_ = other.max_queued_input_;
    input_ = std::move(other.input_);
    input_offset_ = std::exchange(other.input_offset_, 0);
  }
  return *this;
}

pty_process::~pty_process() {
  if (pid_ > 0 && !status_) {
    ignore(signal_group(SIGKILL));
    wait();
  }
}

result<void> pty_process::resize(term_size size) {
  if (!master_)
    return error{ec::closed, "resize: terminal of " + program_ + " closed"};
  if (size.cols == 0 || size.rows == 0)
    return error{ec::invalid_argument, "resize: size must not be 0"};
  struct winsize ws {};
  ws.ws_col = size.cols;
  ws.ws_row = size.rows;
  if (::ioctl(master_.get(), TIOCSWINSZ, &ws) != 0)
    return sys_error("TIOCSWINSZ");
  size_ = size;
  return {};
}

result<void> pty_process::write(std::string_view bytes) {
  if (!master_)
    return error{ec::closed, "write: terminal of " + program_ + " closed"};
  if (queued_input() + bytes.size() > max_queued_input_)
    return error{ec::io_error, "write: input queue of " + program_ + " full ("
                                 + std::to_string(queued_input())
                                 + " bytes waiting)"};
  input_.append(bytes);
  return flush();
}

result<void> pty_process::flush() {
  while (queued_input() > 0 && master_) {
    auto n
      = ::write(master_.get(), input_.data() + input_offset_, queued_input());
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && errno == EAGAIN)
      break;
    if (n < 0) {
      auto err = sys_error("write to the terminal");
      input_.clear();
      input_offset_ = 0;
      return error{ec::closed, err.message()};
    }
    input_offset_ += static_cast<size_t>(n);
  }
  if (input_offset_ == input_.size()) {
    input_.clear();
    input_offset_ = 0;
  } else if (input_offset_ > input_.size() / 2) {
    input_.erase(0, input_offset_);
    input_offset_ = 0;
  }
  return {};
}

read_outcome pty_process::read_some(char* buffer, size_t size) {
  if (!master_)
    return {0, true};
  for (;;) {
    auto n = ::read(master_.get(), buffer, size);
    if (n > 0)
      return {static_cast<size_t>(n), false};
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && errno == EAGAIN)
      return {0, false};
    return {0, true}; // 0 or EIO: no slave left
  }
}

result<void> pty_process::signal_group(int sig) {
  if (status_ || pid_ <= 0)
    return error{ec::closed, "signal: " + program_ + " was reaped"};
  if (::kill(-pid_, sig) != 0 && errno != ESRCH)
    return sys_error("kill");
  return {};
}

void pty_process::reap(int wait_status) {
  status_ = from_wait_status(wait_status);
  pidfd_.reset();
}

std::optional<exit_status> pty_process::try_reap() {
  if (status_ || pid_ <= 0)
    return status_;
  int st = 0;
  pid_t r;
  while ((r = ::waitpid(pid_, &st, WNOHANG)) < 0 && errno == EINTR) {
  }
  if (r == pid_)
    reap(st);
  else if (r < 0) // ECHILD: someone else reaped it; the status is lost
    status_ = exit_status{};
  return status_;
}

exit_status pty_process::wait() {
  if (status_ || pid_ <= 0)
    return status_.value_or(exit_status{});
  int st = 0;
  pid_t r;
  while ((r = ::waitpid(pid_, &st, 0)) < 0 && errno == EINTR) {
  }
  if (r == pid_)
    reap(st);
  else
    status_ = exit_status{};
  return *status_;
}

bool pty_process::wait_exit(std::chrono::milliseconds timeout) const {
  if (status_ || !pidfd_)
    return true;
  using clock = std::chrono::steady_clock;
  auto deadline = clock::now() + timeout;
  for (;;) {
    auto left
      = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now());
    pollfd p{pidfd_.get(), POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(std::max<int64_t>(0, left.count())));
    if (n > 0)
      return true;
    if (n == 0 || errno != EINTR)
      return false;
  }
}

exit_status pty_process::stop(std::chrono::milliseconds grace) {
  if (status_)
    return *status_;
  ignore(signal_group(SIGTERM));
  ignore(signal_group(SIGCONT));
  if (!wait_exit(grace))
    ignore(signal_group(SIGKILL));
  return wait();
}

} // namespace baton::actors::pty
