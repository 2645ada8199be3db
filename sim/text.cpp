#include "sim/text.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>

namespace baton::sim {

namespace {

/// The code point starting at `text[i]` and its length in bytes; an invalid
/// or truncated sequence yields (0xFFFD, 1).
std::pair<uint32_t, size_t> decode(std::string_view text, size_t i) {
  auto b = static_cast<unsigned char>(text[i]);
  if (b < 0x80)
    return {b, 1};
  size_t len = b >= 0xF0 && b < 0xF8 ? 4 : b >= 0xE0 ? 3 : b >= 0xC2 ? 2 : 0;
  if (len == 0 || i + len > text.size())
    return {0xFFFD, 1};
  uint32_t cp = b & (0x7F >> len);
  for (size_t k = 1; k < len; ++k) {
    auto c = static_cast<unsigned char>(text[i + k]);
    if ((c & 0xC0) != 0x80)
      return {0xFFFD, 1};
    cp = (cp << 6) | (c & 0x3F);
  }
  return {cp, len};
}

bool in(uint32_t cp, uint32_t lo, uint32_t hi) {
  return cp >= lo && cp <= hi;
}

size_t columns_of(uint32_t cp) {
  if (in(cp, 0x0300, 0x036F) || in(cp, 0x200B, 0x200F) || cp == 0xFE0F)
    return 0;
  if (in(cp, 0x1100, 0x115F) || in(cp, 0x2E80, 0xA4CF) || in(cp, 0xAC00, 0xD7A3)
      || in(cp, 0xF900, 0xFAFF) || in(cp, 0xFE30, 0xFE4F)
      || in(cp, 0xFF00, 0xFF60) || in(cp, 0xFFE0, 0xFFE6)
      || in(cp, 0x1F300, 0x1F64F) || in(cp, 0x1F900, 0x1F9FF)
      || in(cp, 0x20000, 0x3FFFD))
    return 2;
  return 1;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/// The words of `line`, split at spaces; leading spaces stay with the first.
std::vector<std::string_view> words_of(std::string_view line) {
  std::vector<std::string_view> words;
  size_t i = line.find_first_not_of(' ');
  size_t start = 0;
  while (i != std::string_view::npos && i < line.size()) {
    size_t end = std::min(line.find(' ', i), line.size());
    words.push_back(line.substr(start, end - start));
    i = line.find_first_not_of(' ', end);
    start = i;
  }
  return words;
}

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && s.back() == ' ')
    s.remove_suffix(1);
  return s;
}

/// Appends the rows of one line (no '\n' inside) to `out`.
void wrap_line(std::string_view line, size_t width, std::string_view first,
               std::string_view rest, std::vector<std::string>& out) {
  std::string row{first};
  size_t used = display_width(first);
  bool has_word = false;
  auto flush = [&] {
    out.emplace_back(has_word ? std::string_view{row} : trim_right(row));
    row.assign(rest);
    used = display_width(rest);
    has_word = false;
  };
  for (auto word : words_of(line)) {
    if (has_word && used + 1 + display_width(word) > width)
      flush();
    if (has_word) {
      row += ' ';
      ++used;
    }
    while (used + display_width(word) > width) {
      auto part = fit_prefix(word, width > used ? width - used : 0);
      if (part.empty()) // not even one glyph fits: overflow to progress
        part = word.substr(0, std::max<size_t>(1, fit_prefix(word, 2).size()));
      row += part;
      has_word = true;
      word.remove_prefix(part.size());
      if (word.empty())
        break;
      flush();
    }
    row += word;
    used += display_width(word);
    has_word = true;
  }
  flush();
}

} // namespace

size_t display_width(std::string_view text) {
  size_t width = 0;
  for (size_t i = 0; i < text.size();) {
    auto [cp, len] = decode(text, i);
    width += columns_of(cp);
    i += len;
  }
  return width;
}

std::string_view fit_prefix(std::string_view text, size_t columns) {
  size_t used = 0;
  size_t i = 0;
  while (i < text.size()) {
    auto [cp, len] = decode(text, i);
    size_t w = columns_of(cp);
    if (used + w > columns)
      break;
    used += w;
    i += len;
  }
  return text.substr(0, i);
}

std::string ellipsize(std::string_view text, size_t columns) {
  if (display_width(text) <= columns)
    return std::string{text};
  if (columns == 0)
    return {};
  std::string out{fit_prefix(text, columns - 1)};
  out += "…";
  return out;
}

std::vector<std::string> wrap(std::string_view text, size_t width,
                              std::string_view first, std::string_view rest) {
  std::vector<std::string> rows;
  bool first_line = true;
  for (;;) {
    auto nl = text.find('\n');
    auto line = text.substr(0, nl);
    wrap_line(line, width, first_line ? first : rest, rest, rows);
    first_line = false;
    if (nl == std::string_view::npos)
      break;
    text.remove_prefix(nl + 1);
  }
  return rows;
}

std::string unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\' || i + 1 == text.size()) {
      out += text[i];
      continue;
    }
    char c = text[++i];
    switch (c) {
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'e': out += '\x1b'; break;
      case 'a': out += '\a'; break;
      case '\\': out += '\\'; break;
      case 'x':
        if (i + 2 < text.size() && hex_digit(text[i + 1]) >= 0
            && hex_digit(text[i + 2]) >= 0) {
          out += static_cast<char>(hex_digit(text[i + 1]) * 16
                                   + hex_digit(text[i + 2]));
          i += 2;
          break;
        }
        [[fallthrough]];
      default: out += '\\'; out += c;
    }
  }
  return out;
}

bool parse_size(std::string_view text, uint64_t& out) {
  uint64_t unit = 1;
  if (!text.empty() && (text.back() == 'K' || text.back() == 'k'))
    unit = 1024;
  else if (!text.empty() && (text.back() == 'M' || text.back() == 'm'))
    unit = 1024 * 1024;
  if (unit != 1)
    text.remove_suffix(1);
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()
      || out > UINT64_MAX / unit)
    return false;
  out *= unit;
  return true;
}

std::string_view trim(std::string_view text) {
  constexpr std::string_view space = " \t\r\n";
  auto b = text.find_first_not_of(space);
  if (b == std::string_view::npos)
    return {};
  auto e = text.find_last_not_of(space);
  return text.substr(b, e - b + 1);
}

} // namespace baton::sim
