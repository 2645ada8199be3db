// Options of Baton's public API: how a runtime is opened, how a run is
// started or resumed, and a task added to a running run. Plain values;
// every field has its default.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace baton {

struct runtime_options {
  /// Threads that run the actors (workers, orchestrator, log writer's
  /// callbacks). 0: one per core. Default: 0.
  size_t threads = 0;
};

struct run_options {
  /// The plan: a TOML file, or its text. Exactly one is required. A plan
  /// given as text has its relative paths resolved against `base_dir`.
  std::string plan_path = {};
  std::string plan_text = {};
  /// Directory the relative paths of a plan given as text are resolved
  /// against. Default: the current directory.
  std::string base_dir = {};
  /// The run's log directory. Default: the plan's `[run] log`, relative to
  /// the plan file's directory (or `base_dir`).
  std::string log_dir = {};
  /// The run's working area. Default: the plan's `[run] workspace`.
  std::string workspace = {};
  /// Delete an earlier run's log in `log_dir` first (only a Baton log is
  /// ever deleted). Default: false, and a non-empty `log_dir` is refused.
  bool replace = false;
  /// Serve the run's control socket (`control.sock` in the log directory,
  /// owner-only), so that `baton send`, `approve`, `stop`, `attach` and
  /// baton::remote reach it from other processes. Default: true.
  bool control_socket = true;
  /// Grace between SIGTERM and SIGKILL when agents are stopped.
  /// Default: 2 s.
  std::chrono::milliseconds stop_grace{2000};
  /// A goal for an orchestrator agent (`baton run --goal`): set in the
  /// plan's [orchestrator], or one running `orchestrator` (a preset:
  /// claude, codex, gemini; default claude) is added. The plan's agents are
  /// its team; its tasks, if any, are on the board already.
  std::string goal = {};
  std::string orchestrator = {};
};

struct resume_options {
  /// The stopped run's log directory. Required.
  std::string log_dir = {};
  /// The run's working area. Default: the one the log recorded.
  std::string workspace = {};
  /// End the agents' processes left from before the engine stopped (the
  /// last process each agent's stream started and never saw exit, if it
  /// still runs the recorded program). Default: true.
  bool end_leftovers = true;
  /// As run_options.
  bool control_socket = true;
  std::chrono::milliseconds stop_grace{2000};
};

/// A file a task must leave, and what it must hold (a plan's
/// `[[tasks.artifacts]]`). A path alone means: it exists and is not empty.
struct artifact_spec {
  artifact_spec() = default;
  artifact_spec(std::string p) : path(std::move(p)) {
  }
  artifact_spec(const char* p) : path(p) {
  }
  /// Relative to the agent's directory, inside the workspace.
  std::string path = {};
  /// "any", "json", "toml", "markdown" or "regex" (then `pattern`, which
  /// the whole file must match).
  std::string format = "any";
  std::string pattern = {};
  bool non_empty = true;
  /// Texts the file must contain.
  std::vector<std::string> must_contain = {};
};

/// A task to add to a running run. The fields are those of a plan's
/// `[[tasks]]` table, and the task is checked exactly as `baton check`
/// checks a plan's tasks (its agent exists, its dependencies exist, its
/// artifacts stay in the workspace, ...).
struct task_spec {
  /// Unique in the run. Required.
  std::string id = {};
  /// What the agent is asked to do. Required.
  std::string prompt = {};
  /// The agent that does it; empty: any agent with every capability in
  /// `capabilities` (the plan's `requires`).
  std::string agent = {};
  std::string title = {};
  std::vector<std::string> capabilities = {};
  /// Tasks that must pass first.
  std::vector<std::string> after = {};
  /// Commands run in the agent's directory; each must exit 0.
  std::vector<std::string> verify = {};
  /// Files the task must produce (relative to the agent's directory), and
  /// what each must hold.
  std::vector<artifact_spec> artifacts = {};
  /// Attempts after the first. Default: the plan's `[run] retries`.
  std::optional<uint32_t> retries = {};
};

} // namespace baton
