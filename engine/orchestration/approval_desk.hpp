// approval_desk: the approval requests of a run's agents left to the
// operator, one part of the orchestrator
// (engine/orchestration/orchestrator.hpp).
//
// An agent's permission prompt becomes a request with an id ("a1", "a2",
// ... in the order the run saw them). The plan's policy decides most at once
// (approval_policy.hpp); those it leaves to the operator wait here until
// answered, withdrawn (the agent left its prompt) or timed out (the
// policy's fallback), whichever comes first. Deterministic.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

namespace baton::engine {

/// An approval request left to the operator, not yet answered.
struct approval_view {
  std::string id;
  std::string agent;
  std::string task;
  std::string tool;
  std::string subject;
  /// Logical µs when it takes the policy's fallback.
  uint64_t deadline_us = 0;
};

class approval_desk {
  friend class orchestrator_snapshot;

public:
  /// The id of the next request the run sees ("a<n>"), taken.
  std::string take_id() {
    return "a" + std::to_string(++seen_);
  }
  /// `v` waits for the operator until `v.deadline_us`.
  void open(approval_view v);
  /// The request `id`, answered or withdrawn: taken off; nullopt when it
  /// is not waiting (decided already, or never asked).
  std::optional<approval_view> take(const std::string& id);
  /// The next request whose deadline passed by `now`, taken off; nullopt
  /// when none.
  std::optional<approval_view> take_due(uint64_t now);
  /// Every request is moot (the engine started again: no prompt of before
  /// is still on a screen). Ids go on from where they were.
  void clear() {
    waiting_.clear();
    deadlines_.clear();
  }
  /// The requests waiting, by id.
  const std::map<std::string, approval_view>& waiting() const {
    return waiting_;
  }
  /// The earliest deadline (logical µs); 0 when none.
  uint64_t next_deadline() const {
    return deadlines_.empty() ? 0 : deadlines_.begin()->first;
  }

private:
  std::map<std::string, approval_view> waiting_;
  /// (deadline, id); a request taken off before it leaves its entry here.
  std::set<std::pair<uint64_t, std::string>> deadlines_;
  /// Requests the run has seen.
  uint64_t seen_ = 0;
};

} // namespace baton::engine
