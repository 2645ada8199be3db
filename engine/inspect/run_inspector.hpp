// run_inspector: the whole run as it stood at one point of its log — tasks
// and agents (engine::run_view), open NEEDs and who waits on whom, counters,
// and each agent's screen — folded from the events of every stream in
// global order up to that point. `baton show` prints it.
//
// Wait-for edges come from the orchestrator's own decisions: an agentTold
// whose why is "need from X" makes X wait on the agent told, until that
// agent's CONTRACT reaches the orchestrator. A task waiting for tasks named
// in its `after` waits on those that have not passed.
//
// Screens: each worker stream's ptyOutput is fed to an engine::screen of the
// size its processStarted gives; a restarted process starts a fresh screen,
// as the worker does. Pure: events in, state out. Resource type (owns the
// screens): not copyable.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/orchestration/run_view.hpp"
#include "engine/terminal/screen.hpp"
#include "schema/events.capnp.h"

namespace baton::engine {

struct inspect_need {
  /// Who needs it.
  std::string agent;
  std::string resource;
  std::string text;
  /// Who was asked for it ("" when nobody was: held for the operator).
  std::string owner;
  uint64_t since_us = 0;
};

struct inspect_wait {
  std::string waiter;
  std::string on;
  /// "need from frontend: api/openapi.json", "runs after it".
  std::string why;
};

/// Where the fold stopped.
struct inspect_point {
  uint64_t position = 0;
  std::string stream;
  uint64_t sequence = 0;
  uint64_t logical_time = 0;
};

struct run_inspector_options {
  /// Keep the agents' screens. Default: true.
  bool screens = true;
  /// Keep only this agent's screen ("" keeps every worker's).
  std::string only_screen;
};

class run_inspector {
public:
  explicit run_inspector(run_inspector_options opts = {});
  ~run_inspector();
  run_inspector(const run_inspector&) = delete;
  run_inspector& operator=(const run_inspector&) = delete;

  /// Applies the next event in global order.
  void apply(std::string_view stream, uint64_t sequence, uint64_t position,
             uint64_t logical_time, schema::Event::Reader e);

  const run_view& view() const {
    return view_;
  }
  /// The task's attempts allowed by the plan, as the orchestrator counts
  /// and tells them ("Attempt 2 of 3"): 1 + its retries. A task not in the
  /// plan (found on a swarm's board) has the run's; 0 before the run
  /// started.
  uint32_t max_attempts(std::string_view task) const;
  /// NEEDs not answered by a CONTRACT yet, oldest first.
  const std::vector<inspect_need>& open_needs() const {
    return needs_;
  }
  std::vector<inspect_wait> waits() const;
  /// Events per stream so far, by stream name.
  const std::map<std::string, uint64_t, std::less<>>& events() const {
    return events_;
  }
  /// Attempts of every task so far, and agent restarts.
  uint64_t attempts() const;
  uint64_t restarts() const;
  /// The agents with a screen, in name order.
  std::vector<std::string> screen_agents() const;
  /// The agent's visible rows, trailing blank rows dropped.
  std::vector<std::string> screen_rows(std::string_view agent) const;
  /// The agent's screen model; null before its process started.
  const screen* screen_of(std::string_view agent) const;
  /// The last event applied (position 0 when none).
  const inspect_point& point() const {
    return point_;
  }

  /// The state for people: sections for the run, tasks, agents, waits,
  /// counters and screens.
  std::string render() const;
  /// The same as one JSON object.
  std::string to_json() const;

private:
  void apply_orchestrator(schema::Event::Reader e);
  void apply_worker(std::string_view agent, schema::Event::Reader e);

  run_inspector_options opts_;
  run_view view_;
  std::map<std::string, uint32_t, std::less<>> max_attempts_;
  uint32_t default_attempts_ = 0;
  std::map<std::string, std::vector<std::string>, std::less<>> after_;
  std::vector<inspect_need> needs_;
  std::map<std::string, uint64_t, std::less<>> events_;
  std::map<std::string, std::unique_ptr<screen>, std::less<>> screens_;
  inspect_point point_;
};

} // namespace baton::engine
