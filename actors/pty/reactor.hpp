// reactor: one thread and one epoll set serving the ptys of every agent.
//
// For each agent the reactor watches the pty master and a pidfd of the child.
// It reads output in chunks (at most one chunk per agent per wake-up, so a
// busy agent cannot starve the others) and hands each chunk to the agent's
// sink. When the child exits it is reaped at once; the exit is reported after
// the last output, once the terminal has reached end of file (or, if other
// processes keep the terminal open, after reactor_options::exit_linger).
//
// Flow control: output handed to a sink counts against the agent's budget
// until the consumer calls consumed(). An agent with its budget used up is
// not read any more: the pty buffer fills and the program blocks in its own
// write(), so a flooding agent costs Baton at most its budget in memory.
// Reading resumes when at most half of the budget is outstanding. A sink that
// calls consumed() from on_output opts out of back-pressure (benchmarks that
// only count bytes do this).
//
// Threading:
// - make() starts the reactor's thread; the destructor stops and joins it,
//   then kills (SIGKILL to the group) and reaps every agent still running.
//   Sinks are not called from the destructor.
// - Every public member function may be called from any thread, including
//   from inside a sink. Calls do their work at once under an internal mutex
//   (epoll_ctl, signals, ioctl and non-blocking writes only) and wake the
//   reactor thread through an eventfd when its timers change.
// - Sinks are called on the reactor thread only, one call at a time, with no
//   internal lock held. A sink must return quickly (it delays every agent);
//   a CAF actor's sink just sends a message.
// - After remove() returns, the agent's sink is never called again, even when
//   remove() runs on another thread while a call is in progress (remove()
//   waits for it). The destructor gives the same guarantee for all sinks.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "actors/pty/exit_status.hpp"
#include "actors/pty/pty_process.hpp"
#include "actors/pty/spawn_options.hpp"
#include "engine/result.hpp"

namespace baton::actors::pty {

namespace detail {
class reactor_state;
} // namespace detail

/// Names an agent within one reactor. Never 0, never reused.
using agent_id = uint64_t;

/// Where an agent's output and exit go. Both are called on the reactor
/// thread; either may be empty.
struct sink {
  /// A chunk of output (at most reactor_options::chunk_size bytes), passed
  /// through untouched, in the order the program wrote it. Counts against
  /// the agent's budget until consumed().
  std::function<void(agent_id, std::string)> on_output;

  /// Called once, after the last on_output, when the child has been reaped
  /// and the terminal closed. The agent is gone from the reactor then.
  std::function<void(agent_id, exit_status)> on_exit;
};

struct reactor_options {
  /// Most bytes read from one agent at a time. Default: 64 KiB.
  size_t chunk_size = size_t{64} << 10;

  /// Most bytes handed to an agent's sink and not yet consumed(). Never
  /// exceeded. Default: 1 MiB.
  size_t budget = size_t{1} << 20;

  /// After the child exits, how long the terminal may stay open (held by
  /// processes the child left behind) before the reactor closes it and
  /// reports the exit. Paused by flow control. Default: 1 s.
  std::chrono::milliseconds exit_linger{1000};
};

/// A snapshot of one agent's counters.
struct agent_stats {
  pid_t pid = -1;
  /// Bytes read from the terminal so far, and in how many chunks.
  uint64_t bytes_read = 0;
  uint64_t chunks = 0;
  /// Bytes handed to the sink and not consumed() yet; its highest value.
  size_t unconsumed = 0;
  size_t max_unconsumed = 0;
  /// Whether reading is paused for flow control, and how often it was.
  bool paused = false;
  uint64_t pauses = 0;
  /// Bytes written to the agent that wait for the terminal to take them.
  size_t queued_input = 0;
};

/// A snapshot of the reactor's counters.
struct reactor_stats {
  /// Agents not yet reported exited (or removed and not yet reaped).
  size_t agents = 0;
  /// Bytes read from every terminal so far.
  uint64_t bytes_read = 0;
  /// Times epoll_wait returned.
  uint64_t wakeups = 0;
};

class reactor {
public:
  /// Starts a reactor and its thread. Fails with ec::io_error when the
  /// system refuses an epoll set, an eventfd or a thread.
  static result<std::unique_ptr<reactor>> make(reactor_options opts = {});

  reactor(const reactor&) = delete;
  reactor& operator=(const reactor&) = delete;

  /// Stops the thread; kills and reaps every remaining agent.
  ~reactor();

  /// Serves `proc` from now on: its output goes to `out`. Fails with
  /// ec::invalid_argument for a process already reaped.
  result<agent_id> add(pty_process proc, sink out);

  /// pty_process::spawn() and add() in one step.
  result<agent_id> spawn(const spawn_options& opts, sink out);

  /// Writes `bytes` to the agent's terminal, queueing what it does not take
  /// at once (see pty_process::write for the bound). Fails with
  /// ec::not_found for an unknown agent, ec::closed when its terminal is gone.
  result<void> write(agent_id id, std::string_view bytes);

  /// Resizes the agent's terminal; the program gets SIGWINCH.
  result<void> resize(agent_id id, term_size size);

  /// Asks the agent to stop: SIGTERM and SIGCONT to its process group now,
  /// SIGKILL to the group if the child has not exited after `grace`. The
  /// exit is reported to the sink as usual. Returns at once.
  result<void> stop(agent_id id, std::chrono::milliseconds grace);

  /// Kills the agent's group at once (SIGKILL) and closes its terminal;
  /// output not yet delivered is dropped and the sink is never called again.
  /// The child is still reaped, by the reactor thread.
  result<void> remove(agent_id id);

  /// Tells the reactor that `n` bytes of the agent's output were processed,
  /// returning them to its budget. Unknown agents are ignored.
  void consumed(agent_id id, size_t n);

  /// The agent's counters. Fails with ec::not_found once it is gone.
  result<agent_stats> stats(agent_id id) const;

  /// The reactor's counters.
  reactor_stats stats() const;

  const reactor_options& options() const noexcept {
    return opts_;
  }

private:
  explicit reactor(std::unique_ptr<detail::reactor_state> state);

  reactor_options opts_;
  std::unique_ptr<detail::reactor_state> state_;
};

} // namespace baton::actors::pty
