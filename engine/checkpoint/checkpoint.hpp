// checkpoint: the re-orientation summary of a worker, folded from its own
// stream — what a worker whose model compacted its context is told, and
// what `baton checkpoint` prints. Pure, so it is the same live and in
// replay; it reads only the worker's stream.
//
// From the stream: the task (the last dispatch prompt and its attempt), the
// steps completed since (PROGRESS and STATUS lines), the next step (the
// PROGRESS still to do, a retry's guidance, or waiting for verification),
// the build status (the last BUILD line), NEEDs it raised that no CONTRACT
// answered, and the contracts it received.
//
// The fold's state saves to a snapshot payload (schema::CheckpointState) and
// restores from one, so a rebuild folds only the events after the latest
// snapshot (replay/checkpoint_rebuild.hpp). Restoring a saved state and
// folding on gives exactly what folding from the first event gives.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/frame.hpp"
#include "engine/result.hpp"
#include "schema/events.capnp.h"

namespace baton::engine {

struct checkpoint_summary {
  std::string task;
  uint32_t attempt = 0;
  /// The task's dispatch prompt, first line (its title).
  std::string task_title;
  std::vector<std::string> completed;
  std::string next_step;
  std::string build;
  std::vector<std::string> open_needs;
  std::vector<std::string> contracts;
  /// Files the engine saw the agent change during the task (the gate's
  /// before/after scans), relative to its directory.
  std::vector<std::string> files_modified;
  /// The last sequence folded.
  uint64_t sequence = 0;

  friend bool operator==(const checkpoint_summary&, const checkpoint_summary&)
    = default;
};

class checkpoint_fold {
public:
  /// Applies event `sequence` of the worker's stream.
  void apply(uint64_t sequence, schema::Event::Reader e);

  const checkpoint_summary& summary() const {
    return s_;
  }

  /// The summary as the text typed into the agent / printed. Its lines
  /// carry no protocol keyword ("STATUS: DONE" reads "status DONE"): the
  /// agent must not take them for lines to write, nor the engine take the
  /// agent's own later lines for echoes of them.
  std::string render(const std::string& agent) const;

private:
  std::string render_as_recorded(const std::string& agent) const;

public:

  /// The state as a snapshot payload: a frame whose root is a
  /// schema::CheckpointState. Deterministic: the same state always gives the
  /// same bytes.
  frame save() const;

  /// A fold in the state `state` (made by save()) holds.
  /// Errors: ec::corruption when it is not a CheckpointState message.
  static result<checkpoint_fold> restore(const frame& state);

private:
  checkpoint_summary s_;
};

} // namespace baton::engine
