#include "engine/detect/detector.hpp"

#include <catch2/catch.hpp>

#include <memory>

using baton::engine::screen_view;
using namespace baton::engine::detect;

namespace {

constexpr uint64_t ms = 1000; // logical microseconds per millisecond

std::shared_ptr<const pack> make_pack(const std::string& text) {
  auto p = parse_pack(text, "test.toml");
  if (!p)
    FAIL(p.err().message());
  return std::make_shared<const pack>(std::move(*p));
}

const std::string rules = R"(
name = "test"
version = 1
compaction_marker = 'Conversation compacted'

[[rule]]
name = "approval"
state = "waiting_approval"
region = "bottom:2"
pattern = 'Allow \w+\? \[y/n\]'

[[rule]]
name = "idle"
state = "idle"
quiet_ms = 200
all = [ { region = "last_line", pattern = '^> ' },
        { not = { pattern = 'Working' } } ]

[[rule]]
name = "spinner"
state = "working"
pattern = 'Working…'
)";

screen_view view(std::vector<std::string> rows, uint64_t generation) {
  screen_view v;
  v.cols = 40;
  v.rows = static_cast<uint16_t>(rows.size());
  v.lines = std::move(rows);
  v.generation = generation;
  return v;
}

} // namespace

TEST_CASE("the detector starts in starting and stays there until a rule "
          "holds",
          "[engine][detect][detector]") {
  detector d{make_pack(rules)};
  CHECK(d.state() == state::starting);
  CHECK_FALSE(d.evaluate(view({"booting"}, 1), 0));
  CHECK(d.state() == state::starting);
}

TEST_CASE("the first rule that holds decides, with its evidence",
          "[engine][detect][detector]") {
  detector d{make_pack(rules)};
  auto c = d.evaluate(view({"⠋ Working… (1s)", "Allow Bash? [y/n]"}, 1), 10);
  REQUIRE(c);
  CHECK(c->from == state::starting);
  CHECK(c->to == state::waiting_approval);
  CHECK(c->at == 10);
  CHECK(c->evidence.rule == "approval");
  CHECK(c->evidence.region == "bottom:2");
  CHECK(c->evidence.matched == "Allow Bash? [y/n]");
  CHECK(d.evidence() == c->evidence);
}

TEST_CASE("a screen no rule explains is unknown, not a guess",
          "[engine][detect][detector]") {
  detector d{make_pack(rules)};
  REQUIRE(d.evaluate(view({"⠋ Working…"}, 1), 0));
  auto other = view({"something else entirely"}, 2);
  // Perhaps a frame in the middle of a redraw: wait and see.
  CHECK_FALSE(d.evaluate(other, 5 * ms));
  CHECK(d.state() == state::working);
  CHECK(d.next_deadline() == 105 * ms);
  auto c = d.evaluate(other, 105 * ms);
  REQUIRE(c);
  CHECK(c->to == state::unknown);
  CHECK(c->evidence.rule.empty());
}

TEST_CASE("a frame caught mid-redraw does not flap to unknown",
          "[engine][detect][detector]") {
  detector d{make_pack(rules)};
  REQUIRE(d.evaluate(view({"⠋ Working…"}, 1), 0));
  CHECK_FALSE(d.evaluate(view({""}, 2), 10 * ms)); // erased
  CHECK_FALSE(d.evaluate(view({"⠙ Working…"}, 3), 11 * ms));
  CHECK(d.state() == state::working);
  CHECK(d.next_deadline() == 0);
}

TEST_CASE("an unchanged state is not reported again",
          "[engine][detect][detector]") {
  detector d{make_pack(rules)};
  REQUIRE(d.evaluate(view({"⠋ Working… (1s)"}, 1), 0));
  CHECK_FALSE(d.evaluate(view({"⠙ Working… (2s)"}, 2), 100 * ms));
  CHECK(d.state() == state::working);
}

TEST_CASE("a quiet period holds a state back until the screen settles",
          "[engine][detect][detector]") {
  detector d{make_pack(rules)};
  REQUIRE(d.evaluate(view({"⠋ Working…", ""}, 1), 0));
  auto idle = view({"done.", "> "}, 2);
  // The prompt is up, but the screen only just changed: still working.
  CHECK_FALSE(d.evaluate(idle, 1000 * ms));
  CHECK(d.state() == state::working);
  CHECK(d.next_deadline() == 1200 * ms);
  CHECK_FALSE(d.evaluate(idle, 1199 * ms));
  auto c = d.evaluate(idle, 1200 * ms);
  REQUIRE(c);
  CHECK(c->to == state::idle);
  CHECK(c->evidence.rule == "idle");
  CHECK(c->evidence.matched == "> ");
  CHECK(c->evidence.region == "last_line");
  CHECK(d.next_deadline() == 0);
}

TEST_CASE("a change during the quiet period restarts it",
          "[engine][detect][detector]") {
  detector d{make_pack(rules)};
  REQUIRE(d.evaluate(view({"⠋ Working…"}, 1), 0));
  CHECK_FALSE(d.evaluate(view({"> a"}, 2), 100 * ms));
  CHECK_FALSE(d.evaluate(view({"> ab"}, 3), 250 * ms)); // the user typed
  CHECK(d.next_deadline() == 450 * ms);
  CHECK_FALSE(d.evaluate(view({"> ab"}, 3), 300 * ms));
  CHECK(d.evaluate(view({"> ab"}, 3), 450 * ms));
}

TEST_CASE("while one rule waits for quiet, a later rule may decide",
          "[engine][detect][detector]") {
  auto p = make_pack(R"(
name = "g"
version = 1
[[rule]]
name = "quiet"
state = "idle"
quiet_ms = 2000
pattern = '[\s\S]'
[[rule]]
name = "moving"
state = "working"
pattern = '[\s\S]'
)");
  detector d{p};
  auto c = d.evaluate(view({"output"}, 1), 0);
  REQUIRE(c);
  CHECK(c->to == state::working);
  CHECK(d.next_deadline() == 2000 * ms);
  CHECK_FALSE(d.evaluate(view({"more output"}, 2), 1500 * ms));
  CHECK(d.next_deadline() == 3500 * ms);
  auto idle = d.evaluate(view({"more output"}, 2), 3500 * ms);
  REQUIRE(idle);
  CHECK(idle->to == state::idle);
}

TEST_CASE("explain gives every rule's verdict", "[engine][detect][detector]") {
  detector d{make_pack(rules)};
  auto v = view({"⠋ Working…", "> "}, 7);
  auto verdicts = d.explain(v, 0);
  REQUIRE(verdicts.size() == 3);
  CHECK(verdicts[0].rule == "approval");
  CHECK_FALSE(verdicts[0].holds);
  CHECK_FALSE(verdicts[1].holds); // not(Working) fails
  CHECK(verdicts[1].detail
        == "all(last_line ~ /^> / yes '> ', not(screen ~ /Working/ yes "
           "'Working'))");
  CHECK(verdicts[2].holds);
  CHECK(verdicts[2].decides);
  CHECK(verdicts[2].evidence.matched == "Working…");
  CHECK(to_string(verdicts[2])
        == "rule 'spinner' (working): holds, decides: screen ~ /Working…/ "
           "yes 'Working…'");
  CHECK(d.state() == state::starting); // explain changes nothing
}

TEST_CASE("explain shows a rule still waiting for quiet",
          "[engine][detect][detector]") {
  detector d{make_pack(rules)};
  auto v = view({"x", "> "}, 3);
  REQUIRE_FALSE(d.evaluate(v, 1000 * ms));
  auto verdicts = d.explain(v, 1050 * ms);
  CHECK(verdicts[1].holds);
  CHECK(verdicts[1].quiet_remaining == 150 * ms);
  CHECK_FALSE(verdicts[1].decides);
  CHECK(to_string(verdicts[1]).find("quiet for 150 ms more")
        != std::string::npos);
}

TEST_CASE("a process exit is final", "[engine][detect][detector]") {
  detector d{make_pack(rules)};
  REQUIRE(d.evaluate(view({"⠋ Working…"}, 1), 0));
  auto c = d.process_exited(50, "exit status 1");
  REQUIRE(c);
  CHECK(c->from == state::working);
  CHECK(c->to == state::exited);
  CHECK(c->evidence.rule == "process exit");
  CHECK(c->evidence.matched == "exit status 1");
  CHECK_FALSE(d.evaluate(view({"Allow Bash? [y/n]"}, 2), 60));
  CHECK(d.state() == state::exited);
  CHECK_FALSE(d.process_exited(70, "again"));
}

TEST_CASE("input readiness follows the pack", "[engine][detect][detector]") {
  detector d{make_pack(rules)};
  REQUIRE(d.evaluate(view({"> "}, 1), 0) == std::nullopt);
  CHECK_FALSE(d.input_ready()); // still starting: the quiet period runs
  REQUIRE(d.evaluate(view({"> "}, 1), 200 * ms));
  CHECK(d.input_ready());
}

TEST_CASE("each compaction marker is reported once",
          "[engine][detect][detector]") {
  detector d{make_pack(rules)};
  auto v = view({"a", "✻ Conversation compacted · ctrl+r", "b"}, 1);
  auto first = d.compaction(v);
  REQUIRE(first);
  CHECK(first->matched == "Conversation compacted");
  CHECK_FALSE(d.compaction(v));
  v.scrollback_since_input = {"✻ Conversation compacted"};
  CHECK(d.compaction(v)); // a second one
  CHECK_FALSE(d.compaction(view({"clean"}, 2)));
  CHECK(d.compaction(v));
}

TEST_CASE("a start-up screen no rule knows is reported as unknown with its "
          "text once it stays",
          "[engine][detect][detector][startup]") {
  // The pack's default startup_quiet_ms: 5 s of an unchanged screen.
  detector d{make_pack(rules)};
  auto trust = view({"Do you trust the files in this folder?",
                     "1. Yes, proceed", "2. No, exit"},
                    1);
  CHECK_FALSE(d.evaluate(trust, 0));
  CHECK(d.next_deadline() == 5000 * ms);
  CHECK_FALSE(d.evaluate(trust, 4999 * ms));
  auto c = d.evaluate(trust, 5000 * ms);
  REQUIRE(c);
  CHECK(c->from == state::starting);
  CHECK(c->to == state::unknown);
  CHECK(c->evidence.rule == "unrecognised screen");
  CHECK(c->evidence.region == "screen");
  CHECK(c->evidence.matched
        == "Do you trust the files in this folder?\n1. Yes, proceed\n2. No, "
           "exit");
  // Once the CLI reaches a screen the pack knows, it says so.
  auto prompt = view({"", "> "}, 2);
  CHECK_FALSE(d.evaluate(prompt, 6000 * ms)); // its quiet period first
  auto ready = d.evaluate(prompt, 6200 * ms);
  REQUIRE(ready);
  CHECK(ready->to == state::idle);

  // A screen that keeps changing (a splash animation) is not judged yet.
  detector busy{make_pack(rules)};
  for (uint64_t g = 1; g <= 10; ++g)
    CHECK_FALSE(
      busy.evaluate(view({"loading " + std::to_string(g)}, g), g * 1000 * ms));
  CHECK(busy.state() == state::starting);

  // startup_quiet_ms = 0: starting until a rule holds, however long.
  auto never = make_pack(R"(
name = "never"
version = 1
startup_quiet_ms = 0
[[rule]]
name = "idle"
state = "idle"
pattern = '^> '
)");
  detector p{never};
  CHECK_FALSE(p.evaluate(trust, 0));
  CHECK(p.next_deadline() == 0);
  CHECK_FALSE(p.evaluate(trust, 3'600'000 * ms));
  CHECK(p.state() == state::starting);
}
