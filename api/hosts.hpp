// The hosts of a plan, connected before a run starts: one actor system
// with CAF's network layer per host (its certificates), its door reached
// over mutual TLS. A host that cannot be reached, or whose certificate is
// not from the engine's CA, stops the run before anything is recorded,
// naming the host.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "actors/team.hpp"
#include "engine/plan/plan.hpp"
#include "engine/result.hpp"

namespace baton::api {

/// One host's network layer; must outlive the team that uses it.
struct host_net {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
};

struct connected_hosts {
  std::vector<std::unique_ptr<host_net>> nets;
  std::vector<actors::team_host> hosts;
};

/// What a host needs of the run besides its plan.
struct run_place {
  /// The plan's text with its secrets (the hosts need the agents' env).
  std::string plan_text;
  /// The plan file's directory, the workspace and the log directory.
  std::filesystem::path plan_dir;
  std::filesystem::path workspace;
  std::filesystem::path log_dir;
  /// The run's id on a host (its spool there): a resumed run's as its log
  /// recorded it; empty: a new one.
  std::function<std::string(const std::string& host)> run_id;
};

/// Connects to every host of `plan` that an agent names. `certs` paths are
/// taken relative to `place.plan_dir` ("${plan_dir}" expanded).
/// Errors: "host <name> (<address>): <what>".
result<connected_hosts> connect_hosts(const engine::plan& plan,
                                      const run_place& place);

} // namespace baton::api
