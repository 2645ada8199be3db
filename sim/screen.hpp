// screen: the bytes the sim draws, as a TUI draws them. Pure: every method
// returns the bytes to write and updates what the screen knows about the
// terminal (its width, and the live region at the bottom).
//
// The layout, top to bottom: the transcript (messages, tool rows, protocol
// lines; printed once and left to scroll), then the live region, redrawn in
// place: the spinner row and a blank row while working, then the prompt box
// and a footer; or, while asking, the permission box instead.
//
//   ● PROGRESS: 1/3 — read the code            a message: `● `, wrapped at
//                                                width - 2, 2-space indent
//   ● Bash(make test)                           a tool row and its result
//     ⎿  23 passed
//
//   ⠙ Working… (3s · ctrl+c to interrupt)       spinner row, rewritten in
//                                                place with CR and EL
//   ╭────────────────────────────────────╮
//   │ > typed text                       │     prompt box, full width
//   ╰────────────────────────────────────╯
//     ? for shortcuts                           footer (while working:
//                                                `  ctrl+c to interrupt`)
//
// Rows are ended with CR LF (the terminal is in raw mode). Text in rows is
// never split by escape sequences, so protocol lines are contiguous bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace baton::sim {

class screen {
public:
  enum class mode : uint8_t { idle, working, asking };

  /// @param columns the terminal width; widths under 20 are drawn as 20.
  explicit screen(int columns);

  int columns() const {
    return columns_;
  }

  /// Adopts a new width and returns the bytes that redraw the live region.
  std::string resize(int columns);

  /// Erases the live region, prints `rows` and one blank row, and redraws
  /// the live region below them.
  std::string print(const std::vector<std::string>& rows);

  /// Erases the live region and forgets it: what follows is written where
  /// the region began. draw() brings it back.
  std::string erase();

  /// Draws the live region for the current mode.
  std::string draw();

  /// Switches to idle with `input` in the box (cursor shown, in the box).
  std::string idle(std::string_view input);

  /// Switches to working with `spinner` as the spinner row.
  std::string working(std::string_view spinner);

  /// Switches to asking permission for the tool call `call`.
  std::string asking(std::string_view call);

  /// Rewrites the spinner row in place. @pre working mode
  std::string spin(std::string_view spinner);

  /// The window title escape (OSC 0).
  static std::string title(std::string_view text);

  // Row builders (no escape sequences inside the text; colour around it).

  /// An assistant message: `● ` then the text, wrapped.
  std::vector<std::string> message(std::string_view text) const;

  /// A tool row `● Name(args)` and its result rows under `  ⎿  `.
  std::vector<std::string> tool(std::string_view call,
                                const std::vector<std::string>& lines,
                                bool failed) const;

  /// The submitted input as the transcript shows it: `> ` then the text.
  std::vector<std::string> echo(std::string_view text) const;

  /// One dim row (notes like the compaction marker).
  std::vector<std::string> note(std::string_view text) const;

  /// The spinner row for `frame` (a step counter) and `seconds`.
  static std::string spinner(uint64_t frame, std::string_view verb,
                             uint64_t seconds);

private:
  std::vector<std::string> live_rows() const;
  std::vector<std::string> box(std::string_view input,
                               std::string_view footer) const;
  std::vector<std::string> permission_box() const;
  std::string switch_to(mode m);

  int columns_;
  mode mode_ = mode::idle;
  std::string input_;
  std::string spinner_;
  std::string call_;
  /// Rows of the live region on the terminal now, and the row (from its top)
  /// the cursor is on.
  size_t live_rows_ = 0;
  size_t cursor_row_ = 0;
};

} // namespace baton::sim
