#include "engine/recording/cast.hpp"

#include <catch2/catch.hpp>

using namespace baton;
using namespace baton::engine;

TEST_CASE("a written cast parses back to the same events",
          "[engine][cast]") {
  cast_writer w;
  std::string text = cast_writer::header_line({100, 40, 1700000000, "sim"});
  text += w.event_line(0.5, 'o', "\x1b[1mSTATUS: DONE\x1b[0m \"ok\"\r\n");
  text += w.event_line(1.25, 'i', "y");
  text += w.event_line(2.0, 'o', "spinner \xe2\xa0\x8b done");
  auto parsed = parse_cast(text, "t.cast");
  REQUIRE(parsed.ok());
  CHECK(parsed->header.width == 100);
  CHECK(parsed->header.height == 40);
  CHECK(parsed->header.title == "sim");
  REQUIRE(parsed->events.size() == 3);
  CHECK(parsed->events[0]
        == cast_event{0.5, 'o', "\x1b[1mSTATUS: DONE\x1b[0m \"ok\"\r\n"});
  CHECK(parsed->events[1] == cast_event{1.25, 'i', "y"});
  CHECK(parsed->events[2].data == "spinner \xe2\xa0\x8b done");
}

TEST_CASE("a UTF-8 sequence split across chunks is kept whole",
          "[engine][cast]") {
  cast_writer w;
  std::string braille = "\xe2\xa0\x8b"; // ⠋
  CHECK(w.event_line(0.1, 'o', "a" + braille.substr(0, 2)).find("\"a\"")
        != std::string::npos);
  auto line = w.event_line(0.2, 'o', braille.substr(2) + "b");
  CHECK(line == "[0.200000, \"o\", \"" + braille + "b\"]\n");
  CHECK(w.event_line(0.3, 'o', braille.substr(0, 1)).empty());
}

TEST_CASE("bytes that are not UTF-8 become U+FFFD, never invalid JSON",
          "[engine][cast]") {
  CHECK(json_string("a\xff\xfe" "b") == "\"a\xef\xbf\xbd\xef\xbf\xbd" "b\"");
  CHECK(json_string(std::string{"\0\x07", 2}) == "\"\\u0000\\u0007\"");
  cast_writer w;
  std::string text = cast_writer::header_line({});
  text += w.event_line(0, 'o', "\xc0\x80\xf5garbage\x80");
  REQUIRE(parse_cast(text, "g.cast").ok());
}

TEST_CASE("malformed casts are rejected with the file and line",
          "[engine][cast]") {
  auto header = cast_writer::header_line({});
  auto expect = [](std::string_view text, std::string_view needle) {
    auto r = parse_cast(text, "bad.cast");
    REQUIRE_FALSE(r.ok());
    CHECK(r.err().code() == ec::parse_error);
    INFO(r.err().message());
    CHECK(r.err().message().find(needle) != std::string::npos);
  };
  expect("", "bad.cast:1: empty");
  expect("{\"version\": 1, \"width\": 80, \"height\": 24}\n", "bad.cast:1:");
  expect("[1, \"o\", \"x\"]\n", "bad.cast:1: the first line must be");
  expect(header + "[1, \"o\"]\n", "bad.cast:2: an event must be");
  expect(header + "[1, \"x\", \"a\"]\n", "bad.cast:2: unknown event kind");
  expect(header + "[2, \"o\", \"a\"]\n[1, \"o\", \"b\"]\n",
         "bad.cast:3: event time goes backwards");
  expect(header + "[1, \"o\", \"unterminated]\n", "bad.cast:2: invalid JSON");
}
