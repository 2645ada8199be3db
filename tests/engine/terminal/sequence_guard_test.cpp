#include "engine/terminal/sequence_guard.hpp"

#include <catch2/catch.hpp>

#include <string>

using baton::engine::sequence_guard;

TEST_CASE("plain bytes pass through the guard unchanged",
          "[engine][sequence_guard]") {
  sequence_guard g;
  CHECK(g.push("hello \x1b[31mworld\x1b[0m\r\n")
        == "hello \x1b[31mworld\x1b[0m\r\n");
  CHECK(g.held() == 0);
}

TEST_CASE("an OSC cut by a read boundary is passed on whole",
          "[engine][sequence_guard]") {
  sequence_guard g;
  CHECK(g.push("a\x1b]2;ti") == "a");
  CHECK(g.held() == 6);
  CHECK(g.push("tle\x1b") == "");
  CHECK(g.push("\\b") == "\x1b]2;title\x1b\\b");
  CHECK(g.held() == 0);
}

TEST_CASE("a trailing ESC is held until the next read",
          "[engine][sequence_guard]") {
  sequence_guard g;
  CHECK(g.push("x\x1b") == "x");
  CHECK(g.push("]0;t\x07") == "\x1b]0;t\x07");
  CHECK(g.push("\x1b") == "");
  CHECK(g.push("[1m") == "\x1b[1m");
}

TEST_CASE("an ESC inside a string ends it and starts a new sequence",
          "[engine][sequence_guard]") {
  sequence_guard g;
  CHECK(g.push("\x1b]0;a\x1b]0;b\x07") == "\x1b]0;a\x1b]0;b\x07");
}

TEST_CASE("a CSI with more than 16 parameters is dropped whole",
          "[engine][sequence_guard]") {
  sequence_guard g;
  std::string ok = "\x1b[";
  for (int i = 0; i < 15; ++i)
    ok += "1;";
  ok += "1m";
  CHECK(g.push(ok) == ok); // 16 parameters is the most libvterm takes
  std::string bad = "\x1b[";
  for (int i = 0; i < 16; ++i)
    bad += "1:";
  bad += "1m";
  CHECK(g.push("a" + bad + "b") == "ab");
  CHECK(g.dropped() == 1);
}

TEST_CASE("controls and DEL inside a CSI count towards its parameters",
          "[engine][sequence_guard]") {
  // libvterm keeps parsing the CSI across them, so must the guard.
  sequence_guard g;
  std::string bad = "\x1b[";
  for (int i = 0; i < 10; ++i)
    bad += "1;";
  bad += "\x7f\n";
  for (int i = 0; i < 10; ++i)
    bad += "1;";
  bad += "m";
  CHECK(g.push(bad + "z") == "z");
}

TEST_CASE("an over-long CSI is dropped to its final byte",
          "[engine][sequence_guard]") {
  sequence_guard g;
  auto out = g.push("\x1b[" + std::string(100'000, '9'));
  CHECK(out.empty());
  CHECK(g.held() <= sequence_guard::csi_limit);
  CHECK(g.push("mok") == "ok");
  CHECK(g.dropped() == 1);
}

TEST_CASE("an unterminated string beyond the limit is dropped",
          "[engine][sequence_guard]") {
  sequence_guard g{16};
  CHECK(g.push("\x1b]2;" + std::string(1000, 'x')).empty());
  CHECK(g.held() == 0);
  CHECK(g.push("yyy\x07"
               "after")
        == "after");
  CHECK(g.dropped() == 1);
}

TEST_CASE("the guard's output does not depend on where reads were cut",
          "[engine][sequence_guard]") {
  std::string bytes = "a\x1b]0;one\x07"
                      "b\x1b[1;2;3mc\x1bP$qm\x1b\\d"
                      "\x1b]2;two\x1b\\"
                      "e\x1b"
                      "7f\x1b_apc\x1b\\g";
  sequence_guard whole;
  auto expected = whole.push(bytes);
  CHECK(expected == bytes);
  for (size_t cut = 1; cut < bytes.size(); ++cut) {
    sequence_guard g;
    auto out = g.push(bytes.substr(0, cut));
    out += g.push(bytes.substr(cut));
    INFO("cut at " << cut);
    CHECK(out == expected);
  }
}

TEST_CASE("a UTF-8 character cut by a read boundary is passed on whole",
          "[engine][sequence_guard]") {
  sequence_guard g;
  CHECK(g.push("ab \xe2") == "ab ");
  CHECK(g.held() == 1);
  CHECK(g.push("\x9c") == "");
  CHECK(g.push("\xa6 c") == "\xe2\x9c\xa6 c");
  CHECK(g.push("\xf0\x9f\x98") == "");
  CHECK(g.push("\x80") == "\xf0\x9f\x98\x80");
  // A stray continuation byte is not held: it can never complete.
  CHECK(g.push("x\x80") == "x\x80");
}

TEST_CASE("a REP count is capped at the repeat limit",
          "[engine][sequence_guard]") {
  sequence_guard g;
  g.repeat_limit(80);
  CHECK(g.push("a\x1b[1000000000b") == "a\x1b[80b");
  CHECK(g.push("a\x1b[5b") == "a\x1b[5b");
  CHECK(g.push("\x1b[?5b") == "\x1b[?5b"); // not a REP
}

TEST_CASE("a REP before anything printable is dropped",
          "[engine][sequence_guard]") {
  // libvterm 0.1.4 hangs repeating a character that was never printed.
  sequence_guard g;
  CHECK(g.push("\x1b[31m\x1b[5b\r\n") == "\x1b[31m\r\n");
  CHECK(g.dropped() == 1);
  CHECK(g.push("x\x1b[5b") == "x\x1b[5b");
}
