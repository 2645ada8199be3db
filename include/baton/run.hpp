// A run of a team of agents, steered through Baton's public API.
//
// baton::controls is what every door of the engine can do to a run (the
// C++ library, the `baton` CLI, the HTTP API and the MCP server are written
// against it, so none can do what the others cannot). Two kinds implement
// it:
//   - baton::run: a run this process started or resumed (baton::runtime);
//   - baton::remote: a run another process serves, reached through the
//     control socket in its log directory (baton::connect).
//
// Every change made through controls is an operator command: checked
// against the run as it stands (bad input is refused with the reason and
// changes nothing), recorded on the run's `operator` stream with who made
// it, then applied. `baton replay` of a steered run makes the same
// decisions; `baton why` shows "the operator (who, o3) did X". A command's
// result is its id ("o3"), returned once the command was applied.
//
// Thread safety: every method of controls, run and remote may be called
// from any thread, concurrently.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "baton/event_cursor.hpp"
#include "baton/options.hpp"
#include "baton/result.hpp"
#include "baton/status.hpp"

namespace baton {

class controls {
public:
  virtual ~controls() = default;

  /// The run's status: tasks, agents and their states, approvals, as the
  /// log holds them now. Errors: ec::io_error, ec::closed (remote: no
  /// engine serves the run any more).
  virtual result<run_status> status() = 0;

  /// The agent's screen as the engine's screen model renders it now.
  /// Errors: ec::not_found for an agent not in the run.
  virtual result<baton::screen> screen(const std::string& agent) = 0;

  /// Types `text` into `agent` as an acknowledged prompt (pasted, then its
  /// submit key, confirmed by the agent's reaction, retried as the pack
  /// says). Returns the command's id, which is also the delivery's: see
  /// await_delivery(). Errors: ec::invalid_argument (unknown agent, its
  /// process exited, empty text), ec::closed (the run finished).
  virtual result<std::string> send(const std::string& agent,
                                   const std::string& text,
                                   const std::string& by = "operator")
    = 0;

  /// Passes `keys` to `agent` as they are (no paste, no submit key, no
  /// acknowledgement): a person typing in `baton attach`. Errors as send().
  virtual result<std::string> send_keys(const std::string& agent,
                                        const std::string& keys,
                                        const std::string& by = "operator")
    = 0;

  /// Waits up to `timeout` for the outcome of the delivery `id` (a send's
  /// result). Errors: ec::timeout when it has not ended yet (call again),
  /// ec::not_found when no send has that id.
  virtual result<delivery> await_delivery(const std::string& id,
                                          std::chrono::milliseconds timeout)
    = 0;

  /// Adds a task to the running run (it is dispatched like the plan's
  /// own). Returns the command's id. Errors: ec::invalid_argument with
  /// every problem `baton check` would report for it.
  virtual result<std::string> add_task(const task_spec& task,
                                       const std::string& by = "operator")
    = 0;

  /// Fails a task that has not settled (its agent is told to stop working
  /// on it); runs a settled one again from attempt 1 (with its dependents
  /// that never started because it failed).
  virtual result<std::string> cancel_task(const std::string& task,
                                          const std::string& reason = {},
                                          const std::string& by = "operator")
    = 0;
  virtual result<std::string> rerun_task(const std::string& task,
                                         const std::string& reason = {},
                                         const std::string& by = "operator")
    = 0;

  /// Answers the approval request `id` (run_status::approvals) with
  /// "allow", "allow_always" or "deny". Errors: ec::invalid_argument when
  /// no such request waits (the message lists those that do).
  virtual result<std::string> decide_approval(const std::string& id,
                                              const std::string& answer,
                                              const std::string& reason = {},
                                              const std::string& by
                                              = "operator")
    = 0;

  /// Stops the run: tasks not settled fail, agents are asked to exit
  /// (killed at once when `immediate`). Returns the command's id.
  virtual result<std::string> stop(bool immediate = false,
                                   const std::string& reason = {},
                                   const std::string& by = "operator")
    = 0;
};

/// A run this process drives. Made by runtime::start / runtime::resume;
/// destroying it stops what still runs (agents killed after their grace)
/// and closes the log.
class run final : public controls {
public:
  ~run() override;
  run(const run&) = delete;
  run& operator=(const run&) = delete;

  result<run_status> status() override;
  result<baton::screen> screen(const std::string& agent) override;
  result<std::string> send(const std::string& agent, const std::string& text,
                           const std::string& by = "operator") override;
  result<std::string> send_keys(const std::string& agent,
                                const std::string& keys,
                                const std::string& by = "operator") override;
  result<delivery> await_delivery(const std::string& id,
                                  std::chrono::milliseconds timeout) override;
  result<std::string> add_task(const task_spec& task,
                               const std::string& by = "operator") override;
  result<std::string> cancel_task(const std::string& task,
                                  const std::string& reason = {},
                                  const std::string& by = "operator") override;
  result<std::string> rerun_task(const std::string& task,
                                 const std::string& reason = {},
                                 const std::string& by = "operator") override;
  result<std::string> decide_approval(const std::string& id,
                                      const std::string& answer,
                                      const std::string& reason = {},
                                      const std::string& by
                                      = "operator") override;
  result<std::string> stop(bool immediate = false,
                           const std::string& reason = {},
                           const std::string& by = "operator") override;

  /// The run's events from global position `from` (1: all of them).
  std::unique_ptr<event_cursor> events(uint64_t from = 1) const;

  /// Waits up to `timeout` for the run to end (every agent stopped, every
  /// event durable). True when it has.
  bool wait(std::chrono::milliseconds timeout);
  bool done() const;

  /// Once done: 0 every task passed its gates, 3 shipped without some tasks
  /// as the plan allows, 4 tasks left for the operator, 1 otherwise — the
  /// exit codes of `baton run`.
  int exit_code();

  /// The log directory, and the last global position of the part of the
  /// run before this engine resumed it (0 for a new run).
  const std::string& log_dir() const;
  uint64_t resumed_at() const;
  /// The run's name and the plan's numbers, for a title line.
  std::string describe() const;

  /// The run's logical time now (µs since it began).
  uint64_t now() const;

  struct impl;

private:
  friend class runtime;
  explicit run(std::unique_ptr<impl> p);
  /// Serves the control socket in the log directory.
  result<void> serve();
  std::unique_ptr<impl> impl_;
};

/// A run served by another process, reached through `control.sock` in its
/// log directory. Each call is one request on its own connection.
class remote final : public controls {
public:
  ~remote() override;
  remote(const remote&) = delete;
  remote& operator=(const remote&) = delete;

  result<run_status> status() override;
  result<baton::screen> screen(const std::string& agent) override;
  result<std::string> send(const std::string& agent, const std::string& text,
                           const std::string& by = "operator") override;
  result<std::string> send_keys(const std::string& agent,
                                const std::string& keys,
                                const std::string& by = "operator") override;
  result<delivery> await_delivery(const std::string& id,
                                  std::chrono::milliseconds timeout) override;
  result<std::string> add_task(const task_spec& task,
                               const std::string& by = "operator") override;
  result<std::string> cancel_task(const std::string& task,
                                  const std::string& reason = {},
                                  const std::string& by = "operator") override;
  result<std::string> rerun_task(const std::string& task,
                                 const std::string& reason = {},
                                 const std::string& by = "operator") override;
  result<std::string> decide_approval(const std::string& id,
                                      const std::string& answer,
                                      const std::string& reason = {},
                                      const std::string& by
                                      = "operator") override;
  result<std::string> stop(bool immediate = false,
                           const std::string& reason = {},
                           const std::string& by = "operator") override;

  /// The agent's terminal, live: `on_bytes` gets the screen as it stands
  /// (rendered, to draw first), then every byte the agent writes, until it
  /// returns false, the agent's run ends, or the connection drops. While
  /// the agent is quiet, `on_bytes` is called with no bytes every 100 ms
  /// (so that it can return false to leave). Blocks the caller; `on_bytes`
  /// runs on the caller's thread.
  result<void> attach(const std::string& agent,
                      const std::function<bool(std::string_view)>& on_bytes);

  const std::string& log_dir() const;

  struct impl;

private:
  friend result<std::unique_ptr<remote>> connect(const std::string& log_dir);
  explicit remote(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

/// Reaches the engine serving the run in `log_dir`. Errors: ec::not_found
/// "no engine runs <dir>" when nothing listens there (no run, a finished
/// one, or a socket left by a killed engine).
result<std::unique_ptr<remote>> connect(const std::string& log_dir);

/// The status of the run in `log_dir`: asked of the engine serving it, or
/// folded from its log when none does (a finished or stopped run).
result<run_status> read_status(const std::string& log_dir);

} // namespace baton
