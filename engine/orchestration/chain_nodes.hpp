// The nodes of a supervisor chain as they record: a lead's scope, and the
// orchestrator above the leads (DESIGN.md §1, team_scope.hpp,
// chain_router.hpp).
//
//   lead/<team>    chain_scope: the team's scope fold (its members, its
//                  tasks, the other scopes' tasks it waits for as stubs).
//                  Records its inputs and decisions as any orchestrator
//                  does, then each report up (chainReported, numbered 1,
//                  2, ... per scope); takes each of the router's
//                  deliveries once (chainDelivered, by its number).
//
//   orchestrator   chain_orchestrator: the scope of the agents in no team
//                  and the router, in one fold. Its own scope's reports
//                  and the deliveries to it stay inside (they follow from
//                  what it records); a lead's report is its input
//                  (chainReported), a delivery to a lead its decision
//                  (chainDelivered), and the run's finish, once every
//                  scope has settled, the router's (the sum of theirs).
//
// Both are deterministic: the same recorded inputs give the same decisions,
// reports and deliveries, so each stream replays on its own.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/orchestration/chain_event.hpp"
#include "engine/orchestration/chain_router.hpp"
#include "engine/orchestration/orchestrator.hpp"
#include "engine/result.hpp"

namespace baton::engine {

/// A lead's scope of a chain: an orchestrator over the scope's plan, its
/// reports numbered, the router's deliveries taken once each.
class chain_scope {
public:
  /// `scoped`: team_scope(whole, team). @pre scoped.scope is set.
  explicit chain_scope(plan scoped);

  /// Applies a recorded input, as orchestrator::on; its reports wait in
  /// take_reports().
  std::vector<orchestrator_decision> on(const orchestrator_input& in,
                                        uint64_t now_us = 0);

  /// The router's delivery: what the scope does (orchestrator::on_chain).
  /// Nothing for one taken already (a number not above the last taken: the
  /// orchestrator started again sends what it had not heard taken).
  /// Errors: ec::invalid_argument for a delivery to another scope (named),
  /// and nothing changes.
  result<std::vector<orchestrator_decision>> on(const recorded_delivery& d,
                                                uint64_t now_us = 0);

  /// What it reports up since last asked, numbered: taken after each input
  /// and recorded after that input's decisions.
  std::vector<recorded_report> take_reports();

  const std::string& name() const {
    return *fold_.current_plan().scope;
  }
  /// The last report numbered, and the last delivery taken.
  uint64_t reported() const {
    return reported_;
  }
  uint64_t delivered() const {
    return delivered_;
  }
  const orchestrator& fold() const {
    return fold_;
  }
  const engine::plan& current_plan() const {
    return fold_.current_plan();
  }

private:
  friend class chain_snapshot;

  orchestrator fold_;
  /// How many of the plan's tasks the recorded plan has (the rest the run
  /// added): what a snapshot of the fold saves as the plan's changes.
  size_t plan_tasks_ = 0;
  uint64_t reported_ = 0;
  uint64_t delivered_ = 0;
};

/// What the orchestrator above the leads records and carries out: its own
/// scope's decisions, and the router's deliveries to the leads' scopes.
using chain_decision = std::variant<orchestrator_decision, recorded_delivery>;

/// The orchestrator above a chain's leads: the scope of the agents in no
/// team (its own workers) and the router between every scope.
class chain_orchestrator {
public:
  /// `whole`: the chain's plan, as checked.
  explicit chain_orchestrator(const plan& whole);

  /// An input of its own scope (a worker's report, a gate, time, the
  /// operator, the run's start), and what follows: its own scope's
  /// decisions, and what its reports make the router deliver.
  std::vector<chain_decision> on(const orchestrator_input& in,
                                 uint64_t now_us = 0);

  /// A lead's report (recorded as the orchestrator's input). Nothing for
  /// one taken already. Errors: as chain_router::on, and nothing changes.
  result<std::vector<chain_decision>> on(const recorded_report& r,
                                         uint64_t now_us = 0);

  /// Its own scope (the agents in no team).
  const chain_scope& own() const {
    return own_;
  }
  const chain_router& router() const {
    return router_;
  }
  /// The run finished (the router's finish was decided).
  bool finished() const {
    return finish_told_;
  }

private:
  friend class chain_snapshot;

  /// Carries out the router's deliveries: to a lead, a decision in `out`;
  /// to its own scope, applied (its decisions in `out`, its reports queued
  /// in `own_reports`).
  void deliver(std::vector<chain_router::delivery>& ds,
               std::deque<recorded_report>& own_reports,
               std::vector<chain_decision>& out, uint64_t now_us);
  /// Passes its own scope's reports through the router, in order, until
  /// nothing moves; then the run's finish, once the router decided it.
  void route(std::deque<recorded_report> own_reports,
             std::vector<chain_decision>& out, uint64_t now_us);

  chain_scope own_;
  chain_router router_;
  bool finish_told_ = false;
};

/// A chain's node as its stream left it (replay/chain_replay.hpp), to go
/// on from there: the fold, what it derived and did not record (recorded
/// first when it goes on, its messages sent then), and every message it
/// recorded for the other side, in order (those the other side has not
/// taken are sent again).
template<class Node, class Message>
struct chain_seed {
  std::unique_ptr<Node> node;
  std::deque<frame> unrecorded;
  std::vector<Message> sent;
  /// Where its streams ended: the last sequences of its own stream and of
  /// `operator` (the orchestrator's), and the latest logical time.
  uint64_t sequence = 0;
  uint64_t operator_sequence = 0;
  uint64_t last_time = 0;
};
/// A lead's: its reports up.
using scope_seed = chain_seed<chain_scope, recorded_report>;
/// The orchestrator's: its deliveries down, to every lead.
using top_seed = chain_seed<chain_orchestrator, recorded_delivery>;

/// A lead's reports numbered above `taken` (the router's last from it), as
/// recorded: what it sends again.
std::vector<frame> not_taken(const std::vector<recorded_report>& sent,
                             uint64_t taken);

/// The deliveries to `scope` numbered above `taken` (its last), as
/// recorded: what the orchestrator sends again.
std::vector<frame> not_taken(const std::vector<recorded_delivery>& sent,
                             const std::string& scope, uint64_t taken);

} // namespace baton::engine
