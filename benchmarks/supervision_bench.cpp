// Supervision at scale: 1 000 in-process stand-in workers under a chain
// (one meta supervisor_actor -> 20 lead supervisor_actors -> 50 workers
// each) against a flat hub (one supervisor_actor over all 1 000), on CAF's
// threaded `sharing` scheduler as a run uses it.
//
//   build/benchmarks/supervision_bench [--workers N] [--leads L] [--tasks K]
//
// (a) tasks/s: K small request/responses (ping -> the worker's actor id),
//     at most 256 in flight, round-robin over the workers: straight to the
//     workers (the raw baseline: one requester fans out to 1 000 actors),
//     through the hub, through the leads, and through the meta supervisor
//     and then a lead. A supervisor forwards by delegation: the worker
//     answers the requester itself. The paths run in interleaved rounds
//     (median of 5), so that a shared machine's drift hits them alike.
// (b) restart storm: 20 % of the workers (every fifth) killed at once; the
//     time until every one of them is restarted and a new incarnation
//     answers through its supervisor (median of 7, chain and flat
//     alternating).
//
// Both trees live in one actor system, as they would in a run.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "actors/supervision/supervisor_actor.hpp"

using namespace baton;
using clk = std::chrono::steady_clock;

namespace {

caf::behavior stand_in(caf::event_based_actor* self) {
  return {[self](caf::ping_atom) -> uint64_t { return self->id(); }};
}

/// Who runs now, as the factories and observers see it (any thread).
struct registry {
  std::mutex mu;
  std::condition_variable cv;
  std::map<std::string, caf::actor> current;
  size_t restarts = 0;

  caf::actor get(const std::string& id) {
    std::lock_guard lock{mu};
    return current.at(id);
  }
};

actors::supervised_child tracked(registry& reg, std::string id,
                                 actors::child_factory make) {
  return {{id}, [&reg, id, make](caf::actor_system& sys) {
            auto h = make(sys);
            std::lock_guard lock{reg.mu};
            reg.current[id] = h;
            reg.cv.notify_all();
            return h;
          }};
}

actors::supervisor_config config(registry& reg, std::string name) {
  actors::supervisor_config c;
  c.name = std::move(name);
  c.spec.intensity = 100'000; // a storm is not a reason to give up here
  c.observer = [&reg](const actors::supervision_record& r) {
    std::lock_guard lock{reg.mu};
    reg.restarts += r.action.start.size();
    reg.cv.notify_all();
  };
  return c;
}

std::string worker_id(size_t w) {
  return "w" + std::to_string(w);
}

std::string lead_id(size_t l) {
  return "lead" + std::to_string(l);
}

actors::child_factory worker_factory() {
  return [](caf::actor_system& sys) { return sys.spawn(stand_in); };
}

/// A tree: one root over `leads` leads over the workers (leads == 0: the
/// root holds the workers itself).
caf::actor spawn_tree(caf::actor_system& sys, registry& reg, size_t workers,
                      size_t leads) {
  auto root = config(reg, leads == 0 ? "hub" : "meta");
  if (leads == 0) {
    for (size_t w = 0; w < workers; ++w)
      root.children.push_back(tracked(reg, worker_id(w), worker_factory()));
  } else {
    size_t per = workers / leads;
    for (size_t l = 0; l < leads; ++l) {
      auto lead = config(reg, lead_id(l));
      for (size_t w = l * per; w < (l + 1) * per; ++w)
        lead.children.push_back(tracked(reg, worker_id(w), worker_factory()));
      root.children.push_back(
        tracked(reg, lead_id(l), actors::supervisor_factory(std::move(lead))));
    }
  }
  auto h = actors::spawn_supervisor(sys, std::move(root));
  std::unique_lock lock{reg.mu};
  reg.cv.wait_for(lock, std::chrono::seconds{30},
                  [&] { return reg.current.size() == workers + leads; });
  return h;
}

struct route {
  caf::actor to;
  caf::message msg;
};

caf::message ping() {
  return caf::make_message(caf::ping_atom_v);
}

caf::message forward(const std::string& id, caf::message m) {
  return caf::make_message(caf::forward_atom_v, id, std::move(m));
}

/// Sends `tasks` requests along `routes` (round-robin), at most `window` in
/// flight; `accept` says whether a reply counts (else the request is sent
/// again). Returns the seconds taken, or -1 when it took over a minute.
double drive(caf::actor_system& sys, const std::vector<route>& routes,
             uint64_t tasks, size_t window,
             std::function<bool(size_t route, uint64_t reply)> accept) {
  struct counters {
    uint64_t sent = 0;
    uint64_t done = 0;
    std::promise<void> finished;
  };
  if (tasks == 0)
    return 0;
  auto c = std::make_shared<counters>();
  auto fut = c->finished.get_future();
  auto start = clk::now();
  sys.spawn([&routes, tasks, window, c, accept](caf::event_based_actor* self) {
    auto issue = std::make_shared<std::function<void(size_t)>>();
    *issue = [self, &routes, tasks, c, accept,
              weak = std::weak_ptr{issue}](size_t k) {
      auto& r = routes[k];
      auto again = [weak, k, c, tasks, self, n = routes.size()](bool ok) {
        auto next = weak.lock();
        if (!ok) {
          (*next)(k);
          return;
        }
        if (++c->done == tasks) {
          c->finished.set_value();
          self->quit();
        } else if (c->sent < tasks) {
          (*next)(c->sent++ % n);
        }
      };
      self->request(r.to, caf::infinite, r.msg)
        .then([again, accept, k](uint64_t reply) { again(accept(k, reply)); },
              [again](caf::error&) { again(false); });
    };
    self->attach_functor([issue] {}); // keeps the closure alive
    for (size_t k = 0; k < window && c->sent < tasks; ++k)
      (*issue)(c->sent++ % routes.size());
  });
  if (fut.wait_for(std::chrono::minutes{1}) != std::future_status::ready)
    return -1;
  return std::chrono::duration<double>(clk::now() - start).count();
}

double median(std::vector<double> xs) {
  std::sort(xs.begin(), xs.end());
  return xs[xs.size() / 2];
}

double tasks_per_second(caf::actor_system& sys,
                        const std::vector<route>& routes, uint64_t tasks) {
  double secs
    = drive(sys, routes, tasks, 256, [](size_t, uint64_t) { return true; });
  return secs > 0 ? static_cast<double>(tasks) / secs : 0;
}

/// Kills every fifth worker at once; seconds until each is restarted and a
/// new incarnation answers along `via` (route per worker).
double storm(caf::actor_system& sys, registry& reg,
             const std::vector<route>& via, size_t workers) {
  std::vector<size_t> victims;
  std::vector<route> routes;
  std::vector<uint64_t> old_ids;
  for (size_t w = 0; w < workers; w += 5) {
    victims.push_back(w);
    routes.push_back(via[w]);
    old_ids.push_back(reg.get(worker_id(w)).id());
  }
  size_t before;
  {
    std::lock_guard lock{reg.mu};
    before = reg.restarts;
  }
  auto start = clk::now();
  for (auto w : victims)
    caf::anon_send_exit(reg.get(worker_id(w)), caf::exit_reason::kill);
  {
    std::unique_lock lock{reg.mu};
    if (!reg.cv.wait_for(lock, std::chrono::minutes{1}, [&] {
          return reg.restarts - before >= victims.size();
        }))
      return -1;
  }
  double answered = drive(
    sys, routes, routes.size(), routes.size(),
    [&old_ids](size_t k, uint64_t reply) { return reply != old_ids[k]; });
  if (answered < 0)
    return -1;
  return std::chrono::duration<double>(clk::now() - start).count();
}

void shut_down(caf::actor_system& sys, const caf::actor& root) {
  caf::scoped_actor self{sys};
  self->send_exit(root, caf::exit_reason::user_shutdown);
  self->wait_for(root);
}

/// One supervision tree and the ways to reach its workers.
struct tree {
  registry reg;
  caf::actor root;
  size_t workers = 0;
  std::vector<route> direct;
  std::vector<route> via_root;
  /// Chain only: the worker's lead first.
  std::vector<route> via_leads;

  /// Where a storm's victims are asked: their own supervisor.
  const std::vector<route>& via_supervisor() const {
    return via_leads.empty() ? via_root : via_leads;
  }
};

void build(caf::actor_system& sys, tree& t, size_t workers, size_t leads) {
  t.workers = workers;
  t.root = spawn_tree(sys, t.reg, workers, leads);
  size_t per = leads == 0 ? workers : workers / leads;
  for (size_t w = 0; w < workers; ++w) {
    auto id = worker_id(w);
    t.direct.push_back({t.reg.get(id), ping()});
    if (leads == 0) {
      t.via_root.push_back({t.root, forward(id, ping())});
      continue;
    }
    auto lead = lead_id(w / per);
    t.via_leads.push_back({t.reg.get(lead), forward(id, ping())});
    t.via_root.push_back({t.root, forward(lead, forward(id, ping()))});
  }
}

/// Each path once per round, round after round, so that the drift of a
/// shared machine hits every path alike; the median per path.
std::vector<double> rounds_of(caf::actor_system& sys,
                              const std::vector<const std::vector<route>*>& ps,
                              uint64_t tasks, int rounds) {
  std::vector<std::vector<double>> runs(ps.size());
  for (auto* p : ps) // warm-up
    tasks_per_second(sys, *p, std::min<uint64_t>(tasks / 10, 10'000));
  for (int r = 0; r < rounds; ++r)
    for (size_t i = 0; i < ps.size(); ++i)
      runs[i].push_back(tasks_per_second(sys, *ps[i], tasks));
  std::vector<double> out;
  for (auto& xs : runs)
    out.push_back(median(xs));
  return out;
}

} // namespace

int main(int argc, char** argv) {
  size_t workers = 1'000;
  size_t leads = 20;
  uint64_t tasks = 200'000;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--workers") == 0 && i + 1 < argc)
      workers = std::strtoul(argv[++i], nullptr, 10);
    else if (std::strcmp(argv[i], "--leads") == 0 && i + 1 < argc)
      leads = std::strtoul(argv[++i], nullptr, 10);
    else if (std::strcmp(argv[i], "--tasks") == 0 && i + 1 < argc)
      tasks = std::strtoull(argv[++i], nullptr, 10);
  }
  if (leads == 0 || workers % leads != 0) {
    std::fprintf(stderr, "--workers must be a multiple of --leads (> 0)\n");
    return 2;
  }
  caf::actor_system_config cfg;
  // As actors::configure_actor_system sets it for a run.
  cfg.set("scheduler.policy", caf::atom("sharing"));
  caf::actor_system sys{cfg};
  tree chain, flat;
  build(sys, chain, workers, leads);
  build(sys, flat, workers, 0);
  auto rates = rounds_of(
    sys, {&flat.direct, &flat.via_root, &chain.via_leads, &chain.via_root},
    tasks, 5);
  auto [raw, hub, via_leads, via_meta]
    = std::tie(rates[0], rates[1], rates[2], rates[3]);
  std::vector<double> chain_storm, flat_storm;
  for (int r = 0; r < 7; ++r) {
    chain_storm.push_back(
      storm(sys, chain.reg, chain.via_supervisor(), workers));
    flat_storm.push_back(storm(sys, flat.reg, flat.via_supervisor(), workers));
  }
  bool ok = std::none_of(chain_storm.begin(), chain_storm.end(),
                         [](double x) { return x < 0; })
            && std::none_of(flat_storm.begin(), flat_storm.end(),
                            [](double x) { return x < 0; })
            && std::all_of(rates.begin(), rates.end(),
                           [](double x) { return x > 0; });
  double chain_s = median(chain_storm);
  double flat_s = median(flat_storm);
  shut_down(sys, chain.root);
  shut_down(sys, flat.root);

  std::printf("supervision_bench: %zu stand-in workers; chain = meta -> %zu "
              "leads -> %zu workers each; flat = one hub over all; sharing "
              "scheduler\n",
              workers, leads, workers / leads);
  std::printf("  (a) tasks/s, %llu request/responses, 256 in flight (median "
              "of 5 interleaved rounds)\n",
              static_cast<unsigned long long>(tasks));
  std::printf("      raw: straight to the workers      %9.0f\n", raw);
  std::printf("      flat: through the hub             %9.0f  (%.2f of "
              "raw)\n",
              hub, hub / raw);
  std::printf("      chain: through the leads          %9.0f  (%.2f of "
              "raw)\n",
              via_leads, via_leads / raw);
  std::printf("      chain: through the meta, a lead   %9.0f  (%.2f of "
              "raw)\n",
              via_meta, via_meta / raw);
  std::printf("      chain / flat                      %9.2f (leads)  %.2f "
              "(meta, lead)\n",
              via_leads / hub, via_meta / hub);
  std::printf("  (b) restart storm: %zu workers (20 %%) killed at once, until "
              "all are restarted and answer (median of 7)\n",
              workers / 5);
  std::printf("      chain %.1f ms   flat %.1f ms   chain / flat %.2f\n",
              chain_s * 1e3, flat_s * 1e3, chain_s / flat_s);
  return ok ? 0 : 1;
}
