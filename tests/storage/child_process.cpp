#include "tests/storage/child_process.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace baton::test {

namespace {

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

} // namespace

child_process::child_process(const std::vector<std::string>& argv,
                             const std::string& stderr_path) {
  int to_child[2];
  int from_child[2];
  if (pipe2(to_child, O_CLOEXEC) != 0)
    fail("pipe");
  if (pipe2(from_child, O_CLOEXEC) != 0)
    fail("pipe");
  int err_fd = -1;
  if (!stderr_path.empty()) {
    err_fd = open(stderr_path.c_str(),
                  O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (err_fd < 0)
      fail("open " + stderr_path);
  }
  std::vector<char*> args;
  for (auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_ = fork();
  if (pid_ < 0)
    fail("fork");
  if (pid_ == 0) {
    // Only async-signal-safe calls between fork and exec.
    dup2(to_child[0], 0);
    dup2(from_child[1], 1);
    if (err_fd >= 0)
      dup2(err_fd, 2);
    execv(args[0], args.data());
    _exit(127);
  }
  close(to_child[0]);
  close(from_child[1]);
  if (err_fd >= 0)
    close(err_fd);
  in_ = to_child[1];
  out_ = from_child[0];
}

child_process::~child_process() {
  if (!status_)
    kill();
  if (in_ >= 0)
    close(in_);
  if (out_ >= 0)
    close(out_);
}

bool child_process::send(const std::string& line) {
  auto text = line + "\n";
  const char* p = text.data();
  size_t left = text.size();
  // A child that died must not kill the test with SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  while (left > 0) {
    auto n = write(in_, p, left);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    p += n;
    left -= static_cast<size_t>(n);
  }
  return true;
}

std::optional<std::string>
child_process::receive(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
      auto line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return std::nullopt;
    pollfd pfd{out_, POLLIN, 0};
    auto r = poll(&pfd, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return std::nullopt;
    char buf[512];
    auto n = read(out_, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return std::nullopt;
    buffer_.append(buf, static_cast<size_t>(n));
  }
}

int child_process::kill(int sig) {
  if (status_)
    return *status_;
  ::kill(pid_, sig);
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  status_ = status;
  return status;
}

std::optional<int> child_process::try_wait() {
  if (status_)
    return status_;
  int status = 0;
  auto r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_)
    status_ = status;
  return status_;
}

std::optional<int> child_process::wait_for(std::chrono::milliseconds timeout) {
  if (try_wait())
    return status_;
  // A pidfd becomes readable when the child exits: wait on it with the
  // deadline instead of polling waitpid.
  int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
  if (fd >= 0) {
    pollfd p{fd, POLLIN, 0};
    ::poll(&p, 1, static_cast<int>(timeout.count()));
    ::close(fd);
  }
  return try_wait();
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status))
    return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return "signal " + std::to_string(WTERMSIG(status));
  return "status " + std::to_string(status);
}

} // namespace baton::test
