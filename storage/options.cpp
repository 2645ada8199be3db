#include "storage/options.hpp"

#include <string>

namespace baton::storage {

std::string_view to_string(durability mode) {
  switch (mode) {
    case durability::sync: return "sync";
    case durability::group: return "group";
    case durability::async: return "async";
  }
  return "unknown";
}

result<durability> parse_durability(std::string_view text) {
  if (text == "sync")
    return durability::sync;
  if (text == "group")
    return durability::group;
  if (text == "async")
    return durability::async;
  return error{ec::invalid_argument,
               "unknown durability \"" + std::string{text}
                 + "\" (expected sync, group or async)"};
}

} // namespace baton::storage
