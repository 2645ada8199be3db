#include "http/live_feed.hpp"

#include <pthread.h>

#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "api/detail/event_access.hpp"
#include "baton/event_cursor.hpp"
#include "engine/terminal/screen.hpp"

namespace baton::http {

namespace {

void put_u64(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xff));
}

std::string_view bytes_of(capnp::Data::Reader d) {
  return {reinterpret_cast<const char*>(d.begin()), d.size()};
}

} // namespace

struct live_feed::impl {
  struct agent {
    std::string name;
    std::unique_ptr<engine::screen> screen;
    uint64_t offset = 0;
    /// Bytes not fed to the screen yet: the screen model's work is done
    /// when a snapshot or a screen is asked for (or this grows past
    /// max_pending), not for every byte a viewer is sent.
    std::string pending;

    engine::screen& current() {
      if (!pending.empty()) {
        screen->feed(pending);
        static_cast<void>(screen->take_replies());
        pending.clear();
      }
      return *screen;
    }
  };
  static constexpr size_t max_pending = 256 << 10;

  live_feed_options opts;
  std::unique_ptr<event_cursor> cursor;
  std::thread thread;
  std::atomic<bool> stopping{false};

  std::mutex mu;
  std::deque<message_ptr> ring;
  /// cumulative[i]: bytes of every message ever kept up to ring[i] included.
  std::deque<uint64_t> cumulative;
  uint64_t total_bytes = 0;
  size_t ring_size = 0;
  uint64_t folded = 0;
  bool ended = false;
  std::vector<agent> agents;

  std::mutex subscribers_mu;
  std::map<uint64_t, std::function<void()>> subscribers;
  uint64_t next_subscriber = 1;

  void follow();
  void fold(const event& e);
  agent& agent_named(std::string_view name);
  void keep(message_ptr m);
  void wake();
  static nlohmann::json screen_json(agent& a, size_t scrollback);
};

result<std::unique_ptr<live_feed>> live_feed::start(live_feed_options opts) {
  auto p = std::make_unique<impl>();
  if (opts.events) {
    p->cursor = opts.events(1);
  } else {
    auto cursor = open_events(opts.log_dir, 1);
    if (!cursor)
      return cursor.err();
    p->cursor = std::move(*cursor);
  }
  p->opts = std::move(opts);
  // What the log holds already is folded before the first viewer asks:
  // its snapshot and screens show the run as it stands.
  while (const event* e = p->cursor->next())
    p->fold(*e);
  auto* raw = p.get();
  p->thread = std::thread{[raw] { raw->follow(); }};
  return std::unique_ptr<live_feed>{new live_feed{std::move(p)}};
}

live_feed::live_feed(std::unique_ptr<impl> p) : impl_(std::move(p)) {
}

live_feed::~live_feed() {
  impl_->stopping = true;
  impl_->thread.join();
}

void live_feed::impl::follow() {
  pthread_setname_np(pthread_self(), "baton.feed");
  while (!stopping) {
    const event* e = cursor->next(std::chrono::milliseconds{200});
    if (e == nullptr) {
      std::lock_guard lock{mu};
      if (!ended && (cursor->at_end() || !cursor->error())) {
        // The run is over, or its log cannot be read further: viewers
        // get what there is and the end.
        ended = true;
      } else {
        continue;
      }
    } else {
      // A batch under one lock, then one wake-up.
      std::lock_guard lock{mu};
      for (size_t n = 0; e != nullptr && n < 512; ++n) {
        fold(*e);
        if (n + 1 < 512)
          e = cursor->next();
      }
    }
    wake();
  }
}

live_feed::impl::agent& live_feed::impl::agent_named(std::string_view name) {
  for (auto& a : agents)
    if (a.name == name)
      return a;
  agents.push_back({std::string{name}, std::make_unique<engine::screen>(), 0, {}});
  return agents.back();
}

void live_feed::impl::fold(const event& e) {
  folded = e.position();
  auto stream = e.stream();
  auto m = std::make_shared<message>();
  m->position = e.position();
  if (stream.starts_with("worker/")) {
    auto name = stream.substr(7);
    auto ev = event_access::of(e).event();
    if (ev.isPtyOutput()) {
      auto& a = agent_named(name);
      auto bytes = bytes_of(ev.getPtyOutput().getBytes());
      a.pending.append(bytes);
      if (a.pending.size() > max_pending)
        a.current();
      m->binary = true;
      m->data.reserve(18 + name.size() + bytes.size());
      m->data.push_back(1);
      m->data.push_back(static_cast<char>(name.size()));
      m->data.append(name);
      put_u64(m->data, e.position());
      put_u64(m->data, a.offset);
      m->data.append(bytes);
      a.offset += bytes.size();
      keep(std::move(m));
      return;
    }
    if (ev.isProcessStarted()) {
      // A restarted process gets a fresh terminal, as the worker gives it.
      auto& a = agent_named(name);
      engine::screen_options o;
      auto ps = ev.getProcessStarted();
      if (ps.getColumns() != 0 && ps.getRows() != 0) {
        o.cols = ps.getColumns();
        o.rows = ps.getRows();
      }
      a.screen = std::make_unique<engine::screen>(o);
      a.pending.clear();
      nlohmann::json head = {{"type", "agent"},
                             {"name", a.name},
                             {"columns", a.screen->cols()},
                             {"rows", a.screen->rows()},
                             {"position", e.position()}};
      auto text = head.dump();
      text.pop_back();
      m->data = text + ",\"event\":" + e.json() + "}";
      keep(std::move(m));
      return;
    }
  }
  m->data = "{\"type\":\"event\",\"position\":" + std::to_string(e.position())
            + ",\"event\":" + e.json() + "}";
  keep(std::move(m));
}

void live_feed::impl::keep(message_ptr m) {
  total_bytes += m->data.size();
  ring_size += m->data.size();
  cumulative.push_back(total_bytes);
  ring.push_back(std::move(m));
  while (ring_size > opts.ring_bytes && ring.size() > 1) {
    ring_size -= ring.front()->data.size();
    ring.pop_front();
    cumulative.pop_front();
  }
}

void live_feed::impl::wake() {
  std::vector<std::function<void()>> all;
  {
    std::lock_guard lock{subscribers_mu};
    for (auto& [id, f] : subscribers)
      all.push_back(f);
  }
  for (auto& f : all)
    f();
}

nlohmann::json live_feed::impl::screen_json(agent& a, size_t scrollback) {
  auto& s = a.current();
  return {{"name", a.name},
          {"columns", s.cols()},
          {"rows", s.rows()},
          {"offset", a.offset},
          {"ansi", s.ansi(scrollback)}};
}

live_feed::pulled live_feed::take(uint64_t from, size_t budget,
                                  std::vector<message_ptr>& out) {
  auto& p = *impl_;
  std::lock_guard lock{p.mu};
  if (from > p.folded)
    return p.ended ? pulled::ended : pulled::none;
  if (p.ring.empty() || from < p.ring.front()->position)
    return pulled::behind;
  size_t i = from - p.ring.front()->position;
  uint64_t before = i == 0 ? p.cumulative.front() - p.ring.front()->data.size()
                           : p.cumulative[i - 1];
  if (p.total_bytes - before > p.opts.catch_up_bytes)
    return pulled::behind;
  size_t given = 0;
  for (; i < p.ring.size() && (given == 0 || given < budget); ++i) {
    given += p.ring[i]->data.size();
    out.push_back(p.ring[i]);
  }
  return pulled::some;
}

live_feed::message_ptr live_feed::snapshot() {
  auto& p = *impl_;
  std::lock_guard lock{p.mu};
  nlohmann::json agents = nlohmann::json::array();
  for (auto& a : p.agents)
    agents.push_back(impl::screen_json(a, p.opts.snapshot_scrollback));
  auto m = std::make_shared<message>();
  m->position = p.folded;
  m->data = nlohmann::json{{"type", "snapshot"},
                           {"position", p.folded},
                           {"agents", std::move(agents)}}
              .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return m;
}

std::optional<nlohmann::json> live_feed::screen(const std::string& agent) {
  auto& p = *impl_;
  std::lock_guard lock{p.mu};
  for (auto& a : p.agents) {
    if (a.name != agent)
      continue;
    auto& screen = a.current();
    nlohmann::json cells = nlohmann::json::array();
    for (auto& row : screen.styled_rows()) {
      nlohmann::json runs = nlohmann::json::array();
      for (auto& r : row) {
        nlohmann::json run = {{"text", r.text}};
        if (!r.fg.empty())
          run["fg"] = r.fg;
        if (!r.bg.empty())
          run["bg"] = r.bg;
        if (r.bold)
          run["bold"] = true;
        if (r.italic)
          run["italic"] = true;
        if (r.underline)
          run["underline"] = true;
        if (r.reverse)
          run["reverse"] = true;
        runs.push_back(std::move(run));
      }
      cells.push_back(std::move(runs));
    }
    return nlohmann::json{{"agent", a.name},
                          {"columns", screen.cols()},
                          {"rows", screen.rows()},
                          {"position", p.folded},
                          {"lines", screen.lines()},
                          {"cells", std::move(cells)},
                          {"ansi", screen.ansi(p.opts.snapshot_scrollback)}};
  }
  return std::nullopt;
}

uint64_t live_feed::position() {
  std::lock_guard lock{impl_->mu};
  return impl_->folded;
}

uint64_t live_feed::subscribe(std::function<void()> wake) {
  std::lock_guard lock{impl_->subscribers_mu};
  auto id = impl_->next_subscriber++;
  impl_->subscribers.emplace(id, std::move(wake));
  return id;
}

void live_feed::unsubscribe(uint64_t id) {
  std::lock_guard lock{impl_->subscribers_mu};
  impl_->subscribers.erase(id);
}

} // namespace baton::http
