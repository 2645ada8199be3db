// Checking a task's artifact against its contract in the plan: exists,
// non-empty, valid in its format (JSON, TOML, Markdown, or a regex the whole
// file must match), and containing what it must. Pure: the caller reads the
// file. Nothing downstream consumes an artifact that failed this.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/plan/plan.hpp"

namespace baton::engine {

/// Why `content` (nullopt: the file does not exist) fails `artifact`'s
/// contract, one reason per entry, each naming the path; empty when it
/// passes.
std::vector<std::string>
check_artifact(const plan_artifact& artifact,
               const std::optional<std::string>& content);

} // namespace baton::engine
