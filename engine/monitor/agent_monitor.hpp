// agent_monitor: everything Baton reads from one agent's terminal, in one
// place — the screen model, the pack's detector, the protocol tracker — fed
// with the agent's bytes and logical time, giving back what happened: state
// changes with evidence, protocol messages (each once), compaction markers.
//
// This is the per-agent fold a worker actor (live), `baton detect` (over a
// recording) and replay (over the log) all run, so they agree by
// construction. Pure and deterministic: the same bytes, typed inputs and
// times give the same observations.
//
// The state it reports is the detector's, with one judgement the screen
// alone cannot make: how a turn ended. When the screen says the turn ended
// (the detector's `done`, or `idle` after it was `working` since the last
// input), the last STATUS line the agent wrote since that input decides:
// `STATUS: BLOCKED` makes it `blocked`, `STATUS: ERROR` makes it `error`
// (evidence: the detector's rule + "STATUS line", the line itself).
// Whether the CLI takes input is still the screen's (the detector's) say.
//
// It also tells the tracker what only the bytes show: a screen clear
// (ESC[2J, ESC[3J, ESC c), after which a CLI may repaint its transcript;
// and, for a pack whose CLI does not redraw lines in place, where the
// cursor is, so that lines above it are reported at once.
//
// Resource type (owns a screen); not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/detect/approval.hpp"
#include "engine/detect/detector.hpp"
#include "engine/protocol/tracker.hpp"
#include "engine/terminal/screen.hpp"

namespace baton::engine {

/// One thing worth recording about an agent.
struct observation {
  enum class kind : uint8_t {
    /// The detected state changed (`change`).
    state,
    /// A protocol message appeared (`message`).
    protocol,
    /// The CLI's context-compaction marker appeared (`marker`).
    compaction,
  };
  kind what = kind::state;
  uint64_t at = 0;
  detect::state_change change;
  protocol::occurrence message;
  detect::evidence marker;
  /// A change to waiting_approval: what the prompt asks (the session fills
  /// it in from the pack's [approval] rules).
  detect::approval_ask ask;

  friend bool operator==(const observation&, const observation&) = default;
};

class agent_monitor {
public:
  /// The default coalescing window: 2 ms of logical time.
  static constexpr uint64_t default_coalesce_us = 2000;

  /// Bytes arriving within `coalesce_us` logical microseconds of the last
  /// evaluation are rendered at once but evaluated together when the window
  /// closes (next_deadline()): a flood of output costs one detector pass per
  /// window, not one per chunk, and nothing waits longer than the window.
  /// 0 evaluates on every feed.
  /// @pre pack != nullptr
  agent_monitor(std::shared_ptr<const detect::pack> pack,
                screen_options opts = {},
                uint64_t coalesce_us = default_coalesce_us,
                protocol::tracker_options tracking = {});

  /// Bytes the agent wrote, arriving at logical time `now` (not decreasing).
  /// Evaluated now, or when the coalescing window closes (next_deadline()).
  std::vector<observation> feed(std::string_view bytes, uint64_t now);

  /// Re-evaluates at `now` without new bytes: call it when next_deadline()
  /// passes (a quiet period ends).
  std::vector<observation> tick(uint64_t now);

  /// The engine typed `text` into the agent: it is never taken for the
  /// agent's own protocol lines, and scrollback "since input" restarts.
  void typed(std::string_view text);

  /// The agent's terminal changed size: the screen follows, as the
  /// program's own terminal does.
  void resize(uint16_t cols, uint16_t rows) {
    screen_.resize(cols, rows);
  }

  /// The agent's process ended.
  std::vector<observation> exited(uint64_t now, std::string description);

  /// When tick() must be called even if no bytes arrive (a quiet period
  /// ends, or a coalescing window closes); 0 when never.
  uint64_t next_deadline() const noexcept;

  /// Bytes the terminal answers to the agent's queries; write them back.
  std::string take_replies() {
    return screen_.take_replies();
  }

  /// The agent's state (see the file comment).
  detect::state state() const noexcept {
    return state_;
  }
  /// The evidence of state().
  const detect::evidence& evidence() const noexcept {
    return evidence_;
  }
  /// Whether the CLI takes input now (its screen's state is one of the
  /// pack's input_ready).
  bool input_ready() const {
    return detector_.input_ready();
  }
  const engine::screen& screen() const noexcept {
    return screen_;
  }
  const detect::detector& detector() const noexcept {
    return detector_;
  }

private:
  std::vector<observation> evaluate(uint64_t now);
  /// The state and evidence to report, from the detector's and the turn's
  /// last STATUS line.
  std::pair<detect::state, detect::evidence> judged() const;
  /// The change to the judged state at `now`, if it changed.
  std::optional<observation> report_state(uint64_t now);
  /// Protocol observations for `found`, noting the turn's STATUS lines.
  void take(std::vector<protocol::occurrence> found, uint64_t now,
            std::vector<observation>& out);

  uint64_t coalesce_us_;
  engine::screen screen_;
  detect::detector detector_;
  protocol::tracker tracker_;
  /// Bytes fed since the last evaluation, and when that was.
  bool pending_ = false;
  bool evaluated_once_ = false;
  uint64_t evaluated_at_ = 0;
  /// The state reported last, and its evidence.
  detect::state state_ = detect::state::starting;
  detect::evidence evidence_;
  /// Since the last input: the detector said working; the last STATUS.
  bool worked_ = false;
  std::optional<protocol::message> turn_status_;
  /// The last bytes fed, for a clear sequence cut between two feeds.
  std::string tail_;
};

} // namespace baton::engine
