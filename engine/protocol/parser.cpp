#include "engine/protocol/parser.hpp"

#include <algorithm>
#include <cctype>

#include <re2/re2.h>

#include "engine/protocol/decoration.hpp"

namespace baton::engine::protocol {

namespace {

/// Columns a CLI may keep free at the right edge when it wraps its own
/// text (the sim wraps at width - 2; TUIs with padding a little earlier).
constexpr size_t wrap_margin = 10;

/// An optional separator: em dash, en dash, `--`, `-` or `:`.
#define BATON_SEP R"((?:\x{2014}|\x{2013}|--|-|:)?\s*)"

struct header {
  protocol::kind kind;
  std::string rest;
};

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos)
    return {};
  auto e = s.find_last_not_of(" \t");
  return std::string{s.substr(b, e - b + 1)};
}

/// Whether `text` may start with a protocol keyword: false for a row whose
/// first byte is ASCII and not the first letter of one, which the
/// expression below cannot match (its case folding adds only non-ASCII
/// letters: ſ for s, the Kelvin sign for k). Most rows a screen shows end
/// here, without running the expression.
bool may_start_keyword(std::string_view text) {
  if (text.empty())
    return false;
  auto c = static_cast<unsigned char>(text[0]);
  if (c >= 0x80)
    return true;
  switch (std::toupper(c)) {
    case 'S':
    case 'P':
    case 'B':
    case 'N':
    case 'C':
    case 'T': return true;
    default: return false;
  }
}

std::optional<header> header_of(std::string_view text) {
  if (!may_start_keyword(text))
    return std::nullopt;
  static const re2::RE2 re{
    R"((?i)^(STATUS|PROGRESS|BUILD|NEED|CONTRACT|TASK)\s*:\s*(.*)$)"};
  std::string word;
  std::string rest;
  if (!re2::RE2::FullMatch(text, re, &word, &rest))
    return std::nullopt;
  char c = static_cast<char>(std::toupper(static_cast<unsigned char>(word[0])));
  auto k = c == 'S'   ? kind::status
           : c == 'P' ? kind::progress
           : c == 'B' ? kind::build
           : c == 'N' ? kind::need
           : c == 'C' ? kind::contract
                      : kind::task;
  return header{k, std::move(rest)};
}

bool is_end_contract(std::string_view text) {
  static const re2::RE2 re{R"((?i)^END[\s_-]*CONTRACT\b.*$)"};
  return re2::RE2::FullMatch(text, re);
}

bool fill_status(message& m, const std::string& rest) {
  static const re2::RE2 re{R"((?i)^(DONE|BLOCKED|ERROR)\b[\s.!]*)" BATON_SEP
                           R"((.*)$)"};
  std::string word;
  std::string text;
  if (!re2::RE2::FullMatch(rest, re, &word, &text))
    return false;
  auto w = static_cast<char>(std::toupper(static_cast<unsigned char>(word[0])));
  m.status = w == 'D'   ? status::done
             : w == 'B' ? status::blocked
                        : status::error;
  m.text = trim(text);
  if (m.status == status::done) {
    auto plus = m.text.find(" + ");
    m.what = trim(m.text.substr(0, plus));
    if (plus != std::string::npos)
      m.evidence_text = trim(m.text.substr(plus + 3));
  }
  m.evidence
    = extract_evidence(m.evidence_text.empty() ? m.text : m.evidence_text);
  return true;
}

bool fill_progress(message& m, const std::string& rest) {
  static const re2::RE2 re{R"(^(\d{1,9})\s*/\s*(\d{1,9})\b\s*)" BATON_SEP
                           R"((.*)$)"};
  std::string text;
  if (!re2::RE2::FullMatch(rest, re, &m.done, &m.total, &text))
    return false;
  m.text = trim(text);
  m.evidence = extract_evidence(m.text);
  return true;
}

bool fill_build(message& m, const std::string& rest) {
  static const re2::RE2 re{
    R"((?i)^(PASS(?:ED|ES|ING)?|FAIL(?:ED|S|ING|URE)?)\b[\s.!]*)" BATON_SEP
    R"((.*)$)"};
  std::string word;
  std::string text;
  if (!re2::RE2::FullMatch(rest, re, &word, &text))
    return false;
  m.passed = std::toupper(static_cast<unsigned char>(word[0])) == 'P';
  m.text = trim(text);
  m.evidence = extract_evidence(m.text);
  return true;
}

/// Splits at the first em or en dash, else " -- ", else " - ".
std::pair<std::string, std::string> split_dash(std::string_view s) {
  for (std::string_view d : {"\xe2\x80\x94", "\xe2\x80\x93", " -- ", " - "}) {
    auto at = s.find(d);
    if (at != std::string_view::npos)
      return {trim(s.substr(0, at)), trim(s.substr(at + d.size()))};
  }
  return {trim(s), {}};
}

bool fill_need(message& m, const std::string& rest) {
  auto [resource, reason] = split_dash(rest);
  while (!resource.empty() && resource.back() == ':')
    resource.pop_back();
  if (resource.empty())
    return false;
  m.resource = std::move(resource);
  m.text = std::move(reason);
  m.evidence = extract_evidence(m.resource + " " + m.text);
  return true;
}

bool fill_task(message& m, const std::string& rest) {
  static const re2::RE2 re{
    R"((?i)^(.*?)\s*\[\s*requires?\s*:?\s*([^\]]*)\]\s*)" BATON_SEP R"((.*)$)"};
  std::string title;
  std::string reqs;
  std::string desc;
  if (re2::RE2::FullMatch(rest, re, &title, &reqs, &desc)) {
    size_t start = 0;
    while (start <= reqs.size()) {
      auto comma = reqs.find(',', start);
      auto item = trim(reqs.substr(start, comma - start));
      if (!item.empty())
        m.requirements.push_back(std::move(item));
      if (comma == std::string::npos)
        break;
      start = comma + 1;
    }
    m.text = trim(title);
    m.description = trim(desc);
  } else {
    std::tie(m.text, m.description) = split_dash(rest);
  }
  return !m.text.empty();
}

bool fill(message& m, const header& h) {
  m.kind = h.kind;
  switch (h.kind) {
    case kind::status: return fill_status(m, h.rest);
    case kind::progress: return fill_progress(m, h.rest);
    case kind::build: return fill_build(m, h.rest);
    case kind::need: return fill_need(m, h.rest);
    case kind::contract: m.text = trim(h.rest); return true;
    case kind::task: return fill_task(m, h.rest);
  }
  return false;
}

size_t first_word_columns(std::string_view text) {
  return columns(text.substr(0, text.find(' ')));
}

/// Whether `next` continues a protocol line whose last row was `prev`.
bool continues(const scanned_row& prev, const scanned_row& next,
               const parse_options& opts) {
  if (next.blank || next.marked || next.border || next.indent < 2)
    return false;
  if (header_of(next.text) || is_end_contract(next.text))
    return false;
  if (opts.width == 0)
    return true;
  auto limit = opts.width > wrap_margin ? opts.width - wrap_margin : 0;
  return prev.width + 1 + first_word_columns(next.text) > limit;
}

/// Whether `next` belongs to the body of a CONTRACT whose header is `head`.
bool in_body(const scanned_row& head, const scanned_row& next) {
  if (next.blank || next.border || header_of(next.text))
    return false;
  if (next.indent < std::min<size_t>(head.content_col, 2))
    return false;
  // A marker left of the header's text starts the next message.
  return !(next.marked && next.indent < head.content_col);
}

void dedent(std::vector<std::string>& body) {
  size_t common = std::string::npos;
  for (auto& l : body)
    if (!l.empty())
      common = std::min(common, l.find_first_not_of(' '));
  if (common == std::string::npos || common == 0)
    return;
  for (auto& l : body)
    l.erase(0, std::min(common, l.size()));
}

/// Reads the message whose header row is rows[i]; sets `end` to one past
/// its last row.
std::optional<message> read_at(std::span<const std::string> lines,
                               const std::vector<scanned_row>& rows, size_t i,
                               const parse_options& opts, size_t& end) {
  end = i + 1;
  auto h = header_of(rows[i].text);
  if (!h)
    return std::nullopt;
  message m;
  m.first_line = i;
  std::string text = rows[i].text;
  if (h->kind == kind::contract) {
    while (end < rows.size() && in_body(rows[i], rows[end])) {
      if (is_end_contract(rows[end].text)) {
        ++end;
        break;
      }
      m.body.push_back(unboxed(lines[end]));
      ++end;
    }
    dedent(m.body);
  } else {
    while (end < rows.size() && continues(rows[end - 1], rows[end], opts)) {
      text += " " + rows[end].text;
      ++end;
    }
    h = header_of(collapse_blanks(text));
    if (!h)
      return std::nullopt;
  }
  if (!fill(m, *h))
    return std::nullopt;
  m.line = collapse_blanks(text);
  m.line_count = end - i;
  return m;
}

} // namespace

std::vector<message> parse(std::span<const std::string> lines,
                           const parse_options& opts) {
  std::vector<scanned_row> rows;
  rows.reserve(lines.size());
  for (auto& l : lines)
    rows.push_back(scan_row(l));
  std::vector<message> out;
  size_t i = 0;
  while (i < rows.size()) {
    size_t end = i + 1;
    if (auto m = read_at(lines, rows, i, opts, end)) {
      out.push_back(std::move(*m));
      i = end;
    } else {
      ++i;
    }
  }
  return out;
}

std::optional<message> parse_line(std::string_view line) {
  auto row = scan_row(line);
  auto h = header_of(row.text);
  if (!h)
    return std::nullopt;
  message m;
  if (!fill(m, *h))
    return std::nullopt;
  m.line = collapse_blanks(row.text);
  return m;
}

} // namespace baton::engine::protocol
