#include "engine/terminal/screen.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>

#include <vterm.h>

namespace baton::engine {

namespace {

constexpr uint32_t wide_continuation = static_cast<uint32_t>(-1);

/// Whether `bytes` (whole sequences: the guard holds a CSI back until it is
/// complete) set a private mode that shows the alternate screen: 47, 1047
/// or 1049, alone or among other modes (`ESC[?25;1049h`). Wider than what
/// libvterm 0.1.4 honours (1047 and 1049, first in the list): allocating
/// cells that are never shown changes nothing else.
bool asks_alternate_screen(std::string_view bytes) {
  for (auto at = bytes.find("\x1b[?"); at != std::string_view::npos;
       at = bytes.find("\x1b[?", at + 1)) {
    unsigned mode = 0;
    bool alternate = false;
    size_t i = at + 3;
    for (; i < bytes.size(); ++i) {
      char c = bytes[i];
      if (c >= '0' && c <= '9') {
        mode = std::min(mode * 10 + static_cast<unsigned>(c - '0'), 100000u);
        continue;
      }
      alternate = alternate || mode == 47 || mode == 1047 || mode == 1049;
      mode = 0;
      if (c != ';' && c != ':')
        break;
    }
    if (alternate && i < bytes.size() && bytes[i] == 'h')
      return true;
  }
  return false;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    cp = 0xFFFD;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

void append_cell(std::string& out, const VTermScreenCell& cell) {
  if (cell.chars[0] == wide_continuation)
    return;
  if (cell.chars[0] == 0) {
    out.push_back(' ');
    return;
  }
  for (int i = 0; i < VTERM_MAX_CHARS_PER_CELL && cell.chars[i] != 0; ++i)
    append_utf8(out, cell.chars[i]);
}

void trim_right(std::string& s) {
  auto end = s.find_last_not_of(' ');
  s.erase(end == std::string::npos ? 0 : end + 1);
}

std::string render_cells(const VTermScreenCell* cells, int cols, bool trim) {
  std::string out;
  for (int c = 0; c < cols; ++c)
    append_cell(out, cells[c]);
  if (trim)
    trim_right(out);
  return out;
}

std::string hex_channel(uint8_t v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02x%02x", v, v);
  return buf;
}

std::string rgb_spec(VTermColor col, const VTermState* state) {
  vterm_state_convert_color_to_rgb(state, &col);
  return "rgb:" + hex_channel(col.rgb.red) + "/" + hex_channel(col.rgb.green)
         + "/" + hex_channel(col.rgb.blue);
}

bool empty_or_null(const char* s) {
  return s == nullptr || s[0] == '\0';
}

} // namespace

// -- libvterm callbacks -------------------------------------------------------

struct screen::callbacks {
  static screen& self(void* user) {
    return *static_cast<screen*>(user);
  }

  static bool has_glyph(const screen& s, int row, int col) {
    VTermScreenCell cell;
    if (!vterm_screen_get_cell(s.vts_, VTermPos{row, col}, &cell))
      return false;
    return cell.chars[0] != 0;
  }

  static int damage(VTermRect r, void* user) {
    auto& s = self(user);
    s.dirty_ = true;
    s.stale(r.start_row, r.end_row);
    // A putglyph damages the one or two cells it wrote, which now hold it;
    // an erase leaves its cells empty.
    bool glyph = r.end_row == r.start_row + 1 && r.end_col - r.start_col <= 2
                 && has_glyph(s, r.start_row, r.start_col);
    if (glyph && r.start_col == 0 && s.wrap_candidate_ >= 0
        && s.wrap_candidate_ == r.start_row - 1) {
      s.wrapped_[s.wrap_candidate_] = true; // autowrap
    } else if (!s.alt_ && !s.partial_.empty() && r.start_row == 0
               && r.start_col == 0) {
      // Row 0 was rewritten: it no longer continues the scrolled-off line.
      s.finish_partial();
    }
    bool touches_end = r.end_col >= s.cols_;
    if (touches_end) {
      for (int row = std::max(r.start_row, 0);
           row < r.end_row && row < static_cast<int>(s.wrapped_.size()); ++row)
        s.wrapped_[row] = false;
    }
    if (glyph)
      s.wrap_candidate_ = touches_end ? r.start_row : -1;
    else if (touches_end && s.wrap_candidate_ >= r.start_row
             && s.wrap_candidate_ < r.end_row)
      s.wrap_candidate_ = -1;
    return 1;
  }

  static int moverect(VTermRect dest, VTermRect src, void* user) {
    auto& s = self(user);
    s.dirty_ = true;
    s.stale(dest.start_row, dest.end_row);
    s.pushed_rows_ = 0;
    int rows = static_cast<int>(s.wrapped_.size());
    auto valid = [rows](int r) { return r >= 0 && r < rows; };
    if (dest.start_col == 0 && dest.end_col >= s.cols_) {
      // Whole rows move (a scroll): their wrap flags move with them.
      auto old = s.wrapped_;
      int delta = dest.start_row - src.start_row;
      for (int r = src.start_row; r < src.end_row; ++r)
        if (valid(r) && valid(r + delta))
          s.wrapped_[r + delta] = old[r];
      int& cand = s.wrap_candidate_;
      if (cand >= src.start_row && cand < src.end_row)
        cand += delta;
      else if (cand >= dest.start_row && cand < dest.end_row)
        cand = -1;
      return 1;
    }
    // Cells move within rows (insert or delete characters): the ends of
    // those rows changed.
    if (dest.end_col >= s.cols_ || src.end_col >= s.cols_) {
      for (int r = dest.start_row; r < dest.end_row; ++r)
        if (valid(r))
          s.wrapped_[r] = false;
      if (s.wrap_candidate_ >= dest.start_row
          && s.wrap_candidate_ < dest.end_row)
        s.wrap_candidate_ = -1;
    }
    return 1;
  }

  static int movecursor(VTermPos pos, VTermPos, int, void* user) {
    auto& s = self(user);
    s.dirty_ = true;
    // The cursor resting on the last column after a glyph there is the
    // "pending wrap" position; anything else is an explicit move.
    if (s.wrap_candidate_ >= 0
        && !(pos.row == s.wrap_candidate_ && pos.col == s.cols_ - 1))
      s.wrap_candidate_ = -1;
    return 1;
  }

  static int settermprop(VTermProp prop, VTermValue* val, void* user) {
    auto& s = self(user);
    switch (prop) {
      case VTERM_PROP_TITLE:
        s.title_ = val->string != nullptr ? val->string : "";
        s.dirty_ = true;
        break;
      case VTERM_PROP_ALTSCREEN:
        // libvterm damages the alternate screen after this call when
        // entering it and before it when leaving.
        if (val->boolean != 0 && !s.alt_) {
          s.saved_wrapped_ = s.wrapped_;
          s.alt_ = true;
        } else if (val->boolean == 0 && s.alt_) {
          s.alt_ = false;
          s.wrapped_ = s.saved_wrapped_;
          s.wrapped_.resize(s.rows_, false);
        }
        s.wrap_candidate_ = -1;
        s.dirty_ = true;
        s.stale(0, s.rows_);
        break;
      default: break;
    }
    return 1;
  }

  static int resize(int rows, int cols, void* user) {
    auto& s = self(user);
    bool cols_changed = cols != s.cols_;
    s.rows_ = static_cast<uint16_t>(rows);
    s.cols_ = static_cast<uint16_t>(cols);
    s.wrapped_.resize(rows, false);
    s.saved_wrapped_.resize(rows, false);
    s.stale(0, rows);
    if (cols_changed) {
      std::fill(s.wrapped_.begin(), s.wrapped_.end(), false);
      std::fill(s.saved_wrapped_.begin(), s.saved_wrapped_.end(), false);
    }
    s.wrap_candidate_ = -1;
    s.dirty_ = true;
    return 1;
  }

  static int sb_pushline(int cols, const VTermScreenCell* cells, void* user) {
    auto& s = self(user);
    int row = s.pushed_rows_++;
    bool continues
      = row < static_cast<int>(s.wrapped_.size()) && s.wrapped_[row];
    s.push_scrollback(render_cells(cells, cols, !continues), continues);
    s.dirty_ = true;
    return 1;
  }

  static void output(const char* bytes, size_t len, void* user) {
    self(user).reply(std::string_view{bytes, len});
  }

  static int csi(const char* leader, const long args[], int argc,
                 const char* intermed, char command, void* user) {
    auto& s = self(user);
    if (!empty_or_null(intermed))
      return 0;
    if (leader != nullptr && std::string_view{leader} == ">"
        && command == 'q') {
      s.reply("\x1bP>|baton(libvterm 0.1.4)\x1b\\"); // XTVERSION
      return 1;
    }
    if (empty_or_null(leader) && command == 't' && argc >= 1
        && CSI_ARG(args[0]) == 18) {
      s.reply("\x1b[8;" + std::to_string(s.rows_) + ";"
              + std::to_string(s.cols_) + "t");
      return 1;
    }
    return 0;
  }

  static int osc(const char* command, size_t len, void* user) {
    auto& s = self(user);
    std::string_view cmd{command, len};
    if (cmd != "10;?" && cmd != "11;?" && cmd != "12;?")
      return 0;
    const VTermState* state = vterm_obtain_state(s.vt_.get());
    VTermColor fg;
    VTermColor bg;
    vterm_state_get_default_colors(state, &fg, &bg);
    auto which = cmd.substr(0, 2);
    auto spec = rgb_spec(which == "11" ? bg : fg, state);
    s.reply("\x1b]" + std::string{which} + ";" + spec + "\x1b\\");
    return 1;
  }
};

// -- screen ------------------------------------------------------------------

void screen::vterm_deleter::operator()(VTerm* vt) const {
  vterm_free(vt);
}

screen::screen(screen_options opts)
  : opts_(opts), cols_(std::max<uint16_t>(opts.cols, 2)),
    rows_(std::max<uint16_t>(opts.rows, 2)), raw_(opts.raw_window_bytes) {
  static const VTermScreenCallbacks screen_cbs = {
    .damage = &callbacks::damage,
    .moverect = &callbacks::moverect,
    .movecursor = &callbacks::movecursor,
    .settermprop = &callbacks::settermprop,
    .bell = nullptr,
    .resize = &callbacks::resize,
    .sb_pushline = &callbacks::sb_pushline,
    .sb_popline = nullptr,
  };
  static const VTermParserCallbacks fallbacks = {
    .text = nullptr,
    .control = nullptr,
    .escape = nullptr,
    .csi = &callbacks::csi,
    .osc = &callbacks::osc,
    .dcs = nullptr,
    .resize = nullptr,
  };
  wrapped_.assign(rows_, false);
  saved_wrapped_.assign(rows_, false);
  guard_.repeat_limit(cols_);
  vt_.reset(vterm_new(rows_, cols_));
  vterm_set_utf8(vt_.get(), 1);
  vts_ = vterm_obtain_screen(vt_.get());
  vterm_screen_set_callbacks(vts_, &screen_cbs, this);
  vterm_screen_set_unrecognised_fallbacks(vts_, &fallbacks, this);
  vterm_screen_set_damage_merge(vts_, VTERM_DAMAGE_CELL);
  // The alternate screen's cells (as many as the primary's) are allocated
  // when a program first asks for it (feed()): most agents never do, and a
  // run of thousands of agents would otherwise hold and zero a second
  // screen for each. libvterm erases the alternate screen each time it is
  // entered, so when it is allocated makes no difference to what it shows.
  vterm_output_set_callback(vt_.get(), &callbacks::output, this);
  vterm_screen_reset(vts_, 1);
  dirty_ = false;
}

screen::~screen() = default;

void screen::feed(std::string_view bytes) {
  raw_.append(bytes);
  auto safe = guard_.push(bytes);
  if (!alternate_allocated_ && asks_alternate_screen(safe)) {
    vterm_screen_enable_altscreen(vts_, 1);
    alternate_allocated_ = true;
  }
  if (!safe.empty())
    vterm_input_write(vt_.get(), safe.data(), safe.size());
  if (dirty_) {
    ++generation_;
    dirty_ = false;
  }
}

void screen::resize(uint16_t cols, uint16_t rows) {
  cols = std::max<uint16_t>(cols, 2);
  rows = std::max<uint16_t>(rows, 2);
  if (cols == cols_ && rows == rows_)
    return;
  vterm_set_size(vt_.get(), rows, cols);
  guard_.repeat_limit(cols);
  cols_ = cols;
  rows_ = rows;
  stale(0, rows_);
  ++generation_;
  dirty_ = false;
}

void screen::stale(int from, int to) {
  if (static_cast<int>(row_cache_.size()) != rows_) {
    row_cache_.assign(rows_, std::string{});
    row_fresh_.assign(rows_, false);
    return;
  }
  for (int r = std::max(from, 0); r < to && r < rows_; ++r)
    row_fresh_[r] = false;
}

// Rows are rendered from libvterm's cells only when something changed them
// since the last rendering (damage, moverect, resize and screen switches
// mark them stale): a view of a screen where one line changed costs one row,
// not all of them.
std::string screen::render_row(int r, bool trim) const {
  if (static_cast<int>(row_cache_.size()) != rows_) {
    row_cache_.assign(rows_, std::string{});
    row_fresh_.assign(rows_, false);
  }
  if (!row_fresh_[r]) {
    auto& out = row_cache_[r];
    out.clear();
    VTermScreenCell cell;
    for (int c = 0; c < cols_; ++c)
      if (vterm_screen_get_cell(vts_, VTermPos{r, c}, &cell))
        append_cell(out, cell);
    row_fresh_[r] = true;
  }
  std::string out = row_cache_[r];
  if (trim)
    trim_right(out);
  return out;
}

std::string screen::row_text(int r) const {
  if (r < 0 || r >= rows_)
    return {};
  return render_row(r, true);
}

std::vector<std::string> screen::lines() const {
  std::vector<std::string> out;
  out.reserve(rows_);
  for (int r = 0; r < rows_; ++r)
    out.push_back(render_row(r, true));
  return out;
}

namespace {

/// What a cell looks like, less its text.
struct cell_style {
  VTermColor fg;
  VTermColor bg;
  VTermScreenCellAttrs attrs;
};

bool same_colour(const VTermColor& a, const VTermColor& b) {
  if (VTERM_COLOR_IS_DEFAULT_FG(&a) != VTERM_COLOR_IS_DEFAULT_FG(&b)
      || VTERM_COLOR_IS_DEFAULT_BG(&a) != VTERM_COLOR_IS_DEFAULT_BG(&b)
      || VTERM_COLOR_IS_INDEXED(&a) != VTERM_COLOR_IS_INDEXED(&b))
    return false;
  if (VTERM_COLOR_IS_DEFAULT_FG(&a) || VTERM_COLOR_IS_DEFAULT_BG(&a))
    return true;
  if (VTERM_COLOR_IS_INDEXED(&a))
    return a.indexed.idx == b.indexed.idx;
  return a.rgb.red == b.rgb.red && a.rgb.green == b.rgb.green
         && a.rgb.blue == b.rgb.blue;
}

bool same_style(const cell_style& a, const cell_style& b) {
  return same_colour(a.fg, b.fg) && same_colour(a.bg, b.bg)
         && a.attrs.bold == b.attrs.bold && a.attrs.italic == b.attrs.italic
         && (a.attrs.underline != 0) == (b.attrs.underline != 0)
         && a.attrs.reverse == b.attrs.reverse
         && a.attrs.strike == b.attrs.strike;
}

bool is_default(const VTermColor& c) {
  return VTERM_COLOR_IS_DEFAULT_FG(&c) || VTERM_COLOR_IS_DEFAULT_BG(&c);
}

/// The SGR parameters of one colour: 30+/90+/38;5;n/38;2;r;g;b for a
/// foreground (base 30), the same from 40 for a background.
std::string sgr_colour(const VTermColor& c, int base) {
  if (is_default(c))
    return std::to_string(base + 9);
  if (VTERM_COLOR_IS_INDEXED(&c)) {
    int i = c.indexed.idx;
    if (i < 8)
      return std::to_string(base + i);
    if (i < 16)
      return std::to_string(base + 60 + i - 8);
    return std::to_string(base + 8) + ";5;" + std::to_string(i);
  }
  return std::to_string(base + 8) + ";2;" + std::to_string(c.rgb.red) + ";"
         + std::to_string(c.rgb.green) + ";" + std::to_string(c.rgb.blue);
}

std::string sgr(const cell_style& s) {
  std::string out = "\x1b[0";
  if (s.attrs.bold)
    out += ";1";
  if (s.attrs.italic)
    out += ";3";
  if (s.attrs.underline)
    out += ";4";
  if (s.attrs.reverse)
    out += ";7";
  if (s.attrs.strike)
    out += ";9";
  out += ";" + sgr_colour(s.fg, 30) + ";" + sgr_colour(s.bg, 40) + "m";
  return out;
}

std::string css_colour(VTermColor c, const VTermState* state) {
  if (is_default(c))
    return {};
  vterm_state_convert_color_to_rgb(state, &c);
  char buf[8];
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", c.rgb.red, c.rgb.green,
                c.rgb.blue);
  return buf;
}

/// A blank in the default style: what a trimmed row may drop.
bool plain_blank(const VTermScreenCell& c) {
  return (c.chars[0] == 0 || c.chars[0] == ' ') && is_default(c.bg)
         && !c.attrs.reverse && !c.attrs.underline;
}

} // namespace

std::vector<std::vector<screen::styled_run>> screen::styled_rows() const {
  const auto* state = vterm_obtain_state(vt_.get());
  std::vector<std::vector<styled_run>> out(rows_);
  for (int r = 0; r < rows_; ++r) {
    std::vector<VTermScreenCell> cells(cols_);
    int end = 0;
    for (int c = 0; c < cols_; ++c)
      if (vterm_screen_get_cell(vts_, VTermPos{r, c}, &cells[c])
          && !plain_blank(cells[c]))
        end = c + 1;
    cell_style last{};
    for (int c = 0; c < end; ++c) {
      cell_style now{cells[c].fg, cells[c].bg, cells[c].attrs};
      if (out[r].empty() || !same_style(now, last)) {
        styled_run run;
        run.fg = css_colour(now.fg, state);
        run.bg = css_colour(now.bg, state);
        run.bold = now.attrs.bold;
        run.italic = now.attrs.italic;
        run.underline = now.attrs.underline != 0;
        run.reverse = now.attrs.reverse;
        out[r].push_back(std::move(run));
        last = now;
      }
      append_cell(out[r].back().text, cells[c]);
    }
  }
  return out;
}

std::string screen::ansi(size_t scrollback_lines) const {
  std::string out;
  if (!alt_) {
    auto n = std::min(scrollback_lines, scrollback_.size());
    for (auto i = scrollback_.size() - n; i < scrollback_.size(); ++i)
      out += scrollback_[i] + "\r\n";
  }
  VTermScreenCell cell;
  for (int r = 0; r < rows_; ++r) {
    if (r > 0)
      out += "\r\n";
    int end = 0;
    for (int c = 0; c < cols_; ++c)
      if (vterm_screen_get_cell(vts_, VTermPos{r, c}, &cell)
          && !plain_blank(cell))
        end = c + 1;
    std::optional<cell_style> last;
    for (int c = 0; c < end; ++c) {
      if (!vterm_screen_get_cell(vts_, VTermPos{r, c}, &cell))
        continue;
      cell_style now{cell.fg, cell.bg, cell.attrs};
      if (!last || !same_style(now, *last)) {
        out += sgr(now);
        last = now;
      }
      append_cell(out, cell);
    }
    out += "\x1b[0m";
  }
  auto at = cursor();
  out += "\x1b[" + std::to_string(at.row + 1) + ";" + std::to_string(at.col + 1)
         + "H";
  return out;
}

bool screen::wrapped(int r) const {
  return r >= 0 && r < static_cast<int>(wrapped_.size()) && wrapped_[r];
}

cursor_position screen::cursor() const {
  VTermPos pos;
  vterm_state_get_cursorpos(vterm_obtain_state(vt_.get()), &pos);
  return {pos.row, pos.col};
}

line_history screen::history(uint64_t from) const {
  line_history h;
  h.cols = cols_;
  h.final_end = sb_end_;
  h.retained_begin = sb_end_ - scrollback_.size();
  h.first = std::clamp(from, h.retained_begin, sb_end_);
  for (auto i = h.first - h.retained_begin; i < scrollback_.size(); ++i)
    h.lines.push_back(scrollback_[i]);
  std::string cur = alt_ ? std::string{} : partial_;
  for (int r = 0; r < rows_; ++r) {
    bool continues = r + 1 < rows_ && wrapped(r);
    cur += render_row(r, !continues);
    if (!continues) {
      h.lines.push_back(std::move(cur));
      cur.clear();
    }
  }
  return h;
}

void screen::mark_input() {
  uint64_t index = sb_end_;
  auto row = cursor().row;
  for (int r = 0; r < row; ++r)
    if (!wrapped(r))
      ++index;
  input_mark_ = index;
}

screen_view screen::view() const {
  screen_view v;
  v.cols = cols_;
  v.rows = rows_;
  v.lines = lines();
  v.wrapped = wrapped_;
  v.cursor = cursor();
  v.alt_screen = alt_;
  v.title = title_;
  auto begin = sb_end_ - scrollback_.size();
  auto from = std::max(input_mark_, begin);
  if (sb_end_ - from > opts_.view_scrollback_lines)
    from = sb_end_ - opts_.view_scrollback_lines;
  for (auto i = from - begin; i < scrollback_.size(); ++i)
    v.scrollback_since_input.push_back(scrollback_[i]);
  v.generation = generation_;
  return v;
}

std::string screen::take_replies() {
  std::string out;
  out.swap(outbox_);
  return out;
}

void screen::push_scrollback(std::string text, bool continues) {
  partial_ += text;
  if (continues && partial_.size() < opts_.max_line_bytes)
    return;
  finish_partial();
}

void screen::finish_partial() {
  scrollback_.push_back(std::move(partial_));
  partial_.clear();
  ++sb_end_;
  while (scrollback_.size() > opts_.scrollback_lines)
    scrollback_.pop_front();
}

void screen::reply(std::string_view bytes) {
  if (outbox_.size() + bytes.size() > opts_.outbox_limit) {
    replies_dropped_ += bytes.size();
    return;
  }
  outbox_.append(bytes);
}

} // namespace baton::engine
