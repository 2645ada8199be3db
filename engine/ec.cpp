#include "engine/ec.hpp"

namespace baton {

std::string_view to_string(ec code) {
  switch (code) {
    case ec::none: return "none";
    case ec::invalid_argument: return "invalid_argument";
    case ec::wrong_expected_version: return "wrong_expected_version";
    case ec::corruption: return "corruption";
    case ec::io_error: return "io_error";
    case ec::not_found: return "not_found";
    case ec::not_a_log: return "not_a_log";
    case ec::newer_schema: return "newer_schema";
    case ec::locked: return "locked";
    case ec::closed: return "closed";
    case ec::parse_error: return "parse_error";
    case ec::timeout: return "timeout";
  }
  return "unknown";
}

} // namespace baton
