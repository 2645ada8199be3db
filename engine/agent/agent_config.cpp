#include "engine/agent/agent_config.hpp"

#include <algorithm>
#include <cstdio>
#include <initializer_list>

namespace baton::engine::agent {

namespace {

/// A name Gemini CLI's mcp.allowed holds when an agent has no server: no
/// server can match it (an empty list would allow every server).
constexpr std::string_view no_server = "baton:no-mcp-servers";

std::string expand(std::string text, std::string_view plan_dir) {
  constexpr std::string_view var = "${plan_dir}";
  for (auto at = text.find(var); at != std::string::npos;
       at = text.find(var, at + plan_dir.size()))
    text.replace(at, var.size(), plan_dir);
  return text;
}

/// The agent's MCP servers, in its list's order, expanded; unknown names
/// left out.
std::vector<plan_mcp_server> servers_of(const plan& p, const plan_agent& a,
                                        std::string_view plan_dir) {
  std::vector<plan_mcp_server> out;
  for (auto& name : a.mcp) {
    auto* s = p.find_mcp_server(name);
    if (s == nullptr
        || std::any_of(out.begin(), out.end(),
                       [&name](auto& o) { return o.name == name; }))
      continue;
    auto copy = *s;
    copy.command = expand(copy.command, plan_dir);
    for (auto& arg : copy.args)
      arg = expand(arg, plan_dir);
    for (auto& [k, v] : copy.env)
      v = expand(v, plan_dir);
    out.push_back(std::move(copy));
  }
  return out;
}

bool has_env(const std::vector<plan_mcp_server>& servers) {
  return std::any_of(servers.begin(), servers.end(),
                     [](auto& s) { return !s.env.empty(); });
}

std::string json_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i)
    out += (i == 0 ? "" : ", ") + quoted(items[i]);
  return out + "]";
}

/// `{"name": {"command": ..., "args": [...], "env": {...}}, ...}` indented
/// by `indent` spaces.
std::string json_servers(const std::vector<plan_mcp_server>& servers,
                         const std::string& indent, bool with_trust = false) {
  if (servers.empty())
    return "{}";
  std::string out = "{\n";
  for (size_t i = 0; i < servers.size(); ++i) {
    auto& s = servers[i];
    out += indent + "  " + quoted(s.name) + ": {\n";
    out += indent + "    \"command\": " + quoted(s.command) + ",\n";
    out += indent + "    \"args\": " + json_list(s.args);
    if (!s.env.empty()) {
      out += ",\n" + indent + "    \"env\": {";
      bool first = true;
      for (auto& [k, v] : s.env) {
        out += (first ? "" : ", ") + quoted(k) + ": " + quoted(v);
        first = false;
      }
      out += "}";
    }
    if (with_trust && s.trust)
      out += ",\n" + indent + "    \"trust\": true";
    out += "\n" + indent + "  }" + (i + 1 < servers.size() ? "," : "") + "\n";
  }
  return out + indent + "}";
}

agent_file mcp_json(const std::vector<plan_mcp_server>& servers) {
  return {".mcp.json", "{\n  \"mcpServers\": " + json_servers(servers, "  ")
                         + "\n}\n",
          has_env(servers)};
}

/// The CLI's names for the resolved tools: capabilities in order, then
/// its own tools, each once.
std::vector<std::string> tool_names(cli_kind cli, const resolved_tools& r) {
  std::vector<std::string> out;
  auto add = [&out](const std::string& n) {
    if (std::find(out.begin(), out.end(), n) == out.end())
      out.push_back(n);
  };
  for (auto c : r.capabilities)
    for (auto& n : native_names(cli, c))
      add(n);
  for (auto& n : r.native)
    add(n);
  return out;
}

std::string joined(const std::vector<std::string>& items, char sep) {
  std::string out;
  for (auto& i : items)
    out += (out.empty() ? "" : std::string(1, sep)) + i;
  return out;
}

/// True when the plan's own arguments set one of `flags` (as "--x", "-x" or
/// "--x=...").
bool given(const plan_agent& a, std::initializer_list<std::string_view> flags) {
  return std::any_of(a.command.begin(), a.command.end(), [&](auto& arg) {
    return std::any_of(flags.begin(), flags.end(), [&](auto f) {
      return arg == f || (f.starts_with("--") && arg.starts_with(std::string{f} + "="));
    });
  });
}

bool mcp_scoped(const plan_agent& a) {
  return !a.tools.empty() || a.mcp_where.line != 0 || !a.mcp.empty();
}

void configure_claude(const plan_agent& a, const resolved_tools& tools,
                      const std::vector<plan_mcp_server>& servers,
                      std::string_view dir, agent_config& out) {
  if (!a.tools.empty() && !given(a, {"--tools"}))
    out.args.push_back("--tools=" + joined(tool_names(cli_kind::claude, tools), ','));
  if (!mcp_scoped(a))
    return;
  // Not as .mcp.json in its directory: Claude Code takes that for the
  // project's own servers and asks about each ("New MCP server found in
  // this project"), --strict-mcp-config or not.
  auto file = mcp_json(servers);
  file.path = ".baton/claude-mcp.json";
  out.files.push_back(std::move(file));
  if (!given(a, {"--strict-mcp-config"}))
    out.args.push_back("--strict-mcp-config");
  out.args.push_back("--mcp-config=" + std::string{dir}
                     + "/.baton/claude-mcp.json");
}

void configure_gemini(const plan_agent& a, const resolved_tools& tools,
                      const std::vector<plan_mcp_server>& servers,
                      agent_config& out) {
  std::vector<std::string> parts;
  if (!a.tools.empty())
    parts.push_back("  \"tools\": {\"core\": "
                    + json_list(tool_names(cli_kind::gemini, tools)) + "}");
  if (mcp_scoped(a)) {
    std::vector<std::string> names;
    for (auto& s : servers)
      names.push_back(s.name);
    if (names.empty())
      names.emplace_back(no_server);
    parts.push_back("  \"mcpServers\": " + json_servers(servers, "  ", true));
    parts.push_back("  \"mcp\": {\"allowed\": " + json_list(names) + "}");
  }
  if (parts.empty())
    return;
  std::string text = "{\n";
  for (size_t i = 0; i < parts.size(); ++i)
    text += parts[i] + (i + 1 < parts.size() ? ",\n" : "\n");
  out.files.push_back({".gemini/settings.json", text + "}\n", has_env(servers)});
}

std::string codex_config(const plan_agent& a,
                         const std::vector<plan_mcp_server>& servers) {
  std::string out = "# Written by Baton for agent " + a.name
                    + ": its MCP servers (the plan's [mcp.servers]).\n";
  for (auto& s : servers) {
    out += "\n[mcp_servers." + quoted(s.name) + "]\n";
    out += "command = " + quoted(s.command) + "\n";
    out += "args = " + json_list(s.args) + "\n";
    if (s.env.empty())
      continue;
    out += "env = {";
    bool first = true;
    for (auto& [k, v] : s.env) {
      out += std::string{first ? " " : ", "} + quoted(k) + " = " + quoted(v);
      first = false;
    }
    out += " }\n";
  }
  return out;
}

void configure_codex(const plan_agent& a, const resolved_tools& tools,
                     const std::vector<plan_mcp_server>& servers,
                     agent_config& out) {
  if (!servers.empty())
    out.files.push_back(
      {".codex/config.toml", codex_config(a, servers), has_env(servers)});
  if (a.tools.empty())
    return;
  auto has = [&tools](capability c) { return tools.capabilities.contains(c); };
  bool bypass = given(a, {"--dangerously-bypass-approvals-and-sandbox",
                          "--full-auto", "--yolo"});
  if (!bypass && !given(a, {"-a", "--ask-for-approval"}))
    out.args.insert(out.args.end(), {"-a", "on-request"});
  if (!bypass && !given(a, {"-s", "--sandbox"}))
    out.args.insert(out.args.end(),
                    {"-s", has(capability::write) || has(capability::edit)
                             ? "workspace-write"
                             : "read-only"});
  if (!has(capability::shell))
    out.args.insert(out.args.end(), {"--disable", "shell_tool"});
  if (!has(capability::web_fetch) && !has(capability::web_search))
    out.args.insert(out.args.end(), {"-c", "web_search=\"disabled\""});
}

std::string at(const plan& p, plan_location where) {
  return p.source + ":" + std::to_string(where.line) + ":"
         + std::to_string(where.column) + ": ";
}

} // namespace

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

agent_config configure_agent(const plan& p, const plan_agent& a,
                             std::string_view dir, std::string_view plan_dir) {
  agent_config out;
  out.cli = cli_of(a);
  auto tools = resolve_tools(out.cli, a.tools);
  auto servers = servers_of(p, a, plan_dir);
  switch (out.cli) {
    case cli_kind::claude: configure_claude(a, tools, servers, dir, out); break;
    case cli_kind::gemini: configure_gemini(a, tools, servers, out); break;
    case cli_kind::codex: configure_codex(a, tools, servers, out); break;
    case cli_kind::other:
      if (!servers.empty())
        out.files.push_back(mcp_json(servers));
      break;
  }
  return out;
}

std::vector<std::string> check_agent_tools(const plan& p) {
  std::vector<std::string> out;
  for (auto& a : p.agents) {
    auto cli = cli_of(a);
    auto tools_at = a.tools_where.line != 0 ? a.tools_where : a.where;
    for (auto& t : a.tools)
      if (t.find('(') != std::string::npos)
        out.push_back(at(p, tools_at) + "agent " + a.name + ": tool \"" + t
                      + "\" is a permission pattern; \"tools\" names tools "
                        "(write patterns as [[approvals.rule]] tool and "
                        "match)");
    if (cli != cli_kind::other)
      for (auto& t : resolve_tools(cli, a.tools).unknown)
        if (t.find('(') == std::string::npos)
          out.push_back(at(p, tools_at) + "agent " + a.name + ": unknown tool \""
                        + t + "\" for " + std::string{to_string(cli)}
                        + " (known: " + known_names(cli) + ")");
    auto mcp_at = a.mcp_where.line != 0 ? a.mcp_where : a.where;
    for (auto& name : a.mcp) {
      auto* s = p.find_mcp_server(name);
      if (s == nullptr)
        out.push_back(at(p, mcp_at) + "agent " + a.name
                      + " names unknown MCP server \"" + name
                      + "\" (define it as [mcp.servers." + name + "])");
      else if (cli == cli_kind::gemini && name.find('_') != std::string::npos)
        out.push_back(at(p, mcp_at) + "agent " + a.name + ": MCP server \""
                      + name + "\" has a \"_\" in its name, which Gemini CLI "
                               "cannot take (it splits mcp_<server>_<tool> at "
                               "the first \"_\"); use \"-\"");
    }
  }
  return out;
}

} // namespace baton::engine::agent
