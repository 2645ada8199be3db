#include "engine/detect/region.hpp"

#include <catch2/catch.hpp>

#include "engine/detect/state.hpp"

using baton::engine::screen_view;
using namespace baton::engine::detect;

namespace {

screen_view view_of(std::vector<std::string> rows) {
  screen_view v;
  v.rows = static_cast<uint16_t>(rows.size());
  v.cols = 40;
  v.lines = std::move(rows);
  return v;
}

std::string text_of(std::string_view spec, const screen_view& v) {
  auto r = parse_region(spec);
  REQUIRE(r);
  return region_text(*r, v);
}

} // namespace

TEST_CASE("state names round-trip", "[engine][detect][state]") {
  for (auto s : {state::starting, state::working, state::idle,
                 state::waiting_approval, state::done, state::blocked,
                 state::error, state::exited, state::unknown})
    CHECK(state_from_string(to_string(s)) == s);
  CHECK(to_string(state::waiting_approval) == "waiting_approval");
  CHECK_FALSE(state_from_string("idel"));
}

TEST_CASE("region spellings parse and print back", "[engine][detect][region]") {
  for (auto spec : {"screen", "bottom:5", "last_line", "cursor_line",
                    "above_prompt:2", "title", "scrollback_since_input"}) {
    auto r = parse_region(spec);
    REQUIRE(r);
    CHECK(to_string(*r) == spec);
  }
  auto dflt = parse_region("above_prompt");
  REQUIRE(dflt);
  CHECK(dflt->lines == 3);
}

TEST_CASE("bad region spellings are errors", "[engine][detect][region]") {
  for (auto spec : {"bottom", "bottom:0", "bottom:x", "bottom:5x", "top:3",
                    "title:2", "", "bottom:100000"}) {
    INFO(spec);
    auto r = parse_region(spec);
    REQUIRE_FALSE(r);
    CHECK(r.err().code() == baton::ec::parse_error);
  }
}

TEST_CASE("bottom and last_line skip empty rows", "[engine][detect][region]") {
  auto v = view_of({"a", "b", "", "c", "", ""});
  CHECK(text_of("bottom:2", v) == "b\nc");
  CHECK(text_of("last_line", v) == "c");
  CHECK(text_of("screen", v) == "a\nb\n\nc");
}

TEST_CASE("above_prompt finds the rows over the lowest box",
          "[engine][detect][region]") {
  auto v = view_of({"old", "⠋ Working… (1s)", "", "╭────╮", "│ >  │", "╰────╯",
                    "  ? for shortcuts"});
  CHECK(text_of("above_prompt:1", v) == "⠋ Working… (1s)");
  CHECK(text_of("above_prompt:2", v) == "old\n⠋ Working… (1s)");
}

TEST_CASE("above_prompt understands a prompt between horizontal rules",
          "[engine][detect][region]") {
  auto v = view_of({"⏺ done", "", "────────────────", "> ",
                    "────────────────", "  ? for shortcuts"});
  CHECK(text_of("above_prompt:1", v) == "⏺ done");
}

TEST_CASE("above_prompt is empty without a box", "[engine][detect][region]") {
  CHECK(text_of("above_prompt", view_of({"a", "b"})).empty());
  CHECK(text_of("above_prompt", view_of({"a", "╰──╯"})).empty());
}

TEST_CASE("title, cursor line and scrollback since input",
          "[engine][detect][region]") {
  auto v = view_of({"row0", "row1", ""});
  v.title = "claude ✳";
  v.cursor = {1, 3};
  v.scrollback_since_input = {"gone1", "gone2"};
  CHECK(text_of("title", v) == "claude ✳");
  CHECK(text_of("cursor_line", v) == "row1");
  CHECK(text_of("scrollback_since_input", v) == "gone1\ngone2\nrow0\nrow1");
}
