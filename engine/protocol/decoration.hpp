// decoration: reading one rendered row through a TUI's decoration.
//
// Agent CLIs do not print protocol lines bare. Claude Code puts `⏺ ` before
// a message, Gemini CLI `✦ `, Codex `• `; markdown renders as bold, list
// bullets, block quotes and code blocks with line numbers; a prompt box
// wraps the typed text in `│ > ... │`. scan_row() takes such a row apart:
// the text a protocol keyword would start, and the layout facts the parser
// needs to join a CLI's own line wrapping (indentation, whether the row
// starts with a marker, whether it is a box border).
//
// Columns count code points (one per character); wide characters count
// one. Pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace baton::engine::protocol {

struct scanned_row {
  /// The row with decoration removed (leading message markers, indentation,
  /// quote and box bars, `> `, list bullets and numbers, code line numbers,
  /// heading marks; a trailing box bar; markdown emphasis and backticks),
  /// trimmed.
  std::string text;
  /// The column where `text` starts in the row.
  size_t content_col = 0;
  /// The column of the first character after leading blanks and bars.
  size_t indent = 0;
  /// The row's width in columns, without trailing blanks and bars.
  size_t width = 0;
  /// Only blanks and bars.
  bool blank = true;
  /// Starts (after blanks and bars) with a message marker, a list bullet or
  /// number, a heading mark or a code line number.
  bool marked = false;
  /// A box border or a horizontal rule (`╭───╮`, `────`, `---`).
  bool border = false;

  friend bool operator==(const scanned_row&, const scanned_row&) = default;
};

/// Takes a rendered row apart; see scanned_row.
scanned_row scan_row(std::string_view row);

/// Removes markdown emphasis (`**bold**`, `*italic*`, `__bold__`) where it
/// pairs up around text, and every backtick. Lone `*` and `_` (globs,
/// identifiers such as `__init__.py`) are left alone.
std::string strip_emphasis(std::string_view text);

/// The row without a trailing box bar and with leading bars turned into
/// blanks (so columns are kept), trailing blanks trimmed. For body text.
std::string unboxed(std::string_view row);

/// `text` with every run of blanks turned into one space, trimmed.
std::string collapse_blanks(std::string_view text);

/// The number of columns `text` takes (code points).
size_t columns(std::string_view text);

} // namespace baton::engine::protocol
