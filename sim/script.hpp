// The sim's script format: a plain line format for scripted sequences,
// read from `--script FILE` or from `@sim` lines typed into the prompt.
//
//   # a comment; blank lines are ignored
//   turn                      starts the steps answering the next input
//   scenario NAME             the steps of a built-in scenario
//   say TEXT                  an assistant message (\n for a new line)
//   tool CALL | fail CALL     a tool row, e.g. `tool Bash(make test)`
//   ask CALL                  a permission prompt for CALL
//   | TEXT                    a row of the previous step: a tool's result, a
//                             CONTRACT's body, a file's content, a message
//   work SECONDS              the spinner for SECONDS (scaled by --speed)
//   progress X/Y TEXT         PROGRESS: X/Y — TEXT
//   build pass | build fail TEXT
//   status done|blocked|error TEXT
//   need RESOURCE — WHY       NEED: RESOURCE — WHY
//   contract TITLE            CONTRACT: TITLE, then the `|` rows
//   task TEXT                 TASK: TEXT, e.g. `task t [requires: a] — d`
//   wait                      waits at the idle prompt for an answer
//   compact                   `✻ Conversation compacted`
//   crash [CODE]              exits with CODE (default 3) mid-line
//   stall SECONDS             no output for SECONDS (real time)
//   garbage|longline|flood BYTES   (K and M suffixes: KiB, MiB)
//   write PATH                writes the `|` rows to PATH (relative)
//   raw TEXT                  bytes as written, with \e \r \n \xHH escapes
//   title TEXT                the window title
//   exit [CODE]               leaves cleanly with CODE (default 0)
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sim/rng.hpp"
#include "sim/scenarios.hpp"
#include "sim/step.hpp"
#include "engine/result.hpp"

namespace baton::sim {

struct script {
  /// turns[i] answers the i-th input.
  std::vector<turn> turns;
};

/// Parses `text`. Errors are parse_error with "line N: <why>" messages.
/// `scenario` lines are expanded with `ctx` and `r`.
result<script> parse_script(std::string_view text, const scenario_context& ctx,
                            rng& r);

/// The `@sim` lines of a typed input, without their `@sim ` prefix, joined
/// by '\n' in a script text; empty when there are none.
std::string directives_of(std::string_view input);

} // namespace baton::sim
