#include "actors/remote/host_door.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <mutex>
#include <random>

#include <caf/actor_cast.hpp>
#include <caf/send.hpp>

#include "actors/detail/append_codec.hpp"
#include "actors/log_actor.hpp"
#include "actors/worker_actor.hpp"

namespace baton::actors::remote {

namespace {

constexpr size_t max_shipment_bytes = size_t{4} << 20;

/// What workers tell from their own threads, taken by the door.
struct inbox {
  std::mutex mu;
  struct told_item {
    std::string agent;
    /// A WorkerReport frame; empty: the worker ended.
    frame report;
    /// Which of the agent's workers (a spawn replaces an earlier one).
    uint64_t incarnation = 0;
  };
  std::vector<told_item> told;
};

using door_ptr = host_door::stateful_pointer<door_state>;

/// The spool's log actor, seen by the workers: appends go to the real one,
/// and the door is told once they are stored.
/// (tick) -> true once every append it took before has been answered: the
/// fence a replaced worker's successor waits for, so that nothing the old
/// one sent lands in the stream after the new one's first event.
using spool_actor
  = log_actor::extend<caf::replies_to<atom::tick>::with<bool>>;

struct spool_state {
  static inline const char* name = "baton.spool";
  uint64_t outstanding = 0;
  std::vector<caf::typed_response_promise<bool>> fences;
};

/// Tells the door (held weakly: nothing here keeps it alive) to look.
void poke(const caf::weak_actor_ptr& door) {
  if (auto strong = caf::actor_cast<caf::strong_actor_ptr>(door))
    caf::anon_send(caf::actor_cast<host_door>(strong), atom::tick_v);
}

spool_actor::behavior_type
spool_log_impl(spool_actor::stateful_pointer<spool_state> self, log_actor inner,
               caf::weak_actor_ptr door) {
  return {
    [=](atom::append, frame& request) -> caf::result<frame> {
      auto rp = self->make_response_promise<frame>();
      ++self->state.outstanding;
      self->request(inner, caf::infinite, atom::append_v, std::move(request))
        .then([=](frame& reply) mutable {
          poke(door);
          rp.deliver(std::move(reply));
          if (--self->state.outstanding == 0) {
            for (auto& f : self->state.fences)
              f.deliver(true);
            self->state.fences.clear();
          }
        });
      return rp;
    },
    [](atom::appended, uint64_t, frame&) {},
    // A snapshot stays in the host's spool (what is shipped is the stream).
    [=](atom::snapshot, std::string& stream, uint64_t sequence, uint64_t time,
        frame& state) {
      self->send(inner, atom::snapshot_v, std::move(stream), sequence, time,
                 std::move(state));
    },
    // (Its appends went to `inner` before this: it answers after them.)
    [=](atom::sync) -> caf::result<frame> {
      return self->delegate(inner, atom::sync_v);
    },
    [=](atom::tick) -> caf::result<bool> {
      if (self->state.outstanding == 0)
        return true;
      self->state.fences.push_back(self->make_response_promise<bool>());
      return self->state.fences.back();
    },
  };
}

int64_t steady_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
           std::chrono::steady_clock::now().time_since_epoch())
    .count();
}

uint64_t random_u64() {
  std::random_device rd;
  return (uint64_t{rd()} << 32) ^ rd();
}

storage::new_event new_event_of(const storage::recorded_event& e) {
  auto env = e.envelope();
  storage::new_event n;
  n.id = event_id_of(env.getEventId());
  n.causation = event_id_of(env.getCausationId());
  n.correlation = event_id_of(env.getCorrelationId());
  n.logical_time = env.getLogicalTime();
  n.wall_time = env.getWallTime();
  n.payload = e.payload();
  return n;
}

} // namespace

struct door_session {
  host_hello hello;
  std::unique_ptr<storage::event_log> spool;
  log_actor writer;
  spool_actor spool_log;
  host_link link;
  /// Counts hellos: replies to shipments of an earlier link are dropped.
  uint64_t generation = 0;
  uint64_t engine = 0;
  uint64_t last_decision = 0;
  std::map<std::string, worker_actor> workers;
  /// Spawns waiting for the agent's previous worker to be gone and its
  /// appends answered, by agent.
  std::map<std::string, std::pair<caf::actor_addr, worker_spawn>> replacing;
  /// The run's logical time less this host's steady clock (µs): raised to
  /// what each command says the engine's was when it sent it, never
  /// lowered (the workers' clocks never go back, nor run ahead of the
  /// engine's).
  std::shared_ptr<std::atomic<int64_t>> offset
    = std::make_shared<std::atomic<int64_t>>(INT64_MIN);
  /// Per agent, its latest worker's number.
  std::map<std::string, uint64_t> incarnation;
  /// Per stream: durable in the run's log, and shipped (in flight or
  /// durable).
  std::map<std::string, uint64_t> durable;
  std::map<std::string, uint64_t> sent;
  std::shared_ptr<inbox> box = std::make_shared<inbox>();
  /// Told and not yet taken by the engine, numbered.
  std::deque<shipped_report> reports;
  uint64_t next_report = 1;
  uint64_t reports_sent = 0;
  bool in_flight = false;
};

std::string spool_name(const std::string& run) {
  // FNV-1a, 64 bits: stable across builds and machines.
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : run) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

namespace {

void say(door_ptr self, const std::string& line) {
  if (self->state.opts->log)
    self->state.opts->log(line);
  else
    std::fprintf(stderr, "baton host: %s\n", line.c_str());
}

void flush(door_ptr self, const std::shared_ptr<door_session>& s);

void on_ack(door_ptr self, const std::shared_ptr<door_session>& s,
            const host_ack& ack) {
  s->in_flight = false;
  for (auto& m : ack.durable) {
    s->durable[m.stream] = m.sequence;
    if (!ack.error.empty())
      s->sent[m.stream] = m.sequence;
    if (auto r = s->spool->delete_upto(m.stream, m.sequence); !r)
      say(self, "cannot trim the spool of " + m.stream + ": "
                  + r.err().message());
  }
  while (!s->reports.empty() && s->reports.front().number <= ack.reports_through)
    s->reports.pop_front();
  if (!ack.error.empty()) {
    // Shipping the same again would be refused again: wait for the
    // engine's next hello.
    say(self, "the engine refused a shipment: " + ack.error
                + "; shipping again after its next hello");
    s->reports_sent = ack.reports_through;
    s->link = nullptr;
    return;
  }
  flush(self, s);
}

/// Ships what is spooled beyond what was shipped, then the reports told
/// since, when nothing is in flight.
void flush(door_ptr self, const std::shared_ptr<door_session>& s) {
  {
    std::lock_guard lock{s->box->mu};
    for (auto& t : s->box->told) {
      // What a replaced worker tells is not its agent's any more.
      if (t.incarnation != s->incarnation[t.agent])
        continue;
      shipped_report r;
      r.number = s->next_report++;
      if (t.report.empty()) {
        r.quit = t.agent;
        s->workers.erase(t.agent);
      } else {
        r.report = std::move(t.report);
      }
      s->reports.push_back(std::move(r));
    }
    s->box->told.clear();
  }
  if (s->in_flight || !s->link)
    return;
  host_shipment sh;
  sh.process = self->state.process;
  size_t bytes = 0;
  bool whole = true;
  for (auto& info : s->spool->streams()) {
    auto from = s->sent[info.name] + 1;
    if (info.highest < from)
      continue;
    if (bytes >= max_shipment_bytes) {
      whole = false;
      break;
    }
    storage::append_request req;
    req.stream = info.name;
    req.expected = storage::expected_version::exact(from - 1);
    uint64_t last = from - 1;
    auto n = s->spool->read(info.name, from, info.highest, UINT64_MAX,
                            [&](storage::recorded_event&& e) {
                              bytes += e.bytes().size();
                              last = e.sequence();
                              req.events.push_back(new_event_of(e));
                              return bytes < max_shipment_bytes;
                            });
    if (!n) {
      say(self, "cannot read the spool: " + n.err().message());
      return;
    }
    if (last < info.highest)
      whole = false;
    if (!req.events.empty())
      sh.streams.push_back(std::move(req));
  }
  // A report goes with every event spooled before it.
  if (whole)
    for (auto& r : s->reports)
      if (r.number > s->reports_sent)
        sh.reports.push_back(r);
  if (sh.streams.empty() && sh.reports.empty())
    return;
  for (auto& r : sh.streams)
    s->sent[r.stream] = r.expected.version() + r.events.size();
  if (!sh.reports.empty())
    s->reports_sent = sh.reports.back().number;
  s->in_flight = true;
  auto generation = s->generation;
  size_t count = 0;
  for (auto& r : sh.streams)
    count += r.events.size();
  auto sent_at = std::chrono::steady_clock::now();
  // No timeout: a link that goes away is seen by the monitor (CAF's
  // heartbeats notice a silent one), and a pending timeout would keep this
  // actor alive after it is told to stop.
  self->request(s->link, caf::infinite, atom::ship_v, encode(sh))
    .then(
      [self, s, generation, count, sent_at](frame& reply) {
        if (generation != s->generation)
          return;
        if (self->state.opts->on_ack)
          self->state.opts->on_ack(count,
                                   std::chrono::steady_clock::now() - sent_at);
        auto ack = decode_ack(reply);
        if (!ack) {
          say(self, "a bad answer from the engine: " + ack.err().message());
          s->in_flight = false;
          return;
        }
        on_ack(self, s, *ack);
      },
      [self, s, generation](caf::error& err) {
        if (generation != s->generation)
          return;
        // Shipped again from what is durable once the engine is back.
        say(self, "shipping to the engine failed: " + to_string(err)
                    + "; keeping the spool until it says hello again");
        s->in_flight = false;
        s->sent = s->durable;
        s->reports_sent = 0;
        s->link = nullptr;
      });
}

result<std::shared_ptr<door_session>> open_session(door_ptr self,
                                                   const host_hello& h) {
  auto& sessions = self->state.sessions;
  if (auto i = sessions.find(h.run); i != sessions.end())
    return i->second;
  auto s = std::make_shared<door_session>();
  auto dir = self->state.opts->spool_dir + "/" + spool_name(h.run);
  auto spool = storage::event_log::open(dir, {});
  if (!spool)
    return error{spool.err().code(), "cannot open the spool of run " + h.run
                                       + " (" + dir
                                       + "): " + spool.err().message()};
  s->spool = std::move(*spool);
  s->writer = self->spawn(log_actor_impl, s->spool.get());
  s->spool_log = self->spawn(spool_log_impl, s->writer,
                             caf::actor_cast<caf::weak_actor_ptr>(self));
  sessions.emplace(h.run, s);
  return s;
}

void start_worker(door_ptr self, const std::shared_ptr<door_session>& s,
                  const std::string& agent, const worker_spawn& w);

void spawn_worker(door_ptr self, const std::shared_ptr<door_session>& s,
                  const std::string& agent, const worker_spawn& w) {
  if (auto old = s->workers.find(agent); old != s->workers.end()) {
    // A spawn for an agent whose worker still runs: the engine gave up on
    // it (the host was unreachable too long, or the engine restarted). The
    // new one starts once the old one is gone and all it recorded is in
    // (the down handler), so its stream has no event of the old one after
    // the new one's first.
    self->monitor(old->second);
    ++s->incarnation[agent]; // what the old one still tells is not its agent's
    // The old one may have recorded an input and died before recording
    // what it derived: the new one's first session says so (as a resumed
    // worker's does), so replay does not expect it.
    auto next = w;
    next.resumed = true;
    s->replacing[agent] = {old->second.address(), next};
    caf::anon_send_exit(old->second, caf::exit_reason::kill);
    s->workers.erase(old);
    return;
  }
  start_worker(self, s, agent, w);
}

void start_worker(door_ptr self, const std::shared_ptr<door_session>& s,
                  const std::string& agent, const worker_spawn& w) {
  auto incarnation = ++s->incarnation[agent];
  auto made = self->state.opts->make_agent(s->hello, agent);
  if (!made) {
    say(self, "cannot start agent " + agent + ": " + made.err().message());
    std::lock_guard lock{s->box->mu};
    s->box->told.push_back({agent, frame{}, incarnation});
    caf::anon_send(caf::actor_cast<host_door>(self), atom::tick_v);
    return;
  }
  auto cfg = std::make_shared<worker_config>();
  cfg->name = agent;
  cfg->terminal = std::move(made->terminal);
  cfg->pack = made->pack;
  cfg->core = made->core;
  cfg->log = s->spool_log;
  cfg->clock = [offset = s->offset] {
    return static_cast<uint64_t>(steady_us() + offset->load());
  };
  cfg->id_high = w.id_high;
  cfg->stop_grace = std::chrono::milliseconds{w.stop_grace_ms};
  cfg->resumed = w.resumed;
  cfg->record_version = w.record_version;
  cfg->workdir = made->workdir;
  cfg->checkpoint = w.checkpoint;
  auto door = caf::actor_cast<caf::weak_actor_ptr>(self);
  cfg->report = [box = s->box, agent, door, incarnation](frame f) {
    {
      std::lock_guard lock{box->mu};
      box->told.push_back({agent, std::move(f), incarnation});
    }
    poke(door);
  };
  auto worker = self->spawn(worker_actor_impl, cfg);
  auto ptr = caf::actor_cast<caf::strong_actor_ptr>(worker);
  std::weak_ptr<door_session> weak = s;
  ptr->get()->attach_functor([box = s->box, agent, door, incarnation] {
    {
      std::lock_guard lock{box->mu};
      box->told.push_back({agent, frame{}, incarnation});
    }
    poke(door);
  });
  s->workers[agent] = worker;
  caf::anon_send(worker, atom::start_v);
}

} // namespace

host_door::behavior_type
host_door_impl(host_door::stateful_pointer<door_state> self,
               std::shared_ptr<door_options> opts) {
  self->state.opts = std::move(opts);
  self->state.process = random_u64();
  // An engine gone (its connection closed or silent past the timeout):
  // what was in flight to it is shipped again after its next hello.
  self->set_down_handler([self](caf::down_msg& m) {
    for (auto& [run, s] : self->state.sessions)
      for (auto& [agent, r] : s->replacing) {
        if (r.first != m.source)
          continue;
        auto w = r.second;
        auto name = agent;
        s->replacing.erase(name);
        // Its last appends answered, then its successor.
        self->request(s->spool_log, caf::infinite, atom::tick_v)
          .then([self, s, name, w](bool) { start_worker(self, s, name, w); });
        return;
      }
    for (auto& [run, s] : self->state.sessions) {
      if (!s->link || s->link.address() != m.source)
        continue;
      say(self, "run " + run + ": the engine went away ("
                  + to_string(m.reason) + "); spooling until it is back");
      ++s->generation;
      s->link = nullptr;
      s->in_flight = false;
      s->sent = s->durable;
      s->reports_sent = 0;
    }
  });
  return {
    [self](atom::hello, frame& f) -> caf::result<frame> {
      auto h = decode_hello(f);
      if (!h) {
        say(self, "refused a hello: " + h.err().message());
        return caf::make_error(caf::sec::invalid_argument, h.err().message());
      }
      auto sender = caf::actor_cast<host_link>(self->current_sender());
      if (!sender)
        return caf::make_error(caf::sec::invalid_argument,
                               "a hello needs its sender");
      auto s = open_session(self, *h);
      if (!s) {
        say(self, s.err().message());
        return caf::make_error(caf::sec::runtime_error, s.err().message());
      }
      auto& ss = **s;
      ss.hello = std::move(*h);
      ss.link = sender;
      self->monitor(sender);
      ++ss.generation;
      ss.in_flight = false;
      // Ship from what the run's log holds; trim below it.
      ss.durable.clear();
      for (auto& m : ss.hello.durable) {
        ss.durable[m.stream] = m.sequence;
        if (auto hi = ss.spool->highest(m.stream); hi < m.sequence)
          say(self, "the run's log holds " + m.stream + " up to "
                      + std::to_string(m.sequence) + ", this spool only to "
                      + std::to_string(hi));
        static_cast<void>(ss.spool->delete_upto(m.stream, m.sequence));
      }
      ss.sent = ss.durable;
      auto through = ss.hello.process == self->state.process
                       ? ss.hello.reports_through
                       : 0;
      while (!ss.reports.empty() && ss.reports.front().number <= through)
        ss.reports.pop_front();
      ss.reports_sent = through;
      host_welcome w;
      w.version = self->state.opts->version;
      w.process = self->state.process;
      for (auto& [name, _] : ss.workers)
        w.agents.push_back(name);
      say(self, "run " + ss.hello.run + ": engine connected as host "
                  + ss.hello.host);
      caf::anon_send(caf::actor_cast<host_door>(self), atom::tick_v);
      return encode(w);
    },
    [self](atom::command, frame& f) -> caf::result<uint64_t> {
      auto c = decode_command(f);
      if (!c) {
        say(self, "refused a command: " + c.err().message());
        return caf::make_error(caf::sec::invalid_argument, c.err().message());
      }
      // The engine names its run through the link that sent the hello.
      std::shared_ptr<door_session> s;
      auto sender = caf::actor_cast<host_link>(self->current_sender());
      for (auto& [run, x] : self->state.sessions)
        if (x->link && x->link == sender)
          s = x;
      if (!s) {
        say(self, "refused a command for agent " + c->agent
                    + " from an engine that did not say hello");
        return caf::make_error(caf::sec::invalid_argument,
                               "say hello first");
      }
      if (c->engine != s->engine) {
        s->engine = c->engine;
        s->last_decision = 0;
      }
      if (c->now > 0) {
        auto seen = static_cast<int64_t>(c->now) - steady_us();
        auto cur = s->offset->load();
        while (seen > cur && !s->offset->compare_exchange_weak(cur, seen)) {
        }
      }
      if (c->decision <= s->last_decision)
        return c->decision; // executed already
      s->last_decision = c->decision;
      if (auto* w = std::get_if<worker_spawn>(&c->what)) {
        spawn_worker(self, s, c->agent, *w);
      } else if (auto* cmd = std::get_if<frame>(&c->what)) {
        if (auto i = s->workers.find(c->agent); i != s->workers.end())
          self->send(i->second, atom::command_v, std::move(*cmd));
        else
          say(self, "a command for agent " + c->agent
                      + ", which does not run here");
      } else {
        if (auto i = s->workers.find(c->agent); i != s->workers.end())
          self->send_exit(i->second, caf::exit_reason::kill);
      }
      return c->decision;
    },
    [self](atom::tick) {
      for (auto& [run, s] : self->state.sessions)
        flush(self, s);
    },
  };
}

} // namespace baton::actors::remote
