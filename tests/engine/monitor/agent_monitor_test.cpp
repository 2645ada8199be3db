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

using namespace baton;
using namespace baton::engine;

namespace {

std::shared_ptr<const detect::pack> builtin(std::string_view name) {
  for (auto& [n, text] : packs::builtin)
    if (n == name) {
      auto p = detect::parse_pack(text, "builtin:" + std::string{n});
      REQUIRE(p.ok());
      return std::make_shared<const detect::pack>(std::move(*p));
    }
  FAIL("no built-in pack " << name);
  return nullptr;
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
  CHECK(eager.next_deadline() == 0);
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
