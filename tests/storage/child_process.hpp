// child_process: a helper program run by a test, with pipes to its stdin and
// from its stdout. Killed and reaped when the object goes away.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace baton::test {

class child_process {
public:
  /// Starts `argv` (argv[0] is the program's path). The child's stderr goes to
  /// `stderr_path` (appended), or is inherited when that is empty.
  /// Throws std::runtime_error when the process cannot be started.
  child_process(const std::vector<std::string>& argv,
                const std::string& stderr_path = {});
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  pid_t pid() const {
    return pid_;
  }

  /// Writes `line` and a newline to the child's stdin.
  bool send(const std::string& line);

  /// The next line of the child's stdout (without the newline), or nullopt
  /// when `timeout` passes or the child closes its stdout first.
  std::optional<std::string> receive(std::chrono::milliseconds timeout);

  /// Sends `sig` (SIGKILL by default) and reaps the child; returns the wait
  /// status.
  int kill(int sig = 9);

  /// The wait status if the child has exited (reaps it), else nullopt.
  std::optional<int> try_wait();

  /// Waits at most `timeout` for the child to exit; returns the wait status.
  std::optional<int> wait_for(std::chrono::milliseconds timeout);

private:
  pid_t pid_ = -1;
  int in_ = -1;
  int out_ = -1;
  std::string buffer_;
  std::optional<int> status_;
};

/// A readable description of a wait status ("exit 3", "signal 9").
std::string describe_wait_status(int status);

} // namespace baton::test
