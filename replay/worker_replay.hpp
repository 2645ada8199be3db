// Replaying a worker's stream: each session core is rebuilt from its
// recorded sessionOpened (pack text and options), fed every recorded input
// — the agent's output, timers, prompts to type, the process's exit — at
// its recorded logical time, and each event the core derives (state
// changes, protocol messages, compaction markers, finished deliveries, the
// bytes typed into the terminal) is compared, byte for byte, with the
// event the run recorded. No agent is run: its output is recorded data.
#pragma once

#include <string_view>

#include "replay/orchestrator_replay.hpp"

namespace baton::replay {

/// Replays stream `worker/<agent>`. Errors: ec::not_found when the log has
/// no such stream; ec::invalid_argument when the stream does not begin a
/// session with sessionOpened (a log recorded before sessions were) or a
/// recorded pack does not parse; read errors as event_log::read says them.
result<replay_report> replay_worker(const storage::event_log& log,
                                    std::string_view agent,
                                    const replay_options& opts = {});

} // namespace baton::replay
