// plan_secrets: keeping the values of a plan's `env` tables out of the log.
//
// A run records its plan's text (runStarted.planText) so that replay and
// resume can rebuild it. The values of agents' env ([agents.<name>] env)
// and of MCP servers' env ([mcp.servers.<name>] env) are secrets (API keys,
// tokens): the recorded text has each replaced by "<redacted>" — the value
// literal's exact source span, so the text still parses, with the names
// and everything else byte for byte. Resuming takes the values back from the
// plan file when its redacted text is the recorded one. Pure.
#pragma once

#include <string>
#include <string_view>

#include "engine/result.hpp"

namespace baton::engine {

/// What a redacted value reads in the recorded text.
inline constexpr std::string_view redacted_value = "<redacted>";

/// `text` with every env value of an agent or an MCP server replaced by
/// "<redacted>" (as a basic string literal). Text that does not parse as
/// TOML is returned unchanged (no run starts from it).
std::string redact_plan_secrets(std::string_view text);

/// The plan text to resume from: `recorded` when it redacted nothing;
/// otherwise `original` (the plan file's text now) when redacting it gives
/// `recorded`. Errors: ec::invalid_argument when the recorded text has
/// redacted values and `original` is not the plan it was made from (the
/// file changed or is gone), naming `original_name`.
result<std::string> restore_plan_secrets(std::string_view recorded,
                                         std::string_view original,
                                         std::string_view original_name);

} // namespace baton::engine
