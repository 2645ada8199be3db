// Comparing what replay derives with what a run recorded: the derived
// events of a stream, in order, must be exactly those its inputs produce,
// in order (inputs and derived events may interleave in the stream: an
// input can be recorded while what the one before derived is on its way to
// the log). The first that is not is the divergence.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <utility>

#include "engine/frame.hpp"
#include "replay/orchestrator_replay.hpp"
#include "storage/event_log.hpp"

namespace baton::replay::detail {

/// The event as JSON text, for a divergence report.
std::string as_text(const frame& f);

/// The recorded event's payload re-encoded canonically (the log copies
/// payloads, so compare like with like).
frame canonical(const storage::recorded_event& e);

class derived_matcher {
public:
  explicit derived_matcher(std::string stream) : stream_(std::move(stream)) {
  }

  /// The replay derived `f`.
  void derived(frame f) {
    pending_.push_back(std::move(f));
  }

  /// The run recorded `e`, a derived event. Returns false (and sets the
  /// divergence) when it is not the next one the replay derived.
  bool recorded(const storage::recorded_event& e);

  /// What the replay derived and the run did not record yet.
  bool has_pending() const {
    return !pending_.empty();
  }
  const frame& next_pending() const {
    return pending_.front();
  }
  /// Forgets what was derived and never recorded (an engine that stopped
  /// before recording it).
  void drop_pending() {
    pending_.clear();
  }
  /// What was derived and not recorded, in order (a rebuild goes on with
  /// it).
  std::deque<frame> take_pending() {
    return std::exchange(pending_, {});
  }

  std::optional<divergence>& first_divergence() {
    return divergence_;
  }

private:
  std::string stream_;
  std::deque<frame> pending_;
  std::optional<divergence> divergence_;
};

} // namespace baton::replay::detail
