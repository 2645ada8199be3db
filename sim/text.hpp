// Text helpers for the simulated agent's screen: display width of UTF-8,
// word wrapping with a continuation indent, and escape decoding for scripts.
// Pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace baton::sim {

/// Terminal columns `text` takes: 2 for wide (CJK, emoji) code points, 0 for
/// combining marks, 1 otherwise; each invalid UTF-8 byte counts as 1.
/// Escape sequences are not recognised: pass plain text.
size_t display_width(std::string_view text);

/// The longest prefix of `text` that fits in `columns`, never splitting a
/// UTF-8 sequence.
std::string_view fit_prefix(std::string_view text, size_t columns);

/// `text` cut to `columns`; when cut, its last column becomes `…`.
std::string ellipsize(std::string_view text, size_t columns);

/// Word-wraps `text` into rows of at most `width` columns. The first row
/// starts with `first`, every other row with `rest` (both count toward the
/// width). Each '\n' in `text` starts a new row; an empty line gives an empty
/// row. Words longer than a row are split. Spaces at a break are dropped;
/// leading spaces of a line are kept. @pre width > display_width(first) and
/// width > display_width(rest).
std::vector<std::string> wrap(std::string_view text, size_t width,
                              std::string_view first, std::string_view rest);

/// Decodes the escapes scripts may use: `\n`, `\r`, `\t`, `\e` (ESC), `\a`,
/// `\\` and `\xHH`. Anything else after a backslash is kept as written.
std::string unescape(std::string_view text);

/// Parses a byte count: digits, optionally followed by K (KiB) or M (MiB).
bool parse_size(std::string_view text, uint64_t& out);

/// `text` without leading and trailing spaces, tabs, CR and LF.
std::string_view trim(std::string_view text);

} // namespace baton::sim
