// The messages actors send each other (schema/messages.capnp), built from and
// read into C++ values. Each decoder checks the frame and says what is wrong
// with a bad one instead of throwing.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include "engine/frame.hpp"
#include "engine/orchestration/inputs.hpp"
#include "engine/result.hpp"

namespace baton::actors {

/// Type `text` into the agent as an acknowledged prompt.
struct prompt_command {
  std::string text;
  std::string why;
  /// True: `text` names an answer to a permission prompt ("allow",
  /// "allow_always", "deny"); the worker types its pack's keys for it.
  bool answer = false;
  /// The operator command it carries out ("o3"): its delivery's
  /// InputFinished carries it. Empty for the engine's own prompts.
  std::string ref = {};
  /// True: `text` is keys a person typed, passed through as they are.
  bool raw = false;
  /// What it is for (PromptRequested.purpose); unset in runs of record
  /// version 0.
  engine::purpose purpose = {};
  friend bool operator==(const prompt_command&, const prompt_command&)
    = default;
};

/// Start the agent's process again.
struct restart_command {
  std::string why;
  friend bool operator==(const restart_command&, const restart_command&)
    = default;
};

/// Stop the agent's process: ask, then kill after a grace period, or at once.
struct stop_command {
  std::string reason;
  bool immediate = false;
  friend bool operator==(const stop_command&, const stop_command&) = default;
};

/// Record the files the agent changed during an attempt (the gate's scan).
struct files_command {
  std::string task;
  uint32_t attempt = 0;
  std::vector<std::string> paths;
  friend bool operator==(const files_command&, const files_command&) = default;
};

using worker_command
  = std::variant<prompt_command, restart_command, stop_command, files_command>;

/// A WorkerCommand frame.
frame encode_worker_command(const worker_command& c);

/// Errors: ec::invalid_argument for a frame that is not a WorkerCommand.
result<worker_command> decode_worker_command(const frame& f);

/// A worker's report as the orchestrator receives it: `event` is a
/// schema::Event frame whose root is workerReported — the bytes the
/// orchestrator records — and `logical_time` when the worker recorded it.
struct worker_report {
  frame event;
  uint64_t logical_time = 0;
  friend bool operator==(const worker_report&, const worker_report&) = default;
};

/// A WorkerReport frame. @pre r.event's root is an Event with workerReported.
frame encode_worker_report(const worker_report& r);

/// Errors: ec::invalid_argument for a frame that is not a WorkerReport.
result<worker_report> decode_worker_report(const frame& f);

/// A GateReport frame.
frame encode_gate_report(const engine::gate_finished& g);

/// Errors: ec::invalid_argument for a frame that is not a GateReport.
result<engine::gate_finished> decode_gate_report(const frame& f);

} // namespace baton::actors
