// The sim's text helpers: display width, wrapping with a continuation
// indent, escapes and sizes.
#include "sim/text.hpp"

#include <catch2/catch.hpp>

using namespace baton::sim;

TEST_CASE("display width counts columns, not bytes", "[sim][text]") {
  CHECK(display_width("abc") == 3);
  CHECK(display_width("a — b") == 5);
  CHECK(display_width("●⎿") == 2);
  CHECK(display_width("日本") == 4);
  CHECK(display_width("e\xcc\x81") == 1); // e + combining acute
  CHECK(display_width("\xff\xfe") == 2);  // invalid bytes count one each
}

TEST_CASE("wrap keeps short text on one row", "[sim][text]") {
  auto rows = wrap("STATUS: DONE — x + 3 passed", 78, "● ", "  ");
  REQUIRE(rows.size() == 1);
  CHECK(rows[0] == "● STATUS: DONE — x + 3 passed");
}

TEST_CASE("wrap breaks at spaces with a two-space continuation indent",
          "[sim][text]") {
  std::string text = "the quick brown fox jumps over the lazy dog again and "
                     "again until the line is long";
  auto rows = wrap(text, 30, "● ", "  ");
  REQUIRE(rows.size() > 2);
  CHECK(rows[0].rfind("● the quick", 0) == 0);
  std::string joined;
  for (size_t i = 0; i < rows.size(); ++i) {
    CHECK(display_width(rows[i]) <= 30);
    if (i > 0) {
      CHECK(rows[i].rfind("  ", 0) == 0);
      CHECK(rows[i][2] != ' ');
    }
    joined += (i ? " " : "") + rows[i].substr(i ? 2 : 4);
  }
  CHECK(joined == text);
}

TEST_CASE("wrap starts a row at each newline and keeps blank lines",
          "[sim][text]") {
  auto rows
    = wrap("CONTRACT: api\nGET /x -> 200\n\nSTATUS: DONE", 40, "● ", "  ");
  REQUIRE(rows.size() == 4);
  CHECK(rows[0] == "● CONTRACT: api");
  CHECK(rows[1] == "  GET /x -> 200");
  CHECK(rows[2].empty());
  CHECK(rows[3] == "  STATUS: DONE");
}

TEST_CASE("wrap splits a word longer than a row", "[sim][text]") {
  auto rows = wrap(std::string(50, 'x'), 20, "● ", "  ");
  REQUIRE(rows.size() == 3);
  CHECK(rows[0] == "● " + std::string(18, 'x'));
  CHECK(rows[1] == "  " + std::string(18, 'x'));
  CHECK(rows[2] == "  " + std::string(14, 'x'));
}

TEST_CASE("wrap keeps a line's leading spaces", "[sim][text]") {
  auto rows = wrap("head\n    indented body", 40, "● ", "  ");
  REQUIRE(rows.size() == 2);
  CHECK(rows[1] == "      indented body");
}

TEST_CASE("wrap never splits a multi-byte character", "[sim][text]") {
  auto rows = wrap("——————————", 6, "● ", "  ");
  for (auto& r : rows)
    CHECK(display_width(r) <= 6);
  CHECK(rows.size() == 3);
}

TEST_CASE("ellipsize marks a cut with an ellipsis", "[sim][text]") {
  CHECK(ellipsize("hello", 10) == "hello");
  CHECK(ellipsize("hello world", 6) == "hello…");
  CHECK(display_width(ellipsize("日本語テキスト", 5)) <= 5);
}

TEST_CASE("unescape decodes the script escapes", "[sim][text]") {
  CHECK(unescape(R"(a\nb)") == "a\nb");
  CHECK(unescape(R"(\e[31m\x41\\)") == "\x1b[31mA\\");
  CHECK(unescape(R"(\q)") == "\\q");
  CHECK(unescape(R"(\x4)") == "\\x4");
}

TEST_CASE("parse_size reads counts with K and M", "[sim][text]") {
  uint64_t n = 0;
  CHECK(parse_size("4096", n));
  CHECK(n == 4096);
  CHECK(parse_size("64K", n));
  CHECK(n == 64 * 1024);
  CHECK(parse_size("10M", n));
  CHECK(n == 10 * 1024 * 1024);
  CHECK_FALSE(parse_size("", n));
  CHECK_FALSE(parse_size("M", n));
  CHECK_FALSE(parse_size("12G", n));
  CHECK_FALSE(parse_size("-1", n));
}
