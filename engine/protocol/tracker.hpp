// tracker: each protocol message an agent writes, reported once.
//
// A TUI redraws its screen many times a second; a protocol line stays on
// screen while the spinner turns, moves when the layout changes, and
// scrolls off eventually. The tracker is fed successive views of the
// screen's logical line history (screen::history(tracker.scan_from())) and
// reports each occurrence once:
//
//  - An occurrence is identified by its kind, its text and its index in the
//    line history. Seeing the same text at the same index again is a
//    redraw. The same text found within `max_drift` lines of where it was
//    last seen, while its old place no longer shows it, is the same
//    occurrence moved by a redraw. The same text at another index while the
//    first is still there, or after it scrolled away, is a new occurrence:
//    a worker that prints `STATUS: DONE` twice is reported twice.
//  - Lines that have scrolled off (history.final_end) are final and are
//    reported at once. Lines still on screen may be half-drawn (a streamed
//    message, a line the CLI is still wrapping) and are reported only when
//    the caller says the screen has settled (the detector left `working`,
//    or the screen was quiet for the pack's quiet period). A line that
//    grows at the same index after it was reported (the rest of a streamed
//    line) is the same occurrence.
//  - Text the engine typed into the agent is registered with
//    register_input(); a protocol line equal to a typed line (or the start
//    of one, cut by the CLI's wrapping or its input box) is the echo of the
//    engine's own words, e.g. a dispatch prompt that explains the protocol,
//    and is never reported. A bare `STATUS: DONE` with no text is only
//    taken for an echo when a typed line is exactly that.
//  - After an input, an occurrence that is no longer on screen is
//    forgotten: the same line appearing again at the same place answers
//    the new input and is reported.
//  - A line above the cursor that the CLI will not redraw is complete:
//    observe()'s `complete_end` says up to which history index lines are
//    (for a line-oriented program, everything above the cursor's line).
//    Complete lines are reported at once, settled or not.
//  - A repaint: a CLI that clears its screen (screen_cleared()) and draws
//    its whole transcript again (Gemini CLI does) redraws lines reported
//    before, in the order they were reported. Until the next input, a new
//    line equal to the next such earlier occurrence (in report order) is
//    that occurrence redrawn, not a new one: the same occurrence is the
//    same line wherever it is redrawn, even after it scrolled away. A
//    line printed after the repaint that repeats an earlier one out of
//    that order is still new.
//
// Pure and deterministic; value type.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/protocol/message.hpp"
#include "engine/protocol/parser.hpp"
#include "engine/terminal/line_history.hpp"

namespace baton::engine::protocol {

/// Typed rows already read for protocol lines (register_input), each with
/// the line it holds or none: the protocol block of a dispatch prompt is
/// the same in every prompt of a run. A value: share it only where one
/// thread uses it (a replay shares one over every worker's stream).
struct typed_memo {
  /// Rows kept before the memo starts again (bounds its memory).
  static constexpr size_t max_rows = 4096;
  std::map<std::string, std::optional<std::string>, std::less<>> rows;
};

struct tracker_options {
  /// How many lines a redraw may move an occurrence and it still count as
  /// the same. Default: 30 (a screen's height).
  uint64_t max_drift = 30;
  /// Typed inputs remembered for echo filtering. Default: 32.
  size_t inputs_kept = 32;
  /// A PROGRESS or BUILD line still on screen while the agent works counts
  /// once it has stood unchanged at the same place for this long (logical
  /// µs): a step an agent reports mid-turn is progress then, not when the
  /// turn ends (stalls are judged by it). Other kinds, whose text is acted
  /// on (a DONE's evidence, a NEED's resource, a CONTRACT's body), still
  /// wait for the screen to settle. 0: every kind waits. Default: 2 s.
  uint64_t progress_stable_us = 2'000'000;
  /// Shared reading of typed rows (see typed_memo); null: each tracker
  /// reads its own. The result is the same either way.
  std::shared_ptr<typed_memo> memo = nullptr;
};

/// A protocol message and where it occurred.
struct occurrence {
  protocol::message message;
  /// The history index of its first line.
  uint64_t index = 0;
  /// It was read from scrollback (true) or from the visible screen.
  bool final = false;

  friend bool operator==(const occurrence&, const occurrence&) = default;
};

class tracker {
public:
  explicit tracker(tracker_options opts = {});

  /// The history index the next observe() needs lines from; pass it to
  /// screen::history().
  uint64_t scan_from() const noexcept {
    return scan_from_;
  }

  /// Reads `history` and returns the occurrences not reported before, in
  /// order. `settled`: the visible screen is finished for now, so its
  /// protocol lines may be reported too. `now`: the logical time of this
  /// look, for lines that count once stable (progress_stable_us).
  /// `complete_end`: lines that end below this history index are complete
  /// (the CLI moved past them for good) and are reported even when the
  /// screen has not settled; 0: only scrollback is.
  std::vector<occurrence> observe(const line_history& history, bool settled,
                                  uint64_t now = 0, uint64_t complete_end = 0);

  /// The agent cleared its screen (or its scrollback): what it draws next
  /// may be its transcript again (see the file comment), until the next
  /// register_input().
  void screen_cleared() noexcept {
    repaint_ = true;
    repaint_from_ = 0;
  }

  /// Registers text the engine typed into the agent (its prompt, an
  /// answer): the text itself, without the bracketed-paste markers or the
  /// submit key. Starts a new input epoch (see the file comment).
  void register_input(std::string_view text);

  /// When a PROGRESS or BUILD line waiting on screen will have stood long
  /// enough to count (logical µs); 0 when none waits.
  uint64_t next_due() const noexcept {
    uint64_t due = 0;
    for (auto& p : pending_)
      if (due == 0 || p.since + opts_.progress_stable_us < due)
        due = p.since + opts_.progress_stable_us;
    return due;
  }

  /// Occurrences remembered for de-duplication (bounded by the lines in
  /// view).
  size_t remembered() const noexcept {
    return seen_.size();
  }

private:
  struct seen {
    uint64_t index;
    protocol::kind kind;
    std::string line;
    /// The input epoch in which it was last on screen.
    uint64_t epoch;
    bool claimed;
  };

  bool is_echo(const message& m) const;
  seen* match(const message& m, uint64_t index, uint64_t first);
  void forget(uint64_t first);

  /// PROGRESS and BUILD lines on screen while the agent works, and since
  /// when each has stood unchanged where it is.
  struct pending {
    uint64_t index;
    std::string line;
    uint64_t since;
  };

  /// Occurrences reported, oldest first (at most max_reported), for
  /// recognising a repaint.
  struct reported {
    protocol::kind kind;
    std::string line;
  };
  static constexpr size_t max_reported = 512;

  /// The earlier occurrence that a new line in a repaint redraws, or
  /// nullptr; advances the repaint's place when it finds one.
  const reported* redrawn(const message& m);

  /// The protocol line a typed row holds, if any (through opts_.memo).
  std::optional<std::string> typed_line(std::string_view row);

  tracker_options opts_;
  std::vector<pending> pending_;
  std::deque<reported> reported_;
  /// A repaint may be under way; reported_[repaint_from_...] are the
  /// occurrences it may still redraw.
  bool repaint_ = false;
  size_t repaint_from_ = 0;
  uint64_t scan_from_ = 0;
  uint64_t epoch_ = 0;
  std::vector<seen> seen_;
  /// Protocol lines of recent inputs, normalised like message::line.
  std::deque<std::vector<std::string>> typed_;
};

} // namespace baton::engine::protocol
