// runtime: Baton's engine, opened once per process, that runs teams of
// agents. Holds the actor system, the PTY reactor that reads every agent's
// terminal, and the built-in detector packs; runs share them.
//
//   auto rt = baton::runtime::open();
//   auto r = (*rt)->start({.plan_path = "plan.toml"});
//   (*r)->wait(std::chrono::hours{1});
//
// A run is one team of agents driven to a verified result and recorded in
// its own log directory (DESIGN.md §1–2). start() checks the plan as
// `baton check` does and starts nothing when it has problems; resume()
// continues a run whose engine stopped, from its log.
//
// Thread-safe: start and resume may be called from any thread. The runtime
// must outlive the runs it started, and must be destroyed before main()
// returns — not as a static object: its actor system's threads may not
// outlive the C++ runtime's own teardown.
#pragma once

#include <memory>

#include "baton/options.hpp"
#include "baton/result.hpp"
#include "baton/run.hpp"

namespace baton {

class runtime {
public:
  /// Errors: ec::io_error when the PTY reactor cannot start.
  static result<std::unique_ptr<runtime>> open(const runtime_options& opts
                                               = {});

  ~runtime();
  runtime(const runtime&) = delete;
  runtime& operator=(const runtime&) = delete;

  /// Starts a run of a plan. Errors: ec::invalid_argument with every
  /// problem of the plan, one per line ("plan.toml:12:1: ..."), or when
  /// the log directory already holds a run (and `replace` is false);
  /// ec::not_found when the plan file cannot be read; ec::locked when
  /// another engine has the log open; ec::io_error.
  result<std::unique_ptr<run>> start(const run_options& opts);

  /// Continues the stopped run in `opts.log_dir`: settled tasks stay
  /// settled, interrupted ones are dispatched again with each agent's
  /// checkpoint summary. Errors: ec::not_found (no run there),
  /// ec::invalid_argument (a finished run: nothing to resume; the recorded
  /// plan no longer parses), ec::locked (an engine still runs it).
  result<std::unique_ptr<run>> resume(const resume_options& opts);

  struct impl;

private:
  explicit runtime(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

} // namespace baton
