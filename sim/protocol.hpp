// The worker protocol lines (DESIGN.md §4) as the simulated agent prints
// them. The separator is always an em dash; keywords are upper case.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace baton::sim {

/// " — ", the separator between a keyword's head and its text.
inline constexpr std::string_view dash = " — ";

enum class status_kind { done, blocked, error };

/// "STATUS: DONE — <text>"; `text` is e.g. "<what> + <evidence>".
std::string status_line(status_kind kind, std::string_view text);

/// "PROGRESS: <x>/<y> — <text>".
std::string progress_line(int x, int y, std::string_view text);

/// "BUILD: PASS", or "BUILD: FAIL — <error>" when `error` is not empty.
std::string build_line(std::string_view error);

/// "NEED: <resource> — <why>".
std::string need_line(std::string_view resource, std::string_view why);

/// "CONTRACT: <title>".
std::string contract_line(std::string_view title);

/// "TASK: <title> [requires: a, b] — <description>"; no brackets when
/// `required` is empty.
std::string task_line(std::string_view title,
                      const std::vector<std::string>& required,
                      std::string_view description);

/// Parses "done", "blocked" or "error" (any case).
bool parse_status_kind(std::string_view word, status_kind& out);

} // namespace baton::sim
