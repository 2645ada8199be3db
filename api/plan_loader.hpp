// Loading a plan file for a command: read it, parse it, check it, and check
// that every agent's program can be found. All problems are reported.
#pragma once

#include <string>
#include <vector>

#include "engine/plan/plan.hpp"
#include "engine/result.hpp"

namespace baton::api {

/// Problems found, one line each ("plan.toml:12:1: ..."); the plan when none.
struct loaded_plan {
  engine::plan plan;
  std::vector<std::string> problems;
};

/// Reads and checks `path`. Errors: ec::not_found when the file cannot be
/// read; otherwise problems are in the result.
result<loaded_plan> load_plan(const std::string& path);

/// The same for a plan's text; `path` names it in problems.
loaded_plan load_plan_text(const std::string& text, const std::string& path);

/// The plan's text with `goal` for its orchestrator agent (`baton run
/// --goal`): set in its [orchestrator], or a new [orchestrator] running
/// `preset` (default: claude) appended. The result is what the run records.
/// Errors: ec::invalid_argument when the plan has a goal already, or is not
/// TOML (the plan's own check then names the problem).
result<std::string> with_goal(const std::string& text, const std::string& goal,
                              const std::string& preset);

/// The program an agent runs: its command, or its preset's program.
std::string agent_program(const engine::plan_agent& agent);

/// Finds `program` on PATH (or as given when it contains a '/'); empty when
/// there is no such executable.
std::string find_executable(const std::string& program);

} // namespace baton::api
