#include "engine/protocol/decoration.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

#include <re2/re2.h>

namespace baton::engine::protocol {

namespace {

/// Decodes the code point at s[i]; returns its length in bytes (1 for an
/// invalid byte, decoded as U+FFFD).
size_t decode(std::string_view s, size_t i, uint32_t& cp) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  auto u = b(0);
  size_t len = u < 0x80                 ? 1
               : u >= 0xF5              ? 0
               : u >= 0xF0              ? 4
               : u >= 0xE0              ? 3
               : u >= 0xC2 && u <= 0xDF ? 2
                                        : 0;
  if (len == 0 || i + len > s.size()) {
    cp = 0xFFFD;
    return 1;
  }
  if (len == 1) {
    cp = u;
    return 1;
  }
  cp = u & (0x7F >> len);
  for (size_t k = 1; k < len; ++k) {
    if ((b(k) & 0xC0) != 0x80) {
      cp = 0xFFFD;
      return 1;
    }
    cp = (cp << 6) | (b(k) & 0x3F);
  }
  bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
  if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    cp = 0xFFFD;
    return 1;
  }
  return len;
}

bool is_blank(uint32_t cp) {
  return cp == ' ' || cp == '\t' || cp == 0xA0;
}

/// Vertical bars that frame or quote text.
bool is_bar(uint32_t cp) {
  return cp == '|' || cp == 0x2502 || cp == 0x2503 || cp == 0x2551
         || cp == 0x258C || cp == 0x258E || cp == 0x258F || cp == '>';
}

/// Markers CLIs put before a message, a tool row or a list item.
bool is_marker(uint32_t cp) {
  static constexpr std::array<uint32_t, 28> markers
    = {0x25CF, 0x2022, 0x2726, 0x23FA, 0x25C6, 0x25C7, 0x25A0,
       0x25AA, 0x23BF, 0x2219, 0x273B, 0x2733, 0x2736, 0x2722,
       0x00B7, 0x203B, 0x203A, 0x276F, 0x00BB, 0x279C, 0x25B6,
       0x25B8, 0x2714, 0x2713, 0x2717, 0x2718, 0x25E6, 0x2023};
  return std::find(markers.begin(), markers.end(), cp) != markers.end()
         || (cp >= 0x2800 && cp <= 0x28FF); // braille spinners
}

/// Box corners and horizontal lines.
bool is_box(uint32_t cp) {
  return (cp >= 0x2500 && cp <= 0x257F && cp != 0x2502 && cp != 0x2503
          && cp != 0x2551)
         || cp == 0x2580 || cp == 0x2584 || cp == 0x2588;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

/// Consumes one piece of leading decoration from `s` at `i`; returns the
/// bytes and columns it took, or 0 bytes when there is none.
struct piece {
  size_t bytes = 0;
  size_t cols = 0;
  bool marker = false;
};

piece list_or_number(std::string_view s, size_t i) {
  auto at = [&](size_t k) { return i + k < s.size() ? s[i + k] : '\0'; };
  // "- ", "* ", "+ " bullets.
  if ((at(0) == '-' || at(0) == '*' || at(0) == '+') && at(1) == ' ')
    return {2, 2, true};
  // "# " headings.
  if (at(0) == '#') {
    size_t n = 0;
    while (at(n) == '#' && n < 6)
      ++n;
    if (at(n) == ' ')
      return {n + 1, n + 1, true};
  }
  if (!is_digit(at(0)))
    return {};
  size_t n = 0;
  while (is_digit(at(n)) && n < 6)
    ++n;
  // "3. " and "3) " numbered lists.
  if ((at(n) == '.' || at(n) == ')') && at(n + 1) == ' ')
    return {n + 2, n + 2, true};
  // Code line numbers: "12 │ ", "12: ", "12  ".
  if (at(n) == ':' && at(n + 1) == ' ')
    return {n + 2, n + 2, true};
  if (at(n) == ' ' && at(n + 1) == ' ')
    return {n + 2, n + 2, true};
  if (at(n) == ' ') {
    uint32_t cp = 0;
    if (n + 1 < s.size() - i) {
      auto len = decode(s, i + n + 1, cp);
      if (cp == '|' || cp == 0x2502)
        return {n + 1 + len, n + 2, true};
    }
  }
  return {};
}

/// `text` with every byte that is not part of valid UTF-8 replaced by
/// U+FFFD (the screen never yields such bytes; other callers may).
std::string repaired(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  uint32_t cp = 0;
  for (size_t i = 0; i < text.size();) {
    auto len = decode(text, i, cp);
    if (cp == 0xFFFD && len == 1)
      out += "\xef\xbf\xbd";
    else
      out.append(text.substr(i, len));
    i += len;
  }
  return out;
}

} // namespace

size_t columns(std::string_view text) {
  size_t cols = 0;
  uint32_t cp = 0;
  for (size_t i = 0; i < text.size(); i += decode(text, i, cp))
    ++cols;
  return cols;
}

std::string collapse_blanks(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space)
      out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

std::string strip_emphasis(std::string_view text) {
  static const re2::RE2 stars{R"(\*{1,3}([^\s*](?:[^*]*[^\s*])?)\*{1,3})"};
  static const re2::RE2 underscores{
    R"((^|[\s(\[])__([^\s_](?:[^_]*[^\s_])?)__($|[\s)\],:;!?]))"};
  std::string out;
  out.reserve(text.size());
  for (char c : text)
    if (c != '`')
      out.push_back(c);
  // Most rows have neither; the expressions cannot match without them.
  if (out.find('*') != std::string::npos)
    re2::RE2::GlobalReplace(&out, stars, R"(\1)");
  if (out.find("__") != std::string::npos)
    re2::RE2::GlobalReplace(&out, underscores, R"(\1\2\3)");
  return out;
}

/// The end of `row` without trailing blanks and one trailing box bar.
static size_t content_end(std::string_view row, bool leading_pipe) {
  auto trim = [&](size_t end) {
    while (end > 0 && (row[end - 1] == ' ' || row[end - 1] == '\t'))
      --end;
    return end;
  };
  auto end = trim(row.size());
  // Box bars are 3 bytes in UTF-8: │ E2 94 82, ┃ E2 94 83, ║ E2 95 91.
  for (std::string_view bar : {"\xe2\x94\x82", "\xe2\x94\x83", "\xe2\x95\x91"})
    if (row.substr(0, end).ends_with(bar))
      return trim(end - bar.size());
  if (leading_pipe && end > 0 && row[end - 1] == '|')
    return trim(end - 1);
  return end;
}

scanned_row scan_row(std::string_view row) {
  scanned_row out;
  size_t i = 0;
  size_t col = 0;
  bool seen_text = false; // past blanks and bars
  bool leading_pipe = false;
  while (i < row.size()) {
    uint32_t cp = 0;
    auto len = decode(row, i, cp);
    if (is_blank(cp) || (is_bar(cp) && !seen_text)) {
      if (cp == '|')
        leading_pipe = true;
      // '>' quotes only when followed by a blank or the end.
      if (cp == '>' && i + 1 < row.size() && row[i + 1] != ' ')
        break;
      i += len;
      ++col;
      continue;
    }
    if (!seen_text) {
      seen_text = true;
      out.indent = col;
      out.border = is_box(cp) || row.substr(i).starts_with("---")
                   || row.substr(i).starts_with("===");
    }
    if (is_marker(cp)) {
      out.marked = true;
      i += len;
      ++col;
      continue;
    }
    auto p = list_or_number(row, i);
    if (p.bytes == 0)
      break;
    out.marked = true;
    i += p.bytes;
    col += p.cols;
  }
  auto end = std::max(content_end(row, leading_pipe), i);
  out.content_col = col;
  out.width = columns(row.substr(0, end));
  auto text = strip_emphasis(repaired(row.substr(i, end - i)));
  auto last = text.find_last_not_of(" \t");
  text.erase(last == std::string::npos ? 0 : last + 1);
  out.text = std::move(text);
  out.blank = !seen_text;
  if (out.blank)
    out.indent = col;
  return out;
}

std::string unboxed(std::string_view row) {
  std::string out;
  size_t i = 0;
  bool leading_pipe = false;
  while (i < row.size()) {
    uint32_t cp = 0;
    auto len = decode(row, i, cp);
    if (is_blank(cp) || (is_bar(cp) && cp != '>')) {
      if (cp == '|' && out.empty())
        leading_pipe = true;
      out.push_back(' ');
      i += len;
      continue;
    }
    break;
  }
  auto end = std::max(content_end(row, leading_pipe), i);
  out.append(repaired(row.substr(i, end - i)));
  auto last = out.find_last_not_of(' ');
  out.erase(last == std::string::npos ? 0 : last + 1);
  return out;
}

} // namespace baton::engine::protocol
