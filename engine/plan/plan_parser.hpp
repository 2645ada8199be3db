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

/// Parses a duration: a number of seconds, or a string like "90s", "10m",
/// "1h30m". nullopt when malformed.
std::optional<uint64_t> parse_duration_seconds(std::string_view text);

} // namespace baton::engine
