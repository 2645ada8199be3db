// The packs shipped in packs/: they parse, and the sim pack reads the sim's
// screens right. Run from the repository root (ctest does).
#include "engine/detect/detector.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "engine/terminal/screen.hpp"

using baton::engine::screen;
using baton::engine::screen_options;
using namespace baton::engine::detect;

namespace {

constexpr uint64_t ms = 1000;

std::string read_pack(const std::string& name) {
  std::ifstream in{"packs/" + name + ".toml"};
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::shared_ptr<const pack> load(const std::string& name) {
  auto p = parse_pack(read_pack(name), name + ".toml");
  if (!p)
    FAIL(p.err().message());
  return std::make_shared<const pack>(std::move(*p));
}

std::string repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i)
    out += s;
  return out;
}

/// The sim's live region at 40 columns, drawn from the top of a cleared
/// screen below `transcript`.
std::string box(std::string_view input, std::string_view footer) {
  std::string pad(34 - input.size(), ' ');
  return "╭" + repeat("─", 38) + "╮\r\n│ > " + std::string{input} + pad
         + " │\r\n╰" + repeat("─", 38) + "╯\r\n" + std::string{footer};
}

std::string frame(std::string_view transcript, std::string_view live) {
  return "\x1b[H\x1b[2J" + std::string{transcript} + std::string{live};
}

} // namespace

TEST_CASE("every built-in pack parses", "[engine][detect][packs]") {
  for (auto name : {"generic", "sim", "claude", "codex", "gemini", "aider"}) {
    INFO(name);
    auto p = parse_pack(read_pack(name), std::string{name} + ".toml");
    if (!p)
      FAIL(p.err().message());
    CHECK(p->name == name);
    CHECK_FALSE(p->rules.empty());
    CHECK(p->accepts_input(state::idle));
  }
}

TEST_CASE("packs not derived from recordings are marked as drafts",
          "[engine][detect][packs]") {
  // claude, codex and gemini are derived from recordings
  // (real_cli_packs_test.cpp); aider is not yet.
  for (auto name : {"aider"}) {
    INFO(name);
    CHECK(read_pack(name).find("DRAFT: to be derived from recordings of the "
                               "real CLI")
          != std::string::npos);
  }
}

TEST_CASE("the sim pack follows the sim through a task",
          "[engine][detect][packs]") {
  screen_options opts;
  opts.cols = 40;
  opts.rows = 14;
  screen s{opts};
  detector d{load("sim")};
  auto at = [&](uint64_t t) { return d.evaluate(s.view(), t); };

  // Launched; nothing drawn yet.
  CHECK_FALSE(at(0));
  CHECK(d.state() == state::starting);

  // Idle: the prompt box and its footer, after the quiet period.
  s.feed("\x1b]0;sim: idle\x07" + frame("", box("", "  ? for shortcuts")));
  CHECK_FALSE(at(10 * ms));
  auto idle = at(10 * ms + d.pack().rules[2].quiet_us);
  REQUIRE(idle);
  CHECK(idle->to == state::idle);
  CHECK(d.input_ready());

  // Working: the spinner row over the box.
  s.feed("\x1b]0;sim: working…\x07"
         + frame("> fix the build\r\n\r\n",
                 "⠙ Working… (1s · ctrl+c to interrupt)\r\n\r\n"
                   + box("", "  ctrl+c to interrupt")));
  auto working = at(300 * ms);
  REQUIRE(working);
  CHECK(working->to == state::working);
  CHECK(working->evidence.rule == "spinner");
  CHECK(working->evidence.matched == "⠙ Working… (1s · ctrl+c to interrupt)");

  // The spinner turns in place: still working, nothing reported.
  s.feed("\x1b[3;1H\x1b[2K⠹ Working… (2s · ctrl+c to interrupt)");
  CHECK_FALSE(at(400 * ms));

  // A permission prompt replaces the prompt box.
  s.feed("\x1b]0;sim: waiting for approval\x07"
         + frame("> fix the build\r\n\r\n",
                 "╭" + repeat("─", 38) + "╮\r\n│ Bash command" + repeat(" ", 25)
                   + "│\r\n│ Allow Bash(rm -rf build)? [y/n]      │\r\n╰"
                   + repeat("─", 38) + "╯"));
  auto asking = at(500 * ms);
  REQUIRE(asking);
  CHECK(asking->to == state::waiting_approval);
  CHECK(asking->evidence.matched == "Allow Bash(rm -rf build)? [y/n]");

  // Done with the turn: back at the prompt once the screen settles.
  s.feed("\x1b]0;sim: idle\x07"
         + frame("● STATUS: DONE — fixed + 3 passed\r\n\r\n",
                 box("", "  ? for shortcuts")));
  CHECK_FALSE(at(600 * ms));
  CHECK(d.state() == state::waiting_approval);
  REQUIRE(d.next_deadline() == 750 * ms);
  auto back = at(d.next_deadline());
  REQUIRE(back);
  CHECK(back->to == state::idle);
}

TEST_CASE("the sim pack sees the compaction marker once",
          "[engine][detect][packs]") {
  screen s;
  detector d{load("sim")};
  s.feed("\x1b[2m✻ Conversation compacted · ctrl+r for history\x1b[0m\r\n");
  CHECK(d.compaction(s.view()));
  CHECK_FALSE(d.compaction(s.view()));
}

TEST_CASE("the generic pack recognises a question and a shell prompt",
          "[engine][detect][packs]") {
  screen s;
  detector d{load("generic")};
  s.feed("Overwrite config? [y/N] ");
  auto q = d.evaluate(s.view(), 0);
  REQUIRE(q);
  CHECK(q->to == state::waiting_approval);
  s.feed("y\r\n$ ");
  CHECK_FALSE(d.evaluate(s.view(), 10 * ms));
  auto idle = d.evaluate(s.view(), 310 * ms);
  REQUIRE(idle);
  CHECK(idle->to == state::idle);
  s.feed("make\r\nbuilding 45%");
  auto work = d.evaluate(s.view(), 400 * ms);
  REQUIRE(work);
  CHECK(work->to == state::working);
}
