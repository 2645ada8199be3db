#include "engine/detect/approval.hpp"

#include <re2/re2.h>

namespace baton::engine::detect {

namespace {

std::string trimmed(std::string s) {
  auto blank = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
  };
  while (!s.empty() && blank(s.back()))
    s.pop_back();
  size_t from = 0;
  while (from < s.size() && blank(s[from]))
    ++from;
  return s.substr(from);
}

/// The text of group `name` in the last match, if the pattern has it.
std::string group(const re2::RE2& re, const std::vector<re2::StringPiece>& m,
                  const std::string& name) {
  auto& names = re.NamedCapturingGroups();
  auto at = names.find(name);
  if (at == names.end() || static_cast<size_t>(at->second) >= m.size())
    return {};
  auto piece = m[static_cast<size_t>(at->second)];
  return std::string{piece.data(), piece.size()};
}

} // namespace

approval_ask read_approval_ask(const pack& p, const screen_view& view) {
  for (auto& rule : p.approval.asks) {
    auto text = region_text(rule.where, view);
    auto groups = static_cast<size_t>(rule.re->NumberOfCapturingGroups()) + 1;
    std::vector<re2::StringPiece> m(groups);
    if (!rule.re->Match(text, 0, text.size(), re2::RE2::UNANCHORED, m.data(),
                        static_cast<int>(groups)))
      continue;
    approval_ask out;
    out.tool = trimmed(group(*rule.re, m, "tool"));
    if (out.tool.empty())
      out.tool = rule.tool;
    out.subject = trimmed(group(*rule.re, m, "subject"));
    return out;
  }
  return {};
}

} // namespace baton::engine::detect
