#include "actors/terminal/agent_session.hpp"

#include <utility>

namespace baton::actors::terminal {

namespace {

engine::screen_options screen_for(const session_options& opts) {
  auto s = opts.core.screen;
  s.cols = opts.spawn.size.cols;
  s.rows = opts.spawn.size.rows;
  return s;
}

session_core_options core_for(const session_options& opts) {
  auto c = opts.core;
  c.screen = screen_for(opts);
  return c;
}

} // namespace

clock_function steady_clock_us() {
  return [] {
    auto d = std::chrono::steady_clock::now().time_since_epoch();
    return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(d).count());
  };
}

agent_session::agent_session(pty::reactor& r, session_options opts)
  : reactor_(r), opts_(std::move(opts)), core_(opts_.pack, core_for(opts_)) {
}

result<std::unique_ptr<agent_session>>
agent_session::make(pty::reactor& r, session_options opts) {
  if (!opts.pack)
    return error{ec::invalid_argument, "agent session: no detector pack"};
  if (!opts.clock)
    return error{ec::invalid_argument, "agent session: no clock"};
  std::unique_ptr<agent_session> s{new agent_session(r, std::move(opts))};
  auto* self = s.get();
  pty::sink out;
  out.on_output = [self](pty::agent_id id, std::string bytes) {
    command c;
    c.what = command::kind::output;
    c.id = id; // id_ may not be set yet: the sink can run before spawn()
               // returns
    c.bytes = std::move(bytes);
    self->enqueue(std::move(c));
  };
  out.on_exit = [self](pty::agent_id, pty::exit_status status) {
    command c;
    c.what = command::kind::exited;
    c.status = status;
    self->enqueue(std::move(c));
  };
  // The driver starts first: the sink may run as soon as spawn() returns.
  s->driver_ = std::thread{[self] { self->drive(); }};
  auto id = r.spawn(self->opts_.spawn, std::move(out));
  if (!id) {
    {
      std::lock_guard<std::mutex> guard{self->mailbox_mutex_};
      self->stopping_ = true;
    }
    self->wake_.notify_all();
    self->driver_.join();
    return id.err();
  }
  self->id_ = *id;
  return s;
}

agent_session::~agent_session() {
  bool running;
  {
    std::lock_guard<std::mutex> guard{mailbox_mutex_};
    running = !exit_status_.has_value();
  }
  // remove() waits for a sink call in progress; the sinks only take the
  // mailbox lock, which is not held here.
  if (running && id_ != 0)
    ignore(reactor_.remove(id_));
  {
    std::lock_guard<std::mutex> guard{mailbox_mutex_};
    stopping_ = true;
  }
  wake_.notify_all();
  if (driver_.joinable())
    driver_.join();
}

uint64_t agent_session::prompt(std::string text) {
  command c;
  c.what = command::kind::prompt;
  c.bytes = std::move(text);
  std::lock_guard<std::mutex> guard{mailbox_mutex_};
  c.id = next_id_++;
  auto id = c.id;
  mailbox_.push_back(std::move(c));
  wake_.notify_all();
  return id;
}

uint64_t agent_session::answer(std::string keys) {
  command c;
  c.what = command::kind::answer;
  c.bytes = std::move(keys);
  std::lock_guard<std::mutex> guard{mailbox_mutex_};
  c.id = next_id_++;
  auto id = c.id;
  mailbox_.push_back(std::move(c));
  wake_.notify_all();
  return id;
}

void agent_session::type(std::string keys) {
  command c;
  c.what = command::kind::keys;
  c.bytes = std::move(keys);
  enqueue(std::move(c));
}

result<void> agent_session::resize(pty::term_size size) {
  if (auto ok = reactor_.resize(id_, size); !ok)
    return ok;
  std::lock_guard<std::mutex> guard{core_mutex_};
  core_.resize(size.cols, size.rows);
  return {};
}

result<void> agent_session::stop(std::chrono::milliseconds grace) {
  return reactor_.stop(id_, grace);
}

std::optional<pty::exit_status>
agent_session::wait(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock{mailbox_mutex_};
  exited_cv_.wait_for(lock, timeout,
                      [this] { return exit_status_.has_value(); });
  return exit_status_;
}

engine::detect::state agent_session::state() const {
  std::lock_guard<std::mutex> guard{core_mutex_};
  return core_.state();
}

std::string agent_session::screen_text() const {
  std::lock_guard<std::mutex> guard{core_mutex_};
  return core_.screen_text();
}

void agent_session::enqueue(command c) {
  {
    std::lock_guard<std::mutex> guard{mailbox_mutex_};
    mailbox_.push_back(std::move(c));
  }
  wake_.notify_all();
}

void agent_session::drive() {
  for (;;) {
    std::deque<command> work;
    uint64_t due;
    {
      // Only this thread changes the core, so `due` stays valid below.
      std::lock_guard<std::mutex> guard{core_mutex_};
      due = core_.next_deadline();
    }
    {
      std::unique_lock<std::mutex> lock{mailbox_mutex_};
      auto ready = [this] { return stopping_ || !mailbox_.empty(); };
      if (due == 0) {
        wake_.wait(lock, ready);
      } else {
        auto now = opts_.clock();
        if (due > now)
          wake_.wait_for(lock, std::chrono::microseconds{due - now}, ready);
      }
      if (stopping_)
        return;
      work.swap(mailbox_);
    }
    session_effects fx;
    auto now = opts_.clock();
    if (opts_.on_output)
      for (auto& c : work)
        if (c.what == command::kind::output)
          opts_.on_output(c.bytes, now);
    {
      std::lock_guard<std::mutex> guard{core_mutex_};
      for (auto& c : work)
        handle(c, fx, now);
      auto due = core_.next_deadline();
      if (due != 0 && now >= due)
        core_.tick(now, fx);
    }
    perform(fx, now);
  }
}

void agent_session::handle(command& c, session_effects& fx, uint64_t now) {
  switch (c.what) {
    case command::kind::output:
      core_.output(c.bytes, now, fx);
      reactor_.consumed(c.id, c.bytes.size());
      break;
    case command::kind::exited: core_.exited(c.status, now, fx); break;
    case command::kind::prompt:
      static_cast<void>(core_.prompt(std::move(c.bytes), now, fx));
      break;
    case command::kind::answer:
      static_cast<void>(core_.answer(std::move(c.bytes), now, fx));
      break;
    case command::kind::keys: core_.user_input(c.bytes, fx); break;
  }
}

void agent_session::perform(session_effects& fx, uint64_t now) {
  for (auto& w : fx.writes) {
    // A write to a terminal that is gone fails; the exit event follows.
    ignore(reactor_.write(id_, w.bytes));
    if (opts_.on_input)
      opts_.on_input(w, now);
  }
  for (auto& e : fx.events) {
    if (opts_.on_event)
      opts_.on_event(e);
    if (e.what == session_event::kind::exited) {
      {
        std::lock_guard<std::mutex> guard{mailbox_mutex_};
        exit_status_ = e.status;
      }
      exited_cv_.notify_all();
    }
  }
}

} // namespace baton::actors::terminal
