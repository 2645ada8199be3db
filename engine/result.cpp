#include "engine/result.hpp"

namespace baton {

std::string error::to_string() const {
  std::string out{baton::to_string(code_)};
  out += ": ";
  out += message_;
  return out;
}

} // namespace baton
