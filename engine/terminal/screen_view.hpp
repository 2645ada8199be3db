// screen_view: what an agent's terminal shows at one moment, as plain values.
//
// The detector and tools read views, not the live screen: a view is a
// copyable snapshot, so a decision can be recorded, compared and explained
// after the fact. Built by screen::view().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace baton::engine {

/// A cell position, 0-based from the top-left corner.
struct cursor_position {
  int row = 0;
  int col = 0;

  friend bool operator==(const cursor_position&, const cursor_position&)
    = default;
};

struct screen_view {
  uint16_t cols = 0;
  uint16_t rows = 0;
  /// One entry per screen row, top to bottom, UTF-8, trailing blanks
  /// trimmed. Always `rows` entries.
  std::vector<std::string> lines;
  /// wrapped[i]: row i was soft-wrapped by the terminal into row i + 1.
  std::vector<bool> wrapped;
  cursor_position cursor;
  /// The alternate screen is active.
  bool alt_screen = false;
  /// The window title set by OSC 0 or OSC 2; empty when none.
  std::string title;
  /// Logical lines that scrolled off the top since the last
  /// screen::mark_input(), oldest first (at most the view limit).
  std::vector<std::string> scrollback_since_input;
  /// The screen's generation when the view was taken (see screen).
  uint64_t generation = 0;

  friend bool operator==(const screen_view&, const screen_view&) = default;
};

} // namespace baton::engine
