// chain_router: what the orchestrator above a supervisor chain's leads
// decides between their scopes (team_scope.hpp).
//
// Each scope's fold settles its own tasks and reports up what other scopes
// must hear (orchestrator::take_reports). The router hands each report to
// the scopes it concerns, and nothing else:
//
//   chain_verdict   to the scopes that hold the task as a stub
//   chain_need      to the scope of the resource's owner (the ownership
//                   table of the whole chain); back as need_held when
//                   nobody in the chain owns it
//   chain_contract  to the scopes that hold the sender's task as a stub,
//                   and to those of the agents whose NEED it answers
//   scope_settled   once every scope has settled: chain_ended to each, and
//                   the run's finish, its tally the sum of theirs
//
// It knows the chain as summaries: the scopes, the agents that own
// something and their scope, which tasks other scopes wait for, the NEEDs
// between scopes not answered yet. Never a team's tasks or its other
// workers, so it does not grow with them.
//
//   (a cycle)       NEEDs between scopes that close a cycle of waits:
//                   chain_deadlock to the scope of the member asked for a
//                   stub (the one of the cycle first by name: the router
//                   does not know the agents' work), once per cycle
//
// The waits it sees are the NEEDs it routes between scopes, until their
// CONTRACT. A cycle that also runs through waits inside a scope (a NEED
// answered there, a dependency, a lock, a BLOCKED) is not seen here; each
// scope sees the cycles within it.
//
// Deterministic: deliveries come in the order of the scopes (chain_scopes).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engine/concurrency/wait_for_graph.hpp"
#include "engine/orchestration/inputs.hpp"
#include "engine/plan/plan.hpp"
#include "engine/result.hpp"

namespace baton::engine {

class chain_router {
public:
  /// `p`: the whole chain's plan, as checked.
  explicit chain_router(const plan& p);

  /// chain_scopes(p): "", then each top team, in plan order.
  const std::vector<std::string>& scopes() const {
    return scopes_;
  }

  /// What one scope is told: the router's `number`th delivery (1, 2, ...
  /// per run), so a scope started again takes each once.
  struct delivery {
    std::string scope;
    uint64_t number = 0;
    chain_input input;
    friend bool operator==(const delivery&, const delivery&) = default;
  };

  /// `scope` reported `r`, its `number`th report (1, 2, ...): what each
  /// scope concerned is told, in order. Nothing for one taken already (a
  /// number not above the scope's last: a lead started again sends its
  /// reports again). Errors: ec::invalid_argument for a scope the chain
  /// does not have (named, with the chain's), and nothing changes.
  result<std::vector<delivery>> on(const std::string& scope, uint64_t number,
                                   const chain_report& r);

  /// The number of the last report taken from `scope` (0: none).
  uint64_t last_report(const std::string& scope) const;

  /// Once every scope has reported its tasks settled: the run's finish
  /// (its tally the sum of theirs, each list in the order of the ids).
  const std::optional<finish_run>& finished() const {
    return finish_;
  }

  /// NEEDs nobody in the chain owns, held for the operator, in order.
  const std::vector<chain_need>& held() const {
    return held_;
  }

  /// NEEDs routed between scopes and not answered yet: (owner, asker) ->
  /// the asker's scope.
  const std::map<std::pair<std::string, std::string>, std::string>&
  open_needs() const {
    return open_;
  }

private:
  friend class chain_snapshot;

  std::vector<delivery> on_need(const std::string& scope, const chain_need& n);
  /// The NEED `from` -> `owner` (`from` of `scope`) is routed: a cycle it
  /// closes, the first time, goes to its stub maker's scope.
  void wait(const std::string& scope, const chain_need& n,
            const std::string& owner, std::vector<delivery>& out);
  std::vector<delivery> on_contract(const std::string& scope,
                                    const chain_contract& c);
  std::vector<delivery> on_settled(const std::string& scope,
                                   const run_tally& t);

  std::vector<std::string> scopes_;
  /// The agents that own something, in plan order, with their globs only:
  /// owner_of over it finds the owner the whole plan would.
  plan owners_;
  /// Each of those agents' scope.
  std::map<std::string, std::string, std::less<>> owner_scope_;
  /// Tasks other scopes wait for -> those scopes, in chain order.
  std::map<std::string, std::vector<std::string>, std::less<>> stub_holders_;
  /// (owner, asker) -> the asker's scope, until the owner's CONTRACT.
  std::map<std::pair<std::string, std::string>, std::string> open_;
  /// NEEDs between scopes answered (a stub's user hears of the real one
  /// the same way): (owner, asker) -> the asker's scope.
  std::map<std::pair<std::string, std::string>, std::string> answered_;
  /// Those NEEDs as waits (asker -> owner), and the cycles reported (their
  /// members, sorted).
  wait_for_graph waits_;
  std::set<std::vector<std::string>> deadlocks_;
  /// Each scope's latest tally, once all its tasks settled.
  std::map<std::string, run_tally> settled_;
  std::optional<finish_run> finish_;
  std::vector<chain_need> held_;
  /// The last report number taken from each scope, and the last delivery's.
  std::map<std::string, uint64_t> last_report_;
  uint64_t delivered_ = 0;
};

} // namespace baton::engine
