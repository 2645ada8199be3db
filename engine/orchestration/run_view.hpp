// run_view: what a person (or a tool) sees of a run — one row per agent and
// per task, the run's verdict — folded from the orchestrator's stream (and,
// in a supervisor chain, its leads' streams, where their teams run). Both
// `baton run` (live, as events are recorded) and `baton status` (from a
// finished or running run's log) use it, so they show the same thing.
//
// Pure: it reads only the events it is given, with their logical times.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "schema/events.capnp.h"

namespace baton::engine {

struct run_view_agent {
  std::string name;
  std::string role;
  std::string state = "starting";
  /// The task it works on ("" when free).
  std::string task;
  /// Its task's last PROGRESS, "2/5" ("" when none).
  std::string progress;
  /// The last protocol line it wrote.
  std::string last_line;
  /// Logical µs at which its state began.
  uint64_t since_us = 0;
  uint32_t restarts = 0;
  bool exited = false;
  /// The machine it runs on ([hosts.<name>]); "" for the engine's.
  std::string host;
  /// Its host is unreachable: its state is "unknown" (it keeps running
  /// there), and this is the state it had.
  std::string state_before_unreachable;
};

struct run_view_task {
  std::string id;
  std::string title;
  std::string agent;
  /// waiting, dispatched, verifying, passed or failed.
  std::string status = "waiting";
  uint32_t attempts = 0;
  /// The evidence of its last DONE; why it passed or failed.
  std::string evidence;
  std::string reason;
  /// The tasks it runs after (the plan's `after`).
  std::vector<std::string> after;
};

/// An approval request, as the run recorded it.
struct run_view_approval {
  std::string id;
  std::string agent;
  std::string task;
  std::string tool;
  std::string subject;
  /// What the plan's policy said ("operator (policy)", "allow (rule 1)").
  std::string policy;
  /// "" while open; else allow, allow_always, deny or withdrawn.
  std::string answer;
  /// Who decided, and why.
  std::string by;
  std::string why;
  /// Logical µs of the request.
  uint64_t at_us = 0;
};

class run_view {
public:
  /// Applies one event of `stream` recorded at `logical_time`: of
  /// "orchestrator", a lead's ("lead/<team>": its supervisor's decisions,
  /// and in a chain its team's work), "operator" and "host/<name>"; others
  /// are ignored. Returns true when
  /// anything shown changed.
  bool apply(std::string_view stream, uint64_t logical_time,
             schema::Event::Reader e);

  /// In plan order (agents first seen later are appended).
  const std::vector<run_view_agent>& agents() const {
    return agents_;
  }
  const std::vector<run_view_task>& tasks() const {
    return tasks_;
  }
  /// "agent changed path during task T (owned by X)".
  const std::vector<std::string>& violations() const {
    return violations_;
  }
  /// What the engine did on its own about failures, one line each: loop
  /// and stall escalations, deadlocks, supervisors' restarts, degraded
  /// tasks, lock conflicts.
  const std::vector<std::string>& recoveries() const {
    return recoveries_;
  }

  /// Every approval request, in order.
  const std::vector<run_view_approval>& approvals() const {
    return approvals_;
  }
  /// The requests still waiting for an answer.
  std::vector<run_view_approval> open_approvals() const;

  size_t tasks_passed() const;
  size_t tasks_failed() const;

  /// The latest logical time seen.
  uint64_t now_us() const {
    return now_;
  }

  std::string name;
  std::string pattern;
  std::string plan;
  bool started = false;
  bool finished = false;
  bool ok = false;
  std::string summary;
  /// "complete", "reduced", "operator" or "failed" ("" in logs from before
  /// outcomes were recorded).
  std::string outcome;
  /// Tasks the run shipped without, each "id (why)".
  std::vector<std::string> skipped;

private:
  run_view_agent& agent(std::string_view name);
  run_view_task& task(std::string_view id);

  std::vector<run_view_agent> agents_;
  std::vector<run_view_task> tasks_;
  std::vector<std::string> violations_;
  std::vector<std::string> recoveries_;
  std::vector<run_view_approval> approvals_;
  std::map<std::string, size_t, std::less<>> agent_index_;
  std::map<std::string, size_t, std::less<>> task_index_;
  uint64_t now_ = 0;
};

/// One line about an event worth a line of its own in a log of changes (a
/// terminal that is not a terminal, `baton status --follow` in a pipe), or
/// "" for events that are not: "  12.3s backend    working", "  14.0s
/// backend    PROGRESS: 2/4 — wired the list", "  20.1s task api passed —
/// gate passed: 12 passed".
std::string describe_change(std::string_view stream, uint64_t logical_time,
                            schema::Event::Reader e);

} // namespace baton::engine
