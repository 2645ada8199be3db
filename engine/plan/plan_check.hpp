// Checking a parsed plan for what a run could not survive: tasks naming
// agents that do not exist, dependency cycles, two agents owning the same
// paths, pipeline stages naming unknown tasks. Everything found is reported,
// each with the plan's file and line. Executables are checked by the caller
// (that needs the file system).
#pragma once

#include <string>
#include <vector>

#include "engine/plan/plan.hpp"

namespace baton::engine {

/// One line per problem, "<source>:<line>:<column>: <what>"; empty when the
/// plan is sound.
std::vector<std::string> check_plan(const plan& p);

/// The problems of task `t` added to the running plan `current`: what
/// check_plan would report for the plan with it appended, less what it
/// reports for `current` alone (problems of the plan's own are not the new
/// task's), without their plan file locations. Empty when it may be added. In a pipeline it joins `stage`.
std::vector<std::string> check_added_task(const plan& current,
                                          const plan_task& t,
                                          std::string_view stage = {});

/// True when agent `a` has every capability of `caps` (a task's
/// `requires`).
bool can_do(const plan_agent& a, const std::vector<std::string>& caps);

/// True when some path could be matched by both globs (`*` within a path
/// segment, `**` across segments, `?` one character). Exact for the shapes
/// plans use: literal paths, `dir/**`, `dir/*.ext`, `**/*.ext`.
bool globs_overlap(std::string_view a, std::string_view b);

} // namespace baton::engine
