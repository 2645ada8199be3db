// gate_runner: verifies a task's attempt after its worker said DONE — reads
// each artifact from the agent's directory and checks its contract
// (engine/orchestration/artifact_check), then runs the task's verification
// commands there. The outcome is a gate_finished input for the orchestrator.
//
// Verification commands are written by the plan's author, not by an agent, and
// are shell commands by nature ("make test"): each runs as `/bin/sh -c CMD` in
// its own process group, with the agent's working directory, a deadline
// (the group is killed when it passes) and the last 2 KiB of its output kept
// for the reason.
//
// Blocking: run it off the actor threads (the orchestrator hands it to a
// worker thread). Thread-safe: no shared state.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "engine/orchestration/inputs.hpp"
#include "engine/plan/plan.hpp"

namespace baton::actors {

struct gate_request {
  std::string task;
  uint32_t attempt = 0;
  /// The agent's working directory; artifact paths are relative to it.
  std::string workdir;
  std::vector<engine::plan_artifact> artifacts;
  std::vector<std::string> verify;
  /// Per command. Default: 10 minutes.
  std::chrono::milliseconds timeout{10 * 60 * 1000};
};

/// Checks every artifact and runs every command (all of them, so the worker
/// learns everything that is wrong at once).
engine::gate_finished run_gate(const gate_request& request);

} // namespace baton::actors
