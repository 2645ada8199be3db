// Supervision at scale: 1 000 in-process stand-in workers under a chain
// (one meta supervisor_actor -> 20 lead supervisor_actors -> 50 workers
// each) against a flat hub (one supervisor_actor over all 1 000), on CAF's
// threaded `sharing` scheduler as a run uses it.
//
//   build/benchmarks/supervision_bench [--workers N] [--leads L] [--tasks K]
//
// (a) tasks/s: K small request/responses (ping -> the worker's actor id),
//     at most 256 in flight, round-robin over the workers: straight to the
//     workers (the raw baseline), through the hub, through the leads, and
//     through the meta supervisor and then a lead.
// (b) restart storm: 20 % of the workers (every fifth) killed at once; the
//     time until every one of them is restarted and a new incarnation
//     answers through its supervisor.
// Each figure is the median of three runs (seven for the storm).
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

/// The median of `reps` runs of `f` (the machine is shared: one run is
/// noise).
template<class F>
double median_of(int reps, F f) {
  std::vector<double> xs;
  for (int i = 0; i < reps; ++i)
    xs.push_back(f());
  std::sort(xs.begin(), xs.end());
  return xs[xs.size() / 2];
}

double tasks_per_second(caf::actor_system& sys,
                        const std::vector<route>& routes, uint64_t tasks) {
  auto all = [](size_t, uint64_t) { return true; };
  drive(sys, routes, std::min<uint64_t>(tasks / 10, 10'000), 256, all);
  return median_of(3, [&] {
    double secs = drive(sys, routes, tasks, 256, all);
    return secs > 0 ? static_cast<double>(tasks) / secs : 0;
  });
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

struct figures {
  double direct = 0;
  double via_root = 0;
  double via_leads = 0;
  double storm_s = 0;
};

figures measure(size_t workers, size_t leads, uint64_t tasks) {
  caf::actor_system_config cfg;
  // As actors::configure_actor_system sets it for a run.
  cfg.set("scheduler.policy", caf::atom("sharing"));
  caf::actor_system sys{cfg};
  registry reg;
  auto root = spawn_tree(sys, reg, workers, leads);
  std::vector<route> direct, via_root, via_leads;
  size_t per = leads == 0 ? workers : workers / leads;
  for (size_t w = 0; w < workers; ++w) {
    auto id = worker_id(w);
    direct.push_back({reg.get(id), ping()});
    if (leads == 0) {
      via_root.push_back({root, forward(id, ping())});
      continue;
    }
    auto lead = lead_id(w / per);
    via_leads.push_back({reg.get(lead), forward(id, ping())});
    via_root.push_back({root, forward(lead, forward(id, ping()))});
  }
  figures f;
  f.direct = tasks_per_second(sys, direct, tasks);
  f.via_root = tasks_per_second(sys, via_root, tasks);
  if (leads > 0)
    f.via_leads = tasks_per_second(sys, via_leads, tasks);
  auto& storm_routes = leads == 0 ? via_root : via_leads;
  f.storm_s
    = median_of(7, [&] { return storm(sys, reg, storm_routes, workers); });
  shut_down(sys, root);
  return f;
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
  auto chain = measure(workers, leads, tasks);
  auto flat = measure(workers, 0, tasks);
  std::printf("supervision_bench: %zu stand-in workers; chain = meta -> %zu "
              "leads -> %zu workers each; flat = one hub; %llu tasks, 256 in "
              "flight, sharing scheduler\n",
              workers, leads, workers / leads,
              static_cast<unsigned long long>(tasks));
  std::printf("  (a) tasks/s\n");
  std::printf("      straight to the workers (raw)  chain run %9.0f   flat "
              "run %9.0f\n",
              chain.direct, flat.direct);
  std::printf("      flat: through the hub                          %9.0f  "
              "(%.2f of raw)\n",
              flat.via_root, flat.via_root / flat.direct);
  std::printf("      chain: through the leads                       %9.0f  "
              "(%.2f of raw)\n",
              chain.via_leads, chain.via_leads / chain.direct);
  std::printf("      chain: through the meta, then a lead           %9.0f  "
              "(%.2f of raw)\n",
              chain.via_root, chain.via_root / chain.direct);
  std::printf("      chain (leads) / flat (hub)                     %9.2f\n",
              chain.via_leads / flat.via_root);
  std::printf("      chain (meta, lead) / flat (hub)                %9.2f\n",
              chain.via_root / flat.via_root);
  std::printf("  (b) restart storm: %zu workers (20 %%) killed at once, until "
              "all are restarted and answer\n",
              workers / 5);
  std::printf("      chain %.1f ms   flat %.1f ms   chain / flat %.2f\n",
              chain.storm_s * 1e3, flat.storm_s * 1e3,
              chain.storm_s / flat.storm_s);
  bool ok = chain.storm_s > 0 && flat.storm_s > 0 && chain.direct > 0
            && flat.via_root > 0 && chain.via_leads > 0 && chain.via_root > 0;
  return ok ? 0 : 1;
}
