#include "engine/detect/state.hpp"

#include <array>
#include <utility>

namespace baton::engine::detect {

namespace {

constexpr std::array<std::pair<state, std::string_view>, 9> names = {{
  {state::starting, "starting"},
  {state::working, "working"},
  {state::idle, "idle"},
  {state::waiting_approval, "waiting_approval"},
  {state::done, "done"},
  {state::blocked, "blocked"},
  {state::error, "error"},
  {state::exited, "exited"},
  {state::unknown, "unknown"},
}};

} // namespace

std::string_view to_string(state s) {
  for (auto& [value, name] : names)
    if (value == s)
      return name;
  return "unknown";
}

std::optional<state> state_from_string(std::string_view name) {
  for (auto& [value, text] : names)
    if (text == name)
      return value;
  return std::nullopt;
}

} // namespace baton::engine::detect
