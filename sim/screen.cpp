#include "sim/screen.hpp"

#include <algorithm>
#include <array>

#include "sim/text.hpp"

namespace baton::sim {

namespace {

constexpr std::string_view reset = "\x1b[0m";
constexpr std::string_view bold = "\x1b[1m";
constexpr std::string_view dim = "\x1b[2m";
constexpr std::string_view red = "\x1b[31m";
constexpr std::string_view green = "\x1b[32m";
constexpr std::string_view accent = "\x1b[38;5;174m";
constexpr std::string_view grey = "\x1b[38;5;244m";
constexpr std::string_view hide_cursor = "\x1b[?25l";
constexpr std::string_view show_cursor = "\x1b[?25h";
constexpr std::string_view idle_footer = "  ? for shortcuts";
constexpr std::string_view working_footer = "  ctrl+c to interrupt";

constexpr std::array<std::string_view, 10> frames
  = {"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"};

std::string paint(std::string_view colour, std::string_view text) {
  std::string out{colour};
  out += text;
  out += reset;
  return out;
}

std::string csi(size_t n, char final) {
  return "\x1b[" + std::to_string(n) + final;
}

std::string repeat(std::string_view s, size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (size_t i = 0; i < n; ++i)
    out += s;
  return out;
}

/// The end of `text` that fits in `columns`, led by `…` when cut.
std::string tail_fit(std::string_view text, size_t columns) {
  if (display_width(text) <= columns)
    return std::string{text};
  while (!text.empty() && display_width(text) > columns - 1) {
    text.remove_prefix(1);
    while (!text.empty()
           && (static_cast<unsigned char>(text[0]) & 0xC0) == 0x80)
      text.remove_prefix(1);
  }
  return "…" + std::string{text};
}

/// `text` padded with spaces to `columns`.
std::string pad(std::string_view text, size_t columns) {
  std::string out{text};
  out.append(columns - std::min(columns, display_width(text)), ' ');
  return out;
}

} // namespace

screen::screen(int columns) : columns_(std::max(columns, 20)) {
}

std::string screen::resize(int columns) {
  auto out = erase();
  columns_ = std::max(columns, 20);
  return out + draw();
}

std::string screen::print(const std::vector<std::string>& rows) {
  auto out = erase();
  for (auto& row : rows) {
    out += row;
    out += "\r\n";
  }
  out += "\r\n";
  return out + draw();
}

std::string screen::erase() {
  if (live_rows_ == 0)
    return {};
  std::string out = "\r";
  if (cursor_row_ > 0)
    out += csi(cursor_row_, 'A');
  out += "\x1b[J";
  live_rows_ = 0;
  cursor_row_ = 0;
  return out;
}

std::string screen::draw() {
  auto rows = live_rows();
  std::string out{hide_cursor};
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i > 0)
      out += "\r\n";
    out += rows[i];
  }
  live_rows_ = rows.size();
  cursor_row_ = rows.size() - 1;
  if (mode_ == mode::idle) {
    // The cursor goes to the end of the text in the box's middle row.
    auto shown = tail_fit(input_, static_cast<size_t>(columns_) - 6);
    out += csi(cursor_row_ - 1, 'A');
    out += csi(5 + display_width(shown), 'G');
    out += show_cursor;
    cursor_row_ = 1;
  }
  return out;
}

std::string screen::switch_to(mode m) {
  auto out = erase();
  mode_ = m;
  return out + draw();
}

std::string screen::idle(std::string_view input) {
  input_.assign(input);
  return switch_to(mode::idle);
}

std::string screen::working(std::string_view spinner) {
  spinner_.assign(spinner);
  return switch_to(mode::working);
}

std::string screen::asking(std::string_view call) {
  call_.assign(call);
  return switch_to(mode::asking);
}

std::string screen::spin(std::string_view spinner) {
  spinner_.assign(spinner);
  if (mode_ != mode::working || live_rows_ == 0)
    return working(spinner);
  std::string out = "\r";
  if (cursor_row_ > 0)
    out += csi(cursor_row_, 'A');
  out += "\x1b[2K";
  out += spinner;
  cursor_row_ = 0;
  return out;
}

std::string screen::title(std::string_view text) {
  std::string out = "\x1b]0;";
  out += text;
  out += '\a';
  return out;
}

std::vector<std::string> screen::message(std::string_view text) const {
  return wrap(text, static_cast<size_t>(columns_) - 2, "● ", "  ");
}

std::vector<std::string> screen::tool(std::string_view call,
                                      const std::vector<std::string>& lines,
                                      bool failed) const {
  auto width = static_cast<size_t>(columns_) - 2;
  auto rows = wrap(call, width, "  ", "  ");
  // Colour the bullet and the tool's name on the first row.
  auto& first = rows.front();
  auto name_end = std::min(first.find('('), first.size());
  first = paint(failed ? red : green, "●") + " "
          + paint(bold, std::string_view{first}.substr(2, name_end - 2))
          + first.substr(name_end);
  bool head = true;
  for (auto& line : lines) {
    for (auto& row : wrap(line, width, head ? "  ⎿  " : "     ", "     ")) {
      auto body = std::string_view{row}.substr(std::min<size_t>(
        row.size(), head ? std::string_view{"  ⎿  "}.size() : 5));
      auto lead = std::string_view{row}.substr(0, row.size() - body.size());
      rows.push_back(paint(dim, lead)
                     + (failed ? paint(red, body) : std::string{body}));
      head = false;
    }
  }
  return rows;
}

std::vector<std::string> screen::echo(std::string_view text) const {
  auto rows = wrap(text, static_cast<size_t>(columns_) - 2, "> ", "  ");
  for (auto& row : rows)
    row = paint(dim, row);
  return rows;
}

std::vector<std::string> screen::note(std::string_view text) const {
  auto rows = wrap(text, static_cast<size_t>(columns_) - 2, "", "  ");
  for (auto& row : rows)
    row = paint(dim, row);
  return rows;
}

std::string screen::spinner(uint64_t frame, std::string_view verb,
                            uint64_t seconds) {
  return paint(accent, frames[frame % frames.size()]) + " " + std::string{verb}
         + "… "
         + paint(dim,
                 "(" + std::to_string(seconds) + "s · ctrl+c to interrupt)");
}

std::vector<std::string> screen::box(std::string_view input,
                                     std::string_view footer) const {
  auto w = static_cast<size_t>(columns_);
  auto shown = tail_fit(input, w - 6);
  return {paint(grey, "╭" + repeat("─", w - 2) + "╮"),
          paint(grey, "│") + " > " + pad(shown, w - 6) + " " + paint(grey, "│"),
          paint(grey, "╰" + repeat("─", w - 2) + "╯"), paint(dim, footer)};
}

std::vector<std::string> screen::permission_box() const {
  auto w = static_cast<size_t>(columns_);
  auto name_end = std::min(call_.find('('), call_.size());
  std::string name = call_.substr(0, name_end);
  std::string args;
  if (name_end < call_.size()) {
    args = call_.substr(name_end + 1);
    if (!args.empty() && args.back() == ')')
      args.pop_back();
  }
  auto row = [&](std::string_view text, std::string_view colour = {}) {
    auto fitted = ellipsize(text, w - 4);
    auto padded = pad(fitted, w - 4);
    return paint(accent, "│") + " "
           + (colour.empty() ? padded : paint(colour, padded)) + " "
           + paint(accent, "│");
  };
  return {paint(accent, "╭" + repeat("─", w - 2) + "╮"),
          row(name == "Bash" ? "Bash command" : name, bold),
          row(""),
          row("  " + args),
          row(""),
          row("Allow " + call_ + "? [y/n]"),
          paint(accent, "╰" + repeat("─", w - 2) + "╯")};
}

std::vector<std::string> screen::live_rows() const {
  switch (mode_) {
    case mode::idle: return box(input_, idle_footer);
    case mode::working: {
      std::vector<std::string> rows{spinner_, ""};
      for (auto& r : box("", working_footer))
        rows.push_back(std::move(r));
      return rows;
    }
    case mode::asking: return permission_box();
  }
  return {};
}

} // namespace baton::sim
