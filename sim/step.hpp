// The simulated agent's script model: what it does in answer to one input.
//
// A `turn` is the list of steps the sim plays after one submitted input. The
// built-in scenarios, the role texts, `--script` files and `@sim` directives
// typed into the prompt all produce turns; the runner plays them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace baton::sim {

enum class step_kind : uint8_t {
  /// Assistant text, printed as a message (`● ` prefix, wrapped).
  say,
  /// A tool-call row `● Name(arg)`; `lines` are its result rows.
  tool,
  /// A permission prompt for the tool call `text`; `y` plays it as a tool
  /// row with `lines`, `n` ends the turn with STATUS: BLOCKED.
  ask,
  /// `count` spinner steps (each a fixed number of frames).
  work,
  /// A protocol line, already formatted (`STATUS: DONE — ...`); `lines` is a
  /// CONTRACT's body. Consecutive protocol steps share one message.
  protocol,
  /// The turn pauses at the idle prompt until an answer is submitted.
  wait,
  /// A compaction spinner and the `✻ Conversation compacted` marker.
  compact,
  /// Prints `text` without a newline and exits at once with `count`.
  crash,
  /// No output at all for `count` milliseconds (not scaled by --speed).
  stall,
  /// `count` bytes of binary garbage (seeded), then a terminal cleanup.
  garbage,
  /// One line of `count` printable bytes with no newline inside it.
  long_line,
  /// `count` bytes of plain lines written as fast as possible.
  flood,
  /// Writes `lines` (joined by '\n') to the file `text`, shown as a tool row.
  write_file,
  /// `text` written to the terminal as is.
  raw,
  /// Sets the window title (OSC 0) to `text`.
  title,
  /// Leaves the program cleanly with exit code `count`.
  exit,
  /// Calls the tool `text` of the MCP server "baton" (from .mcp.json) with
  /// the JSON arguments `lines[0]`, shown as a tool row.
  mcp,
  /// Waits (wait_for, then task_status) until task `text` has settled.
  mcp_wait,
  /// The STATUS line of what the waits found: DONE with the tasks that
  /// passed (`text` says what was built), or BLOCKED naming those that did
  /// not.
  mcp_report,
};

struct step {
  step() = default;
  step(step_kind k, std::string t = {}, std::vector<std::string> l = {},
       uint64_t n = 0, bool f = false)
    : kind(k), text(std::move(t)), lines(std::move(l)), count(n), failed(f) {
  }

  step_kind kind = step_kind::say;
  std::string text;
  std::vector<std::string> lines;
  uint64_t count = 0;
  /// For `tool`: the result is an error (red bullet and rows).
  bool failed = false;

  friend bool operator==(const step&, const step&) = default;
};

using turn = std::vector<step>;

} // namespace baton::sim
