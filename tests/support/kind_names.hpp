// Tests compare the decisions' kinds (engine/decision_kinds.hpp)
// with the names the log records for them: `d.answer == "allow"`,
// `d.by == "rule 1"`. The engine itself compares values.
#pragma once

#include <string_view>

#include "engine/decision_kinds.hpp"

namespace baton::engine {

template<class E>
requires requires {
  kind_names<E>::names;
}
bool operator==(E e, std::string_view name) {
  return to_string(e) == name;
}

inline bool operator==(const approval_by& b, std::string_view name) {
  return to_string(b) == name;
}

} // namespace baton::engine
