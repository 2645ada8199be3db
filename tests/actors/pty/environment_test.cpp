// The child's environment: agent-session variables stripped, allow-list mode,
// TERM and explicit additions; and the executable lookup done before fork.
#include "actors/pty/environment.hpp"

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>

#include "actors/pty/detail/executable.hpp"
#include "tests/support/temp_dir.hpp"

using namespace baton;
using namespace baton::actors::pty;

namespace {

const std::vector<std::string> parent = {
  "PATH=/usr/bin:/bin",
  "HOME=/home/u",
  "TERM=dumb",
  "LC_ALL=C.UTF-8",
  "CLAUDECODE=1",
  "CLAUDE_CODE_ENTRYPOINT=cli",
  "ANTHROPIC_API_KEY=sk-secret",
  "CODEX_HOME=/x",
  "OPENAI_API_KEY=sk-other",
  "GEMINI_API_KEY=g",
  "GOOGLE_GEMINI_BASE_URL=http://x",
  "GOOGLE_API_KEY=k",
  "BATON_RUN=r1",
  "CLAUDE_CONFIG_DIR=/cfg",
  "NOT_AN_ENTRY",
};

bool has(const std::vector<std::string>& env, std::string_view entry) {
  return std::find(env.begin(), env.end(), entry) != env.end();
}

bool has_name(const std::vector<std::string>& env, std::string_view name) {
  return find_variable(env, name).has_value();
}

} // namespace

TEST_CASE("agent-session variables are recognised by name and prefix",
          "[actors][pty][environment]") {
  for (auto name : {"CLAUDECODE", "CLAUDE_CODE_SSE_PORT", "ANTHROPIC_API_KEY",
                    "CODEX_SANDBOX", "OPENAI_BASE_URL", "GEMINI_CLI",
                    "GOOGLE_GEMINI_BASE_URL", "GOOGLE_API_KEY", "BATON_X"})
    CHECK(is_agent_session_variable(name));
  for (auto name : {"PATH", "HOME", "CLAUDE_CONFIG_DIR", "CLAUDECODEX",
                    "GOOGLE_APPLICATION_CREDENTIALS", "MY_OPENAI_KEY"})
    CHECK_FALSE(is_agent_session_variable(name));
}

TEST_CASE("inheriting strips agent-session variables and sets TERM",
          "[actors][pty][environment]") {
  auto env = make_environment(env_options{}, parent);
  REQUIRE(env.ok());
  CHECK(has(*env, "PATH=/usr/bin:/bin"));
  CHECK(has(*env, "HOME=/home/u"));
  CHECK(has(*env, "CLAUDE_CONFIG_DIR=/cfg"));
  CHECK(has(*env, "TERM=xterm-256color"));
  CHECK_FALSE(has(*env, "TERM=dumb"));
  for (auto name : {"CLAUDECODE", "CLAUDE_CODE_ENTRYPOINT", "ANTHROPIC_API_KEY",
                    "CODEX_HOME", "OPENAI_API_KEY", "GEMINI_API_KEY",
                    "GOOGLE_GEMINI_BASE_URL", "GOOGLE_API_KEY", "BATON_RUN",
                    "NOT_AN_ENTRY"})
    CHECK_FALSE(has_name(*env, name));
}

TEST_CASE("an allow-list passes only the variables it names",
          "[actors][pty][environment]") {
  env_options opts;
  opts.base = env_base::allow_list;
  opts.allow = {"PATH", "LC_*", "ANTHROPIC_API_KEY", "OPENAI_*", "MISSING"};
  auto env = make_environment(opts, parent);
  REQUIRE(env.ok());
  CHECK(has(*env, "PATH=/usr/bin:/bin"));
  CHECK(has(*env, "LC_ALL=C.UTF-8"));
  CHECK(has(*env, "ANTHROPIC_API_KEY=sk-secret")); // named exactly
  CHECK_FALSE(has_name(*env, "OPENAI_API_KEY"));   // a prefix is not enough
  CHECK_FALSE(has_name(*env, "HOME"));
  CHECK_FALSE(has_name(*env, "MISSING"));
  CHECK(has(*env, "TERM=xterm-256color"));
  CHECK(env->size() == 4);
}

TEST_CASE("explicit additions override the base, stripped names included",
          "[actors][pty][environment]") {
  env_options opts;
  opts.set = {{"ANTHROPIC_BASE_URL", "http://127.0.0.1:9"},
              {"HOME", "/agent"},
              {"TERM", "screen"},
              {"EMPTY", ""}};
  auto env = make_environment(opts, parent);
  REQUIRE(env.ok());
  CHECK(has(*env, "ANTHROPIC_BASE_URL=http://127.0.0.1:9"));
  CHECK(has(*env, "HOME=/agent"));
  CHECK_FALSE(has(*env, "HOME=/home/u"));
  CHECK(has(*env, "TERM=screen"));
  CHECK(has(*env, "EMPTY="));
  CHECK(
    std::count_if(env->begin(), env->end(),
                  [](const std::string& e) { return e.starts_with("TERM="); })
    == 1);
}

TEST_CASE("an empty term leaves TERM as the base has it",
          "[actors][pty][environment]") {
  env_options opts;
  opts.term.clear();
  auto env = make_environment(opts, parent);
  REQUIRE(env.ok());
  CHECK(has(*env, "TERM=dumb"));
}

TEST_CASE("a bad addition name is rejected", "[actors][pty][environment]") {
  for (const auto& bad :
       {std::string{}, std::string{"A=B"}, std::string{"A\0B", 3}}) {
    env_options opts;
    opts.set = {{bad, "v"}};
    auto env = make_environment(opts, parent);
    REQUIRE_FALSE(env.ok());
    CHECK(env.err().code() == ec::invalid_argument);
  }
}

TEST_CASE("a program is looked up in the search path before forking",
          "[actors][pty][environment]") {
  auto sh = detail::find_executable("sh", "/nonexistent:/bin:/usr/bin", "");
  REQUIRE(sh.ok());
  CHECK(sh->ends_with("/sh"));
  auto missing = detail::find_executable("baton-no-such-program", "/bin", "");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.err().code() == ec::not_found);
  CHECK(missing.err().message().find("baton-no-such-program")
        != std::string::npos);
  auto path = detail::find_executable("/nonexistent/prog", "/bin", "");
  REQUIRE_FALSE(path.ok());
  CHECK(path.err().code() == ec::not_found);
  CHECK(path.err().message().find("/nonexistent/prog") != std::string::npos);
}

TEST_CASE("relative programs and path entries are taken from the working "
          "directory",
          "[actors][pty][environment]") {
  test::temp_dir dir;
  std::ofstream{dir / "tool"} << "#!/bin/sh\n";
  ::chmod((dir / "tool").c_str(), 0755);
  std::ofstream{dir / "plain"} << "data\n";
  auto rel = detail::find_executable("./tool", "", dir.path());
  REQUIRE(rel.ok());
  CHECK(*rel == dir / "./tool");
  auto in_path = detail::find_executable("tool", "/bin:.", dir.path());
  REQUIRE(in_path.ok());
  CHECK(*in_path == dir / "./tool");
  auto plain = detail::find_executable("./plain", "", dir.path());
  REQUIRE_FALSE(plain.ok());
  CHECK(plain.err().code() == ec::invalid_argument);
  CHECK(plain.err().message().find("not an executable") != std::string::npos);
}
