#include "cli/control_socket.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace baton::cli {

namespace {

/// An address for `path`; for a path longer than sun_path, the directory
/// is opened and named through /proc/self/fd (`dir_fd` keeps it open).
bool address_of(const std::string& path, sockaddr_un& addr, int& dir_fd) {
  std::memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  std::string name = path;
  if (name.size() >= sizeof addr.sun_path) {
    auto p = std::filesystem::path{path};
    dir_fd = ::open(p.parent_path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0)
      return false;
    name = "/proc/self/fd/" + std::to_string(dir_fd) + "/"
           + p.filename().string();
    if (name.size() >= sizeof addr.sun_path)
      return false;
  }
  std::memcpy(addr.sun_path, name.c_str(), name.size() + 1);
  return true;
}

std::string errno_text() {
  return std::strerror(errno);
}

/// Reads up to a newline (or `limit` bytes); false on EOF before one or
/// when `deadline_ms` passes.
bool read_line(int fd, std::string& line, int timeout_ms,
               size_t limit = 64 * 1024) {
  char buf[512];
  while (line.find('\n') == std::string::npos && line.size() < limit) {
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, timeout_ms);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return false;
    auto n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    line.append(buf, static_cast<size_t>(n));
  }
  if (auto nl = line.find('\n'); nl != std::string::npos)
    line.resize(nl);
  return true;
}

void write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    auto n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

} // namespace

std::string control_path(const std::string& log_dir) {
  return (std::filesystem::path{log_dir} / "control.sock").string();
}

result<std::unique_ptr<control_server>>
control_server::start(const std::string& path, handler h) {
  std::unique_ptr<control_server> s{new control_server};
  s->path_ = path;
  s->handler_ = std::move(h);
  sockaddr_un addr;
  int dir_fd = -1;
  if (!address_of(path, addr, dir_fd))
    return error{ec::io_error, "cannot name the control socket " + path};
  s->listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ::unlink(addr.sun_path); // a socket left by a run that was killed
  // Owner-only from the start: no window in which another user connects.
  auto old_mask = ::umask(0077);
  int bound = ::bind(s->listen_fd_, reinterpret_cast<sockaddr*>(&addr),
                     sizeof addr);
  ::umask(old_mask);
  auto why = errno_text();
  if (dir_fd >= 0)
    ::close(dir_fd);
  if (bound != 0 || ::listen(s->listen_fd_, 8) != 0) {
    ::close(s->listen_fd_);
    return error{ec::io_error,
                 "cannot listen on the control socket " + path + ": " + why};
  }
  if (::pipe2(s->wake_, O_CLOEXEC) != 0) {
    ::close(s->listen_fd_);
    return error{ec::io_error, "cannot make a pipe: " + errno_text()};
  }
  s->thread_ = std::thread{[p = s.get()] { p->serve(); }};
  return s;
}

control_server::~control_server() {
  if (wake_[1] >= 0) {
    char c = 0;
    [[maybe_unused]] auto n = ::write(wake_[1], &c, 1);
  }
  if (thread_.joinable())
    thread_.join();
  for (int fd : {listen_fd_, wake_[0], wake_[1]})
    if (fd >= 0)
      ::close(fd);
  std::error_code ec;
  std::filesystem::remove(path_, ec);
}

void control_server::serve() {
  while (true) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR)
        continue;
      return;
    }
    if (fds[1].revents != 0)
      return;
    if ((fds[0].revents & POLLIN) == 0)
      continue;
    int conn = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (conn < 0)
      continue;
    std::string line;
    std::string reply = read_line(conn, line, 5000)
                          ? handler_(line)
                          : "error: no request line within 5 s";
    for (auto& c : reply)
      if (c == '\n')
        c = ' ';
    write_all(conn, reply + "\n");
    ::close(conn);
  }
}

result<std::string> control_request(const std::string& path,
                                    const std::string& request,
                                    std::chrono::milliseconds timeout) {
  sockaddr_un addr;
  int dir_fd = -1;
  if (!address_of(path, addr, dir_fd))
    return error{ec::not_found, "no running baton holds this log (" + path
                                  + " cannot be named)"};
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int r = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  auto why = errno;
  if (dir_fd >= 0)
    ::close(dir_fd);
  if (r != 0) {
    ::close(fd);
    if (why == ENOENT || why == ECONNREFUSED)
      return error{ec::not_found,
                   "no running baton holds this log (nothing listens on "
                     + path + ")"};
    return error{ec::io_error,
                 "cannot reach " + path + ": " + std::strerror(why)};
  }
  write_all(fd, request + "\n");
  std::string reply;
  bool ok = read_line(fd, reply, static_cast<int>(timeout.count()));
  ::close(fd);
  if (!ok)
    return error{ec::io_error, "no reply from the run within "
                                 + std::to_string(timeout.count() / 1000)
                                 + " s"};
  return reply;
}

} // namespace baton::cli
