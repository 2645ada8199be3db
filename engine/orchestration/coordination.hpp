// coordination: who waits for whom between a run's agents, the deadlocks
// that closes and the stubs that break them, and the mesh's locks of the
// shared state folder. One part of the orchestrator
// (engine/orchestration/orchestrator.hpp), over the primitives of
// engine/concurrency (the wait-for graph, the lock table).
//
// Edges: a NEED (the sender waits for the owner of the resource), a
// BLOCKED reason naming an owned path, a dependency (an agent whose next
// task comes after a task another agent works on), a lock wait (mesh). A
// cycle is reported as it forms (report_deadlock: its members and what each
// waits for) and broken by asking one member, the one with the least
// completed work, for a temporary stub of what the other needs, marked for
// replacement. Its next CONTRACT is the stub; a later one replaces it, and
// the agent that used the stub is told.
//
// Every call appends what it decides to `out`, in order; the orchestrator
// records them with the rest of the input's decisions. Deterministic.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "engine/concurrency/lock_table.hpp"
#include "engine/concurrency/wait_for_graph.hpp"
#include "engine/orchestration/inputs.hpp"
#include "engine/orchestration/task_board.hpp"

namespace baton::engine {

/// The words of a BLOCKED reason that look like paths ("src/api.ts",
/// "schema.sql"), punctuation around them set aside, in order.
std::vector<std::string> paths_named(std::string_view text);

class coordination {
  friend class orchestrator_snapshot;

public:
  using decisions = std::vector<orchestrator_decision>;

  /// `lock_lease_us`: the lease of a lock that names none.
  explicit coordination(uint64_t lock_lease_us);

  // -- waits and deadlocks ---------------------------------------------------

  /// Adds a wait. A cycle it closes, the first time those members form
  /// one, is reported and broken: the member with the least completed work
  /// on `board` is asked for a stub.
  void add_wait(wait_edge e, const task_board& board, decisions& out);
  /// A cycle found elsewhere (a chain's router, across scopes), whose stub
  /// maker is here: reported and broken as add_wait's are, once.
  void break_deadlock(report_deadlock found, decisions& out);
  /// `agent` waits for nobody any more (its task settled).
  void end_waits_of(const std::string& agent) {
    waits_.remove_from(agent);
  }
  void remove_wait(const std::string& from, const std::string& to,
                   wait_kind kind) {
    waits_.remove(from, to, kind);
  }
  /// A CONTRACT titled `title` from `agent`: a stub it was asked for, or
  /// the real thing that replaces one (whoever used the stub is told).
  void contract_from(const std::string& agent, const std::string& title,
                     decisions& out);
  /// Stubs never replaced, as "what (by maker for agent[, never
  /// published])", for the run's summary.
  std::vector<std::string> unreplaced_stubs() const;

  // -- the mesh's locks ------------------------------------------------------

  // A lock wait is a wait like the others (add_wait): `board` picks the
  // stub maker of a cycle it closes.

  /// `in.agent` asks for (or gives back) the lock of `in.path`.
  void lock(const lock_requested& in, uint64_t now, const task_board& board,
            decisions& out);
  /// `agent` died: its locks go to their next waiters.
  void free_agent(const std::string& agent, uint64_t now,
                  const task_board& board, decisions& out);
  /// Leases that ran out by `now` end.
  void expire(uint64_t now, const task_board& board, decisions& out);
  /// `agent` changed `path` (a workspace path): a conflict with another
  /// agent's lock or change is reported, unless `agent` held its lock
  /// during its current task.
  void check_write(const std::string& agent, const std::string& path,
                   uint64_t now, decisions& out);
  /// `agent` starts a task: what it holds now is what it held in it.
  void task_started(const std::string& agent);
  /// When the next lease runs out (logical µs); 0 when none.
  uint64_t next_expiry() const {
    return locks_.next_expiry();
  }

private:
  /// Reports `found` and asks its maker for the stub.
  void ask_stub(report_deadlock found, decisions& out);
  void apply(const std::vector<lock_event>& events, const task_board& board,
             decisions& out);
  void drop_lock_waits(const std::string& agent, const std::string& path);

  /// Who waits for whom, and the cycles already reported (their members,
  /// sorted).
  wait_for_graph waits_;
  std::set<std::vector<std::string>> deadlocks_;
  /// Stubs asked for to break a deadlock, by the agent making them: what,
  /// for whom, and whether the stub has been published.
  struct stub {
    std::string what;
    std::string for_agent;
    bool published = false;
  };
  std::map<std::string, std::vector<stub>> stubs_;
  /// The locks, and the paths each agent held during its current task (its
  /// changes to them were made under the lock, whoever holds it when they
  /// are looked at).
  lock_table locks_;
  std::map<std::string, std::set<std::string>> held_;
};

} // namespace baton::engine
