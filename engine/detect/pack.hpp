// pack: the rules that map an agent CLI's screen to a state, as data.
//
// One pack per agent CLI (and per CLI version where it matters), written in
// TOML, loaded at run time and overridable by users (DESIGN.md §3). The
// engine never opens files: the caller reads the pack and hands its text to
// parse_pack() with the name to use in error messages.
//
//   name = "sim"                         # required
//   version = "1"                        # required (string or integer)
//   description = "..."                  # optional
//   cli = "baton sim"                    # optional: the program
//   cli_versions = ">=0.1.0, <1.0.0"     # optional: versions it fits
//   input_ready = ["idle", "done"]       # states that take input
//                                        # (default ["idle"])
//   submit = "\r"                        # the submit key (default "\r")
//   bracketed_paste = true               # paste as ESC[200~..ESC[201~
//                                        # (default true)
//   compaction_marker = 'Conversation compacted'   # optional regex,
//                                        # searched in scrollback_since_input
//   unknown_quiet_ms = 100               # logical ms the screen must be
//                                        # unchanged, no rule holding,
//                                        # before the state turns unknown
//                                        # (default 100: a frame caught
//                                        # mid-redraw is not a state)
//   startup_quiet_ms = 5000              # logical ms of an unchanged
//                                        # screen that no rule has ever
//                                        # recognised before the state
//                                        # turns from starting to unknown,
//                                        # with the screen as evidence
//                                        # (default 5000; 0: never)
//   redraws_in_place = true              # the CLI may redraw a line after
//                                        # moving past it (a TUI): its
//                                        # protocol lines on screen wait
//                                        # for the screen to settle. false
//                                        # (a line-oriented program): a
//                                        # line above the cursor is
//                                        # complete and reported at once
//                                        # (default true)
//
//   [[rule]]                             # ordered: the first match wins
//   name = "permission prompt"           # required, unique
//   state = "waiting_approval"           # one of detect::state's names
//   region = "bottom:8"                  # default "screen" (region.hpp)
//   pattern = 'Allow .+\? \[y/n\]'       # re2 syntax, unanchored
//   quiet_ms = 0                         # logical ms the screen must be
//                                        # unchanged first (default 0);
//                                        # see detector.hpp
//
// How the CLI asks for permission and is answered (optional):
//
//   [approval]
//   allow = "y"                          # keys that allow once
//   allow_always = "p"                   # allow and stop asking (optional)
//   deny = "\u001b"                      # keys that refuse
//   [[approval.ask]]                     # what is asked, read off the
//   region = "bottom:12"                 # screen: the first that matches
//   pattern = 'Allow (?P<tool>\w+)\((?P<subject>.*)\)\?'
//   tool = "Bash"                        # optional: the tool's name when
//                                        # the pattern has no `tool` group
//
// Instead of `pattern`, a rule (or a sub-condition) may combine
// sub-conditions: `all = [ {...}, ... ]`, `any = [ {...}, ... ]` or
// `not = {...}`; each sub-condition is a table with `region` (default: the
// enclosing one) and exactly one of pattern/all/any/not. Patterns see the
// region's rows joined with "\n"; use (?m) to anchor ^ and $ per row and
// (?i) to ignore case. `.` does not match a newline.
//
// Errors (ec::parse_error) name the pack and the line: "claude.toml:12:
// rule 'idle': unknown state 'idel'". Unknown keys, unknown states and
// regions, bad regular expressions, duplicate rule names and malformed
// version ranges are all errors: a typo must not silently disable a rule.
//
// Value type (the compiled patterns are shared, immutable).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/delivery/input_delivery.hpp"
#include "engine/detect/region.hpp"
#include "engine/detect/state.hpp"
#include "engine/result.hpp"

namespace re2 {
class RE2;
} // namespace re2

namespace baton::engine::detect {

/// A pattern on a region, or a combination of sub-conditions.
struct condition {
  enum class op : uint8_t { match, all, any, none };

  /// match: `pattern` on `where`; all/any: of `children`; none: `children`
  /// has one entry, and the condition holds when it does not.
  condition::op what = op::match;
  region where;
  std::string pattern;
  std::shared_ptr<const re2::RE2> re;
  std::vector<condition> children;
};

struct rule {
  std::string name;
  detect::state state = state::unknown;
  condition when;
  /// Logical microseconds the screen must be unchanged before it applies.
  uint64_t quiet_us = 0;
  /// The line of its [[rule]] header in the pack.
  size_t line = 0;
};

/// One way of reading what a permission prompt asks ([[approval.ask]]).
struct approval_ask_rule {
  region where;
  /// Named groups `tool` and `subject` (either may be absent).
  std::shared_ptr<const re2::RE2> re;
  /// The tool's name when the pattern has no `tool` group.
  std::string tool;
  size_t line = 0;
};

/// How a CLI's permission prompt is answered and read ([approval]).
struct approval_spec {
  /// The keys for each answer, typed as they are; empty: the CLI has no
  /// such answer (allow_always then falls back to allow).
  std::string allow;
  std::string allow_always;
  std::string deny;
  std::vector<approval_ask_rule> asks;

  /// The keys for "allow", "allow_always" or "deny"; empty when the pack
  /// has none.
  std::string keys(std::string_view answer) const;
};

/// One comparison of a version range, e.g. ">=" 1.2.0.
struct version_bound {
  enum class op : uint8_t { eq, lt, le, gt, ge };
  version_bound::op cmp = op::eq;
  std::vector<uint32_t> version;
};

struct pack {
  std::string name;
  std::string version;
  std::string description;
  std::string cli;
  /// As written; empty when the pack fits every version.
  std::string cli_versions;
  std::vector<version_bound> cli_bounds;
  std::vector<detect::state> input_ready;
  std::string submit = "\r";
  bool bracketed_paste = true;
  /// Logical microseconds with no rule holding and the screen unchanged
  /// before the state becomes unknown. Default: 100 ms.
  uint64_t unknown_quiet_us = 100'000;
  /// Logical microseconds of an unchanged screen no rule has ever
  /// recognised before `starting` becomes unknown; 0: never.
  uint64_t startup_quiet_us = 5'000'000;
  /// The CLI may redraw a line it has moved past (see the file comment).
  bool redraws_in_place = true;
  /// Unset when the pack has no compaction marker.
  std::shared_ptr<const re2::RE2> compaction_marker;
  std::vector<rule> rules;
  /// Answers to permission prompts; empty keys when the pack has no
  /// [approval] table.
  approval_spec approval;
  /// The name parse_pack() was given, for messages.
  std::string source;
  /// The TOML text it was parsed from (recorded with each session, so a
  /// session can be replayed without the file).
  std::string text;

  /// Whether `s` takes input.
  bool accepts_input(detect::state s) const;

  /// Whether the CLI version `v` (e.g. "2.0.14") is in cli_versions; true
  /// when there is no range. Pre-release and build suffixes are ignored.
  bool fits_cli_version(std::string_view v) const;

  /// How input_delivery should type into this CLI.
  input_style input() const;
};

/// Parses pack text. `source` names it in error messages (a file name, or
/// "builtin:claude"). Returns the pack, or ec::parse_error with
/// "<source>:<line>: <what>".
result<pack> parse_pack(std::string_view toml_text, std::string_view source);

} // namespace baton::engine::detect
