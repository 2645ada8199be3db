#include "actors/detail/append_through.hpp"
#include "actors/remote/host_link.hpp"

#include <algorithm>
#include <deque>
#include <mutex>
#include <random>
#include <thread>

#include <capnp/message.h>
#include <caf/actor_cast.hpp>
#include <caf/send.hpp>

#include "actors/detail/journal.hpp"
#include "actors/log_actor.hpp"
#include "actors/log_codec.hpp"
#include "actors/messages.hpp"
#include "engine/frame.hpp"
#include "engine/recorded_enums.hpp"
#include "schema/events.capnp.h"

namespace baton::actors::remote {

struct link_state;

namespace {

using link_ptr = link_actor::stateful_pointer<link_state>;

uint64_t random_u64() {
  std::random_device rd;
  return (uint64_t{rd()} << 32) ^ rd();
}

/// The connect thread's outcome, taken by the link.
struct connect_slot {
  std::mutex mu;
  uint64_t attempt = 0;
  std::optional<result<host_door>> outcome;
};

} // namespace

struct link_state {
  static inline const char* name = "baton.link";
  std::shared_ptr<link_options> opts;
  host_door door;
  bool connected = false;
  /// Counts connections: answers over an earlier one are dropped.
  uint64_t generation = 0;
  uint64_t attempt = 0;
  std::shared_ptr<connect_slot> slot = std::make_shared<connect_slot>();
  std::chrono::milliseconds backoff{250};
  /// This engine's incarnation, and its next decision.
  uint64_t engine = random_u64();
  uint64_t next_decision = 1;
  /// Sent or to send, not yet taken by the door, in decision order.
  std::deque<host_command> pending;
  /// The host process, and the last of its reports taken.
  uint64_t process = 0;
  uint64_t reports_through = 0;
  /// What the run's log holds of each of the host's streams.
  std::map<std::string, uint64_t> durable;
  /// Agents whose worker the host runs (spawned, not ended).
  std::set<std::string> running;
  /// Agents given up on (the host stayed away): their next start spawns.
  std::set<std::string> lost;
  std::chrono::steady_clock::time_point down_since;
  bool down_recorded = false;
  std::unique_ptr<detail::journal> journal;
  /// Its own log actor over the run's log.
  log_actor log;
};

namespace {

frame host_changed(const link_options& o, engine::host_state state,
                   const std::string& why, uint64_t process) {
  baton::frame_builder b;
  auto h = b.initRoot<schema::Event>().initHostChanged();
  h.setHost(o.host);
  engine::write_host_state(h, state);
  h.setWhy(why);
  h.setProcess(process);
  h.setRun(o.hello.run);
  auto agents = h.initAgents(static_cast<unsigned>(o.agents.size()));
  unsigned i = 0;
  for (auto& a : o.agents)
    agents.set(i++, a);
  return frame::from(b);
}

/// A report that `agent`'s process exited: what its supervisor hears when
/// the host stayed away too long.
frame lost_report(const std::string& agent, uint64_t now) {
  baton::frame_builder b;
  auto e = b.initRoot<schema::Event>().initWorkerReported();
  e.setAgent(agent);
  auto x = e.initExited();
  x.setExitCode(-1);
  x.setSignal(0);
  return encode_worker_report({frame::from(b), now});
}

void record(link_ptr self, frame event, std::function<void()> then = [] {}) {
  auto& st = self->state;
  st.journal->record({{std::move(event), st.opts->clock()}}, false,
                     std::move(then));
}

void connect_later(link_ptr self);
void send_pending(link_ptr self);

/// Starts a connect on a thread of its own; its outcome comes back as
/// (connect, attempt).
void start_connect(link_ptr self) {
  auto& st = self->state;
  auto attempt = ++st.attempt;
  auto slot = st.slot;
  auto connect = st.opts->connect;
  auto me = caf::actor_cast<link_actor>(self);
  std::thread([slot, connect, attempt, me] {
    auto r = connect();
    {
      std::lock_guard lock{slot->mu};
      slot->attempt = attempt;
      slot->outcome = std::move(r);
    }
    caf::anon_send(me, atom::connect_v, attempt);
  }).detach();
}

void went_down(link_ptr self, const std::string& why) {
  auto& st = self->state;
  if (!st.connected)
    return;
  st.connected = false;
  st.door = nullptr;
  ++st.generation;
  st.down_since = std::chrono::steady_clock::now();
  st.down_recorded = true;
  record(self, host_changed(*st.opts, engine::host_state::unreachable, why,
                            st.process));
  connect_later(self);
}

void connect_later(link_ptr self) {
  auto& st = self->state;
  self->delayed_send(self, st.backoff, atom::tick_v);
  st.backoff = std::min(st.backoff * 2, std::chrono::milliseconds{2000});
}

/// The host stayed away too long: its agents count as exited.
void give_up(link_ptr self) {
  auto& st = self->state;
  if (st.running.empty())
    return;
  auto agents = st.running;
  st.running.clear();
  record(self,
         host_changed(*st.opts, engine::host_state::lost,
                      "unreachable for longer than "
                        + std::to_string(st.opts->down_after.count() / 1000)
                        + " s: its agents count as exited",
                      st.process),
         [self, agents] {
           auto& st = self->state;
           for (auto& a : agents) {
             st.lost.insert(a);
             st.opts->report(lost_report(a, st.opts->clock()));
           }
         });
}

void say_hello(link_ptr self) {
  auto& st = self->state;
  auto hello = st.opts->hello;
  hello.engine = st.engine;
  hello.process = st.process;
  hello.reports_through = st.reports_through;
  for (auto& a : st.opts->agents) {
    auto stream = "worker/" + a;
    auto h = st.opts->central->highest(stream);
    st.durable[stream] = std::max(st.durable[stream], h);
    hello.durable.push_back({stream, st.durable[stream]});
  }
  auto generation = st.generation;
  self->request(st.door, std::chrono::seconds{30}, atom::hello_v, encode(hello))
    .then(
      [self, generation](frame& reply) {
        auto& st = self->state;
        if (generation != st.generation)
          return;
        auto w = decode_welcome(reply);
        if (!w) {
          went_down(self, "a bad welcome: " + w.err().message());
          return;
        }
        bool restarted = st.process != 0 && w->process != st.process;
        if (restarted) {
          // Its workers died with it; their reports not taken are gone.
          st.reports_through = 0;
        }
        st.process = w->process;
        // A restarted host runs none of the agents it was running; spawns
        // it has not taken yet go to the new process.
        std::vector<std::string> gone;
        if (restarted)
          for (auto& a : st.running) {
            bool spawning = std::any_of(
              st.pending.begin(), st.pending.end(), [&](auto& c) {
                return c.agent == a
                       && std::holds_alternative<worker_spawn>(c.what);
              });
            if (!spawning)
              gone.push_back(a);
          }
        st.backoff = std::chrono::milliseconds{250};
        auto why = "at " + st.opts->address + " (baton " + w->version + ")"
                   + (restarted ? ", restarted" : "");
        record(self,
               host_changed(*st.opts, engine::host_state::connected, why,
                            st.process),
               [self, gone] {
                 auto& st = self->state;
                 // Agents the host no longer runs (it restarted): exited.
                 for (auto& a : gone) {
                   st.running.erase(a);
                   st.lost.insert(a);
                   st.opts->report(lost_report(a, st.opts->clock()));
                 }
                 send_pending(self);
               });
      },
      [self, generation](caf::error& err) {
        if (generation == self->state.generation)
          went_down(self, "no answer to hello: " + to_string(err));
      });
}

void on_connected(link_ptr self, host_door door) {
  auto& st = self->state;
  st.door = std::move(door);
  st.connected = true;
  ++st.generation;
  self->monitor(st.door);
  say_hello(self);
}

/// Sends every pending command over the current connection, in order.
void send_pending(link_ptr self) {
  auto& st = self->state;
  if (!st.connected)
    return;
  auto generation = st.generation;
  for (auto& c : st.pending) {
    c.now = st.opts->clock();
    self->request(st.door, std::chrono::seconds{30}, atom::command_v, encode(c))
      .then(
        [self, generation](uint64_t decision) {
          auto& st = self->state;
          while (!st.pending.empty() && st.pending.front().decision <= decision)
            st.pending.pop_front();
        },
        [self, generation](caf::error& err) {
          if (generation == self->state.generation)
            went_down(self, "a command was not taken: " + to_string(err));
        });
  }
}

/// Appends a shipment's streams to the run's log, then hands its reports
/// on, then answers.
caf::result<frame> take(link_ptr self, host_shipment sh) {
  auto& st = self->state;
  host_ack ack;
  ack.reports_through = st.reports_through;
  auto refuse = [&](std::string why) {
    ack.error = std::move(why);
    for (auto& [stream, seq] : st.durable)
      ack.durable.push_back({stream, seq});
    return encode(ack);
  };
  if (sh.process != st.process)
    return refuse("a shipment of host process "
                  + std::to_string(sh.process) + ", not the one that said "
                                                 "hello");
  std::vector<storage::append_request> appends;
  for (auto& r : sh.streams) {
    auto agent = r.stream.starts_with("worker/") ? r.stream.substr(7) : "";
    if (!st.opts->agents.contains(agent))
      return refuse("stream " + r.stream + " is not one of host "
                    + st.opts->host + "'s agents");
    auto first = r.expected.version() + 1;
    auto held = st.durable[r.stream];
    if (first > held + 1)
      return refuse("stream " + r.stream + " would skip from "
                    + std::to_string(held) + " to "
                    + std::to_string(first));
    // What the log holds already is passed over.
    auto skip = std::min<uint64_t>(held + 1 - first, r.events.size());
    r.events.erase(r.events.begin(),
                   r.events.begin() + static_cast<ptrdiff_t>(skip));
    if (r.events.empty())
      continue;
    r.expected = storage::expected_version::exact(held);
    appends.push_back(std::move(r));
  }
  auto rp = self->make_response_promise<frame>();
  auto left = std::make_shared<size_t>(appends.size());
  auto failed = std::make_shared<std::string>();
  auto reports = std::make_shared<std::vector<shipped_report>>(
    std::move(sh.reports));
  auto finish = [self, rp, failed, reports]() mutable {
    auto& st = self->state;
    host_ack ack;
    if (failed->empty()) {
      for (auto& r : *reports) {
        if (r.number <= st.reports_through)
          continue;
        st.reports_through = r.number;
          if (!r.quit.empty()) {
          st.running.erase(r.quit);
          st.opts->quit(r.quit);
        } else {
          st.opts->report(std::move(r.report));
        }
      }
    }
    ack.error = *failed;
    ack.reports_through = st.reports_through;
    for (auto& [stream, seq] : st.durable)
      ack.durable.push_back({stream, seq});
    rp.deliver(encode(ack));
  };
  if (appends.empty()) {
    finish();
    return rp;
  }
  for (auto& a : appends) {
    auto stream = a.stream;
    auto last = a.expected.version() + a.events.size();
    self
      ->request(st.log, caf::infinite, atom::append_v,
                encode_append_request(a.stream, a.expected, a.events))
      .then(
        [self, stream, last, left, failed, finish](frame& reply) mutable {
          auto r = decode_append_reply(reply);
          if (r)
            self->state.durable[stream]
              = std::max(self->state.durable[stream], last);
          else if (failed->empty())
            *failed = r.err().message();
          if (--*left == 0)
            finish();
        },
        [left, failed, finish](caf::error& err) mutable {
          if (failed->empty())
            *failed = "the log actor did not answer: " + to_string(err);
          if (--*left == 0)
            finish();
        });
  }
  return rp;
}

link_actor::behavior_type
link_actor_impl(link_actor::stateful_pointer<link_state> self,
                std::shared_ptr<link_options> opts) {
  auto& st = self->state;
  st.opts = std::move(opts);
  st.log = self->spawn<caf::linked>(log_actor_impl, st.opts->central);
  auto log = st.log;
  st.journal = std::make_unique<detail::journal>(
    "host/" + st.opts->host, st.opts->id_high,
    detail::append_through(self, log));
  st.journal->on_failure([self](const error& e) {
    std::fprintf(stderr, "baton: host %s: %s\n",
                 self->state.opts->host.c_str(), e.message().c_str());
    self->quit(caf::exit_reason::user_shutdown);
  });
  self->set_down_handler([self](caf::down_msg& m) {
    auto& st = self->state;
    if (st.door && m.source == st.door.address())
      went_down(self, "the connection to " + st.opts->address
                        + " ended: " + to_string(m.reason));
  });
  if (st.opts->door)
    on_connected(self, st.opts->door);
  else
    start_connect(self);
  return {
    [self](atom::ship, frame& f) -> caf::result<frame> {
      auto sh = decode_shipment(f);
      if (!sh) {
        host_ack ack;
        ack.error = sh.err().message();
        return encode(ack);
      }
      return take(self, std::move(*sh));
    },
    [self](atom::command, const std::string& agent, frame& f) {
      auto& st = self->state;
      auto c = decode_command(f);
      if (!c)
        return;
      c->engine = st.engine;
      c->decision = st.next_decision++;
      c->agent = agent;
      if (std::holds_alternative<worker_spawn>(c->what)) {
        std::get<worker_spawn>(c->what).clock_base = st.opts->clock();
        st.running.insert(agent);
        st.lost.erase(agent);
      } else if (auto* wc = std::get_if<frame>(&c->what);
                 wc != nullptr && st.lost.contains(agent)) {
        // Given up on: a restart spawns it again; anything else is moot.
        auto cmd = decode_worker_command(*wc);
        if (!cmd || !std::holds_alternative<restart_command>(*cmd))
          return;
        worker_spawn w;
        w.clock_base = st.opts->clock();
        w.id_high = random_u64();
        // Its predecessor may have died between recording an input and
        // recording what it derived: replay is told not to expect that.
        w.resumed = true;
        w.record_version = st.opts->record_version;
        c->what = w;
        st.running.insert(agent);
        st.lost.erase(agent);
      }
      st.pending.push_back(std::move(*c));
      if (!st.connected)
        return;
      auto generation = st.generation;
      st.pending.back().now = st.opts->clock();
      self
        ->request(st.door, std::chrono::seconds{30}, atom::command_v,
                  encode(st.pending.back()))
        .then(
          [self](uint64_t decision) {
            auto& st = self->state;
            while (!st.pending.empty()
                   && st.pending.front().decision <= decision)
              st.pending.pop_front();
          },
          [self, generation](caf::error& err) {
            if (generation == self->state.generation)
              went_down(self, "a command was not taken: " + to_string(err));
          });
    },
    [self](atom::connect, uint64_t attempt) {
      auto& st = self->state;
      std::optional<result<host_door>> outcome;
      {
        std::lock_guard lock{st.slot->mu};
        if (st.slot->attempt != attempt || !st.slot->outcome)
          return;
        outcome = std::move(st.slot->outcome);
        st.slot->outcome.reset();
      }
      if (*outcome) {
        on_connected(self, std::move(**outcome));
        return;
      }
      if (!st.down_recorded) {
        st.down_since = std::chrono::steady_clock::now();
        st.down_recorded = true;
        record(self, host_changed(*st.opts, engine::host_state::unreachable,
                                  outcome->err().message(), st.process));
      }
      connect_later(self);
    },
    [self](atom::tick) {
      auto& st = self->state;
      if (st.connected)
        return;
      if (std::chrono::steady_clock::now() - st.down_since
          >= st.opts->down_after)
        give_up(self);
      start_connect(self);
    },
  };
}

} // namespace

link_actor spawn_link(caf::actor_system& sys,
                      std::shared_ptr<link_options> opts) {
  return sys.spawn(link_actor_impl, std::move(opts));
}

worker_actor::behavior_type
remote_worker_impl(worker_actor::stateful_pointer<remote_worker_state> self,
                   std::shared_ptr<remote_worker_config> cfg) {
  return {
    [self, cfg](atom::start) {
      host_command c;
      worker_spawn w;
      w.id_high = cfg->id_high;
      w.resumed = cfg->resumed;
      w.record_version = cfg->record_version;
      w.checkpoint = cfg->checkpoint;
      w.stop_grace_ms = static_cast<uint32_t>(cfg->stop_grace.count());
      c.what = std::move(w);
      caf::anon_send(cfg->link, atom::command_v, cfg->name, encode(c));
    },
    [self, cfg](atom::command, frame& f) {
      host_command c;
      c.what = std::move(f);
      caf::anon_send(cfg->link, atom::command_v, cfg->name, encode(c));
    },
    [](atom::output, std::string&) {},
    // From the link: the worker ended on the host.
    [self](atom::exited, int32_t, int32_t) { self->quit(); },
    [](atom::tick, uint64_t) {},
  };
}

} // namespace baton::actors::remote
