#include "engine/terminal/sequence_guard.hpp"

#include <algorithm>

namespace baton::engine {

namespace {

constexpr char esc = '\x1b';
constexpr char bel = '\x07';
constexpr char can = '\x18';
constexpr char sub = '\x1a';

/// The byte after ESC that opens a control string: OSC, DCS, SOS, PM, APC.
bool opens_string(char c) {
  return c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_';
}

bool ends_string(char c) {
  return c == bel || c == can || c == sub;
}

/// Parameter (0x30-0x3f) and intermediate (0x20-0x2f) bytes of a CSI, and
/// DEL, which libvterm skips without ending the CSI.
bool inside_csi(char c) {
  auto u = static_cast<unsigned char>(c);
  return (u >= 0x20 && u <= 0x3f) || u == 0x7f;
}

/// C0 controls other than ESC, CAN and SUB execute inside a CSI.
bool executes_in_csi(char c) {
  auto u = static_cast<unsigned char>(c);
  return u < 0x20 && c != esc && c != can && c != sub;
}

} // namespace

std::string sequence_guard::push(std::string_view bytes) {
  std::string out;
  out.reserve(held_.size() + bytes.size());
  if (mode_ == mode::ground) {
    out.swap(held_); // the start of a UTF-8 sequence cut by the last read
    out.reserve(out.size() + bytes.size());
  }
  size_t i = 0;
  while (i < bytes.size()) {
    if (mode_ == mode::ground) {
      // Runs of ordinary bytes are copied in one go.
      auto next = bytes.find(esc, i);
      auto end = next == std::string_view::npos ? bytes.size() : next;
      note_printed(bytes.substr(i, end - i));
      out.append(bytes.substr(i, end - i));
      i = end;
      if (i == bytes.size())
        break;
    }
    step(bytes[i++], out);
  }
  if (mode_ == mode::ground)
    hold_utf8_tail(out);
  return out;
}

void sequence_guard::hold_utf8_tail(std::string& out) {
  // Look back over at most three continuation bytes for a lead byte.
  size_t n = out.size();
  for (size_t back = 1; back <= 4 && back <= n; ++back) {
    auto u = static_cast<unsigned char>(out[n - back]);
    if ((u & 0xC0) == 0x80)
      continue; // a continuation byte
    size_t need = u >= 0xF0 && u <= 0xF7   ? 4
                  : u >= 0xE0 && u <= 0xEF ? 3
                  : u >= 0xC2 && u <= 0xDF ? 2
                                           : 1;
    if (need > back) {
      held_.assign(out, n - back, back);
      out.resize(n - back);
    }
    return;
  }
}

void sequence_guard::step(char c, std::string& out) {
  switch (mode_) {
    case mode::ground:
      if (c == esc) {
        held_.assign(1, c);
        mode_ = mode::escape;
      } else {
        note_printed(std::string_view{&c, 1});
        out.push_back(c);
      }
      return;
    case mode::escape:
      if (c == '[') {
        held_.push_back(c);
        csi_separators_ = 0;
        mode_ = mode::csi;
      } else if (opens_string(c)) {
        held_.push_back(c);
        mode_ = mode::string;
      } else {
        flush(out);
        step(c, out); // c may be another ESC
      }
      return;
    case mode::csi:
    case mode::csi_discard: step_csi(c, out); return;
    default: step_string(c, out); return;
  }
}

void sequence_guard::step_csi(char c, std::string& out) {
  bool discarding = mode_ == mode::csi_discard;
  if (inside_csi(c) || executes_in_csi(c)) {
    if (discarding)
      return;
    held_.push_back(c);
    if (c == ';' || c == ':')
      ++csi_separators_;
    if (csi_separators_ >= csi_max_args || held_.size() > csi_limit)
      drop(mode::csi_discard);
    return;
  }
  auto u = static_cast<unsigned char>(c);
  bool final_byte = u >= 0x40 && u <= 0x7e;
  if (discarding) {
    mode_ = mode::ground;
  } else if (final_byte || c == can || c == sub) {
    held_.push_back(c);
    if (c == 'b')
      cap_repeat();
    flush(out);
  } else {
    // ESC or a non-ASCII byte cuts the CSI short (as in libvterm); the
    // terminal decides what the pieces mean.
    flush(out);
  }
  if (!final_byte && c != can && c != sub)
    step(c, out);
}

void sequence_guard::step_string(char c, std::string& out) {
  switch (mode_) {
    case mode::string:
      if (c == esc) {
        mode_ = mode::string_escape;
        return;
      }
      held_.push_back(c);
      if (ends_string(c))
        flush(out);
      else if (held_.size() > string_limit_)
        drop(mode::string_discard);
      return;
    case mode::string_escape:
      if (c == '\\') {
        held_ += "\x1b\\";
        flush(out);
      } else {
        // Another sequence starts: the string ends unterminated, as in a
        // terminal, and the ESC is read again.
        flush(out);
        step(esc, out);
        step(c, out);
      }
      return;
    case mode::string_discard:
      if (c == esc)
        mode_ = mode::string_discard_escape;
      else if (ends_string(c))
        mode_ = mode::ground;
      return;
    case mode::string_discard_escape:
      mode_ = mode::ground;
      if (c != '\\') {
        step(esc, out);
        step(c, out);
      }
      return;
    default: return;
  }
}

void sequence_guard::note_printed(std::string_view run) {
  if (printed_)
    return;
  for (char c : run) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u != 0x7f) {
      printed_ = true;
      return;
    }
  }
}

void sequence_guard::cap_repeat() {
  // held_ is "ESC [ params b"; only a plain count is REP.
  auto params = std::string_view{held_}.substr(2, held_.size() - 3);
  size_t count = 0;
  for (char c : params) {
    if (c < '0' || c > '9')
      return;
    count = std::min<size_t>(count * 10 + static_cast<size_t>(c - '0'),
                             repeat_limit_ + 1);
  }
  if (!printed_) {
    // libvterm 0.1.4 loops forever repeating "nothing".
    held_.clear();
    ++dropped_;
  } else if (count > repeat_limit_) {
    held_ = "\x1b[" + std::to_string(repeat_limit_) + "b";
  }
}

void sequence_guard::flush(std::string& out) {
  out += held_;
  held_.clear();
  mode_ = mode::ground;
}

void sequence_guard::drop(mode next) {
  held_.clear();
  ++dropped_;
  mode_ = next;
}

} // namespace baton::engine
