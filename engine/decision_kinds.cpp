#include "engine/decision_kinds.hpp"

#include <charconv>

namespace baton::engine {

std::string to_string(const approval_by& b) {
  if (b.kind == approval_by_kind::rule)
    return "rule " + std::to_string(b.rule);
  return std::string{name_of(b.kind)};
}

std::optional<approval_by> approval_by_named(std::string_view s) {
  constexpr std::string_view rule = "rule ";
  if (s.starts_with(rule)) {
    auto n = s.substr(rule.size());
    uint32_t number = 0;
    auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), number);
    if (ec != std::errc{} || end != n.data() + n.size() || number == 0)
      return std::nullopt;
    return approval_by{approval_by_kind::rule, number};
  }
  auto k = named<approval_by_kind>(s);
  if (!k || *k == approval_by_kind::rule)
    return std::nullopt;
  return approval_by{*k};
}

} // namespace baton::engine
