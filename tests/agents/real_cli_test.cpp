// The real agent CLIs (Claude Code, Codex, Gemini CLI, pinned in
// tests/agents/package.json) run in Baton's agent sessions against the mock
// model server on loopback, scenario normal.json: a prompt, work, a shell
// command that needs approval, work, PROGRESS/BUILD/STATUS lines, idle.
//
// Each case installs the CLIs (tests/agents/install.sh, idempotent; needs the
// npm registry the first time), prepares a throwaway HOME, TMPDIR and work
// dir exactly as tests/agents/record.py does, and checks that Baton saw
// idle -> working -> waiting_approval -> working -> idle|done, delivered the
// prompt and the approval as acknowledged input, parsed every protocol line
// the model wrote exactly once, and never took the echoed prompt for a
// status. Conditions are waited for with deadlines; nothing asserts timing.
//
// Run dirs go under $BATON_AGENT_RUNS (default /var/tmp/baton-agent-runs):
// outside any git repository, which the CLIs would pick up, and outside
// /tmp, under which Codex refuses to create its helper links.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "actors/terminal/agent_session.hpp"
#include "actors/terminal/pack_loader.hpp"
#include "engine/text/json.hpp"
#include "tests/actors/terminal/session_recorder.hpp"

namespace fs = std::filesystem;
using namespace baton;
using namespace std::chrono_literals;
using actors::terminal::session_event;
using engine::detect::state;

namespace {

constexpr auto deadline = std::chrono::milliseconds{90s};

std::string read_file(const fs::path& p) {
  std::ifstream in{p, std::ios::binary};
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream out{p, std::ios::binary | std::ios::trunc};
  out << text;
}

/// Runs tests/agents/install.sh and returns the .bin dir it prints last.
std::string install_agents() {
  FILE* p = popen("tests/agents/install.sh", "r");
  REQUIRE(p != nullptr);
  std::string out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0)
    out.append(buf.data(), n);
  int status = pclose(p);
  INFO(out);
  REQUIRE((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  while (!out.empty() && out.back() == '\n')
    out.pop_back();
  auto nl = out.rfind('\n');
  return nl == std::string::npos ? out : out.substr(nl + 1);
}

/// The mock model server (node), stopped with SIGTERM at scope exit.
class mock_server {
public:
  mock_server(const std::string& scenario, const std::string& work,
              const std::string& log) {
    int out[2];
    REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      int devnull = ::open("/dev/null", O_RDONLY);
      ::dup2(devnull, 0);
      ::execlp("node", "node", "tests/agents/mock_model_server.mjs",
               "--port", "0", "--scenario", scenario.c_str(), "--workdir",
               work.c_str(), "--log", log.c_str(), nullptr);
      ::_exit(127);
    }
    ::close(out[1]);
    std::string line;
    char c;
    while (::read(out[0], &c, 1) == 1 && c != '\n')
      line += c;
    ::close(out[0]);
    INFO("mock server said: " << line);
    REQUIRE(!line.empty());
    port_ = std::stoi(line);
  }

  ~mock_server() {
    ::kill(pid_, SIGTERM);
    int status;
    ::waitpid(pid_, &status, 0);
  }

  int port() const {
    return port_;
  }

private:
  pid_t pid_ = -1;
  int port_ = 0;
};

struct cli_profile {
  std::string name;
  std::vector<std::string> args;
  /// The key that approves the highlighted "Yes" (SCREENS.md, verified).
  std::string approve;
};

struct scenario {
  std::string prompt;
  /// The protocol lines the model writes, in order.
  std::vector<std::string> protocol;
};

scenario load_scenario(const std::string& path) {
  auto json = engine::text::parse_json(read_file(path));
  REQUIRE(json.ok());
  scenario out;
  auto* root = engine::text::get<engine::text::json_object>(*json);
  REQUIRE(root != nullptr);
  for (auto& [key, value] : *root) {
    if (key == "prompt")
      out.prompt = *engine::text::get<std::string>(value);
    if (key != "turns")
      continue;
    for (auto& turn : *engine::text::get<engine::text::json_array>(value))
      for (auto& [k, v] : *engine::text::get<engine::text::json_object>(turn)) {
        if (k != "text")
          continue;
        std::istringstream lines{*engine::text::get<std::string>(v)};
        std::string line;
        while (std::getline(lines, line))
          for (auto prefix : {"PROGRESS:", "BUILD:", "STATUS:", "NEED:"})
            if (line.rfind(prefix, 0) == 0)
              out.protocol.push_back(line);
      }
  }
  return out;
}

fs::path run_dir(const std::string& cli) {
  const char* base = std::getenv("BATON_AGENT_RUNS");
  fs::path dir = fs::path{base ? base : "/var/tmp/baton-agent-runs"}
                 / (cli + "-session-test");
  fs::remove_all(dir);
  for (auto sub : {"home", "tmp", "work"})
    fs::create_directories(dir / sub);
  return dir;
}

/// The environment and config files of tests/agents/record.py prepare().
std::vector<std::pair<std::string, std::string>>
prepare(const std::string& cli, const fs::path& dir, int port) {
  auto home = (dir / "home").string();
  auto work = (dir / "work").string();
  auto base = "http://127.0.0.1:" + std::to_string(port);
  const char* user = std::getenv("USER");
  std::vector<std::pair<std::string, std::string>> env = {
    {"PATH", "/usr/local/bin:/usr/bin:/bin"},
    {"HOME", home},
    {"TMPDIR", (dir / "tmp").string()},
    {"USER", user ? user : "root"},
    {"SHELL", "/bin/bash"},
    {"LANG", "C.UTF-8"},
    {"COLORTERM", "truecolor"},
  };
  if (cli == "claude") {
    env.insert(env.end(), {{"ANTHROPIC_BASE_URL", base},
                           {"ANTHROPIC_AUTH_TOKEN", "mock-token"},
                           {"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1"},
                           {"DISABLE_TELEMETRY", "1"},
                           {"DISABLE_AUTOUPDATER", "1"},
                           {"DISABLE_ERROR_REPORTING", "1"}});
    write_file(dir / "home" / ".claude.json",
               "{\"hasCompletedOnboarding\": true, \"projects\": {\"" + work
                 + "\": {\"hasTrustDialogAccepted\": true, "
                   "\"hasCompletedProjectOnboarding\": true}}}\n");
  } else if (cli == "codex") {
    auto codex_home = dir / "home" / ".codex";
    fs::create_directories(codex_home);
    env.insert(env.end(), {{"CODEX_HOME", codex_home.string()},
                           {"OPENAI_API_KEY", "mock-key"}});
    write_file(codex_home / "config.toml",
               "model = \"gpt-5.5\"\n"
               "model_provider = \"mock\"\n"
               "approval_policy = \"on-request\"\n"
               "sandbox_mode = \"workspace-write\"\n"
               "check_for_update_on_startup = false\n"
               "\n[model_providers.mock]\n"
               "name = \"Mock\"\n"
               "base_url = \""
                 + base
                 + "/v1\"\n"
                   "env_key = \"OPENAI_API_KEY\"\n"
                   "wire_api = \"responses\"\n"
                   "\n[projects.\""
                 + work
                 + "\"]\n"
                   "trust_level = \"trusted\"\n"
                   "\n[notice]\n"
                   "model_migrations = { \"gpt-5.5\" = \"gpt-6-sol\" }\n"
                   "\n[analytics]\n"
                   "enabled = false\n");
  } else {
    auto gdir = dir / "home" / ".gemini";
    fs::create_directories(gdir);
    env.insert(env.end(), {{"GEMINI_API_KEY", "mock-key"},
                           {"GOOGLE_GEMINI_BASE_URL", base},
                           {"GEMINI_CLI_NO_RELAUNCH", "true"}});
    write_file(gdir / "settings.json",
               "{\"security\": {\"auth\": {\"selectedType\": "
               "\"gemini-api-key\"}, \"folderTrust\": {\"enabled\": false}},"
               " \"privacy\": {\"usageStatisticsEnabled\": false},"
               " \"general\": {\"disableAutoUpdate\": true},"
               " \"ui\": {\"hideTips\": true}}\n");
  }
  return env;
}

size_t count_of(const std::vector<std::string>& lines,
                const std::string& line) {
  return static_cast<size_t>(std::count(lines.begin(), lines.end(), line));
}

std::string joined(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (auto& s : v)
    out += (out.empty() ? "" : sep) + s;
  return out;
}

void run_cli(const cli_profile& cli) {
  auto bin = install_agents();
  auto sc = load_scenario("tests/agents/scenarios/normal.json");
  REQUIRE(sc.protocol.size() == 4);
  auto dir = run_dir(cli.name);
  auto work = (dir / "work").string();
  mock_server mock{fs::absolute("tests/agents/scenarios/normal.json"),
                   work, (dir / "mock.log").string()};
  auto reactor = actors::pty::reactor::make();
  REQUIRE(reactor.ok());
  test::session_recorder rec;
  actors::terminal::session_options opts;
  opts.spawn.argv = {fs::canonical(fs::path{bin} / cli.name).string()};
  opts.spawn.argv.insert(opts.spawn.argv.end(), cli.args.begin(),
                         cli.args.end());
  opts.spawn.working_dir = work;
  opts.spawn.env.base = actors::pty::env_base::allow_list;
  opts.spawn.env.set = prepare(cli.name, dir, mock.port());
  auto pack = actors::terminal::builtin_pack(cli.name);
  REQUIRE(pack.ok());
  opts.pack = *pack;
  opts.clock = actors::terminal::steady_clock_us();
  opts.on_event = rec.callback();
  auto s = actors::terminal::agent_session::make(**reactor, std::move(opts));
  REQUIRE(s.ok());
  auto& session = **s;
  auto fail = [&](const char* what) {
    FAIL(what << "\nevents:\n"
              << rec.describe() << "screen:\n"
              << session.screen_text());
  };
  auto prompt = session.prompt(sc.prompt);
  if (!rec.wait_delivered(prompt, deadline))
    fail("the prompt was not delivered");
  if (!rec.wait_state(state::waiting_approval, deadline))
    fail("no waiting_approval");
  auto approval = session.answer(cli.approve);
  if (!rec.wait_delivered(approval, deadline))
    fail("the approval was not delivered");
  auto final_line = sc.protocol.back();
  bool finished = rec.wait(
    [&final_line](const std::vector<session_event>& es) {
      bool done = false;
      state last = state::starting;
      for (auto& e : es) {
        if (e.what == session_event::kind::protocol
            && e.observation.message.message.line == final_line)
          done = true;
        if (e.what == session_event::kind::state)
          last = e.observation.change.to;
      }
      return done && (last == state::idle || last == state::done);
    },
    deadline);
  if (!finished)
    fail("no final STATUS line with idle or done");
  auto states = rec.states();
  auto lines = rec.protocol_lines();
  // For the record (the closing note quotes these).
  std::cout << cli.name << " states: " << joined(states, " -> ") << "\n"
            << cli.name << " protocol: " << joined(lines, " | ") << "\n";
  INFO("events:\n" << rec.describe());
  CHECK(test::has_subsequence(states, {"idle", "working", "waiting_approval",
                                       "working"}));
  CHECK((states.back() == "idle" || states.back() == "done"));
  for (auto& line : sc.protocol) {
    INFO(line);
    CHECK(count_of(lines, line) == 1);
  }
  CHECK(lines.size() == sc.protocol.size());
  for (auto& line : lines)
    CHECK(line.find("<what>") == std::string::npos);
  ignore(session.stop(3s));
  CHECK(session.wait(deadline).has_value());
}

} // namespace

TEST_CASE("Claude Code is seen working, asking, approved and done",
          "[agents][real_cli][claude]") {
  run_cli({"claude", {}, "\r"});
}

TEST_CASE("Codex is seen working, asking, approved and done",
          "[agents][real_cli][codex]") {
  run_cli({"codex", {"--no-daemon"}, "y"});
}

TEST_CASE("Gemini CLI is seen working, asking, approved and done",
          "[agents][real_cli][gemini]") {
  run_cli({"gemini", {}, "\r"});
}
