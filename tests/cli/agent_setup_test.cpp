// Tools and MCP servers per agent through `baton run`: each agent's CLI
// finds its own configuration in its directory and on its command line,
// and no env value reaches the log. The "CLIs" are scripts named claude,
// gemini and codex that note their arguments and run `baton sim`.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/stat.h>

#include <chrono>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/cli/run_baton.hpp"
#include "tests/support/temp_dir.hpp"

using namespace baton;
namespace fs = std::filesystem;

namespace {

void write(const std::string& path, const std::string& text) {
  std::ofstream{path} << text;
}

std::string read(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// A stand-in for a real CLI: notes its arguments (one a line) in
/// args.txt in its working directory, then is the simulated agent.
void fake_cli(const test::temp_dir& dir, const std::string& name) {
  fs::create_directories(dir / "bin");
  auto path = dir / ("bin/" + name);
  write(path, "#!/bin/sh\nprintf '%s\\n' \"$@\" > args.txt\nexec '"
                + test::baton_path() + "' sim\n");
  fs::permissions(path, fs::perms::owner_all);
}

bool has_line(const std::string& text, const std::string& line) {
  std::stringstream ss{text};
  std::string l;
  while (std::getline(ss, l))
    if (l == line)
      return true;
  return false;
}

unsigned mode_of(const std::string& path) {
  struct stat st{};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

std::string plan_for(const test::temp_dir& dir) {
  std::string plan = R"(
[run]
workspace = "work"
[mcp.servers.files]
command = "fs-server"
args = ["--root", "${plan_dir}/data"]
env = { FS_TOKEN = "mcp-secret-4711" }
[mcp.servers.unused]
command = "other-server"
)";
  auto agent = [&](const std::string& name, const std::string& cli,
                   const std::string& tools, const std::string& more = "") {
    plan += "[agents." + name + "]\ncommand = [\"" + dir / ("bin/" + cli)
            + "\"]\npack = \"sim\"\ntools = " + tools
            + "\nmcp = [\"files\"]\n" + more + "[[tasks]]\nid = \"t-"
            + name + "\"\nprompt = \"p\"\nagent = \"" + name + "\"\n";
  };
  agent("c", "claude", R"(["shell", "read"])",
        "env = { AGENT_KEY = \"agent-secret-0815\" }\n");
  agent("g", "gemini", R"(["edit", "write_todos"])");
  agent("x", "codex", R"(["read"])");
  plan += R"(
[agents.s]
preset = "sim"
mcp = ["files"]
[[tasks]]
id = "t-s"
prompt = "p"
agent = "s"
)";
  return plan;
}

} // namespace

TEST_CASE("baton run writes each agent's tools and MCP servers as its CLI's "
          "own configuration, and no env value reaches the log",
          "[cli][agent_setup][e2e]") {
  test::temp_dir dir;
  for (auto cli : {"claude", "gemini", "codex"})
    fake_cli(dir, cli);
  write(dir / "plan.toml", plan_for(dir));
  auto r = test::run_baton("run " + dir / "plan.toml" + " --db " + dir / "log");
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
  auto work = dir / "work";

  // Claude Code: --tools and only the plan's servers, from a file that is
  // not the project's .mcp.json (it would ask about those).
  auto claude_args = read(work + "/c/args.txt");
  INFO(claude_args);
  CHECK(has_line(claude_args, "--tools=Bash,Read,Glob,Grep"));
  CHECK(has_line(claude_args, "--strict-mcp-config"));
  CHECK(has_line(claude_args,
                 "--mcp-config=" + work + "/c/.baton/claude-mcp.json"));
  CHECK_FALSE(fs::exists(work + "/c/.mcp.json"));
  auto mcp = read(work + "/c/.baton/claude-mcp.json");
  CHECK(mcp.find("\"files\": {") != std::string::npos);
  CHECK(mcp.find("\"command\": \"fs-server\"") != std::string::npos);
  CHECK(mcp.find("\"" + dir.path() + "/data\"") != std::string::npos);
  CHECK(mcp.find("\"FS_TOKEN\": \"mcp-secret-4711\"") != std::string::npos);
  CHECK(mcp.find("unused") == std::string::npos);
  CHECK(mode_of(work + "/c/.baton/claude-mcp.json") == 0600);

  // Gemini CLI: its workspace settings.
  auto settings = read(work + "/g/.gemini/settings.json");
  INFO(settings);
  CHECK(settings.find("\"core\": [\"replace\", \"write_todos\"]")
        != std::string::npos);
  CHECK(settings.find("\"allowed\": [\"files\"]") != std::string::npos);
  CHECK(read(work + "/g/args.txt") == "\n"); // printf with no argument

  // Codex: its project config and its sandbox and approval flags.
  auto codex = read(work + "/x/.codex/config.toml");
  CHECK(codex.find("[mcp_servers.\"files\"]") != std::string::npos);
  CHECK(mode_of(work + "/x/.codex/config.toml") == 0600);
  auto codex_args = read(work + "/x/args.txt");
  CHECK(codex_args == "-a\non-request\n-s\nread-only\n--disable\nshell_tool\n"
                      "-c\nweb_search=\"disabled\"\n");

  // Any other program: the common .mcp.json.
  CHECK(read(work + "/s/.mcp.json").find("fs-server") != std::string::npos);

  // The whole log, as `baton log` shows it: names, never values.
  for (auto format : {" --json", ""}) {
    auto log = test::run_baton("log " + dir / "log" + format);
    REQUIRE(log.exit_code == 0);
    CHECK(log.out.find("mcp-secret-4711") == std::string::npos);
    CHECK(log.out.find("agent-secret-0815") == std::string::npos);
  }
  auto log = test::run_baton("log " + dir / "log" + " --json");
  CHECK(log.out.find("FS_TOKEN") != std::string::npos);
  CHECK(log.out.find("AGENT_KEY") != std::string::npos);
  CHECK(log.out.find("redacted") != std::string::npos);
  // Nor anywhere in the log directory's files.
  for (auto& f : fs::recursive_directory_iterator(dir / "log")) {
    if (!f.is_regular_file())
      continue;
    auto bytes = read(f.path().string());
    INFO(f.path());
    CHECK(bytes.find("mcp-secret-4711") == std::string::npos);
    CHECK(bytes.find("agent-secret-0815") == std::string::npos);
  }
  // And the recorded (redacted) plan replays.
  auto replay = test::run_baton("replay " + dir / "log");
  INFO(replay.out);
  CHECK(replay.exit_code == 0);
}

TEST_CASE("baton run refuses a tool its agent's CLI does not have, naming "
          "the plan's line",
          "[cli][agent_setup]") {
  test::temp_dir dir;
  write(dir / "plan.toml", R"(
[agents.a]
preset = "sim"
command = []
[agents.b]
command = ["claude"]
tools = ["shell", "google_web_search", "todo_write"]
mcp = ["nowhere"]
[[tasks]]
id = "t"
prompt = "p"
agent = "a"
)");
  auto r = test::run_baton("run " + dir / "plan.toml" + " --db " + dir / "log");
  INFO(r.out);
  CHECK(r.exit_code == 2);
  CHECK(r.out.find("plan.toml:7:9: agent b: unknown tool \"todo_write\" for "
                   "claude")
        != std::string::npos);
  CHECK(r.out.find("plan.toml:8:7: agent b names unknown MCP server "
                   "\"nowhere\"")
        != std::string::npos);
  CHECK(r.out.find("google_web_search") == std::string::npos);
}

TEST_CASE("baton resume takes the env values back from the plan file, and "
          "refuses a changed one",
          "[cli][agent_setup][resume]") {
  test::temp_dir dir;
  std::string plan = R"(
[run]
workspace = "work"
[policy]
retries = 0
task_timeout = "4s"
[mcp.servers.files]
command = "fs-server"
env = { FS_TOKEN = "mcp-secret-4711" }
[agents.slow]
preset = "sim"
args = ["--scenario", "stall", "--stall-seconds", "3600"]
mcp = ["files"]
[[tasks]]
id = "forever"
prompt = "take your time"
agent = "slow"
)";
  write(dir / "plan.toml", plan);
  auto pid = test::spawn_baton({"run", dir / "plan.toml", "--db", dir / "log"},
                               dir / "out.txt");
  // Killed once the run has begun: its task dispatched.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{30};
  bool begun = false;
  while (!begun && std::chrono::steady_clock::now() < deadline)
    begun = test::run_baton("log " + dir / "log").out.find("taskDispatched")
            != std::string::npos;
  ::kill(pid, SIGKILL);
  test::wait_exit(pid);
  REQUIRE(begun);
  fs::remove(dir / "work/slow/.mcp.json");

  // A changed plan file is not the one the values came from.
  write(dir / "plan.toml", plan + "# changed\n");
  auto refused = test::run_baton("resume " + dir / "log");
  INFO(refused.out);
  CHECK(refused.exit_code == 2);
  CHECK(refused.out.find("redacted") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "work/slow/.mcp.json"));

  write(dir / "plan.toml", plan);
  auto resumed = test::run_baton("resume " + dir / "log");
  INFO(resumed.out);
  CHECK(resumed.exit_code == 1); // the task timed out, as planned
  CHECK(read(dir / "work/slow/.mcp.json").find("\"mcp-secret-4711\"")
        != std::string::npos);
  CHECK(test::run_baton("log " + dir / "log" + " --json").out.find(
          "mcp-secret-4711")
        == std::string::npos);
}
