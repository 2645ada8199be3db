// agent_terminal: what a worker actor types into and hears from. The worker
// is agent-agnostic; the terminal is where the agent runs: a pseudo-terminal
// served by the reactor (make_pty_terminal), or an in-process stand-in for
// benchmarks of the engine itself.
//
// Callbacks may run on any thread (the reactor's); they must do no more than
// hand the data to the worker (a message). Between start() and the exit
// callback, output arrives in order; the exit callback comes last.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "actors/pty/exit_status.hpp"
#include "actors/pty/reactor.hpp"
#include "actors/pty/spawn_options.hpp"
#include "engine/result.hpp"

namespace baton::actors {

struct terminal_callbacks {
  std::function<void(std::string)> on_output;
  std::function<void(pty::exit_status)> on_exit;
};

/// What start() reports: recorded as the worker's processStarted event.
struct terminal_started {
  std::vector<std::string> argv;
  int32_t pid = 0;
  uint16_t columns = 0;
  uint16_t rows = 0;
};

class agent_terminal {
public:
  virtual ~agent_terminal();

  /// Starts the agent (again, after it exited). Errors: ec::not_found names
  /// a missing program; others as the platform reports them.
  virtual result<terminal_started> start(terminal_callbacks cb) = 0;

  /// Writes bytes to the agent's terminal.
  virtual result<void> write(std::string_view bytes) = 0;

  /// `n` bytes of output were processed (flow control).
  virtual void consumed(size_t n) = 0;

  /// Asks the agent to stop; kills it after `grace` (0: at once).
  virtual result<void> stop(std::chrono::milliseconds grace) = 0;
};

/// The agent runs in a pseudo-terminal served by `r`, which must outlive the
/// terminal.
std::unique_ptr<agent_terminal> make_pty_terminal(pty::reactor& r,
                                                  pty::spawn_options opts);

} // namespace baton::actors
