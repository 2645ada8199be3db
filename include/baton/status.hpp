// What Baton's public API reports about a run: its status (tasks, agents,
// approvals), an agent's screen, the outcome of a delivery. Plain values,
// copied out of the engine: holding one holds nothing of the run.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace baton {

struct agent_status {
  std::string name;
  std::string role;
  /// The state read off its screen: starting, idle, working, thinking,
  /// waiting_approval, blocked, errored, exited, ...
  std::string state;
  /// The task it works on ("" when free).
  std::string task;
  /// Its task's last PROGRESS ("2/5"), and its last protocol line.
  std::string progress;
  std::string last_line;
  uint32_t restarts = 0;
  bool exited = false;
  /// The machine it runs on (a plan's [hosts.<name>]); "" for the
  /// engine's own. While that host is unreachable its state is "unknown".
  std::string host = {};
};

struct task_status {
  std::string id;
  std::string title;
  std::string agent;
  /// waiting, dispatched, verifying, passed or failed.
  std::string status;
  uint32_t attempts = 0;
  /// The evidence of its last DONE; why it passed or failed.
  std::string evidence;
  std::string reason;
  /// The tasks it runs after (the plan's `after`).
  std::vector<std::string> depends_on;
};

struct approval_status {
  /// "a1", ...: what baton::controls::decide_approval takes.
  std::string id;
  std::string agent;
  std::string task;
  /// What is asked: the tool ("Bash", "shell") and its subject (the
  /// command, the file).
  std::string tool;
  std::string subject;
  /// What the plan's policy said ("operator (policy)", "allow (rule 1)").
  std::string policy;
  /// "" while it waits; else allow, allow_always, deny or withdrawn, who
  /// decided and why.
  std::string answer;
  std::string by;
  std::string why;
  /// The run's logical time when it was asked, µs since the run began.
  uint64_t at_us = 0;
};

struct run_status {
  std::string name;
  /// hub, pipeline, swarm, mesh.
  std::string pattern;
  bool started = false;
  bool finished = false;
  /// Every task passed its gates (once finished).
  bool ok = false;
  /// Once finished: complete, reduced, operator or failed; and a summary.
  std::string outcome;
  std::string summary;
  /// The log's last global position the status was folded to.
  uint64_t position = 0;
  std::vector<agent_status> agents;
  std::vector<task_status> tasks;
  /// Every approval request of the run, in order; those waiting have an
  /// empty answer.
  std::vector<approval_status> approvals;
};

/// An agent's terminal as rendered by the engine's screen model (the same
/// one `baton show` replays): text only.
struct screen {
  std::string agent;
  uint16_t columns = 0;
  uint16_t rows = 0;
  /// One string per row, trailing blanks trimmed.
  std::vector<std::string> lines;
  /// The global position of the last output it shows.
  uint64_t position = 0;
};

/// How an acknowledged input ended.
struct delivery {
  /// The operator command's id ("o3").
  std::string id;
  std::string agent;
  /// True when the agent was seen to take it; false when it was given up
  /// on (the agent exited, never became ready, ...).
  bool delivered = false;
  uint32_t attempts = 0;
  /// Why it counts as delivered or failed ("confirmed: idle -> working").
  std::string reason;
};

} // namespace baton
