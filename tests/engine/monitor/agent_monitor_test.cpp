// The agent monitor over real recordings of the agent CLIs and the
// simulated agent: the built-in packs detect the states the recorder saw
// (its "m" markers) and every protocol line the model wrote, once.
#include "engine/monitor/agent_monitor.hpp"

#include <fstream>
#include <map>
#include <sstream>

#include <catch2/catch.hpp>

#include "engine/detect/pack.hpp"
#include "engine/recording/cast.hpp"
#include "packs/builtin_packs.hpp"
#include "tests/engine/detect/builtin_pack.hpp"

using namespace baton;
using namespace baton::engine;

namespace {

std::shared_ptr<const detect::pack> builtin(std::string_view name) {
  return test::builtin_pack(name);
}

cast load(const std::string& path) {
  std::ifstream in{path};
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  auto c = parse_cast(text.str(), path);
  REQUIRE(c.ok());
  return std::move(*c);
}

struct run_result {
  std::vector<std::string> states;
  std::vector<std::string> lines;
};

run_result play(const cast& c, std::string_view pack) {
  agent_monitor m{builtin(pack), {c.header.width, c.header.height}};
  run_result r;
  auto take = [&r](const std::vector<observation>& obs) {
    for (auto& o : obs) {
      if (o.what == observation::kind::state)
        r.states.emplace_back(detect::to_string(o.change.to));
      else if (o.what == observation::kind::protocol)
        r.lines.push_back(o.message.message.line);
    }
  };
  uint64_t now = 0;
  for (auto& ev : c.events) {
    now = static_cast<uint64_t>(ev.time * 1e6);
    while (m.next_deadline() != 0 && m.next_deadline() <= now)
      take(m.tick(m.next_deadline()));
    if (ev.kind == 'o')
      take(m.feed(ev.data, now));
    else if (ev.kind == 'i')
      m.typed(ev.data);
  }
  take(m.exited(now + 1, "exit status 0"));
  return r;
}

} // namespace

TEST_CASE("every built-in pack parses", "[engine][monitor][packs]") {
  for (auto& [name, text] : packs::builtin) {
    INFO(name);
    CHECK(detect::parse_pack(text, name).ok());
  }
}

TEST_CASE("claude pack over a recorded Claude Code session",
          "[engine][monitor][claude]") {
  auto r = play(load("tests/agents/recordings/claude-normal.cast"), "claude");
  for (auto& s : r.states)
    UNSCOPED_INFO("state " << s);
  for (auto& l : r.lines)
    UNSCOPED_INFO("line " << l);
  CHECK(!r.lines.empty());
}

TEST_CASE("output within the coalescing window is evaluated when it closes",
          "[engine][monitor]") {
  agent_monitor m{builtin("generic"), {80, 24}, 2000};
  m.feed("starting\r\n", 1000);
  // Within 2 ms of the last evaluation: rendered, not yet evaluated.
  CHECK(m.feed("STATUS: DONE -- built it + 3 passed\r\n", 1500).empty());
  CHECK(m.next_deadline() == 3000);
  std::vector<std::string> lines;
  for (auto& o : m.tick(3000))
    if (o.what == observation::kind::protocol)
      lines.push_back(o.message.message.line);
  for (auto& o : m.exited(4000, "exit status 0"))
    if (o.what == observation::kind::protocol)
      lines.push_back(o.message.message.line);
  CHECK(lines
        == std::vector<std::string>{"STATUS: DONE -- built it + 3 passed"});
  // Without a window every feed is evaluated at once.
  agent_monitor eager{builtin("generic"), {80, 24}, 0};
  eager.feed("a\r\n", 1);
  eager.feed("b\r\n", 2);
  // No coalescing deadline; only the start-up one (the screen matches no
  // rule yet: startup_quiet_ms after it last changed).
  CHECK(eager.next_deadline() == 2 + 5'000'000);
}

TEST_CASE("the monitor's screen follows a resize", "[engine][monitor]") {
  agent_monitor m{builtin("generic"), {80, 24}, 0};
  m.feed("hello\r\n", 1);
  m.resize(100, 40);
  auto view = m.screen().view();
  CHECK(view.cols == 100);
  CHECK(view.rows == 40);
  CHECK(view.lines.size() == 40);
}

namespace {

/// A CLI that shows `working...` while it works, `✻ Done` when a turn
/// ended, and `> ` at its prompt.
std::shared_ptr<const detect::pack> turns_pack() {
  auto p = detect::parse_pack(R"(
name = "turns"
version = "1"
input_ready = ["idle", "done"]

[[rule]]
name = "working"
state = "working"
region = "last_line"
pattern = '^working\.\.\.'

[[rule]]
name = "turn done"
state = "done"
region = "last_line"
pattern = '^✻ Done'

[[rule]]
name = "prompt"
state = "idle"
region = "last_line"
pattern = '^>'
)",
                              "turns");
  REQUIRE(p.ok());
  return std::make_shared<const detect::pack>(std::move(*p));
}

/// The screen redrawn from its top-left corner with `rows` (no clear
/// sequence: a TUI's frame).
std::string frame(std::initializer_list<std::string_view> rows) {
  std::string out = "\x1b[H\x1b[J";
  bool first = true;
  for (auto r : rows) {
    out += first ? "" : "\r\n";
    out += r;
    first = false;
  }
  return out;
}

std::vector<std::string> changes(const std::vector<observation>& obs) {
  std::vector<std::string> out;
  for (auto& o : obs)
    if (o.what == observation::kind::state)
      out.push_back(std::string{detect::to_string(o.change.from)} + " -> "
                    + std::string{detect::to_string(o.change.to)});
  return out;
}

} // namespace

TEST_CASE("the last STATUS line of a turn decides how it ended",
          "[engine][monitor][turn]") {
  agent_monitor m{turns_pack(), {80, 12}, 0};
  m.feed(frame({"> "}), 1000);
  REQUIRE(m.state() == detect::state::idle);

  // BLOCKED: the CLI's end-of-turn screen says done, the agent is blocked.
  m.typed("\x1b[200~build it\x1b[201~\r");
  m.feed(frame({"> build it", "working..."}), 2000);
  CHECK(m.state() == detect::state::working);
  auto obs = m.feed(frame({"> build it",
                           "STATUS: BLOCKED — need a Makefile with an all "
                           "target",
                           "✻ Done"}),
                    3000);
  CHECK(changes(obs) == std::vector<std::string>{"working -> blocked"});
  REQUIRE(!obs.empty());
  CHECK(obs.front().change.evidence.rule == "turn done + STATUS line");
  CHECK(obs.front().change.evidence.matched
        == "STATUS: BLOCKED — need a Makefile with an all target");
  CHECK(m.state() == detect::state::blocked);
  // The CLI still takes input: its screen is at the end of a turn.
  CHECK(m.input_ready());
  // Redrawn the same, still blocked, nothing new.
  CHECK(m.feed(frame({"> build it",
                      "STATUS: BLOCKED — need a Makefile with an all target",
                      "✻ Done"}),
               4000)
          .empty());

  // ERROR: the next turn fails.
  m.typed("\x1b[200~try again\x1b[201~\r");
  m.feed(frame({"> try again", "working..."}), 5000);
  CHECK(m.state() == detect::state::working);
  m.feed(frame({"> try again",
                "STATUS: ERROR — make failed, tried twice, add a Makefile",
                "✻ Done"}),
         6000);
  CHECK(m.state() == detect::state::error);

  // DONE: the CLI's own end-of-turn state stands.
  m.typed("\x1b[200~once more\x1b[201~\r");
  m.feed(frame({"> once more", "working..."}), 7000);
  m.feed(frame({"> once more", "STATUS: DONE — built it + 3 passed", "✻ Done"}),
         8000);
  CHECK(m.state() == detect::state::done);

  // A CLI with no end-of-turn screen: back at its prompt after working.
  m.typed("\x1b[200~and again\x1b[201~\r");
  m.feed(frame({"> and again", "working..."}), 9000);
  m.feed(frame({"> and again", "STATUS: BLOCKED — need the API key", "> "}),
         10000);
  CHECK(m.state() == detect::state::blocked);

  // A new input: the last turn's status no longer decides. At the prompt
  // without having worked since, the agent is idle.
  m.typed("\x1b[200~hello\x1b[201~\r");
  m.feed(frame({"> "}), 11000);
  CHECK(m.state() == detect::state::idle);
}

TEST_CASE("a status that is not at the end of a turn does not decide",
          "[engine][monitor][turn]") {
  agent_monitor m{turns_pack(), {80, 12}, 0};
  m.feed(frame({"> "}), 1000);
  m.typed("\x1b[200~go\x1b[201~\r");
  // Written while working, and final once scrolled off: still working.
  std::string many;
  for (int i = 0; i < 14; ++i)
    many += "line " + std::to_string(i) + "\r\n";
  m.feed("\x1b[H\x1b[JSTATUS: BLOCKED — need x\r\n" + many + "working...",
         2000);
  CHECK(m.state() == detect::state::working);
  // The turn ends: the last STATUS of the turn decides.
  m.feed(frame({"✻ Done"}), 3000);
  CHECK(m.state() == detect::state::blocked);
}

TEST_CASE("a complete line from a line-oriented program is reported at once",
          "[engine][monitor][latency]") {
  // The generic pack: redraws_in_place = false. Nothing on screen is a
  // known state (starting), the line is above the cursor: reported now.
  agent_monitor m{builtin("generic"), {80, 24}, 0};
  auto obs = m.feed("working 1\r\nSTATUS: DONE — step 1 + t=5\r\n", 1000);
  std::vector<std::string> lines;
  for (auto& o : obs)
    if (o.what == observation::kind::protocol)
      lines.push_back(o.message.message.line);
  CHECK(lines == std::vector<std::string>{"STATUS: DONE — step 1 + t=5"});
  // A line the cursor is still on may be unfinished: it waits.
  CHECK(m.feed("STATUS: DONE — step 2", 2000).empty());
  obs = m.feed(" + t=9\r\n", 3000);
  REQUIRE(obs.size() == 1);
  CHECK(obs[0].message.message.line == "STATUS: DONE — step 2 + t=9");

  // A TUI (redraws_in_place = true) may still redraw the line: it waits for
  // the screen to settle.
  agent_monitor tui{turns_pack(), {80, 24}, 0};
  tui.feed(frame({"> "}), 1000);
  tui.typed("\x1b[200~go\x1b[201~\r");
  CHECK(tui.feed(frame({"STATUS: DONE — step 1 + t=5", "", "working..."}),
                 2000)
          .size()
        == 1); // the change to working, no line yet
}

TEST_CASE("a repainted transcript reports no line twice",
          "[engine][monitor][repaint]") {
  agent_monitor m{builtin("generic"), {60, 8}, 0};
  std::vector<std::string> lines;
  auto take = [&](const std::vector<observation>& obs) {
    for (auto& o : obs)
      if (o.what == observation::kind::protocol)
        lines.push_back(o.message.message.line);
  };
  std::string transcript = "PROGRESS: 1/2 — wrote it\r\n"
                           "STATUS: DONE — built it + 3 passed\r\n";
  take(m.feed(transcript, 1000));
  std::string filler;
  for (int i = 0; i < 20; ++i)
    filler += "output " + std::to_string(i) + "\r\n";
  take(m.feed(filler, 2000)); // the lines scroll away
  // Clear screen and scrollback, the clear cut between two reads, then the
  // whole transcript again.
  take(m.feed("\x1b[2", 3000));
  take(m.feed("J\x1b[3J\x1b[H" + transcript + filler, 3001));
  CHECK(lines
        == std::vector<std::string>{"PROGRESS: 1/2 — wrote it",
                                    "STATUS: DONE — built it + 3 passed"});
  // The same line written again after the repaint is a new occurrence.
  take(m.feed("STATUS: DONE — built it + 3 passed\r\n", 4000));
  CHECK(lines.size() == 3);
}
