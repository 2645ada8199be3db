#include "api/hosts.hpp"

#include <unistd.h>

#include <cstdio>
#include <random>
#include <set>

#include "actors/remote/net.hpp"

namespace baton::api {

namespace fs = std::filesystem;

namespace {

std::string expand_plan_dir(std::string s, const std::string& plan_dir) {
  const std::string var = "${plan_dir}";
  for (auto i = s.find(var); i != std::string::npos; i = s.find(var))
    s.replace(i, var.size(), plan_dir);
  return s;
}

/// A new run's id on its hosts: this machine, the log directory, and 64
/// random bits (a log directory may be used again by another run).
std::string new_run_id(const fs::path& log_dir) {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0)
    std::snprintf(name, sizeof name, "localhost");
  std::random_device rd;
  char nonce[17];
  std::snprintf(nonce, sizeof nonce, "%08x%08x", rd(), rd());
  return std::string{name} + ":" + fs::absolute(log_dir).string() + "#"
         + nonce;
}

} // namespace

result<connected_hosts> connect_hosts(const engine::plan& plan,
                                      const run_place& place) {
  connected_hosts out;
  std::set<std::string> used;
  for (auto& a : plan.agents)
    if (!a.host.empty())
      used.insert(a.host);
  for (auto& h : plan.hosts) {
    if (!used.contains(h.name))
      continue;
    auto named = [&](const std::string& what) {
      return "host " + h.name + " (" + h.address + "): " + what;
    };
    fs::path certs = expand_plan_dir(h.certs, place.plan_dir.string());
    if (certs.is_relative())
      certs = place.plan_dir / certs;
    auto net = std::make_unique<host_net>();
    actors::configure_actor_system(net->cfg);
    net->cfg.set("logger.console", caf::atom("none"));
    net->cfg.set("scheduler.max-threads", 2);
    if (auto r = actors::remote::configure_net(net->cfg, certs.string()); !r)
      return error{r.err().code(), named(r.err().message())};
    net->sys = std::make_unique<caf::actor_system>(net->cfg);
    auto door = actors::remote::connect_door(*net->sys, h.address);
    if (!door)
      return error{door.err().code(), named(door.err().message())};
    actors::team_host th;
    th.name = h.name;
    th.address = h.address;
    th.net = net->sys.get();
    th.door = *door;
    th.connect = [sys = net->sys.get(), address = h.address] {
      return actors::remote::connect_door(*sys, address);
    };
    th.hello.run = place.run_id ? place.run_id(h.name) : std::string{};
    if (th.hello.run.empty())
      th.hello.run = new_run_id(place.log_dir);
    th.hello.host = h.name;
    th.hello.plan_text = place.plan_text;
    th.hello.plan_dir = place.plan_dir.string();
    th.hello.workspace = fs::absolute(place.workspace).string();
    th.hello.log_dir = fs::absolute(place.log_dir).string();
    th.down_after = std::chrono::seconds{h.down_after_s};
    out.hosts.push_back(std::move(th));
    out.nets.push_back(std::move(net));
  }
  return out;
}

} // namespace baton::api
