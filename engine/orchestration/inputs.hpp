// What the orchestrator reacts to, and what it decides. Inputs are recorded
// before the orchestrator sees them; decisions are recorded before they are
// carried out (DESIGN.md §2). Plain values: comparable, so replay can check
// that the same inputs give the same decisions.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace baton::engine {

// -- inputs ------------------------------------------------------------------

/// The run begins (or resumes): dispatch what is ready.
struct run_begun {
  friend bool operator==(const run_begun&, const run_begun&) = default;
};

/// A worker's detected state changed.
struct agent_observed {
  std::string agent;
  /// starting, working, idle, waiting_approval, done, blocked, error,
  /// exited or unknown.
  std::string state;
  /// The pack says this state takes input.
  bool input_ready = false;
  friend bool operator==(const agent_observed&, const agent_observed&)
    = default;
};

/// The kinds of protocol lines (DESIGN.md §4).
enum class protocol_kind : uint8_t {
  done,
  blocked,
  error,
  progress,
  build_pass,
  build_fail,
  need,
  contract,
};

/// A protocol line a worker wrote, as parsed from its screen.
struct protocol_seen {
  std::string agent;
  protocol_kind kind = protocol_kind::done;
  /// The whole line as read.
  std::string line;
  /// DONE: what was accomplished; ERROR/BLOCKED: the text; BUILD FAIL: the
  /// summary; NEED: the reason; CONTRACT: the title.
  std::string text;
  /// DONE: the evidence after " + ".
  std::string evidence;
  /// NEED: the path or resource.
  std::string resource;
  /// CONTRACT: the interface text.
  std::string body;
  /// PROGRESS: X of Y.
  uint32_t done = 0;
  uint32_t total = 0;
  friend bool operator==(const protocol_seen&, const protocol_seen&) = default;
};

/// The verification of a task's attempt finished.
struct gate_finished {
  std::string task;
  uint32_t attempt = 0;
  bool passed = false;
  /// Why it failed, one reason per line (empty when it passed).
  std::vector<std::string> reasons;
  friend bool operator==(const gate_finished&, const gate_finished&) = default;
};

/// A worker's process ended.
struct agent_exited {
  std::string agent;
  int exit_code = 0;
  friend bool operator==(const agent_exited&, const agent_exited&) = default;
};

using orchestrator_input = std::variant<run_begun, agent_observed,
                                        protocol_seen, gate_finished,
                                        agent_exited>;

// -- decisions ---------------------------------------------------------------

/// Type a task's dispatch prompt into an agent.
struct dispatch_task {
  std::string task;
  std::string agent;
  uint32_t attempt = 0;
  std::string prompt;
  friend bool operator==(const dispatch_task&, const dispatch_task&) = default;
};

/// Verify a task's attempt: its artifacts, commands and evidence.
struct run_gate {
  std::string task;
  uint32_t attempt = 0;
  std::string agent;
  /// The evidence the worker gave, to be checked.
  std::string evidence;
  friend bool operator==(const run_gate&, const run_gate&) = default;
};

/// Type a message into an agent: guidance after a failure, a routed NEED, a
/// delivered CONTRACT.
struct tell_agent {
  std::string agent;
  std::string text;
  /// Why, for the record ("gate failed", "need from frontend", ...).
  std::string why;
  friend bool operator==(const tell_agent&, const tell_agent&) = default;
};

/// Restart an agent's process (it exited mid-task).
struct restart_agent {
  std::string agent;
  std::string why;
  friend bool operator==(const restart_agent&, const restart_agent&) = default;
};

/// A task reached a verdict.
struct task_settled {
  std::string task;
  bool passed = false;
  std::string reason;
  friend bool operator==(const task_settled&, const task_settled&) = default;
};

/// Nothing more will happen: every task is settled or can never start.
struct finish_run {
  bool ok = false;
  std::string summary;
  friend bool operator==(const finish_run&, const finish_run&) = default;
};

using orchestrator_decision = std::variant<dispatch_task, run_gate, tell_agent,
                                           restart_agent, task_settled,
                                           finish_run>;

} // namespace baton::engine
