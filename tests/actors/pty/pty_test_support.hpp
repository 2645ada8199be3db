// Helpers for the PTY tests: a sink that keeps what it receives, waiting for
// conditions with deadlines (never sleeping), and process accounting.
#pragma once

#include <dirent.h>
#include <poll.h>
#include <sys/wait.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "actors/pty/pty_process.hpp"
#include "actors/pty/reactor.hpp"
#include "tests/support/eventually.hpp"

namespace baton::test {

using namespace std::chrono_literals;

/// A generous deadline: the tests never assert on timing, they only refuse
/// to hang.
inline constexpr std::chrono::milliseconds deadline = 20s;

/// argv for `/bin/sh -c script` plus positional arguments.
inline actors::pty::spawn_options sh(std::string script,
                                     std::vector<std::string> args = {}) {
  actors::pty::spawn_options opts;
  opts.argv = {"/bin/sh", "-c", std::move(script), "sh"};
  for (auto& a : args)
    opts.argv.push_back(std::move(a));
  return opts;
}

/// Reads from `p`'s terminal (blocking in poll, up to `timeout`) until
/// `done(output)` holds or the terminal reaches end of file.
inline std::string
read_until(actors::pty::pty_process& p,
           const std::function<bool(const std::string&)>& done,
           std::chrono::milliseconds timeout = deadline) {
  std::string out;
  auto until = std::chrono::steady_clock::now() + timeout;
  char buf[4096];
  while (!done(out)) {
    auto r = p.read_some(buf, sizeof buf);
    out.append(buf, r.bytes);
    if (r.eof)
      break;
    if (r.bytes > 0)
      continue;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      until - std::chrono::steady_clock::now());
    if (left <= 0ms)
      break;
    pollfd pfd{p.master_fd(), POLLIN, 0};
    ::poll(&pfd, 1, static_cast<int>(left.count()));
  }
  return out;
}

/// Reads until `needle` appears.
inline std::string read_until(actors::pty::pty_process& p,
                              std::string_view needle,
                              std::chrono::milliseconds timeout = deadline) {
  return read_until(
    p,
    [needle](const std::string& s) {
      return s.find(needle) != std::string::npos;
    },
    timeout);
}

/// Reads everything until end of file.
inline std::string read_all(actors::pty::pty_process& p) {
  return read_until(p, [](const std::string&) { return false; });
}

/// A sink that keeps one agent's output and exit, for waiting on them.
class collector {
public:
  /// With `acknowledge`, each chunk is consumed() at once.
  actors::pty::sink make_sink(actors::pty::reactor& r,
                              bool acknowledge = true) {
    actors::pty::sink out;
    out.on_output
      = [this, &r, acknowledge](actors::pty::agent_id id, std::string bytes) {
          if (acknowledge)
            r.consumed(id, bytes.size());
          // Notified under the lock, so a waiter that goes on to destroy this
          // collector cannot do so while the reactor thread is still inside it.
          std::lock_guard guard{mu_};
          output_ += bytes;
          ++calls_;
          if (exit_)
            output_after_exit_ = true;
          cv_.notify_all();
        };
    out.on_exit = [this](actors::pty::agent_id, actors::pty::exit_status s) {
      std::lock_guard guard{mu_};
      ++exits_;
      exit_ = s;
      cv_.notify_all();
    };
    return out;
  }

  /// Waits until `pred(output, exit)` holds; false at the deadline.
  bool wait(const std::function<
              bool(const std::string&,
                   const std::optional<actors::pty::exit_status>&)>& pred,
            std::chrono::milliseconds timeout = deadline) {
    std::unique_lock lock{mu_};
    return cv_.wait_for(lock, timeout, [&] { return pred(output_, exit_); });
  }

  bool wait_output(std::string_view needle,
                   std::chrono::milliseconds timeout = deadline) {
    return wait(
      [needle](const std::string& s, const auto&) {
        return s.find(needle) != std::string::npos;
      },
      timeout);
  }

  std::optional<actors::pty::exit_status>
  wait_exit(std::chrono::milliseconds timeout = deadline) {
    wait([](const auto&, const auto& e) { return e.has_value(); }, timeout);
    std::lock_guard guard{mu_};
    return exit_;
  }

  std::string output() const {
    std::lock_guard guard{mu_};
    return output_;
  }

  int exits() const {
    std::lock_guard guard{mu_};
    return exits_;
  }

  size_t calls() const {
    std::lock_guard guard{mu_};
    return calls_;
  }

  bool output_after_exit() const {
    std::lock_guard guard{mu_};
    return output_after_exit_;
  }

private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string output_;
  size_t calls_ = 0;
  int exits_ = 0;
  bool output_after_exit_ = false;
  std::optional<actors::pty::exit_status> exit_;
};


/// Open file descriptors of this process.
inline size_t open_fd_count() {
  size_t n = 0;
  if (DIR* d = ::opendir("/proc/self/fd")) {
    while (auto* e = ::readdir(d))
      if (e->d_name[0] != '.')
        ++n;
    ::closedir(d);
  }
  return n;
}

/// The pids listed in /proc/self/task/*/children (every thread's children);
/// nullopt when the kernel does not provide those files.
inline std::optional<std::string> child_list() {
  DIR* d = ::opendir("/proc/self/task");
  if (d == nullptr)
    return std::nullopt;
  std::string all;
  bool any = false;
  while (auto* e = ::readdir(d)) {
    if (e->d_name[0] == '.')
      continue;
    std::ifstream in{std::string{"/proc/self/task/"} + e->d_name + "/children"};
    if (!in)
      continue;
    any = true;
    std::stringstream ss;
    ss << in.rdbuf();
    all += ss.str();
  }
  ::closedir(d);
  if (!any)
    return std::nullopt;
  return all;
}

/// True when this process has no child at all, zombie or alive.
inline bool no_children() {
  errno = 0;
  return ::waitpid(-1, nullptr, WNOHANG) == -1 && errno == ECHILD;
}

} // namespace baton::test
