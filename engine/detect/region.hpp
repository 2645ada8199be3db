// region: the part of a screen a detector rule looks at.
//
// Spelled in packs as:
//   screen                  every row, top to bottom (trailing blank rows
//                           dropped)
//   bottom:N                the last N non-empty rows
//   last_line               the last non-empty row (bottom:1)
//   cursor_line             the row the cursor is on
//   above_prompt[:N]        the last N (default 3) non-empty rows above the
//                           prompt box: the lowest box drawn with box
//                           characters (`╭──╮ │ > │ ╰──╯`, `┌ └`) or
//                           between two horizontal rules (`────`); empty
//                           when there is no box
//   title                   the window title (OSC 0/2)
//   scrollback_since_input  everything printed since the last input: the
//                           lines that scrolled off since, then the screen
// Rows are joined with "\n" in their screen order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/result.hpp"
#include "engine/terminal/screen_view.hpp"

namespace baton::engine::detect {

struct region {
  enum class kind : uint8_t {
    screen,
    bottom,
    last_line,
    cursor_line,
    above_prompt,
    title,
    scrollback_since_input,
  };

  region::kind what = kind::screen;
  /// Rows, for bottom and above_prompt.
  size_t lines = 0;

  friend bool operator==(const region&, const region&) = default;
};

/// The region spelled `spec`; ec::parse_error naming the spelling when it
/// is not one of the above (N must be 1..1000).
result<region> parse_region(std::string_view spec);

/// The spelling of `r`, e.g. "bottom:5".
std::string to_string(const region& r);

/// The text of `r` on `view`.
std::string region_text(const region& r, const screen_view& view);

} // namespace baton::engine::detect
