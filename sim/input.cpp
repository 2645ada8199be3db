#include "sim/input.hpp"

#include "sim/text.hpp"

namespace baton::sim {

namespace {

constexpr std::string_view paste_begin = "\x1b[200~";
constexpr std::string_view paste_end = "\x1b[201~";

/// Bytes in the UTF-8 sequence that starts with `b`; 1 for a stray byte.
size_t utf8_length(unsigned char b) {
  if (b >= 0xF0 && b < 0xF8)
    return 4;
  if (b >= 0xE0)
    return b < 0xF0 ? 3 : 1;
  if (b >= 0xC2)
    return 2;
  return 1;
}

/// The length of the CSI sequence at the start of `s` (which begins with
/// ESC [), or 0 when it is not complete yet.
size_t csi_length(std::string_view s) {
  for (size_t i = 2; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x40 && c <= 0x7E)
      return i + 1;
  }
  return 0;
}

/// The length of the string sequence (DCS, OSC, SOS, PM, APC: a terminal's
/// answer to a query) at the start of `s`, ended by BEL or ST; 0 while it is
/// incomplete. One that runs past 4 KiB is dropped as far as it goes.
size_t string_length(std::string_view s) {
  for (size_t i = 2; i < s.size(); ++i) {
    if (s[i] == '\a')
      return i + 1;
    if (s[i] == '\x1b' && i + 1 < s.size() && s[i + 1] == '\\')
      return i + 2;
  }
  return s.size() > 4096 ? s.size() : 0;
}

std::string normalise_newlines(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      out += '\n';
      if (i + 1 < text.size() && text[i + 1] == '\n')
        ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

} // namespace

void input_decoder::feed(std::string_view bytes, std::vector<key_event>& out) {
  pending_.append(bytes);
  while (!pending_.empty()) {
    auto n = step(out);
    if (n == 0)
      break;
    pending_.erase(0, n);
  }
}

size_t input_decoder::step_paste(std::vector<key_event>& out) {
  auto end = pending_.find(paste_end);
  if (end != std::string::npos) {
    paste_.append(pending_, 0, end);
    out.push_back({key_event::kind::paste, std::move(paste_)});
    paste_.clear();
    in_paste_ = false;
    return end + paste_end.size();
  }
  // Keep a tail that may be the start of the end marker.
  size_t keep = 0;
  for (size_t k = std::min(pending_.size(), paste_end.size() - 1); k > 0; --k)
    if (std::string_view{pending_}.substr(pending_.size() - k)
        == paste_end.substr(0, k)) {
      keep = k;
      break;
    }
  paste_.append(pending_, 0, pending_.size() - keep);
  return pending_.size() - keep;
}

size_t input_decoder::step(std::vector<key_event>& out) {
  using kind = key_event::kind;
  if (in_paste_)
    return step_paste(out);
  std::string_view s = pending_;
  auto b = static_cast<unsigned char>(s[0]);
  if (b == 0x1b) {
    if (s.size() < 2)
      return 0;
    if (s[1] == '[') {
      auto n = csi_length(s);
      if (n == 0)
        return 0;
      if (s.substr(0, n) == paste_begin)
        in_paste_ = true;
      return n;
    }
    if (s[1] == 'O')
      return s.size() < 3 ? 0 : 3;
    if (std::string_view{"P]X^_"}.find(s[1]) != std::string_view::npos)
      return string_length(s);
    out.push_back({kind::escape, {}});
    return 1;
  }
  switch (b) {
    case '\r':
    case '\n': out.push_back({kind::enter, {}}); return 1;
    case 0x7f:
    case 0x08: out.push_back({kind::backspace, {}}); return 1;
    case 0x03: out.push_back({kind::interrupt, {}}); return 1;
    case 0x04: out.push_back({kind::end, {}}); return 1;
    case 0x15: out.push_back({kind::clear_line, {}}); return 1;
    default: break;
  }
  if (b < 0x20)
    return 1;
  auto len = utf8_length(b);
  if (s.size() < len)
    return 0;
  out.push_back({kind::text, std::string{s.substr(0, len)}});
  return len;
}

line_editor::outcome line_editor::apply(const key_event& key) {
  using kind = key_event::kind;
  switch (key.what) {
    case kind::text:
      if (segments_.empty() || segments_.back().paste)
        segments_.push_back({});
      segments_.back().text += key.text;
      return outcome::changed;
    case kind::paste: {
      auto text = normalise_newlines(key.text);
      if (text.find('\n') == std::string::npos) {
        if (segments_.empty() || segments_.back().paste)
          segments_.push_back({});
        segments_.back().text += text;
      } else {
        segments_.push_back({std::move(text), true, ++pastes_});
      }
      return outcome::changed;
    }
    case kind::enter:
      return trim(take_preview()).empty() ? outcome::none : outcome::submit;
    case kind::backspace:
      if (segments_.empty())
        return outcome::none;
      if (segments_.back().paste) {
        segments_.pop_back();
      } else {
        auto& t = segments_.back().text;
        size_t cut = t.size() - 1;
        while (cut > 0 && (static_cast<unsigned char>(t[cut]) & 0xC0) == 0x80)
          --cut;
        t.erase(cut);
        if (t.empty())
          segments_.pop_back();
      }
      return outcome::changed;
    case kind::clear_line: segments_.clear(); return outcome::changed;
    case kind::interrupt:
      if (!segments_.empty()) {
        segments_.clear();
        return outcome::changed;
      }
      return outcome::interrupt;
    case kind::end: return segments_.empty() ? outcome::end : outcome::none;
    case kind::escape: return outcome::none;
  }
  return outcome::none;
}

std::string line_editor::take_preview() const {
  std::string out;
  for (auto& s : segments_)
    out += s.text;
  return normalise_newlines(out);
}

std::string line_editor::take() {
  auto out = take_preview();
  segments_.clear();
  pastes_ = 0;
  return out;
}

std::string line_editor::display() const {
  std::string out;
  for (auto& s : segments_) {
    if (!s.paste) {
      out += s.text;
      continue;
    }
    size_t lines = 1;
    for (char c : s.text)
      lines += c == '\n';
    out += "[Pasted text #" + std::to_string(s.number) + " +"
           + std::to_string(lines) + " lines]";
  }
  return out;
}

} // namespace baton::sim
