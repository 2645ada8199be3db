#include "engine/protocol/evidence.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include <re2/re2.h>

namespace baton::engine::protocol {

namespace {

std::optional<uint32_t> number(const std::string& digits) {
  if (digits.empty() || digits.size() > 9)
    return std::nullopt;
  return static_cast<uint32_t>(std::stoul(digits));
}

void find_tests(std::string_view text, test_counts& t) {
  static const re2::RE2 ratio{R"(\((\d+)\s*/\s*(\d+)\))"};
  static const re2::RE2 ratio_word{
    R"((?i)\b(\d+)\s*/\s*(\d+)\s+(?:tests?\s+|specs?\s+)?(?:passed|passing|pass|ok|green)\b)"};
  static const re2::RE2 passed{
    R"((?i)\b(\d+)\s+(?:tests?\s+|specs?\s+|examples?\s+)?(?:passed|passing|succeeded|ok)\b)"};
  static const re2::RE2 failed{
    R"((?i)\b(\d+)\s+(?:tests?\s+|specs?\s+|examples?\s+)?(?:failed|failing|failures?)\b)"};
  static const re2::RE2 all{R"((?i)\ball\s+(\d+)\s+(?:tests?|specs?)\b)"};
  static const re2::RE2 total{R"((?i)\b(\d+)\s+(?:tests?|specs?|examples?)\b)"};
  std::string a;
  std::string b;
  if (re2::RE2::PartialMatch(text, ratio_word, &a, &b)
      || re2::RE2::PartialMatch(text, ratio, &a, &b)) {
    auto x = number(a);
    auto y = number(b);
    if (x && y && *x <= *y) {
      t.passed = x;
      t.total = y;
    }
  }
  if (!t.passed && re2::RE2::PartialMatch(text, passed, &a))
    t.passed = number(a);
  if (re2::RE2::PartialMatch(text, failed, &a))
    t.failed = number(a);
  if (!t.total && re2::RE2::PartialMatch(text, all, &a)) {
    t.total = number(a);
    if (!t.passed && !t.failed)
      t.passed = t.total;
  }
  if (!t.total && t.passed && t.failed)
    t.total = *t.passed + *t.failed;
  if (!t.total && re2::RE2::PartialMatch(text, total, &a))
    t.total = number(a);
}

bool known_extension(std::string_view ext) {
  static constexpr std::array<std::string_view, 52> exts
    = {"c",      "cc",    "cpp",    "cxx",   "h",     "hh",  "hpp",  "hxx",
       "ipp",    "py",    "pyi",    "js",    "mjs",   "cjs", "ts",   "tsx",
       "jsx",    "json",  "toml",   "yaml",  "yml",   "md",  "rst",  "txt",
       "rs",     "go",    "java",   "kt",    "rb",    "sh",  "bash", "lock",
       "cfg",    "ini",   "html",   "css",   "scss",  "sql", "xml",  "csv",
       "log",    "cmake", "capnp",  "proto", "swift", "php", "cs",   "vue",
       "svelte", "env",   "gradle", "mk"};
  std::string lower;
  for (char c : ext)
    lower.push_back(
      static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return std::find(exts.begin(), exts.end(), lower) != exts.end();
}

bool path_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '.'
         || c == '_' || c == '-' || c == '+' || c == '@' || c == '~';
}

/// `token` as a path, or "" when it is not one.
std::string as_path(std::string_view token) {
  if (token.find("://") != std::string_view::npos)
    return {};
  // Keep the path-like core: drop surrounding quotes, brackets, punctuation.
  size_t b = 0;
  while (b < token.size() && !path_char(token[b]))
    ++b;
  size_t e = b;
  while (e < token.size() && path_char(token[e]))
    ++e;
  auto core = token.substr(b, e - b);
  while (!core.empty() && (core.back() == '.' || core.back() == '-'))
    core.remove_suffix(1);
  bool letters = std::any_of(core.begin(), core.end(), [](char c) {
    return std::isalpha(static_cast<unsigned char>(c));
  });
  if (core.size() < 2 || !letters)
    return {};
  if (core.find('/') != std::string_view::npos) {
    if (core.starts_with("//") || core == "n/a" || core == "N/A")
      return {};
    return std::string{core};
  }
  auto dot = core.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == core.size())
    return {};
  return known_extension(core.substr(dot + 1)) ? std::string{core}
                                               : std::string{};
}

void find_paths(std::string_view text, std::vector<std::string>& paths) {
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])))
      ++i;
    size_t j = i;
    while (j < text.size()
           && !std::isspace(static_cast<unsigned char>(text[j])))
      ++j;
    auto p = as_path(text.substr(i, j - i));
    if (!p.empty() && std::find(paths.begin(), paths.end(), p) == paths.end())
      paths.push_back(std::move(p));
    i = j;
  }
}

void add_port(const std::string& digits, std::vector<uint16_t>& ports) {
  auto n = number(digits);
  if (!n || *n == 0 || *n > 65535)
    return;
  auto port = static_cast<uint16_t>(*n);
  if (std::find(ports.begin(), ports.end(), port) == ports.end())
    ports.push_back(port);
}

void find_ports(std::string_view text, std::vector<uint16_t>& ports) {
  static const re2::RE2 word{R"((?i)\bport\s*[:=#]?\s*(\d{2,5})\b)"};
  // A host (name, IPv4 or [IPv6]) or nothing, then :digits. The host group
  // is checked below: a file name with an extension is file:line.
  static const re2::RE2 colon{
    R"((^|[\s(\[,='"/@])((?:[A-Za-z][A-Za-z0-9-]*(?:\.[A-Za-z0-9-]+)*)|(?:\d{1,3}(?:\.\d{1,3}){3})|(?:\[[0-9A-Fa-f:]*\]))?:(\d{2,5})\b)"};
  std::string digits;
  re2::StringPiece in{text.data(), text.size()};
  std::vector<std::pair<size_t, std::string>> found;
  re2::StringPiece m[4];
  size_t pos = 0;
  while (pos <= text.size()
         && colon.Match(in, pos, text.size(), re2::RE2::UNANCHORED, m, 4)) {
    std::string_view host{m[2].data() ? m[2].data() : "", m[2].size()};
    auto dot = host.rfind('.');
    bool file_line
      = dot != std::string_view::npos && known_extension(host.substr(dot + 1));
    if (!file_line)
      found.emplace_back(m[3].data() - text.data(), std::string{m[3]});
    pos = static_cast<size_t>(m[0].data() - text.data()) + m[0].size();
  }
  re2::StringPiece rest = in;
  while (re2::RE2::FindAndConsume(&rest, word, &digits))
    found.emplace_back(rest.data() - text.data() - digits.size(), digits);
  std::sort(found.begin(), found.end());
  for (auto& f : found)
    add_port(f.second, ports);
}

} // namespace

namespace {

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

/// A number with a unit or a noun after it: "6 endpoints", "40%", "3 s".
/// Not one followed by a word that only links it ("part 2 of 3", "step 1
/// done", "the 2nd try").
bool states_quantity(std::string_view text) {
  static const re2::RE2 re{R"((?i)\b\d+(?:[.,]\d+)?\s*(%|[a-z]+))"};
  static constexpr std::array<std::string_view, 30> linking
    = {"of",    "to",       "in",        "on",       "at",    "by",
       "for",   "and",      "or",        "the",      "an",    "is",
       "are",   "was",      "were",      "be",       "it",    "as",
       "so",    "more",     "done",      "complete", "completed",
       "finished", "ready", "st",        "nd",       "rd",    "th",
       "then"};
  re2::StringPiece in{text.data(), text.size()};
  std::string unit;
  while (re2::RE2::FindAndConsume(&in, re, &unit)) {
    if (unit == "%")
      return true;
    for (auto& c : unit)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (unit.size() < 2 && unit != "s")
      continue;
    if (std::find(linking.begin(), linking.end(), unit) != linking.end())
      continue;
    return true;
  }
  return false;
}

/// `text` cut into clauses at ", ", "; ", sentence ends and " — ", never
/// inside brackets, parentheses or backquotes; each trimmed, none empty.
std::vector<std::string_view> clauses_of(std::string_view text) {
  std::vector<std::string_view> out;
  auto add = [&](std::string_view c) {
    c = trimmed(c);
    if (!c.empty())
      out.push_back(c);
  };
  constexpr std::string_view dash = " \xe2\x80\x94 "; // " — "
  int depth = 0;
  bool quoted = false;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '`') {
      quoted = !quoted;
      continue;
    }
    if (quoted)
      continue;
    if (c == '(' || c == '[' || c == '{') {
      ++depth;
    } else if ((c == ')' || c == ']' || c == '}') && depth > 0) {
      --depth;
    } else if (depth == 0 && text.substr(i).starts_with(dash)) {
      add(text.substr(start, i - start));
      start = i + dash.size();
      i = start - 1;
    } else if (depth == 0
               && (c == ',' || c == ';' || c == '.' || c == '!' || c == '?')
               && i + 1 < text.size()
               && std::isspace(static_cast<unsigned char>(text[i + 1]))) {
      add(text.substr(start, i - start));
      start = i + 1;
    }
  }
  add(text.substr(start));
  return out;
}

} // namespace

bool states_checkable(std::string_view text) {
  if (!extract_evidence(text).empty())
    return true;
  static const re2::RE2 command{R"(`[^`]+`)"};
  static const re2::RE2 exit_status{
    R"((?i)\bexit(?:s|ed)?\s*(?:code|status)?\s*(?:=|:|with)?\s*\d+)"};
  static const re2::RE2 outcome{
    R"((?i)\b(?:all\s+)?(?:tests?|specs?|checks?|build|lint|type-?check)s?\s+(?:all\s+|are\s+|now\s+)?(?:pass(?:es|ed|ing)?|green|succeed(?:s|ed)?|clean)\b)"};
  re2::StringPiece in{text.data(), text.size()};
  return states_quantity(text) || re2::RE2::PartialMatch(in, command)
         || re2::RE2::PartialMatch(in, exit_status)
         || re2::RE2::PartialMatch(in, outcome);
}

std::string checkable_statements(std::string_view text) {
  text = trimmed(text);
  std::string kept;
  size_t dropped = 0;
  for (auto c : clauses_of(text)) {
    if (!states_checkable(c)) {
      ++dropped;
      continue;
    }
    // Joined by ", ": a sentence's own end would read wrongly inside.
    while (!c.empty() && (c.back() == '.' || c.back() == '!'))
      c.remove_suffix(1);
    kept += (kept.empty() ? "" : ", ") + std::string{c};
  }
  if (dropped == 0 || (kept.empty() && states_checkable(text)))
    return states_checkable(text) ? std::string{text} : std::string{};
  return kept;
}

done_evidence judge_done(std::string_view text, std::string_view cited) {
  if (auto c = trimmed(cited); !c.empty())
    return {true, std::string{c}};
  auto statements = checkable_statements(text);
  return {!statements.empty(), std::move(statements)};
}

evidence extract_evidence(std::string_view text) {
  evidence out;
  find_tests(text, out.tests);
  find_paths(text, out.paths);
  find_ports(text, out.ports);
  return out;
}

} // namespace baton::engine::protocol
