#include "engine/terminal/screen.hpp"

#include <catch2/catch.hpp>

#include <string>

using baton::engine::cursor_position;
using baton::engine::screen;
using baton::engine::screen_options;

namespace {

screen_options small(uint16_t cols = 10, uint16_t rows = 4) {
  screen_options opts;
  opts.cols = cols;
  opts.rows = rows;
  return opts;
}

/// Everything observable about a screen, for whole-state comparisons.
std::string state_of(screen& s) {
  std::string out = "title=" + s.title() + "\n";
  for (auto& l : s.scrollback())
    out += "sb|" + l + "\n";
  for (auto& l : s.lines())
    out += "row|" + l + "\n";
  for (int r = 0; r < s.rows(); ++r)
    out += s.wrapped(r) ? "w" : "-";
  auto c = s.cursor();
  out += "\ncursor=" + std::to_string(c.row) + "," + std::to_string(c.col);
  out += s.alt_screen() ? " alt" : " primary";
  out += "\nreplies=" + s.take_replies();
  return out;
}

} // namespace

TEST_CASE("text renders on rows with trailing blanks trimmed",
          "[engine][screen]") {
  screen s{small()};
  s.feed("hello\r\n  world  \r\n");
  CHECK(s.row_text(0) == "hello");
  CHECK(s.row_text(1) == "  world");
  CHECK(s.row_text(2).empty());
  CHECK(s.lines().size() == 4);
  CHECK(s.cursor() == cursor_position{2, 0});
}

TEST_CASE("the default size is 120 columns by 30 rows", "[engine][screen]") {
  screen s;
  CHECK(s.cols() == 120);
  CHECK(s.rows() == 30);
  CHECK(s.lines().size() == 30);
}

TEST_CASE("a spinner rewritten in place shows only its last frame",
          "[engine][screen]") {
  screen s{small(20)};
  s.feed("\xe2\xa0\x8b Working\xe2\x80\xa6 (1s)");
  s.feed("\r\x1b[K\xe2\xa0\x99 Working\xe2\x80\xa6 (2s)");
  CHECK(s.row_text(0) == "\xe2\xa0\x99 Working\xe2\x80\xa6 (2s)");
}

TEST_CASE("text placed by cursor movement reads as a person sees it",
          "[engine][screen]") {
  // Claude Code's renderer moves the cursor instead of writing spaces.
  screen s{small(30)};
  s.feed("STATUS:\x1b[1;9HDONE\x1b[1;14H\xe2\x80\x94 ok");
  CHECK(s.row_text(0) == "STATUS: DONE \xe2\x80\x94 ok");
}

TEST_CASE("wide characters occupy two cells but render once",
          "[engine][screen]") {
  screen s{small()};
  s.feed("\xe6\x97\xa5\xe6\x9c\xac!");
  CHECK(s.row_text(0) == "\xe6\x97\xa5\xe6\x9c\xac!");
  CHECK(s.cursor() == cursor_position{0, 5});
}

TEST_CASE("the same bytes cut anywhere give the same screen",
          "[engine][screen]") {
  std::string bytes = "\x1b]0;first\x07line one\r\nline two is long enough "
                      "to wrap\r\n\x1b[31mred\x1b[0m \xe2\x9c\xa6 star\r\n"
                      "\x1b]2;t\xc3\xa9tle\x1b\\\x1b[6n\x1b[c\x1b]11;?\x07"
                      "\x1b[2;3Hxy\x1b[?1049halt\x1b[?1049lback\r\nend\r\n";
  screen whole{small(12, 3)};
  whole.feed(bytes);
  auto expected = state_of(whole);
  CHECK(whole.title() == "t\xc3\xa9tle");
  for (size_t cut = 1; cut < bytes.size(); ++cut) {
    screen s{small(12, 3)};
    s.feed(bytes.substr(0, cut));
    s.feed(bytes.substr(cut));
    INFO("cut at " << cut);
    REQUIRE(state_of(s) == expected);
  }
  screen bytewise{small(12, 3)};
  for (char c : bytes)
    bytewise.feed(std::string_view{&c, 1});
  CHECK(state_of(bytewise) == expected);
}

TEST_CASE("OSC 0 and OSC 2 set the window title, even split across reads",
          "[engine][screen]") {
  screen s{small()};
  CHECK(s.title().empty());
  s.feed("\x1b]0;claude \xe2\x9c\xb3\x07");
  CHECK(s.title() == "claude \xe2\x9c\xb3");
  s.feed("\x1b]2;wor");
  s.feed("king\x1b");
  s.feed("\\");
  CHECK(s.title() == "working");
  CHECK(s.row_text(0).empty()); // the title is not text on the screen
}

TEST_CASE("the alternate screen is flagged and leaves the primary intact",
          "[engine][screen]") {
  screen s{small(10, 3)};
  s.feed("primary\r\n");
  s.feed("\x1b[?1049h");
  CHECK(s.alt_screen());
  s.feed("a1\r\na2\r\na3\r\na4\r\na5");
  CHECK(s.row_text(2) == "a5");
  CHECK(s.scrollback().empty()); // the alternate screen has no scrollback
  s.feed("\x1b[?1049l");
  CHECK_FALSE(s.alt_screen());
  CHECK(s.row_text(0) == "primary");
}

TEST_CASE("every way of asking for the alternate screen shows it",
          "[engine][screen]") {
  // Its cells are allocated when first asked for: each spelling libvterm
  // 0.1.4 honours (it reads the first mode of a list, and not 47), and a
  // request cut across reads, must still reach it.
  for (std::string ask : {"\x1b[?1049h", "\x1b[?1047h", "\x1b[?1049;25h"}) {
    INFO(ask.substr(1));
    for (size_t cut = 0; cut <= ask.size(); ++cut) {
      screen s{small(10, 3)};
      s.feed("primary\r\n\x1b[41m");
      s.feed(ask.substr(0, cut));
      s.feed(ask.substr(cut) + "\x1b[Halt");
      CHECK(s.alt_screen());
      CHECK(s.row_text(0) == "alt");
      s.feed("\x1b[?1049l\x1b[?47l");
      CHECK_FALSE(s.alt_screen());
      CHECK(s.row_text(0) == "primary");
    }
  }
  // Modes next to it, or numbers that only contain it, do not.
  for (std::string other : {"\x1b[?25h", "\x1b[?10490h", "\x1b[?1049l",
                            "\x1b[1049h", "\x1b[?4h"}) {
    screen s{small(10, 3)};
    s.feed("primary\r\n" + other);
    CHECK_FALSE(s.alt_screen());
  }
}

TEST_CASE("a screen entered late shows what one entered early shows",
          "[engine][screen]") {
  // The same bytes on two screens, one of which entered the alternate
  // screen once before: the second entry must look the same as the first.
  std::string app = "\x1b[1;31mred\x1b[44m\x1b[?1049hfull\r\nscreen";
  screen late{small(12, 3)};
  late.feed("before\r\n" + app);
  screen early{small(12, 3)};
  early.feed("\x1b[?1049h\x1b[?1049lbefore\r\n" + app);
  CHECK(late.ansi() == early.ansi());
  CHECK(state_of(late) == state_of(early));
}

TEST_CASE("lines that scroll off are kept in scrollback", "[engine][screen]") {
  screen s{small(10, 3)};
  s.feed("one\r\ntwo\r\nthree\r\nfour\r\nfive");
  REQUIRE(s.scrollback().size() == 2);
  CHECK(s.scrollback()[0] == "one");
  CHECK(s.scrollback()[1] == "two");
  CHECK(s.scrollback_end() == 2);
  CHECK(s.row_text(0) == "three");
}

TEST_CASE("soft-wrapped rows are joined into one logical line",
          "[engine][screen]") {
  screen s{small(5, 3)};
  s.feed("abcdefghijkl\r\nx\r\ny\r\nz");
  CHECK(s.row_text(0) == "x");
  REQUIRE(s.scrollback().size() == 1);
  CHECK(s.scrollback()[0] == "abcdefghijkl");
}

TEST_CASE("a wrapped line keeps a space that fell at the row end",
          "[engine][screen]") {
  screen s{small(5, 2)};
  s.feed("abcd efgh\r\n\r\n\r\n");
  REQUIRE(!s.scrollback().empty());
  CHECK(s.scrollback()[0] == "abcd efgh");
}

TEST_CASE("a full row ended by CR LF is not joined with the next",
          "[engine][screen]") {
  screen s{small(5, 2)};
  s.feed("abcde\r\nfg\r\n\r\n\r\n");
  REQUIRE(s.scrollback().size() >= 2);
  CHECK(s.scrollback()[0] == "abcde");
  CHECK(s.scrollback()[1] == "fg");
}

TEST_CASE("a full-width box border is not joined with the next row",
          "[engine][screen]") {
  screen s{small(6, 2)};
  // Drawn the way TUIs draw: text, then an explicit cursor move.
  s.feed("\xe2\x95\xad\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80"
         "\xe2\x95\xae\x1b[2;1HSTATUS\r\n\r\n\r\n");
  REQUIRE(s.scrollback().size() >= 2);
  CHECK(s.scrollback()[1] == "STATUS");
}

TEST_CASE("history numbers logical lines stably while they scroll",
          "[engine][screen]") {
  screen s{small(10, 3)};
  s.feed("zero\r\none\r\ntwo");
  auto h1 = s.history(0);
  CHECK(h1.first == 0);
  CHECK(h1.final_end == 0);
  REQUIRE(h1.lines.size() == 3);
  CHECK(h1.lines[1] == "one");
  s.feed("\r\nthree\r\nfour");
  auto h2 = s.history(0);
  CHECK(h2.final_end == 2);
  REQUIRE(h2.lines.size() == 5);
  CHECK(h2.lines[1] == "one"); // still index 1
  CHECK(h2.lines[4] == "four");
  auto h3 = s.history(2);
  CHECK(h3.first == 2);
  CHECK(h3.lines.front() == "two");
}

TEST_CASE("a soft-wrapped line half scrolled off is one history line",
          "[engine][screen]") {
  screen s{small(4, 2)};
  s.feed("abcdefg");
  // "abcd" scrolled off but continues on row 0.
  CHECK(s.scrollback().empty());
  auto h = s.history(0);
  CHECK(h.final_end == 0);
  REQUIRE(h.lines.size() >= 1);
  CHECK(h.lines[0] == "abcdefg");
  s.feed("\r\nx\r\ny");
  REQUIRE(s.scrollback().size() >= 1);
  CHECK(s.scrollback()[0] == "abcdefg");
}

TEST_CASE("scrollback keeps only the last N lines", "[engine][screen]") {
  auto opts = small(10, 2);
  opts.scrollback_lines = 5;
  screen s{opts};
  for (int i = 0; i < 50; ++i)
    s.feed("line " + std::to_string(i) + "\r\n");
  REQUIRE(s.scrollback().size() == 5);
  CHECK(s.scrollback().back() == "line 48");
  CHECK(s.scrollback_end() == 49);
  auto h = s.history(0);
  CHECK(h.retained_begin == 44);
  CHECK(h.first == 44);
}

TEST_CASE("a huge line without a newline costs bounded memory",
          "[engine][screen]") {
  auto opts = small(100, 5);
  opts.max_line_bytes = 1000;
  opts.scrollback_lines = 50;
  screen s{opts};
  s.feed(std::string(1'000'000, 'x'));
  CHECK(s.scrollback().size() == 50);
  for (auto& l : s.scrollback())
    CHECK(l.size() <= 1000);
  CHECK(s.raw().size() == opts.raw_window_bytes);
}

TEST_CASE("the generation changes exactly when the screen changes",
          "[engine][screen]") {
  screen s{small()};
  auto g0 = s.generation();
  s.feed("");
  CHECK(s.generation() == g0);
  s.feed("a");
  auto g1 = s.generation();
  CHECK(g1 == g0 + 1);
  s.feed("\x1b[?25l"); // hiding the cursor changes nothing we show
  s.feed("\x1b[0m");   // nor does a pen change
  CHECK(s.generation() == g1);
  s.feed("\x1b]2;x\x07");
  CHECK(s.generation() == g1 + 1);
  s.resize(12, 4);
  CHECK(s.generation() == g1 + 2);
}

TEST_CASE("terminal queries get a real terminal's answers in the outbox",
          "[engine][screen]") {
  screen s{small(20, 5)};
  s.feed("\x1b[c");
  CHECK(s.take_replies() == "\x1b[?1;2c");
  s.feed("\x1b[3;7H\x1b[6n");
  CHECK(s.take_replies() == "\x1b[3;7R");
  s.feed("\x1b[>0q");
  CHECK(s.take_replies() == "\x1bP>|baton(libvterm 0.1.4)\x1b\\");
  s.feed("\x1b]10;?\x07\x1b]11;?\x1b\\");
  CHECK(s.take_replies()
        == "\x1b]10;rgb:f0f0/f0f0/f0f0\x1b\\\x1b]11;rgb:0000/0000/0000\x1b\\");
  s.feed("\x1b[18t");
  CHECK(s.take_replies() == "\x1b[8;5;20t");
  CHECK(s.take_replies().empty()); // drained
}

TEST_CASE("the kitty keyboard query is deliberately left unanswered",
          "[engine][screen]") {
  screen s{small()};
  s.feed("\x1b[?u\x1b[c");
  // Only DA1 answers, which tells the CLI there is no kitty protocol.
  CHECK(s.take_replies() == "\x1b[?1;2c");
}

TEST_CASE("the reply outbox is bounded", "[engine][screen]") {
  auto opts = small();
  opts.outbox_limit = 70;
  screen s{opts};
  std::string many;
  for (int i = 0; i < 100; ++i)
    many += "\x1b[c";
  s.feed(many);
  CHECK(s.take_replies().size() == 70);
  CHECK(s.replies_dropped() == 100 * 7 - 70);
}

TEST_CASE("invalid UTF-8 shows as replacement characters", "[engine][screen]") {
  screen s{small()};
  s.feed("a\xff"
         "b\xc3(c");
  auto row = s.row_text(0);
  CHECK(row.find("\xef\xbf\xbd") != std::string::npos);
  CHECK(row.front() == 'a');
  CHECK(row.find('c') != std::string::npos);
}

TEST_CASE("garbage bytes never crash the screen", "[engine][screen]") {
  screen s{small(40, 10)};
  std::string all;
  for (int round = 0; round < 64; ++round)
    for (int b = 0; b < 256; ++b)
      all.push_back(static_cast<char>((b * 131 + round * 17) & 0xff));
  s.feed(all);
  s.feed("\x1b[0m\x1b[?1049l\x1b"
         "c\r\nalive");
  CHECK(s.lines().size() == 10);
  bool found = false;
  for (auto& l : s.lines())
    found = found || l.find("alive") != std::string::npos;
  CHECK(found);
}

TEST_CASE("a CSI with too many parameters is dropped, not fed to libvterm",
          "[engine][screen]") {
  // libvterm 0.1.4 writes past its argument array on these.
  screen s{small()};
  std::string bomb = "\x1b[";
  for (int i = 0; i < 100; ++i)
    bomb += "1;";
  bomb += "mok";
  s.feed(bomb);
  CHECK(s.row_text(0) == "ok");
  CHECK(s.sequences_dropped() == 1);
}

TEST_CASE("escape-sequence bombs neither crash nor hang", "[engine][screen]") {
  screen s{small(40, 5)};
  // 1 MB of CSI introducers with huge parameters.
  std::string csi;
  while (csi.size() < 1'000'000)
    csi += "\x1b[99999999999999999999;99999999999";
  s.feed(csi);
  s.feed("m");
  // Huge counts: scroll, insert, repeat, cursor moves.
  s.feed("\x1b[1000000000S\x1b[1000000000@\x1b[1000000000b"
         "\x1b[1000000000;1000000000H\x1b[1000000000L");
  // Deeply nested OSC without terminator, then 1 MB of unterminated OSC.
  std::string nested;
  for (int i = 0; i < 100'000; ++i)
    nested += "\x1b]0;";
  s.feed(nested);
  s.feed("\x1b]2;" + std::string(1'000'000, 'x'));
  s.feed("\x07");
  // The screen still works afterwards.
  s.feed("\x1b]2;fine\x07\x1b[2J\x1b[Halive");
  CHECK(s.title() == "fine");
  CHECK(s.row_text(0) == "alive");
}

TEST_CASE("resize changes the size and keeps the content", "[engine][screen]") {
  screen s{small(10, 4)};
  s.feed("a\r\nb\r\nc\r\nd");
  s.resize(20, 2);
  CHECK(s.cols() == 20);
  CHECK(s.rows() == 2);
  CHECK(s.lines().size() == 2);
  CHECK(s.row_text(1) == "d");
  CHECK(s.scrollback().size() == 2);
  s.feed("\x1b[18t");
  CHECK(s.take_replies() == "\x1b[8;2;20t");
}

TEST_CASE("scrollback since input starts where input was marked",
          "[engine][screen]") {
  screen s{small(10, 2)};
  s.feed("old1\r\nold2\r\nold3\r\n");
  s.mark_input();
  // "old3" is still on screen; the cursor sits on the row below it.
  s.feed("new1\r\nnew2\r\nnew3");
  auto v = s.view();
  REQUIRE(v.scrollback_since_input.size() == 1);
  CHECK(v.scrollback_since_input[0] == "new1");
  CHECK(v.lines[0] == "new2");
  CHECK(v.lines[1] == "new3");
  CHECK(s.scrollback()[2] == "old3"); // scrolled off after the input
  CHECK(v.generation == s.generation());
}

TEST_CASE("the raw window keeps the last bytes exactly as written",
          "[engine][screen]") {
  auto opts = small();
  opts.raw_window_bytes = 8;
  screen s{opts};
  s.feed("\x1b[31mhello world");
  CHECK(s.raw().contents() == "lo world");
  CHECK(s.raw().total() == 16);
}

TEST_CASE("a screen's ansi() drawn on a fresh terminal gives the same screen",
          "[engine][screen]") {
  screen_options opts;
  opts.cols = 40;
  opts.rows = 6;
  screen a{opts};
  // Scrollback, colours (indexed, bright, 256, rgb), attributes, a
  // full-width row, a wide character, and the cursor left mid-screen.
  for (int i = 0; i < 10; ++i)
    a.feed("line " + std::to_string(i) + "\r\n");
  a.feed("\x1b[1;31mred bold\x1b[0m \x1b[92mbright\x1b[0m "
         "\x1b[38;5;200mx256\x1b[0m \x1b[48;2;10;20;30mrgb bg\x1b[0m\r\n");
  a.feed(std::string(40, '#'));
  a.feed("\r\n\x1b[7mrev\x1b[0m \x1b[3;4mit-ul\x1b[0m 漢字\r\n");
  a.feed("\x1b[2;5Hmoved");
  screen b{opts};
  b.feed(a.ansi());
  CHECK(b.lines() == a.lines());
  CHECK(b.cursor() == a.cursor());
  CHECK(b.scrollback() == a.scrollback());
  auto sa = a.styled_rows();
  auto sb = b.styled_rows();
  REQUIRE(sa.size() == sb.size());
  for (size_t r = 0; r < sa.size(); ++r) {
    REQUIRE(sa[r].size() == sb[r].size());
    for (size_t i = 0; i < sa[r].size(); ++i) {
      CHECK(sa[r][i].text == sb[r][i].text);
      CHECK(sa[r][i].fg == sb[r][i].fg);
      CHECK(sa[r][i].bg == sb[r][i].bg);
      CHECK(sa[r][i].bold == sb[r][i].bold);
      CHECK(sa[r][i].underline == sb[r][i].underline);
      CHECK(sa[r][i].reverse == sb[r][i].reverse);
    }
  }
  // The styles themselves were read, not lost on both sides alike.
  bool red_bold = false;
  for (auto& row : sa)
    for (auto& run : row)
      red_bold = red_bold || (run.bold && run.text == "red bold"
                              && !run.fg.empty());
  CHECK(red_bold);
}

TEST_CASE("ansi() of the alternate screen draws its rows, no scrollback",
          "[engine][screen]") {
  screen_options opts;
  opts.cols = 20;
  opts.rows = 4;
  screen a{opts};
  a.feed("one\r\ntwo\r\nthree\r\nfour\r\nfive\r\n");
  a.feed("\x1b[?1049h\x1b[Hfull screen app");
  screen b{opts};
  b.feed(a.ansi());
  CHECK(b.lines() == a.lines());
  CHECK(b.scrollback().empty());
}
