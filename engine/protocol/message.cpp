#include "engine/protocol/message.hpp"

namespace baton::engine::protocol {

std::string_view to_string(kind k) {
  switch (k) {
    case kind::status: return "status";
    case kind::progress: return "progress";
    case kind::build: return "build";
    case kind::need: return "need";
    case kind::contract: return "contract";
    case kind::task: return "task";
  }
  return "unknown";
}

std::string_view to_string(status s) {
  switch (s) {
    case status::done: return "DONE";
    case status::blocked: return "BLOCKED";
    case status::error: return "ERROR";
  }
  return "UNKNOWN";
}

} // namespace baton::engine::protocol
