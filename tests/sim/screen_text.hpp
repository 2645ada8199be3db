// Helpers for tests that look at what the sim wrote.
#pragma once

#include <string>
#include <string_view>

namespace baton::test {

/// `bytes` without CSI, OSC and other escape sequences, and without CR.
inline std::string strip_escapes(std::string_view bytes) {
  std::string out;
  for (size_t i = 0; i < bytes.size(); ++i) {
    char c = bytes[i];
    if (c == '\r')
      continue;
    if (c != '\x1b') {
      out += c;
      continue;
    }
    if (i + 1 >= bytes.size())
      break;
    char kind = bytes[++i];
    if (kind == '[') {
      while (++i < bytes.size() && !(bytes[i] >= 0x40 && bytes[i] <= 0x7e)) {
      }
    } else if (kind == ']') {
      while (++i < bytes.size() && bytes[i] != '\a'
             && !(bytes[i] == '\x1b' && i + 1 < bytes.size()
                  && bytes[i + 1] == '\\')) {
      }
      if (i < bytes.size() && bytes[i] == '\x1b')
        ++i;
    } else if (kind == '(' || kind == ')') {
      ++i;
    }
  }
  return out;
}

/// How often `needle` occurs in `hay`.
inline size_t count_of(std::string_view hay, std::string_view needle) {
  size_t n = 0;
  for (size_t at = hay.find(needle); at != std::string_view::npos;
       at = hay.find(needle, at + needle.size()))
    ++n;
  return n;
}

} // namespace baton::test
