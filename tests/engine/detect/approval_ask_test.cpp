// What a permission prompt asks, read off the screen by each built-in
// pack's [approval] rules (issue 12): pinned on the real CLIs' recordings
// (played through a session, which reads the ask when the state turns
// waiting_approval) and on the simulated agent's prompt; and the pack's
// [approval] table checked with file and line.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "engine/detect/approval.hpp"
#include "engine/recording/cast.hpp"
#include "engine/session/session_core.hpp"
#include "packs/builtin_packs.hpp"
#include "tests/engine/detect/builtin_pack.hpp"

using namespace baton;
using namespace baton::engine;

namespace {

std::string read(const std::string& path) {
  return test::read_fixture(path);
}

std::shared_ptr<const detect::pack> builtin(std::string_view name) {
  return test::builtin_pack(name);
}

/// The asks of every change to waiting_approval in a recording.
std::vector<detect::approval_ask> asks_in(const std::string& recording,
                                          std::string_view pack) {
  auto c = parse_cast(read("tests/agents/recordings/" + recording + ".cast"),
                      recording);
  REQUIRE(c);
  session_core_options opts;
  opts.screen.cols = c->header.width;
  opts.screen.rows = c->header.height;
  session_core core{builtin(pack), opts};
  std::vector<detect::approval_ask> out;
  auto take = [&](session_effects& fx) {
    for (auto& e : fx.events)
      if (e.what == session_event::kind::state
          && e.observation.change.to == detect::state::waiting_approval)
        out.push_back(e.observation.ask);
    fx = {};
  };
  session_effects fx;
  uint64_t now = 0;
  for (auto& ev : c->events) {
    now = std::max(now, static_cast<uint64_t>(ev.time * 1e6));
    while (core.next_deadline() != 0 && core.next_deadline() <= now) {
      core.tick(core.next_deadline(), fx);
      take(fx);
    }
    if (ev.kind == 'o') {
      core.output(ev.data, now, fx);
      take(fx);
    }
  }
  return out;
}

} // namespace

TEST_CASE("Claude Code's permission panel names Bash and the command") {
  auto asks = asks_in("claude-normal", "claude");
  REQUIRE(!asks.empty());
  CHECK(asks[0].tool == "Bash");
  CHECK(asks[0].subject.find("hello.txt") != std::string::npos);
}

TEST_CASE("Codex's approval names the shell and the command") {
  auto asks = asks_in("codex-normal", "codex");
  REQUIRE(!asks.empty());
  CHECK(asks[0].tool == "shell");
  CHECK(asks[0].subject.find("hello.txt") != std::string::npos);
}

TEST_CASE("Gemini CLI's approval box names Shell and the command") {
  auto asks = asks_in("gemini-normal", "gemini");
  REQUIRE(!asks.empty());
  CHECK(asks[0].tool == "Shell");
  CHECK(asks[0].subject.find("hello.txt") != std::string::npos);
}

TEST_CASE("the simulated agent's prompt names the tool and its argument") {
  session_core core{builtin("sim")};
  session_effects fx;
  core.output("\x1b[2J\x1b[H│ Bash(rm -rf build)\r\n│ Allow Bash(rm -rf "
              "build)? [y/n]\r\n",
              1000, fx);
  core.tick(core.next_deadline(), fx);
  while (core.next_deadline() != 0)
    core.tick(core.next_deadline(), fx);
  detect::approval_ask ask;
  for (auto& e : fx.events)
    if (e.what == session_event::kind::state
        && e.observation.change.to == detect::state::waiting_approval)
      ask = e.observation.ask;
  CHECK(ask.tool == "Bash");
  CHECK(ask.subject == "rm -rf build");
}

TEST_CASE("every built-in pack of a real CLI says how it is answered") {
  for (auto name : {"sim", "claude", "codex", "gemini", "generic"}) {
    INFO(name);
    auto p = builtin(name);
    CHECK_FALSE(p->approval.keys("allow").empty());
    CHECK_FALSE(p->approval.keys("deny").empty());
    // allow_always falls back to allow where the CLI has no such answer.
    CHECK_FALSE(p->approval.keys("allow_always").empty());
    CHECK_FALSE(p->approval.asks.empty());
  }
  CHECK(builtin("sim")->approval.keys("allow_always") == "y");
  CHECK(builtin("claude")->approval.keys("deny") == "\x1b");
}

TEST_CASE("a pack's [approval] table is checked with its line") {
  auto base = std::string{"name = \"x\"\nversion = 1\n[[rule]]\nname = "
                          "\"r\"\nstate = \"idle\"\npattern = '>'\n"};
  auto no_deny = detect::parse_pack(base + "[approval]\nallow = \"y\"\n",
                                    "x.toml");
  REQUIRE_FALSE(no_deny);
  CHECK(no_deny.err().message().find("x.toml:7") != std::string::npos);
  CHECK(no_deny.err().message().find("allow and deny") != std::string::npos);
  auto bad_re = detect::parse_pack(base
                                     + "[approval]\nallow = \"y\"\ndeny = "
                                       "\"n\"\n[[approval.ask]]\npattern = "
                                       "'('\n",
                                   "x.toml");
  REQUIRE_FALSE(bad_re);
  CHECK(bad_re.err().message().find("x.toml:11") != std::string::npos);
  auto unknown = detect::parse_pack(base + "[approval]\nallow = \"y\"\ndeny = "
                                           "\"n\"\nalways = \"a\"\n",
                                    "x.toml");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.err().message().find("unknown key 'always'")
        != std::string::npos);
}

namespace {

/// Feeds `bytes` and lets every quiet period pass.
void settle(session_core& core, std::string_view bytes, uint64_t& now,
            session_effects& fx) {
  core.output(bytes, now, fx);
  while (core.next_deadline() != 0 && core.next_deadline() < now + 1'000'000)
    core.tick(now = core.next_deadline(), fx);
}

constexpr std::string_view asking_screen
  = "\x1b]0;sim: waiting for approval\x07\x1b[2J\x1b[H│ Bash(rm -rf "
    "build)\r\n│ Allow Bash(rm -rf build)? [y/n]\r\n";

} // namespace

TEST_CASE("an answer is typed as the pack's keys while the agent asks") {
  session_core core{builtin("sim")};
  session_effects fx;
  uint64_t now = 1000;
  settle(core, asking_screen, now, fx);
  REQUIRE(core.state() == detect::state::waiting_approval);
  fx = {};
  core.answer("y", now, fx);
  REQUIRE(fx.writes.size() == 1);
  CHECK(fx.writes[0].bytes == "y");
}

TEST_CASE("an answer for a prompt the agent has left is dropped, not kept "
          "for its next prompt") {
  session_core core{builtin("sim")};
  session_effects fx;
  uint64_t now = 1000;
  settle(core, asking_screen, now, fx);
  REQUIRE(core.state() == detect::state::waiting_approval);
  // A person answered in the agent's terminal: it works again.
  settle(core,
         "\x1b]0;sim: working…\x07\x1b[2J\x1b[H⠋ Working… (1s · ctrl+c to "
         "interrupt)\r\n",
         now, fx);
  REQUIRE(core.state() == detect::state::working);
  fx = {};
  core.answer("y", now, fx);
  CHECK(fx.writes.empty());
  REQUIRE(fx.events.size() == 1);
  CHECK(fx.events[0].what == session_event::kind::delivery);
  CHECK_FALSE(fx.events[0].delivery.delivered);
  CHECK(fx.events[0].delivery.reason.find("no longer asking")
        != std::string::npos);
  // Its next prompt gets nothing typed by itself.
  fx = {};
  settle(core, asking_screen, now, fx);
  REQUIRE(core.state() == detect::state::waiting_approval);
  CHECK(fx.writes.empty());
}

TEST_CASE("each CLI's folder trust dialog is asked as trust folder") {
  for (auto cli : {"claude", "codex", "gemini"}) {
    INFO(cli);
    auto asks = asks_in(std::string{cli} + "-startup", cli);
    REQUIRE(!asks.empty());
    CHECK(asks[0].tool == "trust folder");
  }
  // Claude Code names the path it asks about.
  auto claude = asks_in("claude-startup", "claude");
  CHECK(claude[0].subject.starts_with("/"));
}
