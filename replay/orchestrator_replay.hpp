// Replaying the orchestrator's stream: the engine's orchestrator is rebuilt
// from the plan the run recorded (runStarted's plan text), fed every
// recorded input with its recorded logical time, and each decision it makes
// is compared, byte for byte (canonical Cap'n Proto), with the decision the
// run recorded. No agent is spawned and nothing is executed.
//
// Inputs and decisions interleave in the stream (an input may be recorded
// while the decisions of the one before are on their way to the log), but
// decisions are recorded in the order they were made: the decisions in the
// stream, in order, must be exactly those the inputs produce, in order. The
// first that is not is the divergence.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/orchestration/orchestrator.hpp"
#include "engine/orchestration/orchestrator_snapshot.hpp"
#include "engine/result.hpp"
#include "engine/session/session_record.hpp"
#include "storage/event_log.hpp"

namespace baton::replay {

struct divergence {
  std::string stream;
  /// The sequence of the recorded decision that differs (or of the last
  /// event, when a decision the replay made was never recorded).
  uint64_t sequence = 0;
  /// What the replay decided, and what the run recorded (as text).
  std::string expected;
  std::string found;
};

struct replay_report {
  uint64_t inputs = 0;
  uint64_t decisions = 0;
  /// Empty when the replay made exactly the recorded decisions.
  std::optional<divergence> first_divergence;
};

struct replay_options {
  /// Replay up to and including this sequence of the stream. Default: all.
  uint64_t until = UINT64_MAX;
  /// Replay only events recorded at or before this logical time (µs since
  /// the run began). Default: all.
  uint64_t until_time = UINT64_MAX;
  /// Replace the recorded plan text (to see what a changed plan or rule
  /// would have decided). Default: empty, the recorded one.
  std::string plan_text;
  /// The plan (the recorded one, or plan_text's) already parsed: replay_run
  /// parses it once for every stream that starts from it (the
  /// orchestrator's, each lead's). Default: each parses it.
  std::shared_ptr<const engine::plan> plan;
  /// Detector packs parsed so far: replay_run shares one for every
  /// worker's stream (most record the same pack). Default: each stream
  /// parses its own.
  std::shared_ptr<engine::pack_cache> packs;
  /// Typed rows already read for protocol lines: replay_run shares one
  /// for every worker's stream (every dispatch prompt explains the
  /// protocol in the same rows). Default: each session reads its own.
  std::shared_ptr<engine::protocol::typed_memo> typed;
};

/// Errors: ec::not_found when the log has no orchestrator stream,
/// ec::invalid_argument when its first event is not runStarted or the
/// recorded plan does not parse; read errors as event_log::read says them.
result<replay_report> replay_orchestrator(const storage::event_log& log,
                                          const replay_options& opts = {});

/// A run's orchestrator as its log left it: the engine fed every recorded
/// input (its decisions are the recorded ones; nothing is compared or
/// executed), and the decisions it made that were not recorded when it
/// stopped (the last input's, on their way to the log): the resumed run
/// records them first, so the log tells the whole story.
using recorded_run = engine::recorded_orchestrator;

/// How a rebuild went.
struct rebuild_stats {
  /// The orchestrator stream's sequence of the snapshot it started from
  /// (0: none, from the first event).
  uint64_t snapshot = 0;
  /// Events folded after it (both streams).
  uint64_t events = 0;
  /// Why the latest snapshot was passed over (empty: used, or none).
  std::string passed_over;
};

/// With `use_snapshots`, starts from the orchestrator's latest snapshot
/// (the actor saves one every [policy] snapshot_every records of its
/// stream) and folds the events after it; a snapshot this build cannot
/// use is passed over, said in `stats`, and the streams are folded from
/// their first event. Errors as replay_orchestrator.
result<recorded_run> rebuild_orchestrator(const storage::event_log& log,
                                          bool use_snapshots = true,
                                          rebuild_stats* stats = nullptr);

} // namespace baton::replay
