// Parsing a plan file (TOML) into a plan. Every problem is reported, not just
// the first, each as "<source>:<line>:<column>: <what>", with a suggestion for
// a misspelt key. Pure: the caller reads the file.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/plan/plan.hpp"
#include "engine/result.hpp"

namespace baton::engine {

/// Parses `text`, naming it `source` in messages.
/// Errors: ec::parse_error whose message holds one line per problem.
result<plan> parse_plan(std::string_view text, std::string_view source);

/// One task given as the TOML table of a plan's [[tasks]] entry (the same
/// keys, checked the same way; `source` names it in problems): a task an
/// operator adds to a running run. Errors: ec::parse_error with every
/// problem, one per line.
result<plan_task> parse_task(std::string_view text, std::string_view source);

/// The task as that TOML text: parse_task reads it back into an equal task
/// (locations aside). Deterministic: the same task, the same text.
std::string task_to_toml(const plan_task& t);

/// Parses a duration: a number of seconds, or a string like "90s", "10m",
/// "1h30m". nullopt when malformed.
std::optional<uint64_t> parse_duration_seconds(std::string_view text);

/// The orchestrator agent's prompt for the plan's goal: the goal, what the
/// orchestrator does and with which tools, the team (each agent's role,
/// what it owns and reads, its capabilities), the tasks already planned,
/// the rules Baton enforces and how to report the end.
std::string goal_prompt(const plan& p);

} // namespace baton::engine
