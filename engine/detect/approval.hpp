// approval: what an agent's permission prompt asks, read off its screen with
// the pack's [approval] rules (pack.hpp). Pure: a screen view in, the tool
// and the subject out.
#pragma once

#include <string>

#include "engine/detect/pack.hpp"
#include "engine/terminal/screen_view.hpp"

namespace baton::engine::detect {

/// What a permission prompt asks for.
struct approval_ask {
  /// The tool's name as the CLI shows it ("Bash", "shell", "Shell", ...).
  std::string tool;
  /// The command, file or URL, trimmed; may be empty.
  std::string subject;

  friend bool operator==(const approval_ask&, const approval_ask&) = default;
};

/// Applies the pack's approval.ask rules to `view` in order; the first that
/// matches gives the answer. Both fields are empty when none matches (or
/// the pack has none).
approval_ask read_approval_ask(const pack& p, const screen_view& view);

} // namespace baton::engine::detect
