#include "engine/protocol/tracker.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "engine/terminal/screen.hpp"

using baton::engine::line_history;
using baton::engine::screen;
using baton::engine::screen_options;
using namespace baton::engine::protocol;

namespace {

/// A history whose lines start at `first`; lines below `final_end` are
/// final.
line_history lines_at(uint64_t first, uint64_t final_end,
                      std::vector<std::string> lines) {
  line_history h;
  h.first = first;
  h.final_end = final_end;
  h.retained_begin = 0;
  h.lines = std::move(lines);
  return h;
}

std::vector<occurrence> observe(tracker& t, screen& s, bool settled = true) {
  return t.observe(s.history(t.scan_from()), settled);
}

screen_options small(uint16_t cols = 60, uint16_t rows = 6) {
  screen_options opts;
  opts.cols = cols;
  opts.rows = rows;
  return opts;
}

} // namespace

TEST_CASE("a protocol line is reported once however often it is seen",
          "[engine][protocol][tracker]") {
  tracker t;
  auto h = lines_at(0, 0, {"● STATUS: DONE — x + y", "", "╭──╮"});
  auto first = t.observe(h, true);
  REQUIRE(first.size() == 1);
  CHECK(first[0].index == 0);
  CHECK_FALSE(first[0].final);
  CHECK(first[0].message.what == "x");
  for (int i = 0; i < 5; ++i)
    CHECK(t.observe(h, true).empty());
}

TEST_CASE("visible lines wait until the screen has settled",
          "[engine][protocol][tracker]") {
  tracker t;
  auto h = lines_at(0, 0, {"PROGRESS: 1/3 — read the code", "⠋ Working…"});
  CHECK(t.observe(h, false).empty());
  CHECK(t.observe(h, false).empty());
  auto later = t.observe(h, true);
  REQUIRE(later.size() == 1);
  CHECK(later[0].message.done == 1u);
}

TEST_CASE("a PROGRESS or BUILD line that stands unchanged while the agent "
          "works counts, a STATUS still waits",
          "[engine][protocol][tracker]") {
  tracker t; // progress_stable_us: 2 s
  auto h = lines_at(0, 0,
                    {"PROGRESS: 1/3 — read the code", "BUILD: FAIL — e1",
                     "STATUS: DONE — x + 3 passed", "⠋ Working…"});
  CHECK(t.observe(h, false, 1'000'000).empty());
  CHECK(t.next_due() == 3'000'000);
  CHECK(t.observe(h, false, 2'999'999).empty());
  auto got = t.observe(h, false, 3'000'000);
  REQUIRE(got.size() == 2);
  CHECK(got[0].message.kind == kind::progress);
  CHECK(got[1].message.kind == kind::build);
  CHECK(t.next_due() == 0);
  // The STATUS is reported when the screen settles, and the others not
  // again.
  auto rest = t.observe(h, true, 3'100'000);
  REQUIRE(rest.size() == 1);
  CHECK(rest[0].message.kind == kind::status);
}

TEST_CASE("a line still being written starts its wait again",
          "[engine][protocol][tracker]") {
  tracker t;
  CHECK(t.observe(lines_at(0, 0, {"PROGRESS: 2/3 — wrote the par", "⠋"}), false,
                  1'000'000)
          .empty());
  auto whole = lines_at(0, 0, {"PROGRESS: 2/3 — wrote the parser", "⠋"});
  CHECK(t.observe(whole, false, 2'500'000).empty()); // changed at 2.5 s
  CHECK(t.observe(whole, false, 4'000'000).empty());
  auto got = t.observe(whole, false, 4'500'000);
  REQUIRE(got.size() == 1);
  CHECK(got[0].message.text == "wrote the parser");
}

TEST_CASE("lines in scrollback are final and reported without settling",
          "[engine][protocol][tracker]") {
  tracker t;
  auto h = lines_at(0, 2, {"PROGRESS: 1/3 — a", "PROGRESS: 2/3 — b", "⠋"});
  auto got = t.observe(h, false);
  REQUIRE(got.size() == 2);
  CHECK(got[0].final);
  CHECK(got[1].index == 1);
  CHECK(t.scan_from() == 2);
}

TEST_CASE("a redraw in place is not a new occurrence",
          "[engine][protocol][tracker]") {
  screen s{small()};
  tracker t;
  s.feed("\xe2\x97\x8f BUILD: PASS\r\n\r\n\xe2\xa0\x8b Working (1s)");
  REQUIRE(observe(t, s).size() == 1);
  // The TUI erases and repaints the whole region, spinner changed.
  s.feed("\x1b[H\x1b[2J\xe2\x97\x8f BUILD: PASS\r\n\r\n\xe2\xa0\x99 Working "
         "(2s)");
  CHECK(observe(t, s).empty());
  // Mid-repaint, the line is briefly gone; it comes back.
  s.feed("\x1b[H\x1b[2J");
  CHECK(observe(t, s).empty());
  s.feed("\xe2\x97\x8f BUILD: PASS\r\n");
  CHECK(observe(t, s).empty());
}

TEST_CASE("a line moved by a redraw is the same occurrence",
          "[engine][protocol][tracker]") {
  tracker t;
  REQUIRE(t.observe(lines_at(0, 0, {"a", "b", "NEED: x — y", "c"}), true).size()
          == 1);
  // The layout above shrank: the line is now two rows higher.
  CHECK(t.observe(lines_at(0, 0, {"NEED: x — y", "c", "", ""}), true).empty());
}

TEST_CASE("the same line written twice is reported twice",
          "[engine][protocol][tracker]") {
  screen s{small(60, 4)};
  tracker t;
  s.feed("PROGRESS: 1/2 \xe2\x80\x94 same\r\n");
  REQUIRE(observe(t, s).size() == 1);
  // Both copies on screen at once.
  s.feed("PROGRESS: 1/2 \xe2\x80\x94 same\r\n");
  auto second = observe(t, s);
  REQUIRE(second.size() == 1);
  CHECK(second[0].index == 1);
  // And again after both scrolled away.
  s.feed("a\r\nb\r\nc\r\nd\r\ne\r\nPROGRESS: 1/2 \xe2\x80\x94 same\r\n");
  auto third = observe(t, s);
  REQUIRE(third.size() == 1);
  CHECK(third[0].index == 7);
  CHECK(observe(t, s).empty());
}

TEST_CASE("a line seen on screen and then in scrollback is reported once",
          "[engine][protocol][tracker]") {
  screen s{small(60, 3)};
  tracker t;
  s.feed("STATUS: BLOCKED \xe2\x80\x94 need the schema\r\n");
  REQUIRE(observe(t, s).size() == 1);
  s.feed("one\r\ntwo\r\nthree\r\nfour\r\n");
  CHECK(observe(t, s).empty());
  CHECK(t.scan_from() == s.scrollback_end());
  CHECK(t.remembered() == 0);
}

TEST_CASE("a line that grows while streamed is one occurrence",
          "[engine][protocol][tracker]") {
  tracker t;
  auto got = t.observe(lines_at(0, 0, {"STATUS: DONE — login form"}), true);
  REQUIRE(got.size() == 1);
  CHECK(
    t.observe(lines_at(0, 0, {"STATUS: DONE — login form + 3 passed"}), true)
      .empty());
}

TEST_CASE("the echo of typed text is never the agent's status",
          "[engine][protocol][tracker]") {
  tracker t;
  t.register_input("Implement the login form.\n"
                   "End with exactly one line:\n"
                   "STATUS: DONE — <what was accomplished> + <evidence>\n"
                   "or STATUS: BLOCKED — <what you need>");
  // Claude Code echoes the prompt with `> ` and wraps it itself.
  auto h
    = lines_at(0, 0,
               {"> Implement the login form.", "  End with exactly one line:",
                "  STATUS: DONE — <what was accomplished> +", "  <evidence>",
                "", "│ > STATUS: DONE — <what was accomp │", "",
                "⏺ STATUS: DONE — login form + 3 passed"});
  auto got = t.observe(h, true);
  REQUIRE(got.size() == 1);
  CHECK(got[0].message.what == "login form");
  CHECK(got[0].index == 7);
}

TEST_CASE("the echo of a typed line whose end a redraw overwrote is still "
          "the echo",
          "[engine][protocol][tracker]") {
  tracker t;
  t.register_input("End with STATUS: ERROR — <what failed>, <what you "
                   "tried>, <suggested fix> when it fails.\n");
  // Seen with Codex: a redraw left another row's tail over the echo.
  auto h = lines_at(0, 0, {"STATUS: ERROR — <what failed>, <what you "
                           "tried>, < line"});
  CHECK(t.observe(h, true).empty());
  // The agent's own ERROR line shares only the keyword with it.
  auto own = lines_at(0, 0, {"STATUS: ERROR — make failed, tried -j1, "
                             "fix the include"});
  CHECK(t.observe(own, true).size() == 1);
  // A prompt that spells out most of the line: the agent's line that
  // completes it is its own (no <...> field in what they share).
  tracker u;
  u.register_input("End with STATUS: DONE — created hello.txt + "
                   "<evidence>\n");
  auto done = lines_at(0, 0, {"STATUS: DONE — created hello.txt + 1 passed"});
  CHECK(u.observe(done, true).size() == 1);
}

TEST_CASE("trackers sharing a memo of typed rows filter echoes as each "
          "alone does, and the memo stays bounded",
          "[engine][protocol][tracker]") {
  std::string prompt = "Task t1\n\nEnd with exactly one of:\n"
                       "  STATUS: DONE -- <what> + <evidence>\n"
                       "  STATUS: ERROR -- <what failed>, <tried>, <fix>\n"
                       "Or write STATUS: BLOCKED -- <what you need> inline.";
  auto screen_lines = lines_at(
    0, 0,
    {"> Task t1", "  STATUS: DONE -- <what> + <evidence>",
     "  STATUS: ERROR -- <what failed>, <tried>, <fix>",
     "STATUS: BLOCKED -- <what you need> inline.",
     "STATUS: DONE -- t1 + 2 passed"});
  auto memo = std::make_shared<typed_memo>();
  tracker alone;
  tracker first{tracker_options{.memo = memo}};
  tracker second{tracker_options{.memo = memo}};
  alone.register_input(prompt);
  first.register_input(prompt);
  second.register_input(prompt); // read from the memo
  CHECK_FALSE(memo->rows.empty());
  auto expected = alone.observe(screen_lines, true);
  REQUIRE(expected.size() == 1);
  CHECK(expected[0].message.what == "t1");
  CHECK(first.observe(screen_lines, true) == expected);
  CHECK(second.observe(screen_lines, true) == expected);
  // Rows without a protocol line are remembered as such.
  auto rows = memo->rows.size();
  second.register_input("STATUS: nothing that parses");
  CHECK(memo->rows.size() == rows + 1);
  CHECK_FALSE(memo->rows.at("STATUS: nothing that parses").has_value());
  // Past its bound it starts again.
  for (size_t i = 0; i <= typed_memo::max_rows; ++i)
    second.register_input("NEED: r" + std::to_string(i) + " -- x");
  CHECK(memo->rows.size() <= typed_memo::max_rows);
}

TEST_CASE("a bare status is the agent's unless a typed line was just that",
          "[engine][protocol][tracker]") {
  tracker t;
  t.register_input("When done write STATUS: DONE — <what> + <evidence>\n"
                   "STATUS: DONE — <what> + <evidence>");
  CHECK(t.observe(lines_at(0, 0, {"STATUS: DONE"}), true).size() == 1);
  tracker u;
  u.register_input("STATUS: DONE");
  CHECK(u.observe(lines_at(0, 0, {"STATUS: DONE"}), true).empty());
}

TEST_CASE("after new input, a line at the same place again is new",
          "[engine][protocol][tracker]") {
  screen s{small(60, 5)};
  s.feed("\x1b[?1049h"); // a full-screen TUI
  tracker t;
  s.feed("\x1b[3;1HSTATUS: DONE \xe2\x80\x94 task one");
  REQUIRE(observe(t, s).size() == 1);
  t.register_input("next task");
  s.mark_input();
  s.feed("\x1b[2J\x1b[1;1Hworking...");
  CHECK(observe(t, s).empty());
  s.feed("\x1b[2J\x1b[3;1HSTATUS: DONE \xe2\x80\x94 task one");
  CHECK(observe(t, s).size() == 1);
}

TEST_CASE("without new input, a line that vanishes and returns is a redraw",
          "[engine][protocol][tracker]") {
  tracker t;
  auto with = lines_at(0, 0, {"x", "BUILD: FAIL — e1"});
  REQUIRE(t.observe(with, true).size() == 1);
  CHECK(t.observe(lines_at(0, 0, {"x", ""}), true).empty());
  CHECK(t.observe(with, true).empty());
}

TEST_CASE("a CONTRACT split between scrollback and screen is read whole",
          "[engine][protocol][tracker]") {
  screen s{small(60, 3)};
  tracker t;
  s.feed("\xe2\x97\x8f CONTRACT: todo API v1\r\n  GET /todos -> 200\r\n"
         "  POST /todos -> 201");
  // Not settled, the header still on screen: nothing yet.
  CHECK(observe(t, s, false).empty());
  s.feed("\r\n  DELETE /todos/1 -> 204\r\n\r\n\xe2\xa0\x8b");
  // The header scrolled off, the body is still being written.
  CHECK(observe(t, s, false).empty());
  CHECK(t.scan_from() == 0);
  s.feed("\r\nmore\r\nlines\r\n");
  auto got = observe(t, s, false);
  REQUIRE(got.size() == 1);
  CHECK(got[0].final);
  CHECK(got[0].message.body
        == std::vector<std::string>{"GET /todos -> 200", "POST /todos -> 201",
                                    "DELETE /todos/1 -> 204"});
  CHECK(observe(t, s, true).empty());
}

TEST_CASE("protocol text placed by cursor moves is read as rendered",
          "[engine][protocol][tracker]") {
  // The bytes never hold "STATUS: DONE" contiguously.
  screen s{small(60, 5)};
  tracker t;
  s.feed("\x1b[2;11HDONE\x1b[2;16H\xe2\x80\x94 ok + 2 passed"
         "\x1b[2;1H\xe2\x8f\xba\x1b[2;3HSTATUS:\x1b[5;1H");
  auto got = observe(t, s);
  REQUIRE(got.size() == 1);
  CHECK(got[0].message.status == status::done);
  CHECK(got[0].message.evidence.tests.passed == 2u);
}

TEST_CASE("a repaint after a clear redraws earlier occurrences, in order",
          "[engine][protocol][tracker][repaint]") {
  tracker t;
  auto first = t.observe(
    lines_at(0, 2, {"PROGRESS: 1/2 — a", "STATUS: DONE — x + 1 passed"}), true);
  REQUIRE(first.size() == 2);
  // Scrolled away, then the screen is cleared and the transcript drawn
  // again further down the history.
  CHECK(t.observe(lines_at(40, 40, {">"}), true).empty());
  t.screen_cleared();
  CHECK(t.observe(
           lines_at(40, 40,
                    {"PROGRESS: 1/2 — a", "STATUS: DONE — x + 1 passed", ">"}),
           true)
          .empty());
  // Redrawn where it now is: still nothing new.
  CHECK(t.observe(
           lines_at(40, 40,
                    {"PROGRESS: 1/2 — a", "STATUS: DONE — x + 1 passed", ">"}),
           true)
          .empty());
  // Written once more after the repaint: a new occurrence.
  auto again
    = t.observe(lines_at(40, 40,
                         {"PROGRESS: 1/2 — a", "STATUS: DONE — x + 1 passed",
                          "", "STATUS: DONE — x + 1 passed", ">"}),
                true);
  REQUIRE(again.size() == 1);
  CHECK(again[0].index == 43);
}

TEST_CASE("without a clear, the same line after it scrolled away is new",
          "[engine][protocol][tracker][repaint]") {
  tracker t;
  REQUIRE(
    t.observe(lines_at(0, 1, {"STATUS: DONE — x + 1 passed"}), true).size()
    == 1);
  CHECK(t.observe(lines_at(40, 40, {">"}), true).empty());
  CHECK(t.observe(lines_at(40, 40, {"STATUS: DONE — x + 1 passed", ">"}), true)
          .size()
        == 1);
  // A repaint ends at the next input: what follows answers it.
  t.screen_cleared();
  t.register_input("again");
  CHECK(t.observe(lines_at(80, 80, {"STATUS: DONE — x + 1 passed", ">"}), true)
          .size()
        == 1);
}

TEST_CASE("lines below complete_end are reported without settling",
          "[engine][protocol][tracker]") {
  tracker t;
  auto h = lines_at(0, 0, {"STATUS: DONE — x + 1 passed", "STATUS: DONE — y"});
  auto got = t.observe(h, false, 0, 1);
  REQUIRE(got.size() == 1);
  CHECK(got[0].message.what == "x");
  CHECK(t.observe(h, true).size() == 1);
}
