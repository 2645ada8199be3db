// screen: an agent's terminal, rendered the way a person would see it.
//
// Bytes from the PTY go through libvterm, so spinners rewritten in place,
// cleared lines, cursor-positioned text, the alternate screen and the OSC
// window title come out as they would on a real terminal (DESIGN.md §3).
//
// The screen is a pure function of the bytes fed to it: the same bytes, cut
// into chunks anywhere, give the same rows, title, scrollback and replies.
// It never reads a clock, a file or the environment.
//
// Scrollback: rows that scroll off the top of the primary screen are kept as
// logical lines, with rows the terminal soft-wrapped joined into one line.
// libvterm 0.1.4 keeps no wrap flag, so the screen infers it: a row is
// soft-wrapped when a glyph was written in its last column and the next
// glyph landed in column 0 of the following row with no cursor movement in
// between (that is autowrap; an explicit CR LF moves the cursor). The last
// `scrollback_lines` logical lines are kept; a logical line longer than
// `max_line_bytes` is cut into several (a 10 MB line with no newline costs
// bounded memory). The alternate screen has no scrollback.
//
// Terminal queries. Agent CLIs ask the terminal about itself at start. Bytes
// the terminal would send back are collected in an outbox that the caller
// drains with take_replies() and writes to the PTY. Answered:
//   DA1 `ESC[c`        -> `ESC[?1;2c` (libvterm: VT100 with AVO)
//   DA2 `ESC[>c`       -> `ESC[>0;100;0c` (libvterm)
//   DSR `ESC[5n`, CPR `ESC[6n`, DECXCPR `ESC[?6n` (libvterm)
//   DECRQM `ESC[?Ps$p`, DECRQSS `ESC P $q..ST` (libvterm, modes it knows)
//   XTVERSION `ESC[>0q` -> `ESC P >|baton(libvterm 0.1.4) ESC \`
//   OSC 10/11/12 `?`   -> `ESC ]1x;rgb:RRRR/GGGG/BBBB ESC \`, libvterm's
//                         default colours (light grey on black)
//   XTWINOPS `ESC[18t` -> `ESC[8;<rows>;<cols>t`
// Deliberately not answered (a real terminal without the feature is silent
// too; CLIs follow these with DA1 and take its answer as "no"):
//   kitty keyboard `ESC[?u`: Baton types legacy key encodings, so it must not
//     claim the kitty protocol;
//   XTGETTCAP `DCS +q`, OSC 4 palette, OSC 52 clipboard, DA3, pixel sizes
//     (`ESC[14t`, `ESC[16t`): nothing true to say, or nothing to leak.
//
// Robustness: garbage, invalid UTF-8 (shown as U+FFFD) and escape-sequence
// bombs never crash or hang; see sequence_guard for what is held, capped
// (REP at the screen width) or dropped before libvterm sees it. The reply
// outbox is bounded. Cost: libvterm 0.1.4 moves every cell of the screen on
// each scroll, so a flood of short lines costs about 5 us per line at
// 120x30; long lines and in-place redraws are far cheaper per byte.
//
// Resource type (owns a libvterm instance): not copyable, not movable. Not
// thread-safe; one owner feeds it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/terminal/line_history.hpp"
#include "engine/terminal/raw_window.hpp"
#include "engine/terminal/screen_view.hpp"
#include "engine/terminal/sequence_guard.hpp"

struct VTerm;
struct VTermScreen;

namespace baton::engine {

struct screen_options {
  /// Columns. Default: 120.
  uint16_t cols = 120;
  /// Rows. Default: 30.
  uint16_t rows = 30;
  /// Logical lines of scrollback kept. Default: 2000.
  size_t scrollback_lines = 2000;
  /// The longest logical line kept whole, in bytes. Default: 16 KiB.
  size_t max_line_bytes = 16 * 1024;
  /// Bytes of raw output kept in raw(). Default: 10 KiB.
  size_t raw_window_bytes = raw_window::default_capacity;
  /// Reply bytes kept until take_replies(); later replies are dropped.
  /// Default: 64 KiB.
  size_t outbox_limit = 64 * 1024;
  /// Most lines in screen_view::scrollback_since_input. Default: 200.
  size_t view_scrollback_lines = 200;
};

class screen {
public:
  /// @pre opts.cols >= 2 and opts.rows >= 2 (smaller values are raised).
  explicit screen(screen_options opts = {});
  ~screen();

  screen(const screen&) = delete;
  screen& operator=(const screen&) = delete;

  /// Feeds bytes the agent wrote. Any bytes are accepted.
  void feed(std::string_view bytes);

  /// Changes the size. Rows pushed off by shrinking go to scrollback;
  /// growing adds blank rows at the bottom. Values below 2 are raised to 2.
  void resize(uint16_t cols, uint16_t rows);

  uint16_t cols() const noexcept {
    return cols_;
  }
  uint16_t rows() const noexcept {
    return rows_;
  }

  /// Row `r` as UTF-8 with trailing blanks trimmed; "" when out of range.
  std::string row_text(int r) const;

  /// Every row, top to bottom (rows() entries).
  std::vector<std::string> lines() const;

  /// A stretch of one row's cells in one style. Colours are "" for the
  /// terminal's default, "#rrggbb" otherwise (indexed colours resolved
  /// through libvterm's palette).
  struct styled_run {
    std::string text;
    std::string fg;
    std::string bg;
    bool bold = false;
    bool italic = false;
    bool underline = false;
    bool reverse = false;
  };

  /// Every row as styled runs, top to bottom; trailing default blanks
  /// dropped.
  std::vector<std::vector<styled_run>> styled_rows() const;

  /// Bytes that, written to a freshly reset terminal of this size, draw
  /// what this screen shows: the last `scrollback_lines` logical lines of
  /// scrollback (none on the alternate screen), then every row with its
  /// colours and attributes, then the cursor. A viewer that missed bytes
  /// starts again from this (the browser view's snapshot).
  std::string ansi(size_t scrollback_lines = 200) const;

  /// Whether row `r` was soft-wrapped into row r + 1.
  bool wrapped(int r) const;

  cursor_position cursor() const;

  bool alt_screen() const noexcept {
    return alt_;
  }

  /// The title last set by OSC 0 or OSC 2; "" when none.
  const std::string& title() const noexcept {
    return title_;
  }

  /// Logical lines scrolled off, oldest first. Lives as long as the screen;
  /// invalidated by feed() and resize().
  const std::deque<std::string>& scrollback() const noexcept {
    return scrollback_;
  }

  /// The history index one past the newest scrolled-off logical line (the
  /// number of logical lines that ever scrolled off).
  uint64_t scrollback_end() const noexcept {
    return sb_end_;
  }

  /// The logical lines from index `from` (clamped to what is retained) to
  /// the bottom of the screen: scrollback, then the visible rows joined
  /// where soft-wrapped. On the alternate screen the visible part is the
  /// alternate screen's rows.
  line_history history(uint64_t from) const;

  /// Remembers that input was typed now: scrollback_since_input in later
  /// views starts with the logical line the cursor is on now.
  void mark_input();

  /// A snapshot of everything the detector reads.
  screen_view view() const;

  /// Increases by one for each feed() or resize() that changed anything
  /// visible (cells, cursor, title, alternate screen, scrollback). Equal
  /// generations mean an unchanged screen, so callers can coalesce.
  uint64_t generation() const noexcept {
    return generation_;
  }

  /// Returns and clears the bytes the terminal answers to queries, to be
  /// written to the agent's PTY in order.
  std::string take_replies();

  /// Reply bytes dropped because the outbox was full.
  uint64_t replies_dropped() const noexcept {
    return replies_dropped_;
  }

  /// The last raw bytes fed, unchanged.
  const raw_window& raw() const noexcept {
    return raw_;
  }

  /// Escape sequences dropped for exceeding a limit (see sequence_guard).
  uint64_t sequences_dropped() const noexcept {
    return guard_.dropped();
  }

  /// libvterm's callbacks; defined in screen.cpp.
  struct callbacks;

private:
  struct vterm_deleter {
    void operator()(VTerm* vt) const;
  };

  std::string render_row(int r, bool trim) const;
  /// Marks rows [from, to) as changed since they were last rendered.
  void stale(int from, int to);
  void push_scrollback(std::string text, bool continues);
  void finish_partial();
  void reply(std::string_view bytes);

  screen_options opts_;
  uint16_t cols_;
  uint16_t rows_;
  std::unique_ptr<VTerm, vterm_deleter> vt_;
  VTermScreen* vts_ = nullptr;
  sequence_guard guard_;
  raw_window raw_;

  // -- scrollback -------------------------------------------------------------
  std::deque<std::string> scrollback_;
  uint64_t sb_end_ = 0;
  /// The start of a soft-wrapped logical line whose rows already scrolled
  /// off; it continues on row 0 of the primary screen.
  std::string partial_;
  uint64_t input_mark_ = 0;

  // -- soft-wrap inference ----------------------------------------------------
  /// wrapped_[r]: row r continues on row r + 1.
  std::vector<bool> wrapped_;
  /// Each row's text as last rendered, and whether it is still current.
  mutable std::vector<std::string> row_cache_;
  mutable std::vector<bool> row_fresh_;
  /// The primary screen's flags while the alternate screen is shown.
  std::vector<bool> saved_wrapped_;
  /// The row whose last column just received a glyph with no cursor
  /// movement since; -1 when none.
  int wrap_candidate_ = -1;
  /// Rows pushed to scrollback since the last moverect (libvterm pushes
  /// rows 0, 1, ... and then moves the rest up).
  int pushed_rows_ = 0;

  bool alt_ = false;
  /// libvterm holds cells for the alternate screen (allocated when first
  /// asked for).
  bool alternate_allocated_ = false;
  std::string title_;
  std::string outbox_;
  uint64_t replies_dropped_ = 0;
  bool dirty_ = false;
  uint64_t generation_ = 0;
};

} // namespace baton::engine
