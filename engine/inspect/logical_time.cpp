#include "engine/inspect/logical_time.hpp"

#include <array>
#include <cstdio>

namespace baton::engine {

namespace {

struct unit {
  std::string_view name;
  double us;
};

// Longest names first, so "ms" is not read as "m" followed by "s".
constexpr std::array<unit, 6> units{{{"ms", 1e3},
                                     {"us", 1},
                                     {"\xc2\xb5s", 1},
                                     {"h", 3600e6},
                                     {"m", 60e6},
                                     {"s", 1e6}}};

/// Reads digits with an optional fraction from the front of `text`.
std::optional<double> take_number(std::string_view& text) {
  size_t i = 0;
  double value = 0;
  bool digits = false;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    value = value * 10 + (text[i++] - '0');
    digits = true;
  }
  if (i < text.size() && text[i] == '.') {
    ++i;
    double scale = 0.1;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      value += (text[i++] - '0') * scale;
      scale /= 10;
      digits = true;
    }
  }
  if (!digits)
    return std::nullopt;
  text.remove_prefix(i);
  return value;
}

std::optional<double> take_unit(std::string_view& text) {
  for (auto& u : units)
    if (text.starts_with(u.name)) {
      text.remove_prefix(u.name.size());
      return u.us;
    }
  return std::nullopt;
}

} // namespace

bool is_plain_number(std::string_view text) {
  if (text.empty() || text.size() > 19)
    return false;
  for (char c : text)
    if (c < '0' || c > '9')
      return false;
  return true;
}

std::optional<uint64_t> parse_logical_time(std::string_view text) {
  if (is_plain_number(text))
    return std::stoull(std::string{text});
  double total = 0;
  double last_unit = 0;
  if (text.empty())
    return std::nullopt;
  while (!text.empty()) {
    auto n = take_number(text);
    if (!n)
      return std::nullopt;
    auto u = take_unit(text);
    // Each unit once, largest first: "1m2s", not "2s1m" or "1s1s".
    if (!u || (last_unit != 0 && *u >= last_unit))
      return std::nullopt;
    last_unit = *u;
    total += *n * *u;
  }
  if (total >= 1.8e19)
    return std::nullopt;
  return static_cast<uint64_t>(total + 0.5);
}

std::string format_logical_time(uint64_t us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3fs", static_cast<double>(us) / 1e6);
  return buf;
}

} // namespace baton::engine
