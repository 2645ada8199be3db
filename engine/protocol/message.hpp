// message: one line (or block) of the worker protocol, as parsed.
//
// DESIGN.md §4: workers report with STATUS, PROGRESS, BUILD, NEED and
// CONTRACT lines, and may propose work with TASK lines (swarm pattern):
//
//   STATUS: DONE — <what was accomplished> + <evidence>
//   STATUS: BLOCKED — <exactly what is needed to proceed>
//   STATUS: ERROR — <what failed>, <what was tried>, <suggested fix>
//   PROGRESS: <X>/<Y> — <what just completed>
//   BUILD: PASS   |   BUILD: FAIL — <error summary>
//   NEED: <path or resource> — <what is needed and why>
//   CONTRACT: <title>
//   <interface text, until a blank line, the next protocol line or
//    END CONTRACT>
//   TASK: <title> [requires: a, b] — <description>
//
// Value type.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/protocol/evidence.hpp"

namespace baton::engine::protocol {

enum class kind : uint8_t { status, progress, build, need, contract, task };

enum class status : uint8_t { done, blocked, error };

/// "status", "progress", ...
std::string_view to_string(kind k);

/// "DONE", "BLOCKED", "ERROR".
std::string_view to_string(status s);

struct message {
  protocol::kind kind = kind::status;
  /// STATUS: which one.
  protocol::status status = status::done;
  /// BUILD: PASS (true) or FAIL (false).
  bool passed = false;
  /// PROGRESS: X and Y.
  uint32_t done = 0;
  uint32_t total = 0;
  /// STATUS: the text after DONE/BLOCKED/ERROR; PROGRESS: what completed;
  /// BUILD: the summary; NEED: the reason; CONTRACT and TASK: the title.
  std::string text;
  /// STATUS DONE: `text` split at the first " + "; `what` is all of it
  /// when there is no " + ".
  std::string what;
  std::string evidence_text;
  /// NEED: the path or resource.
  std::string resource;
  /// CONTRACT: the interface text, one entry per line, common indentation
  /// removed.
  std::vector<std::string> body;
  /// TASK: the `[requires: ...]` list and the description.
  std::vector<std::string> requirements;
  std::string description;
  /// Evidence found in the text (for DONE, in the evidence part when there
  /// is one).
  protocol::evidence evidence;
  /// The protocol line as read, decoration removed and blanks collapsed,
  /// wrapped continuation lines joined: `STATUS: DONE — x + y`. Identifies
  /// the message for de-duplication and echo filtering.
  std::string line;
  /// Where it was found in the lines given to parse(): the index of its
  /// first line and how many lines it took (continuations, body).
  size_t first_line = 0;
  size_t line_count = 1;

  friend bool operator==(const message&, const message&) = default;
};

} // namespace baton::engine::protocol
