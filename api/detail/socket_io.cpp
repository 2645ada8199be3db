#include "api/detail/socket_io.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace baton::api::detail {

std::string control_path(const std::string& log_dir) {
  return (std::filesystem::path{log_dir} / "control.sock").string();
}

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

result<void> read_line(int fd, std::string& line,
                       std::chrono::milliseconds timeout, size_t limit) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[4096];
  while (true) {
    if (auto nl = line.find('\n'); nl != std::string::npos) {
      line.resize(nl);
      return {};
    }
    if (line.size() > limit)
      return error{ec::invalid_argument,
                   "the request is longer than "
                     + std::to_string(limit / 1024) + " KiB"};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return error{ec::timeout, "no full line within "
                                  + std::to_string(timeout.count()) + " ms"};
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return error{ec::io_error, std::strerror(errno)};
    if (r == 0)
      continue;
    auto n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return error{ec::io_error, std::strerror(errno)};
    if (n == 0)
      return error{ec::closed, "the connection closed before a full line"};
    line.append(buf, static_cast<size_t>(n));
  }
}

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    auto n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

result<int> connect_to(const std::string& path) {
  sockaddr_un addr;
  int dir_fd = -1;
  if (!address_of(path, addr, dir_fd))
    return error{ec::not_found, path + " cannot be named"};
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return error{ec::io_error, std::strerror(errno)};
  int r = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  auto why = errno;
  if (dir_fd >= 0)
    ::close(dir_fd);
  if (r != 0) {
    ::close(fd);
    if (why == ENOENT || why == ECONNREFUSED)
      return error{ec::not_found, "nothing listens on " + path};
    return error{ec::io_error,
                 "cannot reach " + path + ": " + std::strerror(why)};
  }
  return fd;
}

} // namespace baton::api::detail
