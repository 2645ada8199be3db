// Tools and MCP servers per agent as each CLI's own configuration: the
// files and arguments, per CLI, and the plan problems.
#include "engine/agent/agent_config.hpp"

#include <catch2/catch.hpp>

#include "engine/plan/plan_check.hpp"
#include "engine/plan/plan_parser.hpp"
#include "engine/text/json.hpp"

using namespace baton::engine;
using namespace baton::engine::agent;

namespace {

constexpr std::string_view servers = R"(
[mcp.servers.files]
command = "npx"
args = ["-y", "fs-server", "${plan_dir}/data"]
env = { FS_TOKEN = "tok-123" }
[mcp.servers.search]
command = "search-mcp"
[[tasks]]
id = "t"
prompt = "p"
agent = "a"
)";

plan parse(std::string agents) {
  auto p = parse_plan(agents + std::string{servers}, "p.toml");
  INFO((p.ok() ? std::string{} : p.err().message()));
  REQUIRE(p.ok());
  return std::move(*p);
}

agent_config configure(const std::string& agents) {
  auto p = parse(agents);
  return configure_agent(p, p.agents.front(), "/w/a", "/plans");
}

const agent_file* file(const agent_config& c, std::string_view path) {
  for (auto& f : c.files)
    if (f.path == path)
      return &f;
  return nullptr;
}

bool has_arg(const agent_config& c, std::string_view arg) {
  return std::find(c.args.begin(), c.args.end(), arg) != c.args.end();
}

/// The value after `flag` in the arguments.
std::string after(const agent_config& c, std::string_view flag) {
  auto it = std::find(c.args.begin(), c.args.end(), flag);
  return it == c.args.end() || it + 1 == c.args.end() ? "" : *(it + 1);
}

bool mentions(const std::vector<std::string>& lines, std::string_view what) {
  for (auto& l : lines)
    if (l.find(what) != std::string::npos)
      return true;
  return false;
}

/// Parses a JSON file's content: it must be valid JSON.
text::json_value json(const agent_file* f) {
  REQUIRE(f != nullptr);
  auto v = text::parse_json(f->content);
  INFO(f->content);
  REQUIRE(v.ok());
  return *v;
}

const text::json_value* member(const text::json_value& v,
                               std::string_view key) {
  auto* o = text::get<text::json_object>(v);
  if (o == nullptr)
    return nullptr;
  for (auto& [k, x] : *o)
    if (k == key)
      return &x;
  return nullptr;
}

std::vector<std::string> strings(const text::json_value* v) {
  std::vector<std::string> out;
  REQUIRE(v != nullptr);
  auto* a = text::get<text::json_array>(*v);
  REQUIRE(a != nullptr);
  for (auto& x : *a)
    out.push_back(*text::get<std::string>(x));
  return out;
}

} // namespace

TEST_CASE("the CLI of an agent is its preset, its pack or its program's name",
          "[engine][agent_config]") {
  plan_agent a;
  a.preset = "claude";
  CHECK(cli_of(a) == cli_kind::claude);
  a.preset.clear();
  a.pack = "gemini";
  CHECK(cli_of(a) == cli_kind::gemini);
  a.pack = "sim";
  a.command = {"/opt/tools/codex", "--no-daemon"};
  CHECK(cli_of(a) == cli_kind::codex);
  a.command = {"aider"};
  CHECK(cli_of(a) == cli_kind::other);
  a.preset = "sim";
  a.command = {"--scenario", "normal"};
  CHECK(cli_of(a) == cli_kind::other);
}

TEST_CASE("Baton's tool names and every CLI's mean the same per CLI",
          "[engine][agent_config]") {
  auto claude = resolve_tools(cli_kind::claude,
                              {"shell", "run_shell_command", "Write", "edit",
                               "NotebookEdit", "web_fetch"});
  CHECK(claude.capabilities
        == std::set<capability>{capability::shell, capability::write,
                                capability::edit, capability::web_fetch});
  CHECK(claude.native == std::vector<std::string>{"NotebookEdit"});
  CHECK(claude.unknown.empty());
  auto gemini = resolve_tools(cli_kind::gemini,
                              {"bash", "WRITE_TODOS", "NotebookEdit"});
  CHECK(gemini.capabilities == std::set<capability>{capability::shell});
  CHECK(gemini.native == std::vector<std::string>{"write_todos"});
  CHECK(gemini.unknown == std::vector<std::string>{"NotebookEdit"});
  auto codex = resolve_tools(cli_kind::codex, {"apply_patch", "read"});
  CHECK(codex.capabilities
        == std::set<capability>{capability::read, capability::write,
                                capability::edit});
}

TEST_CASE("claude: --tools names exactly its built-in tools, and only the "
          "plan's MCP servers are loaded, from a file that is not the "
          "project's .mcp.json",
          "[engine][agent_config]") {
  auto c = configure(R"(
[agents.a]
preset = "claude"
tools = ["shell", "read", "Write", "web"]
mcp = ["files"]
)");
  CHECK(c.cli == cli_kind::claude);
  CHECK(has_arg(c, "--tools=Bash,Read,Glob,Grep,Write,WebFetch,WebSearch"));
  CHECK(has_arg(c, "--strict-mcp-config"));
  CHECK(has_arg(c, "--mcp-config=/w/a/.baton/claude-mcp.json"));
  // Claude Code would ask about a project's .mcp.json.
  CHECK(file(c, ".mcp.json") == nullptr);
  // No env value on the command line (processStarted records argv).
  for (auto& arg : c.args)
    CHECK(arg.find("tok-123") == std::string::npos);
  auto* f = file(c, ".baton/claude-mcp.json");
  REQUIRE(f != nullptr);
  CHECK(f->secret);
  auto v = json(f);
  auto* files = member(*member(v, "mcpServers"), "files");
  REQUIRE(files != nullptr);
  CHECK(*text::get<std::string>(*member(*files, "command")) == "npx");
  CHECK(strings(member(*files, "args"))
        == std::vector<std::string>{"-y", "fs-server", "/plans/data"});
  CHECK(*text::get<std::string>(*member(*member(*files, "env"), "FS_TOKEN"))
        == "tok-123");
  CHECK(member(*member(v, "mcpServers"), "search") == nullptr);
}

TEST_CASE("claude: tools without mcp get no MCP server at all",
          "[engine][agent_config]") {
  auto c = configure(R"(
[agents.a]
preset = "claude"
tools = ["Edit"]
)");
  CHECK(has_arg(c, "--tools=Edit"));
  CHECK(has_arg(c, "--strict-mcp-config"));
  auto v = json(file(c, ".baton/claude-mcp.json"));
  auto* s = text::get<text::json_object>(*member(v, "mcpServers"));
  REQUIRE(s != nullptr);
  CHECK(s->empty());
  CHECK_FALSE(file(c, ".baton/claude-mcp.json")->secret);
}

TEST_CASE("an agent with neither tools nor mcp keeps its CLI's defaults",
          "[engine][agent_config]") {
  for (auto preset : {"claude", "codex", "gemini", "sim"}) {
    auto c = configure("[agents.a]\npreset = \"" + std::string{preset} + "\"\n");
    INFO(preset);
    CHECK(c.args.empty());
    CHECK(c.files.empty());
  }
}

TEST_CASE("gemini: tools.core, mcpServers and mcp.allowed in its workspace "
          "settings",
          "[engine][agent_config]") {
  auto c = configure(R"(
[agents.a]
preset = "gemini"
tools = ["shell", "edit", "write_todos"]
mcp = ["search"]
)");
  CHECK(c.args.empty());
  auto v = json(file(c, ".gemini/settings.json"));
  CHECK(strings(member(*member(v, "tools"), "core"))
        == std::vector<std::string>{"run_shell_command", "replace",
                                    "write_todos"});
  CHECK(member(*member(v, "mcpServers"), "search") != nullptr);
  CHECK(member(*member(v, "mcpServers"), "files") == nullptr);
  CHECK(strings(member(*member(v, "mcp"), "allowed"))
        == std::vector<std::string>{"search"});
  CHECK_FALSE(file(c, ".gemini/settings.json")->secret);

  // No server: an allow list no server matches (empty would allow all).
  auto none = configure(R"(
[agents.a]
preset = "gemini"
tools = ["read"]
)");
  auto w = json(file(none, ".gemini/settings.json"));
  auto allowed = strings(member(*member(w, "mcp"), "allowed"));
  REQUIRE(allowed.size() == 1);
  CHECK(allowed.front() != "files");
  CHECK(strings(member(*member(w, "tools"), "core")).size() == 5);
}

TEST_CASE("codex: sandbox, approval and feature flags from its tools, MCP "
          "servers in its project config",
          "[engine][agent_config]") {
  auto ro = configure(R"(
[agents.a]
preset = "codex"
tools = ["read"]
mcp = ["files"]
)");
  CHECK(after(ro, "-a") == "on-request");
  CHECK(after(ro, "-s") == "read-only");
  CHECK(after(ro, "--disable") == "shell_tool");
  CHECK(after(ro, "-c") == "web_search=\"disabled\"");
  auto* f = file(ro, ".codex/config.toml");
  REQUIRE(f != nullptr);
  CHECK(f->secret);
  CHECK(f->content.find("[mcp_servers.\"files\"]\ncommand = \"npx\"\n")
        != std::string::npos);
  CHECK(f->content.find("env = { \"FS_TOKEN\" = \"tok-123\" }")
        != std::string::npos);
  CHECK(f->content.find("search") == std::string::npos);
  // The TOML it writes parses back (through the plan parser's TOML).
  auto reparsed = parse_plan("[mcp]\n" + f->content.substr(f->content.find('\n')), "x");
  (void)reparsed; // [mcp] holds an unknown key: only the syntax matters
  CHECK((reparsed.ok() || reparsed.err().message().find("unknown key")
                            != std::string::npos));

  auto rw = configure(R"(
[agents.a]
preset = "codex"
tools = ["shell", "apply_patch", "web"]
)");
  CHECK(after(rw, "-s") == "workspace-write");
  CHECK_FALSE(has_arg(rw, "--disable"));
  CHECK_FALSE(has_arg(rw, "-c"));
  CHECK(rw.files.empty());
}

TEST_CASE("flags the plan's own arguments set are left to them",
          "[engine][agent_config]") {
  auto codex = configure(R"(
[agents.a]
preset = "codex"
args = ["--sandbox=danger-full-access", "-a", "never"]
tools = ["shell"]
)");
  CHECK_FALSE(has_arg(codex, "-s"));
  CHECK_FALSE(has_arg(codex, "-a"));
  auto claude = configure(R"(
[agents.a]
preset = "claude"
args = ["--tools", "Bash"]
tools = ["shell"]
)");
  for (auto& arg : claude.args)
    CHECK_FALSE(arg.starts_with("--tools"));
}

TEST_CASE("other programs get the plan's MCP servers as .mcp.json",
          "[engine][agent_config]") {
  auto c = configure(R"(
[agents.a]
preset = "sim"
tools = ["anything", "goes"]
mcp = ["files", "search"]
)");
  CHECK(c.args.empty());
  auto v = json(file(c, ".mcp.json"));
  CHECK(member(*member(v, "mcpServers"), "files") != nullptr);
  CHECK(member(*member(v, "mcpServers"), "search") != nullptr);
}

TEST_CASE("quoted strings escape what JSON and TOML need",
          "[engine][agent_config]") {
  CHECK(quoted("a\"b\\c\nd\x01") == "\"a\\\"b\\\\c\\nd\\u0001\"");
  auto v = text::parse_json(quoted("tab\there \xc3\xa9"));
  REQUIRE(v.ok());
  CHECK(*text::get<std::string>(*v) == "tab\there \xc3\xa9");
}

TEST_CASE("plan check: unknown tools per CLI and unknown MCP servers, with "
          "their line",
          "[engine][agent_config][plan_check]") {
  auto p = parse(R"X(
[agents.a]
preset = "claude"
tools = ["Bash", "write_todos"]
mcp = ["files", "nope"]
[agents.b]
preset = "gemini"
tools = ["Bash(git *)"]
[agents.c]
preset = "sim"
tools = ["whatever"]
)X");
  auto lines = check_plan(p);
  INFO(lines.size());
  CHECK(mentions(lines, "p.toml:4:9: agent a: unknown tool \"write_todos\" "
                        "for claude"));
  CHECK(mentions(lines, "p.toml:5:7: agent a names unknown MCP server "
                        "\"nope\""));
  CHECK_FALSE(mentions(lines, "\"files\""));
  CHECK(mentions(lines, "p.toml:8:9: agent b: tool \"Bash(git *)\" is a "
                        "permission pattern"));
  CHECK_FALSE(mentions(lines, "agent c"));
}

TEST_CASE("plan check: a Gemini agent's MCP server name has no underscore",
          "[engine][agent_config][plan_check]") {
  auto p = parse_plan(R"(
[mcp.servers.my_files]
command = "x"
[agents.a]
preset = "gemini"
mcp = ["my_files"]
[agents.b]
preset = "claude"
mcp = ["my_files"]
[[tasks]]
id = "t"
prompt = "p"
agent = "a"
)", "p.toml");
  REQUIRE(p.ok());
  auto lines = check_plan(*p);
  CHECK(mentions(lines, "agent a: MCP server \"my_files\" has a \"_\""));
  CHECK_FALSE(mentions(lines, "agent b"));
}

TEST_CASE("plan parser: [mcp.servers] errors name their line",
          "[engine][agent_config][plan_parser]") {
  auto p = parse_plan(R"(
[mcp.servers.a]
args = ["x"]
comand = "y"
[mcp.servers.b]
command = "z"
env = { K = 1 }
[agents.x]
preset = "sim"
mcp = "a"
)", "p.toml");
  REQUIRE_FALSE(p.ok());
  auto& m = p.err().message();
  CHECK(m.find("p.toml:2:1: [mcp.servers.a] needs a \"command\"")
        != std::string::npos);
  CHECK(m.find("p.toml:4:1: unknown key \"comand\" in [mcp.servers.a] (did "
               "you mean \"command\"?)")
        != std::string::npos);
  CHECK(m.find("env.K must be a string") != std::string::npos);
  CHECK(m.find("\"mcp\" must be a list of strings") != std::string::npos);
}
