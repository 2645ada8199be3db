// Text between std::string and Cap'n Proto's Text fields, for the code that
// builds and reads recorded events.
#pragma once

#include <string>
#include <vector>

#include <capnp/list.h>
#include <kj/string.h>

namespace baton {

/// `s` as a capnp Text to set (valid while `s` is).
inline kj::StringPtr text(const std::string& s) {
  return {s.c_str(), s.size()};
}

inline std::string str(capnp::Text::Reader t) {
  return {t.cStr(), t.size()};
}

/// Fills `b`, made with room for `items.size()`, with `items`.
inline void set_list(capnp::List<capnp::Text>::Builder b,
                     const std::vector<std::string>& items) {
  for (size_t i = 0; i < items.size(); ++i)
    b.set(static_cast<unsigned>(i), text(items[i]));
}

inline std::vector<std::string> get_list(capnp::List<capnp::Text>::Reader r) {
  std::vector<std::string> out;
  out.reserve(r.size());
  for (auto t : r)
    out.push_back(str(t));
  return out;
}

} // namespace baton
