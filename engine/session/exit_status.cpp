#include "engine/session/exit_status.hpp"

#include <cstring>

namespace baton::engine {

std::string exit_status::to_string() const {
  if (exited())
    return "exit code " + std::to_string(code);
  if (signaled()) {
    std::string out = "killed by signal " + std::to_string(signal);
    if (const char* abbrev = sigabbrev_np(signal)) {
      out += " (SIG";
      out += abbrev;
      out += ')';
    }
    return out;
  }
  return "unknown";
}

} // namespace baton::engine
