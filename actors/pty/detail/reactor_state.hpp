// reactor_state: the reactor's data and its event loop (see reactor.hpp for
// the contract). Internal.
//
// Locking: `mu_` guards everything except what a sink call touches; the
// reactor thread holds `delivery_mu_` while it calls sinks, and a thread that
// takes both takes `delivery_mu_` first. Agents are created by any thread but
// destroyed only by the reactor thread, outside both locks, after the
// deliveries that point to them.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "actors/pty/detail/unique_fd.hpp"
#include "actors/pty/reactor.hpp"

struct epoll_event;

namespace baton::actors::pty::detail {

class reactor_state {
public:
  using clock = std::chrono::steady_clock;

  reactor_state(reactor_options opts, unique_fd epoll, unique_fd wake);
  reactor_state(const reactor_state&) = delete;
  reactor_state& operator=(const reactor_state&) = delete;

  /// Stops and joins the thread, then kills and reaps what is left.
  ~reactor_state();

  /// Starts the reactor thread. Throws std::system_error like std::thread.
  void start();

  result<agent_id> add(pty_process proc, sink out);
  result<void> write(agent_id id, std::string_view bytes);
  result<void> resize(agent_id id, term_size size);
  result<void> stop(agent_id id, std::chrono::milliseconds grace);
  result<void> remove(agent_id id);
  void consumed(agent_id id, size_t n);
  result<agent_stats> stats(agent_id id) const;
  reactor_stats stats() const;

private:
  enum class timer_action : uint8_t { none, kill, close };

  struct agent {
    agent(agent_id i, pty_process p, sink s)
      : id(i), proc(std::move(p)), out(std::move(s)) {
    }
    agent_id id;
    pty_process proc;
    sink out;
    /// What the master is registered for in epoll (0: not registered).
    uint32_t events = 0;
    /// The master reached end of file, or was closed.
    bool eof = false;
    /// remove() was called: no more sink calls.
    bool removed = false;
    /// Reading paused: the budget is used up.
    bool paused = false;
    agent_stats counters;
    timer_action action = timer_action::none;
    clock::time_point deadline;
  };

  /// A sink call the loop makes once it has released `mu_`.
  struct delivery {
    agent* target;
    std::string bytes;
    bool exit = false;
  };

  /// What one turn of the loop collected.
  struct turn {
    std::vector<delivery> deliveries;
    std::vector<std::unique_ptr<agent>> finished;
  };

  void run();
  void dispatch(const epoll_event& ev, turn& t);
  void deliver(turn& t);

  agent* find(agent_id id) const;
  error unknown(agent_id id) const;
  void wake();
  int next_timeout() const;

  void set_interest(agent& a);
  void set_timer(agent& a, clock::time_point when, timer_action action);
  void clear_timer(agent& a);
  void fire_timers(turn& t);

  void read_once(agent& a, turn& t);
  void pause(agent& a);
  void master_eof(agent& a, turn& t);
  void child_exited(agent& a, turn& t);
  void finish(agent& a, turn& t);

  const reactor_options opts_;
  unique_fd epoll_;
  unique_fd wake_;
  std::vector<char> scratch_;
  mutable std::mutex mu_;
  std::mutex delivery_mu_;
  std::unordered_map<agent_id, std::unique_ptr<agent>> agents_;
  std::set<std::pair<clock::time_point, agent_id>> timers_;
  agent_id next_id_ = 1;
  bool stopping_ = false;
  bool failed_ = false;
  reactor_stats counters_;
  std::thread thread_;
};

} // namespace baton::actors::pty::detail
