#include "sim/tty_port.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace baton::sim {

namespace {

/// The self-pipe SIGWINCH writes into; -1 when no port is active.
int wake_read = -1;
int wake_write = -1;
struct sigaction old_winch {};

void on_winch(int) {
  int saved = errno;
  char b = 1;
  auto ignored = ::write(wake_write, &b, 1);
  static_cast<void>(ignored);
  errno = saved;
}

void drain(int fd) {
  char buf[64];
  while (::read(fd, buf, sizeof buf) > 0) {
  }
}

} // namespace

tty_port::tty_port(int fallback_columns) : fallback_columns_(fallback_columns) {
  int fds[2];
  if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0) {
    wake_read = fds[0];
    wake_write = fds[1];
    struct sigaction sa {};
    sa.sa_handler = on_winch;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGWINCH, &sa, &old_winch);
  }
  if (::isatty(STDIN_FILENO) && ::tcgetattr(STDIN_FILENO, &saved_) == 0) {
    termios raw = saved_;
    ::cfmakeraw(&raw);
    raw_ = ::tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
  }
}

tty_port::~tty_port() {
  restore();
  if (wake_read >= 0) {
    sigaction(SIGWINCH, &old_winch, nullptr);
    ::close(wake_read);
    ::close(wake_write);
    wake_read = wake_write = -1;
  }
}

void tty_port::restore() {
  if (raw_)
    ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  raw_ = false;
}

bool tty_port::write(std::string_view bytes) {
  while (!bytes.empty()) {
    auto n = ::write(STDOUT_FILENO, bytes.data(), bytes.size());
    if (n > 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && errno == EAGAIN) {
      pollfd p{STDOUT_FILENO, POLLOUT, 0};
      ::poll(&p, 1, -1);
      continue;
    }
    return false;
  }
  return true;
}

input_chunk tty_port::read(std::optional<clock::time_point> until) {
  input_chunk chunk;
  if (eof_ && !until) {
    chunk.eof = true;
    return chunk;
  }
  for (;;) {
    pollfd fds[2] = {{wake_read, POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
    int timeout = -1;
    if (until) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(*until - now());
      timeout = static_cast<int>(std::max<int64_t>(0, left.count()));
    }
    int n = ::poll(fds, eof_ ? 1 : 2, timeout);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      eof_ = chunk.eof = true;
      return chunk;
    }
    if (n == 0)
      return chunk;
    if (fds[0].revents & POLLIN) {
      drain(wake_read);
      chunk.resized = true;
    }
    if (!eof_ && fds[1].revents) {
      char buf[4096];
      auto got = ::read(STDIN_FILENO, buf, sizeof buf);
      if (got > 0)
        chunk.bytes.assign(buf, static_cast<size_t>(got));
      else if (got == 0 || (errno != EINTR && errno != EAGAIN))
        eof_ = chunk.eof = true;
    }
    return chunk;
  }
}

port::clock::time_point tty_port::now() {
  return clock::now();
}

int tty_port::columns() {
  winsize ws{};
  for (int fd : {STDOUT_FILENO, STDIN_FILENO})
    if (::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
      return ws.ws_col;
  return fallback_columns_;
}

std::string tty_port::write_file(const std::string& path,
                                 const std::string& content) {
  std::error_code ec;
  auto parent = std::filesystem::path{path}.parent_path();
  if (!parent.empty())
    std::filesystem::create_directories(parent, ec);
  if (ec)
    return "cannot create " + parent.string() + ": " + ec.message();
  std::ofstream out{path, std::ios::binary | std::ios::trunc};
  out << content;
  out.close();
  if (!out)
    return "cannot write " + path + ": " + std::strerror(errno);
  return {};
}

} // namespace baton::sim
