// approval_policy: how a plan's [approvals] answers an agent's permission
// prompt, as a pure function of the plan, the agent and what is asked.
//
// In order (the first that speaks decides):
//   1. the fixed deny list, which no rule overrides: destructive commands
//      (`rm -rf /`, `mkfs`, `dd ... of=/dev/...`, a fork bomb, ...), a file
//      tool or a shell redirection writing outside the agent's directory,
//      a network tool or command for an agent whose `tools` list names no
//      network tool, and the plan's own `deny` patterns (searched in
//      "tool subject");
//   2. the plan's rules, in order: agent, role, tool (a regular expression
//      over the whole tool name, case ignored) and match (searched in the
//      subject) must all hold;
//   3. `otherwise` (default: the operator).
// A request of which nothing could be read (no tool, no subject) is decided
// only by a rule that names neither a tool nor a pattern, and is otherwise
// left to the operator, whatever `otherwise` says.
//
// Deterministic; no I/O. Paths are compared as text (lexically normalised),
// never looked up on disk.
#pragma once

#include <string>

#include "engine/decision_kinds.hpp"
#include "engine/plan/plan.hpp"

namespace baton::engine {

struct approval_verdict {
  /// "allow", "allow_always", "deny" or "operator".
  std::string decision;
  /// The deny list, a rule (from 1, in plan order) or the policy's
  /// `otherwise`.
  approval_by by;
  /// Why, for people: "rm -rf / is on the fixed deny list", ...
  std::string why;

  friend bool operator==(const approval_verdict&, const approval_verdict&)
    = default;
};

/// Judges a request of `agent` (whose directory is `agent_dir`, absolute;
/// may be empty when unknown) to use `tool` on `subject`.
approval_verdict judge_approval(const plan& p, const plan_agent& agent,
                                const std::string& agent_dir,
                                const std::string& tool,
                                const std::string& subject);

/// `path` with "." and ".." resolved as text; relative paths are taken
/// relative to `base`.
std::string normal_path(const std::string& base, const std::string& path);

} // namespace baton::engine
