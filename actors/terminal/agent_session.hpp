// agent_session: one agent running in a PTY, read and typed into by Baton.
//
// It spawns the agent on a shared pty::reactor and drives a session_core
// (monitor + acknowledged input) from its own driver thread:
//
//   reactor thread ──sink: append chunk to the mailbox, notify──▶ driver
//   caller threads ──prompt()/answer()/type()/resize(): mailbox──▶ driver
//   driver thread: core.output()/tick()/exited(), then reactor.write() of
//                  the writes, reactor.consumed() of the chunk, and the
//                  observer callback for each event
//
// The driver waits on a condition variable until the mailbox has work or
// core.next_deadline() passes. Logical time comes from the caller's clock
// (microseconds); the driver also uses it to turn a deadline into a wait,
// so it must advance at the speed of real time (the composition root passes
// a steady clock). The reactor's sink does no more than queue the chunk, so
// a slow observer delays only its own agent; output counts against the
// agent's reactor budget until the driver has fed it to the screen.
//
// A CAF actor uses session_core directly instead (the sink sends the chunk
// as a message; the actor calls reactor.write and reactor.consumed, and
// arms a delayed message for next_deadline()); this class is the
// thread-based driver for the CLI, tests and benchmarks.
//
// Threading: the observer and the output/input taps run on the driver
// thread only, one call at a time, with no lock held; they may call any
// member function except the destructor. Every member function is
// thread-safe. The destructor stops the agent (SIGKILL to its group) if it
// is still running, stops and joins the driver; no callback runs after it
// returns.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "actors/pty/reactor.hpp"
#include "actors/pty/spawn_options.hpp"
#include "actors/terminal/session_core.hpp"
#include "engine/result.hpp"

namespace baton::actors::terminal {

/// Logical time in microseconds. Must not go backwards.
using clock_function = std::function<uint64_t()>;

/// A steady clock in microseconds (what the composition root passes).
clock_function steady_clock_us();

struct session_options {
  /// What to run; its size also sizes the screen model.
  pty::spawn_options spawn;
  /// The detector pack. Required.
  std::shared_ptr<const engine::detect::pack> pack;
  /// Logical time. Required.
  clock_function clock;
  /// Receives every event, on the driver thread. Default: none.
  std::function<void(const session_event&)> on_event;
  /// Every chunk of output as it is fed, with its logical time (a
  /// recorder, a passthrough). Default: none.
  std::function<void(std::string_view, uint64_t)> on_output;
  /// Every write to the agent, with its logical time. Default: none.
  std::function<void(const session_write&, uint64_t)> on_input;
  /// Monitor and delivery options; the screen size is taken from `spawn`.
  session_core_options core;
};

class agent_session {
public:
  /// Spawns the agent on `r`, which must outlive the session. Fails like
  /// pty::reactor::spawn (ec::not_found names a missing executable), or
  /// with ec::invalid_argument when the pack or clock is missing.
  static result<std::unique_ptr<agent_session>>
  make(pty::reactor& r, session_options opts);

  agent_session(const agent_session&) = delete;
  agent_session& operator=(const agent_session&) = delete;
  ~agent_session();

  /// Queues a prompt (acknowledged delivery); returns its delivery id. The
  /// outcome arrives as a `delivery` event.
  uint64_t prompt(std::string text);

  /// Queues keys that answer a permission prompt; returns the delivery id.
  uint64_t answer(std::string keys);

  /// Passes a person's keys through at once (not acknowledged).
  void type(std::string keys);

  /// Resizes the agent's terminal (the program gets SIGWINCH) and Baton's
  /// screen model of it.
  result<void> resize(pty::term_size size);

  /// Asks the agent to stop: SIGTERM to its group, SIGKILL after `grace`.
  result<void> stop(std::chrono::milliseconds grace);

  /// Waits up to `timeout` for the `exited` event to have been delivered;
  /// returns the exit status then.
  std::optional<pty::exit_status> wait(std::chrono::milliseconds timeout);

  /// The detected state, as of the last event.
  engine::detect::state state() const;

  /// The visible screen as text (title first), for messages.
  std::string screen_text() const;

  pty::agent_id id() const noexcept {
    return id_;
  }

private:
  struct command {
    enum class kind : uint8_t { output, exited, prompt, answer, keys };
    command::kind what = kind::output;
    std::string bytes;
    pty::exit_status status;
    /// output: the agent (the sink's id); prompt/answer: the delivery id.
    uint64_t id = 0;
  };

  agent_session(pty::reactor& r, session_options opts);

  void enqueue(command c);
  void drive();
  void handle(command& c, session_effects& fx, uint64_t now);
  void perform(session_effects& fx, uint64_t now);

  pty::reactor& reactor_;
  session_options opts_;
  pty::agent_id id_ = 0;

  /// Guards the mailbox, stop flag, ids and the exit status.
  mutable std::mutex mailbox_mutex_;
  std::condition_variable wake_;
  std::condition_variable exited_cv_;
  std::deque<command> mailbox_;
  bool stopping_ = false;
  /// Delivery ids handed out by prompt()/answer(): the core counts from 1
  /// in mailbox order too, so its ids are these.
  uint64_t next_id_ = 1;
  std::optional<pty::exit_status> exit_status_;

  /// Guards core_ (the driver holds it while it processes, never while it
  /// calls out).
  mutable std::mutex core_mutex_;
  session_core core_;

  std::thread driver_;
};

} // namespace baton::actors::terminal
