// agent_session driving the simulated agent (`baton sim`) in a PTY: prompts
// and permission answers go in as acknowledged input, states and protocol
// lines come out as events.
#include "actors/terminal/agent_session.hpp"

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "actors/terminal/pack_loader.hpp"
#include "tests/actors/terminal/session_recorder.hpp"

using namespace baton;
using namespace std::chrono_literals;
using actors::terminal::agent_session;
using actors::terminal::session_event;
using engine::detect::state;

namespace {

/// Generous: the tests never assert on timing, they only refuse to hang.
constexpr auto deadline = std::chrono::milliseconds{30s};

std::string baton_path() {
  const char* dir = std::getenv("BATON_BINARY_DIR");
  REQUIRE(dir != nullptr);
  return std::string{dir} + "/cli/baton";
}

actors::terminal::session_options
sim_options(std::vector<std::string> args, test::session_recorder& rec) {
  actors::terminal::session_options opts;
  opts.spawn.argv = {baton_path(), "sim"};
  for (auto& a : args)
    opts.spawn.argv.push_back(std::move(a));
  auto pack = actors::terminal::builtin_pack("sim");
  REQUIRE(pack.ok());
  opts.pack = *pack;
  opts.clock = actors::terminal::steady_clock_us();
  opts.on_event = rec.callback();
  return opts;
}

std::unique_ptr<actors::pty::reactor> make_reactor() {
  auto r = actors::pty::reactor::make();
  REQUIRE(r.ok());
  return std::move(*r);
}

size_t count(const std::vector<std::string>& lines, std::string_view prefix) {
  size_t n = 0;
  for (auto& l : lines)
    if (l.rfind(prefix, 0) == 0)
      ++n;
  return n;
}

} // namespace

TEST_CASE("a prompt and a permission answer are delivered as acknowledged "
          "input and every protocol line is reported once",
          "[actors][terminal][agent_session]") {
  auto reactor = make_reactor();
  test::session_recorder rec;
  auto s = agent_session::make(
    *reactor,
    sim_options({"--scenario", "permission", "--speed", "4"}, rec));
  REQUIRE(s.ok());
  auto& session = **s;
  auto prompt = session.prompt("Clean the build directory.");
  if (!rec.wait_delivered(prompt, deadline))
    FAIL(rec.describe() + session.screen_text());
  if (!rec.wait_state(state::waiting_approval, deadline))
    FAIL(rec.describe() + session.screen_text());
  auto answer = session.answer("y");
  if (!rec.wait_delivered(answer, deadline))
    FAIL(rec.describe() + session.screen_text());
  // STATUS: DONE is reported when the screen settles, with or just after
  // the final idle.
  bool finished = rec.wait(
    [](const std::vector<session_event>& es) {
      bool done = false;
      state last = state::starting;
      for (auto& e : es) {
        if (e.what == session_event::kind::protocol
            && e.observation.message.message.line.rfind("STATUS: DONE", 0)
                 == 0)
          done = true;
        if (e.what == session_event::kind::state)
          last = e.observation.change.to;
      }
      return done && last == state::idle;
    },
    deadline);
  if (!finished)
    FAIL(rec.describe() + session.screen_text());
  REQUIRE(session.stop(2s).ok());
  REQUIRE(session.wait(deadline).has_value());
  auto states = rec.states();
  INFO(rec.describe());
  CHECK(states
        == std::vector<std::string>{"idle", "working", "waiting_approval",
                                    "working", "idle", "exited"});
  for (auto& e : rec.snapshot())
    if (e.what == session_event::kind::delivery) {
      CHECK(e.delivery.delivered);
      CHECK(e.delivery.attempt == 1);
    }
  auto lines = rec.protocol_lines();
  // Each line once: no line twice, and the ones the scenario writes.
  auto unique = lines;
  std::sort(unique.begin(), unique.end());
  CHECK(std::adjacent_find(unique.begin(), unique.end()) == unique.end());
  CHECK(count(lines, "PROGRESS: 1/3") == 1);
  CHECK(count(lines, "PROGRESS: 3/3") == 1);
  CHECK(count(lines, "BUILD: PASS") == 1);
  CHECK(count(lines, "STATUS: DONE") == 1);
  CHECK(count(lines, "STATUS:") == 1);
}

TEST_CASE("the prompt is confirmed by the agent leaving idle",
          "[actors][terminal][agent_session]") {
  auto reactor = make_reactor();
  test::session_recorder rec;
  auto s = agent_session::make(
    *reactor, sim_options({"--scenario", "normal", "--speed", "4"}, rec));
  REQUIRE(s.ok());
  auto prompt = (*s)->prompt("Do the task.");
  REQUIRE(rec.wait_delivered(prompt, deadline));
  for (auto& e : rec.snapshot())
    if (e.what == session_event::kind::delivery) {
      INFO(e.delivery.reason);
      CHECK(e.delivery.reason.find("idle -> working") != std::string::npos);
    }
}

TEST_CASE("a crash is reported as exited with its status",
          "[actors][terminal][agent_session]") {
  auto reactor = make_reactor();
  test::session_recorder rec;
  auto s = agent_session::make(
    *reactor, sim_options({"--scenario", "crash", "--crash-code", "3",
                           "--speed", "0"},
                          rec));
  REQUIRE(s.ok());
  static_cast<void>((*s)->prompt("Do the task."));
  auto status = (*s)->wait(deadline);
  INFO(rec.describe());
  REQUIRE(status.has_value());
  CHECK(status->code == 3);
  auto states = rec.states();
  REQUIRE(!states.empty());
  CHECK(states.back() == "exited");
  auto events = rec.snapshot();
  CHECK(events.back().what == session_event::kind::exited);
  CHECK(events.back().status.code == 3);
}

TEST_CASE("a missing executable is a clear error",
          "[actors][terminal][agent_session]") {
  auto reactor = make_reactor();
  test::session_recorder rec;
  auto opts = sim_options({}, rec);
  opts.spawn.argv = {"baton-no-such-program-here"};
  auto s = agent_session::make(*reactor, std::move(opts));
  REQUIRE_FALSE(s.ok());
  CHECK(s.err().code() == ec::not_found);
  CHECK(s.err().message().find("baton-no-such-program-here")
        != std::string::npos);
}

TEST_CASE("a session without a pack is refused",
          "[actors][terminal][agent_session]") {
  auto reactor = make_reactor();
  test::session_recorder rec;
  auto opts = sim_options({}, rec);
  opts.pack = nullptr;
  auto s = agent_session::make(*reactor, std::move(opts));
  REQUIRE_FALSE(s.ok());
  CHECK(s.err().code() == ec::invalid_argument);
}
