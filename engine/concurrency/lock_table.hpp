// lock_table: the locks of the mesh's `locks/` folder. A lock names a
// workspace-relative path ("api/openapi.json"); it has at most one owner,
// whose lease ends at a logical time, and a first-come queue of agents
// waiting for it. The table also remembers who modified which path, to
// report two agents writing the same file.
//
// Time is data: every call that changes the table takes the logical time
// `now_us` (µs, non-decreasing from call to call) and first expires every
// lease that ended at or before it, so the events it returns start with
// those expirations (and the grants they led to). A lease taken at `t` for
// `l` µs is held during [t, t + l) and expires at exactly t + l.
//
// Every call returns what happened as events, in order; a refused request
// is an event too, never an exception. Deterministic: locks are visited by
// path, waiters first come first served. Pure and single-threaded: callers
// serialise access.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/concurrency/wait_for_graph.hpp"
#include "engine/decision_kinds.hpp"

namespace baton::engine {

struct lock_grant {
  std::string path;
  std::string owner;
  /// The logical time the lease ends at (µs).
  uint64_t expires_us = 0;

  friend bool operator==(const lock_grant&, const lock_grant&) = default;
};

struct lock_event {
  /// Each value is described where it is declared (decision_kinds.hpp); the
  /// table never gives `conflict`, which check_write() reports apart.
  using kind = lock_change;
  kind what;
  std::string path;
  std::string agent;
  /// The owner of `path` after the event ("" when free).
  std::string holder;
  uint64_t expires_us = 0;
  /// For people: "after backend released it", "held by backend".
  std::string why;

  friend bool operator==(const lock_event&, const lock_event&) = default;
};

struct write_conflict {
  std::string path;
  /// The agent that modified `path` now.
  std::string writer;
  /// The agent holding the lock, or the one that modified `path` before.
  std::string other;
  std::string why;

  friend bool operator==(const write_conflict&, const write_conflict&)
    = default;
};

class lock_table {
  friend class orchestrator_snapshot;

public:
  /// `default_lease_us`: the lease of an acquire() that names none.
  /// Default: 300 s.
  explicit lock_table(uint64_t default_lease_us = 300'000'000);

  /// `agent` asks for `path` for `lease_us` (0: the default lease).
  /// Free: granted until now + lease. Held by `agent`: renewed until now +
  /// lease. Held by another: queued behind the holder and earlier waiters
  /// (asking again while queued keeps the place and takes the new lease).
  std::vector<lock_event> acquire(std::string_view path, std::string_view agent,
                                  uint64_t now_us, uint64_t lease_us = 0);

  /// `agent` releases `path`: released, then the next waiter is granted it
  /// (its lease starting at now). When `agent` does not hold it (free,
  /// another's, or its lease expired): refused, with why.
  std::vector<lock_event> release(std::string_view path, std::string_view agent,
                                  uint64_t now_us);

  /// Leases that ended at or before `now_us`: expired, and the next waiter
  /// of each is granted it. Ordered by expiry time, then path.
  std::vector<lock_event> expire(uint64_t now_us);

  /// `agent` died: it leaves every wait queue (withdrawn) and its locks are
  /// freed (freed, then the next waiter granted), by path.
  std::vector<lock_event> free_agent(std::string_view agent, uint64_t now_us);

  /// `agent` stops waiting for `path`: withdrawn, or nothing when it was not
  /// queued for it.
  std::vector<lock_event> withdraw(std::string_view path,
                                   std::string_view agent, uint64_t now_us);

  /// When the earliest lease ends; 0 when no lock is held.
  uint64_t next_expiry() const;

  /// The owner of `path`, as of the last call that took a time (a lease
  /// that has passed since is still shown until then).
  std::optional<lock_grant> holder(std::string_view path) const;

  /// Every held lock, sorted by path.
  std::vector<lock_grant> held() const;

  /// (waiter, holder) pairs, by path then queue order, each pair once: the
  /// lock edges of the wait-for graph.
  std::vector<std::pair<std::string, std::string>> waits() const;

  /// The same waits as wait-for edges (kind lock, `what` the path), one per
  /// (waiter, path), by path then queue order.
  std::vector<wait_edge> wait_edges() const;

  /// An agent modified `path` at `now_us`. Reported when another agent holds
  /// its lock (a lease still running at now_us), or when another agent
  /// modified the same path earlier and neither holds a lock on it (two
  /// agents modifying the same file); `other` is then the latest such
  /// agent. Never reported when `agent` holds the lock. Does not expire
  /// leases (it returns no events).
  std::optional<write_conflict> modified(std::string_view path,
                                         std::string_view agent,
                                         uint64_t now_us);

private:
  struct waiter {
    std::string agent;
    uint64_t lease_us;
  };
  struct lock {
    std::string owner; // "" when free
    uint64_t expires_us = 0;
    std::deque<waiter> queue;
  };
  using lock_map = std::map<std::string, lock, std::less<>>;

  uint64_t lease_end(uint64_t now_us, uint64_t lease_us) const;
  void grant(lock_map::iterator it, std::string agent, uint64_t now_us,
             uint64_t lease_us, std::string why,
             std::vector<lock_event>& out);
  /// Gives the lock to its next waiter, or erases it when none waits.
  void hand_on(lock_map::iterator it, uint64_t now_us, std::string why,
               std::vector<lock_event>& out);
  /// Takes the lock from its owner (no event).
  void clear_owner(lock_map::iterator it);

  uint64_t default_lease_us_;
  lock_map locks_;
  /// (lease end, path) of every held lock.
  std::set<std::pair<uint64_t, std::string>> by_expiry_;
  /// Per path, the agents that modified it, least recent first.
  std::map<std::string, std::vector<std::string>, std::less<>> writers_;
};

} // namespace baton::engine
