// line_history: a window on the logical lines an agent's output produced.
//
// Every logical line (soft-wrapped rows joined) gets an index in order of
// appearance, counting from 0 for the first line that ever scrolled off.
// Indices are stable: a line keeps its index while it moves up the screen
// and after it scrolls into scrollback. Lines below `final_end` have
// scrolled off and will never change; lines from `final_end` on are the
// visible screen and may still be redrawn.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace baton::engine {

struct line_history {
  /// The index of lines.front().
  uint64_t first = 0;
  /// Lines with an index below this are final (in scrollback).
  uint64_t final_end = 0;
  /// The oldest index the screen still retains; earlier lines are gone.
  uint64_t retained_begin = 0;
  /// The terminal's width when the history was taken; 0 when unknown.
  uint16_t cols = 0;
  std::vector<std::string> lines;

  /// One past the index of lines.back().
  uint64_t end() const noexcept {
    return first + lines.size();
  }

  friend bool operator==(const line_history&, const line_history&) = default;
};

} // namespace baton::engine
