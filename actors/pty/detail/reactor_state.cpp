#include "actors/pty/detail/reactor_state.hpp"

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>

namespace baton::actors::pty::detail {

namespace {

// epoll tags: 0 is the wake-up eventfd; an agent's master is 2*id, its pidfd
// 2*id+1 (ids start at 1).
constexpr uint64_t wake_tag = 0;

uint64_t master_tag(agent_id id) {
  return id << 1;
}

uint64_t pidfd_tag(agent_id id) {
  return (id << 1) | 1;
}

constexpr size_t max_events = 256;

} // namespace

reactor_state::reactor_state(reactor_options opts, unique_fd epoll,
                             unique_fd wake)
  : opts_(opts), epoll_(std::move(epoll)), wake_(std::move(wake)),
    scratch_(opts.chunk_size) {
}

reactor_state::~reactor_state() {
  {
    std::lock_guard guard{mu_};
    stopping_ = true;
  }
  wake();
  if (thread_.joinable())
    thread_.join();
  agents_.clear(); // each pty_process kills its group and reaps its child
}

void reactor_state::start() {
  thread_ = std::thread{[this] { run(); }};
}

// -- the loop -----------------------------------------------------------------

void reactor_state::run() {
  std::vector<epoll_event> events(max_events);
  turn t;
  for (;;) {
    int timeout;
    {
      std::lock_guard guard{mu_};
      if (stopping_)
        return;
      timeout = next_timeout();
    }
    int n = ::epoll_wait(epoll_.get(), events.data(), max_events, timeout);
    {
      std::lock_guard guard{mu_};
      if (stopping_)
        return;
      if (n < 0 && errno != EINTR) {
        failed_ = true; // a bug (bad fd): agents are reaped by the destructor
        return;
      }
      ++counters_.wakeups;
      for (int i = 0; i < n; ++i)
        dispatch(events[i], t);
      fire_timers(t);
    }
    deliver(t);
  }
}

void reactor_state::dispatch(const epoll_event& ev, turn& t) {
  if (ev.data.u64 == wake_tag) {
    uint64_t count;
    [[maybe_unused]] auto r = ::read(wake_.get(), &count, sizeof count);
    return;
  }
  agent* a = find(ev.data.u64 >> 1);
  if (a == nullptr)
    return; // finished earlier in this turn
  if (ev.data.u64 & 1) {
    child_exited(*a, t);
    return;
  }
  if (a->proc.queued_input() > 0
      && (ev.events & (EPOLLOUT | EPOLLHUP | EPOLLERR))) {
    ignore(a->proc.flush()); // on failure the queue is dropped
    set_interest(*a);
  }
  if (ev.events & (EPOLLIN | EPOLLHUP | EPOLLERR))
    read_once(*a, t);
}

void reactor_state::deliver(turn& t) {
  {
    std::lock_guard guard{delivery_mu_};
    for (auto& d : t.deliveries) {
      agent& a = *d.target;
      if (a.removed)
        continue;
      if (d.exit && a.out.on_exit)
        a.out.on_exit(a.id, *a.proc.status());
      else if (!d.exit && a.out.on_output)
        a.out.on_output(a.id, std::move(d.bytes));
    }
  }
  t.deliveries.clear();
  t.finished.clear(); // outside both locks: closes fds, frees sinks
}

// -- helpers (mu_ held) -------------------------------------------------------

reactor_state::agent* reactor_state::find(agent_id id) const {
  auto i = agents_.find(id);
  return i == agents_.end() ? nullptr : i->second.get();
}

error reactor_state::unknown(agent_id id) const {
  return error{ec::not_found, "no agent " + std::to_string(id)};
}

void reactor_state::wake() {
  uint64_t one = 1;
  [[maybe_unused]] auto r = ::write(wake_.get(), &one, sizeof one);
}

int reactor_state::next_timeout() const {
  if (timers_.empty())
    return -1;
  auto left = std::chrono::ceil<std::chrono::milliseconds>(
    timers_.begin()->first - clock::now());
  return static_cast<int>(std::clamp<int64_t>(left.count(), 0, INT_MAX));
}

void reactor_state::set_interest(agent& a) {
  uint32_t want = 0;
  if (!a.eof && a.proc.master_fd() >= 0) {
    if (!a.paused && !a.removed)
      want |= EPOLLIN;
    if (a.proc.queued_input() > 0)
      want |= EPOLLOUT;
  }
  if (want == a.events)
    return;
  epoll_event ev{};
  ev.events = want;
  ev.data.u64 = master_tag(a.id);
  int op = want == 0       ? EPOLL_CTL_DEL
           : a.events == 0 ? EPOLL_CTL_ADD
                           : EPOLL_CTL_MOD;
  if (::epoll_ctl(epoll_.get(), op, a.proc.master_fd(), &ev) == 0)
    a.events = want;
}

void reactor_state::set_timer(agent& a, clock::time_point when,
                              timer_action action) {
  clear_timer(a);
  a.deadline = when;
  a.action = action;
  timers_.emplace(when, a.id);
}

void reactor_state::clear_timer(agent& a) {
  if (a.action != timer_action::none)
    timers_.erase({a.deadline, a.id});
  a.action = timer_action::none;
}

void reactor_state::fire_timers(turn& t) {
  auto now = clock::now();
  while (!timers_.empty() && timers_.begin()->first <= now) {
    agent* a = find(timers_.begin()->second);
    timers_.erase(timers_.begin());
    if (a == nullptr)
      continue;
    auto action = std::exchange(a->action, timer_action::none);
    if (action == timer_action::kill)
      ignore(a->proc.signal_group(SIGKILL));
    else if (action == timer_action::close && a->paused)
      set_timer(*a, now + opts_.exit_linger, timer_action::close);
    else if (action == timer_action::close)
      finish(*a, t);
  }
}

void reactor_state::read_once(agent& a, turn& t) {
  if (a.removed || a.eof || a.paused)
    return;
  size_t room = opts_.budget - a.counters.unconsumed;
  size_t want = std::min(opts_.chunk_size, room);
  if (want == 0) {
    pause(a);
    return;
  }
  auto got = a.proc.read_some(scratch_.data(), want);
  if (got.bytes > 0) {
    auto& c = a.counters;
    c.bytes_read += got.bytes;
    ++c.chunks;
    c.unconsumed += got.bytes;
    c.max_unconsumed = std::max(c.max_unconsumed, c.unconsumed);
    counters_.bytes_read += got.bytes;
    t.deliveries.push_back({&a, std::string{scratch_.data(), got.bytes}});
    if (c.unconsumed >= opts_.budget)
      pause(a);
  }
  if (got.eof)
    master_eof(a, t);
}

void reactor_state::pause(agent& a) {
  a.paused = true;
  ++a.counters.pauses;
  set_interest(a);
}

void reactor_state::master_eof(agent& a, turn& t) {
  a.eof = true;
  set_interest(a);
  a.proc.close_master();
  if (a.proc.status())
    finish(a, t);
}

void reactor_state::child_exited(agent& a, turn& t) {
  int fd = a.proc.pidfd();
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
  if (!a.proc.try_reap()) { // spurious: not exited after all
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = pidfd_tag(a.id);
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev);
    return;
  }
  clear_timer(a);
  if (a.eof)
    finish(a, t);
  else
    set_timer(a, clock::now() + opts_.exit_linger, timer_action::close);
}

void reactor_state::finish(agent& a, turn& t) {
  clear_timer(a);
  a.eof = true;
  set_interest(a);
  a.proc.close_master();
  if (!a.removed)
    t.deliveries.push_back({&a, {}, true});
  auto i = agents_.find(a.id);
  t.finished.push_back(std::move(i->second));
  agents_.erase(i);
}

// -- the public operations
// ------------------------------------------------------

result<agent_id> reactor_state::add(pty_process proc, sink out) {
  if (proc.status() || proc.pidfd() < 0 || proc.master_fd() < 0)
    return error{ec::invalid_argument,
                 "add: " + proc.program() + " was reaped or has no terminal"};
  std::lock_guard guard{mu_};
  if (stopping_ || failed_)
    return error{ec::closed, "add: the reactor has stopped"};
  agent_id id = next_id_++;
  auto a = std::make_unique<agent>(id, std::move(proc), std::move(out));
  a->counters.pid = a->proc.pid();
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = pidfd_tag(id);
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, a->proc.pidfd(), &ev) != 0)
    return error{ec::io_error,
                 std::string{"add: epoll_ctl: "} + std::strerror(errno)};
  set_interest(*a);
  agents_.emplace(id, std::move(a));
  return id;
}

result<void> reactor_state::write(agent_id id, std::string_view bytes) {
  std::lock_guard guard{mu_};
  agent* a = find(id);
  if (a == nullptr)
    return unknown(id);
  if (a->eof)
    return error{ec::closed, "write: the terminal of agent "
                               + std::to_string(id) + " is closed"};
  auto r = a->proc.write(bytes);
  set_interest(*a);
  return r;
}

result<void> reactor_state::resize(agent_id id, term_size size) {
  std::lock_guard guard{mu_};
  agent* a = find(id);
  if (a == nullptr)
    return unknown(id);
  return a->proc.resize(size);
}

result<void> reactor_state::stop(agent_id id, std::chrono::milliseconds grace) {
  std::lock_guard guard{mu_};
  agent* a = find(id);
  if (a == nullptr)
    return unknown(id);
  auto when = clock::now() + grace;
  if (a->action != timer_action::none && a->deadline <= when)
    return {}; // an earlier deadline stands
  if (a->proc.status()) {
    set_timer(*a, when, timer_action::close); // only the terminal is left
  } else {
    ignore(a->proc.signal_group(SIGTERM));
    ignore(a->proc.signal_group(SIGCONT));
    set_timer(*a, when, timer_action::kill);
  }
  wake();
  return {};
}

result<void> reactor_state::remove(agent_id id) {
  bool on_loop = std::this_thread::get_id() == thread_.get_id();
  sink dropped; // destroyed last, after both locks are released
  std::unique_lock delivering{delivery_mu_, std::defer_lock};
  if (!on_loop)
    delivering.lock(); // waits for a sink call in progress
  std::lock_guard guard{mu_};
  agent* a = find(id);
  if (a == nullptr)
    return unknown(id);
  if (a->removed)
    return {};
  a->removed = true;
  if (!on_loop) // on the loop, this sink may be running right now
    dropped = std::move(a->out);
  a->eof = true;
  set_interest(*a);
  a->proc.close_master();
  if (a->proc.status()) {
    set_timer(*a, clock::now(), timer_action::close);
  } else {
    clear_timer(*a);
    ignore(a->proc.signal_group(SIGKILL));
  }
  wake();
  return {};
}

void reactor_state::consumed(agent_id id, size_t n) {
  std::lock_guard guard{mu_};
  agent* a = find(id);
  if (a == nullptr)
    return;
  auto& c = a->counters;
  c.unconsumed -= std::min(n, c.unconsumed);
  if (a->paused && c.unconsumed <= opts_.budget / 2) {
    a->paused = false;
    set_interest(*a);
  }
}

result<agent_stats> reactor_state::stats(agent_id id) const {
  std::lock_guard guard{mu_};
  agent* a = find(id);
  if (a == nullptr)
    return unknown(id);
  agent_stats out = a->counters;
  out.paused = a->paused;
  out.queued_input = a->proc.queued_input();
  return out;
}

reactor_stats reactor_state::stats() const {
  std::lock_guard guard{mu_};
  reactor_stats out = counters_;
  out.agents = agents_.size();
  return out;
}

} // namespace baton::actors::pty::detail
