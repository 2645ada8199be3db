#include "engine/agent/tool_vocabulary.hpp"

#include <algorithm>
#include <initializer_list>

namespace baton::engine::agent {

namespace {

using caps = std::initializer_list<capability>;

struct meaning {
  std::string_view name;
  caps grants;
};

/// Baton's names and every CLI's names that carry a capability. Lower case.
const meaning meanings[] = {
  {"shell", {capability::shell}},
  {"bash", {capability::shell}},
  {"run_shell_command", {capability::shell}},
  {"exec_command", {capability::shell}},
  {"read", {capability::read}},
  {"read_file", {capability::read}},
  {"write", {capability::write}},
  {"write_file", {capability::write}},
  {"edit", {capability::edit}},
  {"replace", {capability::edit}},
  {"apply_patch", {capability::write, capability::edit}},
  {"web", {capability::web_fetch, capability::web_search}},
  {"webfetch", {capability::web_fetch}},
  {"web_fetch", {capability::web_fetch}},
  {"websearch", {capability::web_search}},
  {"web_search", {capability::web_search}},
  {"google_web_search", {capability::web_search}},
};

/// Claude Code 2.1.197's built-in tools (its --tools set).
constexpr std::string_view claude_tools[] = {
  "Agent",     "Bash",          "CronCreate",     "CronDelete",
  "CronList",  "Edit",          "EnterWorktree",  "ExitWorktree",
  "Glob",      "Grep",          "NotebookEdit",   "Read",
  "ReportFindings", "ScheduleWakeup", "SendMessage", "Skill",
  "TaskCreate", "TaskGet",      "TaskList",       "TaskOutput",
  "TaskStop",  "TaskUpdate",    "WebFetch",       "WebSearch",
  "Workflow",  "Write",
};

/// Gemini CLI 0.61.0's built-in tools (its tools.core set).
constexpr std::string_view gemini_tools[] = {
  "activate_skill",   "ask_user",          "enter_plan_mode",
  "exit_plan_mode",   "get_internal_docs", "glob",
  "google_web_search", "grep_search",      "invoke_agent",
  "list_directory",   "list_mcp_resources", "read_file",
  "read_many_files",  "read_mcp_resource", "replace",
  "run_shell_command", "update_topic",     "web_fetch",
  "write_file",       "write_todos",
};

std::string lower(std::string_view s) {
  std::string out{s};
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  return out;
}

const meaning* meaning_of(std::string_view name) {
  auto l = lower(name);
  for (auto& m : meanings)
    if (m.name == l)
      return &m;
  return nullptr;
}

/// The CLI's own spelling of `name`, when it is one of its tools.
std::string native_spelling(cli_kind cli, std::string_view name) {
  auto l = lower(name);
  auto find = [&l](auto& list) -> std::string {
    for (auto n : list)
      if (lower(n) == l)
        return std::string{n};
    return {};
  };
  switch (cli) {
    case cli_kind::claude: return find(claude_tools);
    case cli_kind::gemini: return find(gemini_tools);
    case cli_kind::codex:
    case cli_kind::other: return {};
  }
  return {};
}

cli_kind kind_named(std::string_view name) {
  if (name == "claude")
    return cli_kind::claude;
  if (name == "codex")
    return cli_kind::codex;
  if (name == "gemini")
    return cli_kind::gemini;
  return cli_kind::other;
}

} // namespace

std::string_view to_string(cli_kind k) {
  switch (k) {
    case cli_kind::claude: return "claude";
    case cli_kind::codex: return "codex";
    case cli_kind::gemini: return "gemini";
    case cli_kind::other: return "other";
  }
  return "other";
}

cli_kind cli_of(const plan_agent& a) {
  if (!a.preset.empty())
    return kind_named(a.preset);
  if (auto k = kind_named(a.pack); k != cli_kind::other)
    return k;
  if (a.command.empty())
    return cli_kind::other;
  auto& program = a.command.front();
  auto slash = program.rfind('/');
  return kind_named(slash == std::string::npos ? std::string_view{program}
                                               : std::string_view{program}
                                                   .substr(slash + 1));
}

resolved_tools resolve_tools(cli_kind cli,
                             const std::vector<std::string>& names) {
  resolved_tools out;
  for (auto& name : names) {
    if (auto* m = meaning_of(name)) {
      out.capabilities.insert(m->grants.begin(), m->grants.end());
      continue;
    }
    auto native = native_spelling(cli, name);
    if (native.empty())
      out.unknown.push_back(name);
    else if (std::find(out.native.begin(), out.native.end(), native)
             == out.native.end())
      out.native.push_back(native);
  }
  return out;
}

std::vector<std::string> native_names(cli_kind cli, capability c) {
  if (cli == cli_kind::claude)
    switch (c) {
      case capability::shell: return {"Bash"};
      case capability::read: return {"Read", "Glob", "Grep"};
      case capability::write: return {"Write"};
      case capability::edit: return {"Edit"};
      case capability::web_fetch: return {"WebFetch"};
      case capability::web_search: return {"WebSearch"};
    }
  if (cli == cli_kind::gemini)
    switch (c) {
      case capability::shell: return {"run_shell_command"};
      case capability::read:
        return {"read_file", "read_many_files", "list_directory", "glob",
                "grep_search"};
      case capability::write: return {"write_file"};
      case capability::edit: return {"replace"};
      case capability::web_fetch: return {"web_fetch"};
      case capability::web_search: return {"google_web_search"};
    }
  return {};
}

std::string known_names(cli_kind cli) {
  std::string out = "shell, read, write, edit, web, web_fetch, web_search";
  auto add = [&out](auto& list) {
    out += "; or its own:";
    for (auto n : list)
      out += " " + std::string{n};
  };
  if (cli == cli_kind::claude)
    add(claude_tools);
  else if (cli == cli_kind::gemini)
    add(gemini_tools);
  else if (cli == cli_kind::codex)
    out += "; or its own: exec_command apply_patch web_search";
  return out;
}

} // namespace baton::engine::agent
