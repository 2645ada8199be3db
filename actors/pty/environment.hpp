// The environment an agent starts with.
//
// An agent must not inherit the session of whatever started Baton: a Claude
// Code, Codex or Gemini CLI session marks its children (CLAUDECODE=1,
// CLAUDE_CODE_ENTRYPOINT, ...) and carries credentials, and a nested CLI that
// sees them changes its behaviour or spends someone else's key. So the child's
// environment is built in three steps:
//
//   1. the base: the parent's environment minus the agent-session variables
//      (env_base::inherit), or only the parent variables an allow-list names
//      (env_base::allow_list);
//   2. TERM, set to `term` (xterm-256color by default);
//   3. the explicit additions, which override everything above (this is how a
//      plan hands an agent its key or base URL).
//
// Everything here is a pure function of its arguments, except
// parent_environment() which copies the process's `environ`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/result.hpp"

namespace baton::actors::pty {

/// Where the child's environment starts from.
enum class env_base : uint8_t {
  /// The parent's variables, minus is_agent_session_variable() ones.
  inherit,
  /// Only the parent's variables that env_options::allow names.
  allow_list,
};

struct env_options {
  /// Default: env_base::inherit.
  env_base base = env_base::inherit;

  /// With env_base::allow_list, the parent variables that pass. An entry is an
  /// exact name ("PATH") or a prefix ending in '*' ("LC_*"). An agent-session
  /// variable passes only when named exactly, never through a prefix.
  /// Ignored with env_base::inherit. Default: empty (nothing passes).
  std::vector<std::string> allow;

  /// The value of TERM, set after the base and before the additions; empty
  /// leaves TERM as the base has it. Default: "xterm-256color".
  std::string term = "xterm-256color";

  /// Variables set last, in order, overriding the base and TERM. Names must be
  /// non-empty and contain no '=' or NUL; values no NUL. Default: none.
  std::vector<std::pair<std::string, std::string>> set;
};

/// True for the variables of an agent session or of Baton itself:
/// CLAUDECODE, CLAUDE_CODE_*, ANTHROPIC_*, CODEX_*, OPENAI_*, GEMINI_*,
/// GOOGLE_GEMINI_*, GOOGLE_API_KEY, GOOGLE_GENAI_*, BATON_*.
bool is_agent_session_variable(std::string_view name);

/// The process's environment as "NAME=value" entries.
std::vector<std::string> parent_environment();

/// The child's environment, built from `parent` ("NAME=value" entries; ones
/// without '=' are dropped) as the top of this file describes. Each name
/// appears once. Fails with ec::invalid_argument naming a bad addition.
result<std::vector<std::string>>
make_environment(const env_options& opts,
                 const std::vector<std::string>& parent);

/// The value of `name` in `env` ("NAME=value" entries), if it is there.
std::optional<std::string_view>
find_variable(const std::vector<std::string>& env, std::string_view name);

} // namespace baton::actors::pty
