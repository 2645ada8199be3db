#include "engine/detect/region.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace baton::engine::detect {

namespace {

constexpr size_t max_lines = 1000;
constexpr size_t default_above_prompt = 3;

std::string_view ltrim(std::string_view s) {
  auto b = s.find_first_not_of(' ');
  return b == std::string_view::npos ? std::string_view{} : s.substr(b);
}

bool starts_with_any(std::string_view s,
                     std::initializer_list<std::string_view> prefixes) {
  return std::any_of(prefixes.begin(), prefixes.end(),
                     [&](std::string_view p) { return s.starts_with(p); });
}

bool bottom_corner(std::string_view row) {
  return starts_with_any(ltrim(row), {"╰", "└", "╚"});
}

bool top_corner(std::string_view row) {
  return starts_with_any(ltrim(row), {"╭", "┌", "╔"});
}

/// A row of nothing but horizontal lines, at least 8 of them.
bool rule(std::string_view row) {
  auto t = ltrim(row);
  size_t n = 0;
  while (!t.empty()) {
    if (!starts_with_any(t, {"─", "━", "═"}))
      return false;
    t.remove_prefix(3); // each is 3 bytes in UTF-8
    ++n;
  }
  return n >= 8;
}

/// The row of the top border of the lowest prompt box; -1 when none.
int prompt_box_top(const std::vector<std::string>& rows) {
  int bottom = -1;
  bool corners = false;
  for (int r = static_cast<int>(rows.size()) - 1; r >= 0; --r) {
    auto& row = rows[static_cast<size_t>(r)];
    if (bottom < 0) {
      if (bottom_corner(row) || rule(row)) {
        bottom = r;
        corners = bottom_corner(row);
      }
      continue;
    }
    if (corners ? top_corner(row) : rule(row))
      return r;
  }
  return -1;
}

/// The last `n` non-empty rows of rows[0, end), joined.
std::string last_non_empty(const std::vector<std::string>& rows, size_t end,
                           size_t n) {
  std::vector<const std::string*> picked;
  for (size_t r = end; r > 0 && picked.size() < n; --r)
    if (!ltrim(rows[r - 1]).empty())
      picked.push_back(&rows[r - 1]);
  std::string out;
  for (auto it = picked.rbegin(); it != picked.rend(); ++it) {
    if (!out.empty())
      out += '\n';
    out += **it;
  }
  return out;
}

std::string join_rows(const std::vector<std::string>& rows) {
  size_t end = rows.size();
  while (end > 0 && rows[end - 1].empty())
    --end;
  std::string out;
  for (size_t r = 0; r < end; ++r) {
    if (r > 0)
      out += '\n';
    out += rows[r];
  }
  return out;
}

error bad_region(std::string_view spec) {
  return error{ec::parse_error,
               "unknown region '" + std::string{spec}
                 + "' (expected screen, bottom:N, last_line, cursor_line, "
                   "above_prompt[:N], title or scrollback_since_input)"};
}

} // namespace

result<region> parse_region(std::string_view spec) {
  constexpr std::array<std::pair<std::string_view, region::kind>, 7> names = {{
    {"screen", region::kind::screen},
    {"bottom", region::kind::bottom},
    {"last_line", region::kind::last_line},
    {"cursor_line", region::kind::cursor_line},
    {"above_prompt", region::kind::above_prompt},
    {"title", region::kind::title},
    {"scrollback_since_input", region::kind::scrollback_since_input},
  }};
  auto colon = spec.find(':');
  auto name = spec.substr(0, colon);
  auto it = std::find_if(names.begin(), names.end(),
                         [&](auto& p) { return p.first == name; });
  if (it == names.end())
    return bad_region(spec);
  region r{it->second, 0};
  bool counted
    = r.what == region::kind::bottom || r.what == region::kind::above_prompt;
  if (colon == std::string_view::npos) {
    if (r.what == region::kind::bottom)
      return bad_region(spec); // bottom needs its N
    if (r.what == region::kind::above_prompt)
      r.lines = default_above_prompt;
    return r;
  }
  auto digits = spec.substr(colon + 1);
  size_t n = 0;
  auto [end, ec]
    = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (!counted || ec != std::errc{} || end != digits.data() + digits.size()
      || n == 0 || n > max_lines)
    return bad_region(spec);
  r.lines = n;
  return r;
}

std::string to_string(const region& r) {
  switch (r.what) {
    case region::kind::screen: return "screen";
    case region::kind::bottom: return "bottom:" + std::to_string(r.lines);
    case region::kind::last_line: return "last_line";
    case region::kind::cursor_line: return "cursor_line";
    case region::kind::above_prompt:
      return "above_prompt:" + std::to_string(r.lines);
    case region::kind::title: return "title";
    case region::kind::scrollback_since_input: return "scrollback_since_input";
  }
  return "screen";
}

std::string region_text(const region& r, const screen_view& view) {
  auto& rows = view.lines;
  switch (r.what) {
    case region::kind::screen: return join_rows(rows);
    case region::kind::bottom:
      return last_non_empty(rows, rows.size(), r.lines);
    case region::kind::last_line: return last_non_empty(rows, rows.size(), 1);
    case region::kind::cursor_line: {
      auto row = static_cast<size_t>(std::max(view.cursor.row, 0));
      return row < rows.size() ? rows[row] : std::string{};
    }
    case region::kind::above_prompt: {
      auto top = prompt_box_top(rows);
      if (top < 0)
        return {};
      return last_non_empty(rows, static_cast<size_t>(top), r.lines);
    }
    case region::kind::title: return view.title;
    case region::kind::scrollback_since_input: {
      std::string out;
      for (auto& l : view.scrollback_since_input)
        out += l + "\n";
      return out + join_rows(rows);
    }
  }
  return {};
}

} // namespace baton::engine::detect
