#include "engine/protocol/decoration.hpp"

#include <catch2/catch.hpp>

using namespace baton::engine::protocol;

TEST_CASE("message markers and indentation are removed",
          "[engine][protocol][decoration]") {
  for (auto row : {"STATUS: DONE", "● STATUS: DONE", "• STATUS: DONE",
                   "✦ STATUS: DONE", "⏺ STATUS: DONE", "> STATUS: DONE",
                   "   STATUS: DONE", "  ⎿  STATUS: DONE", "› STATUS: DONE"}) {
    INFO(row);
    CHECK(scan_row(row).text == "STATUS: DONE");
  }
}

TEST_CASE("the content column counts the decoration",
          "[engine][protocol][decoration]") {
  auto r = scan_row("⏺ STATUS: DONE");
  CHECK(r.content_col == 2);
  CHECK(r.indent == 0);
  CHECK(r.marked);
  auto plain = scan_row("    more text");
  CHECK(plain.indent == 4);
  CHECK(plain.content_col == 4);
  CHECK_FALSE(plain.marked);
  CHECK(plain.width == 13);
}

TEST_CASE("list bullets, numbers, headings and code line numbers are "
          "removed",
          "[engine][protocol][decoration]") {
  for (auto row : {"- STATUS: DONE", "* STATUS: DONE", "3. STATUS: DONE",
                   "12) STATUS: DONE", "## STATUS: DONE", "  12 │ STATUS: DONE",
                   "12: STATUS: DONE", " 7  STATUS: DONE"}) {
    INFO(row);
    auto r = scan_row(row);
    CHECK(r.text == "STATUS: DONE");
    CHECK(r.marked);
  }
}

TEST_CASE("quote and box bars are removed on both sides",
          "[engine][protocol][decoration]") {
  CHECK(scan_row("│ STATUS: DONE").text == "STATUS: DONE");
  CHECK(scan_row("| STATUS: DONE |").text == "STATUS: DONE");
  CHECK(scan_row("│ > STATUS: DONE — x          │").text == "STATUS: DONE — x");
  CHECK(scan_row("┃ NEED: a — b  ").text == "NEED: a — b");
}

TEST_CASE("markdown emphasis and backticks are removed where they pair up",
          "[engine][protocol][decoration]") {
  CHECK(strip_emphasis("**STATUS: DONE** — ok") == "STATUS: DONE — ok");
  CHECK(strip_emphasis("*STATUS*: DONE") == "STATUS: DONE");
  CHECK(strip_emphasis("`npm test` passes") == "npm test passes");
  CHECK(strip_emphasis("__BUILD__: PASS") == "BUILD: PASS");
  CHECK(strip_emphasis("src/*.cpp and 2 * 3") == "src/*.cpp and 2 * 3");
  CHECK(strip_emphasis("edit __init__.py now") == "edit __init__.py now");
}

TEST_CASE("borders and blank rows are recognised",
          "[engine][protocol][decoration]") {
  CHECK(scan_row("╭──────╮").border);
  CHECK(scan_row("  ────────").border);
  CHECK(scan_row("---").border);
  CHECK_FALSE(scan_row("STATUS: DONE").border);
  CHECK(scan_row("").blank);
  CHECK(scan_row("   │      │").blank);
  CHECK_FALSE(scan_row("x").blank);
}

TEST_CASE("unboxed keeps columns and drops bars",
          "[engine][protocol][decoration]") {
  CHECK(unboxed("│   GET /x -> 200   │") == "    GET /x -> 200");
  CHECK(unboxed("  POST /y") == "  POST /y");
}

TEST_CASE("collapse_blanks and columns", "[engine][protocol][decoration]") {
  CHECK(collapse_blanks("  a   b \t c  ") == "a b c");
  CHECK(columns("a—b") == 3);
  CHECK(columns("") == 0);
}
