// Internal: what a runtime and a run hold. The actor system, the PTY
// reactor, the run's log and team stay here, behind the public headers.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "actors/pty/reactor.hpp"
#include "actors/team.hpp"
#include "api/hosts.hpp"
#include "baton/run.hpp"
#include "baton/runtime.hpp"
#include "engine/inspect/run_inspector.hpp"
#include "storage/event_log.hpp"

namespace baton {

namespace api {
class control_server;
}

struct runtime::impl {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::unique_ptr<actors::pty::reactor> reactor;
};

struct run::impl {
  ~impl();

  std::shared_ptr<storage::event_log> log;
  /// The hosts' network layers: outlive the team (its links run there),
  /// and are gone before the log.
  std::vector<std::unique_ptr<api::host_net>> nets;
  std::unique_ptr<actors::team> team;
  std::string log_dir;
  std::string title;
  /// The last position of the run's part before a resume (0: new run).
  uint64_t resumed_at = 0;
  actors::logical_clock clock;
  std::unique_ptr<api::control_server> server;
  /// The team while the run object lives, for cursors that outlive it.
  struct liveness {
    std::mutex mu;
    const actors::team* team = nullptr;
  };
  std::shared_ptr<liveness> live = std::make_shared<liveness>();

  /// The run folded from its log up to `folded`: status and screens.
  /// Guarded by `mu`; caught up on each call that reads it.
  std::mutex mu;
  engine::run_inspector inspector;
  uint64_t folded = 0;
  /// Each agent's last ptyOutput position.
  std::map<std::string, uint64_t, std::less<>> output_at;

  /// Applies what the log added since the last call. REQUIRES: mu held.
  result<void> catch_up();
  /// An operator command through the team; its id, or the refusal.
  result<std::string> operate(engine::operator_command c);
};

} // namespace baton
