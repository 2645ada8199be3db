// unique_fd: owns one file descriptor and closes it when it goes away.
#pragma once

#include <unistd.h>

#include <utility>

namespace baton::actors::pty::detail {

class unique_fd {
public:
  unique_fd() = default;
  explicit unique_fd(int fd) noexcept : fd_(fd) {
  }
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;
  unique_fd(unique_fd&& other) noexcept : fd_(other.release()) {
  }
  unique_fd& operator=(unique_fd&& other) noexcept {
    if (this != &other)
      reset(other.release());
    return *this;
  }
  ~unique_fd() {
    reset();
  }

  /// The descriptor, or -1.
  int get() const noexcept {
    return fd_;
  }

  explicit operator bool() const noexcept {
    return fd_ >= 0;
  }

  /// Gives up ownership without closing.
  int release() noexcept {
    return std::exchange(fd_, -1);
  }

  /// Closes the current descriptor (if any) and owns `fd` instead.
  void reset(int fd = -1) noexcept {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = fd;
  }

private:
  int fd_ = -1;
};

} // namespace baton::actors::pty::detail
