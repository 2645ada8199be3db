// The sim's screen: box geometry, the spinner rewritten in place, messages
// and the permission box.
#include "sim/screen.hpp"

#include <catch2/catch.hpp>

#include "sim/text.hpp"
#include "tests/sim/screen_text.hpp"

using namespace baton::sim;
using baton::test::strip_escapes;

TEST_CASE("the idle prompt box spans the terminal's width", "[sim][screen]") {
  screen s{60};
  auto bytes = strip_escapes(s.idle("hello"));
  std::vector<std::string> rows;
  size_t at = 0;
  for (size_t nl; (nl = bytes.find('\n', at)) != std::string::npos; at = nl + 1)
    rows.push_back(bytes.substr(at, nl - at));
  rows.push_back(bytes.substr(at));
  REQUIRE(rows.size() == 4);
  CHECK(rows[0].rfind("╭", 0) == 0);
  CHECK(rows[1].rfind("│ > hello ", 0) == 0);
  CHECK(rows[2].rfind("╰", 0) == 0);
  for (int i = 0; i < 3; ++i)
    CHECK(display_width(rows[i]) == 60);
  CHECK(rows[3] == "  ? for shortcuts");
}

TEST_CASE("a long input shows its end in the box", "[sim][screen]") {
  screen s{30};
  auto bytes = strip_escapes(s.idle(std::string(100, 'a') + "END"));
  CHECK(bytes.find("│ > …" + std::string(20, 'a') + "END │")
        != std::string::npos);
}

TEST_CASE("the spinner is rewritten in place, never on a new line",
          "[sim][screen]") {
  screen s{80};
  auto first = s.working(screen::spinner(0, "Working", 0));
  auto next = s.spin(screen::spinner(1, "Working", 0));
  CHECK(next.find('\n') == std::string::npos);
  CHECK(next.rfind("\r", 0) == 0);
  CHECK(next.find("\x1b[2K") != std::string::npos);
  CHECK(strip_escapes(next) == "⠙ Working… (0s · ctrl+c to interrupt)");
  auto again = s.spin(screen::spinner(2, "Working", 3));
  CHECK(again.find('\n') == std::string::npos);
  CHECK(strip_escapes(again) == "⠹ Working… (3s · ctrl+c to interrupt)");
  CHECK(first.find("⠋") != std::string::npos);
}

TEST_CASE("printing erases the live region and draws it below the rows",
          "[sim][screen]") {
  screen s{40};
  s.working(screen::spinner(0, "Working", 0));
  auto bytes = s.print(s.message("PROGRESS: 1/2 — done"));
  CHECK(bytes.find("\x1b[J") < bytes.find("● PROGRESS"));
  auto plain = strip_escapes(bytes);
  CHECK(plain.find("● PROGRESS: 1/2 — done\n\n⠋ Working") != std::string::npos);
}

TEST_CASE("messages wrap at width minus two with a two-space indent",
          "[sim][screen]") {
  screen s{30};
  auto rows = s.message("STATUS: DONE — a long description that wraps + 3 "
                        "passed");
  REQUIRE(rows.size() > 1);
  CHECK(rows[0].rfind("● STATUS: DONE", 0) == 0);
  for (size_t i = 0; i < rows.size(); ++i) {
    CHECK(display_width(rows[i]) <= 28);
    if (i)
      CHECK(rows[i].rfind("  ", 0) == 0);
  }
}

TEST_CASE("tool rows show the call and its result under ⎿", "[sim][screen]") {
  screen s{80};
  auto rows = s.tool("Bash(make test)", {"23 passed"}, false);
  REQUIRE(rows.size() == 2);
  CHECK(strip_escapes(rows[0]) == "● Bash(make test)");
  CHECK(strip_escapes(rows[1]) == "  ⎿  23 passed");
}

TEST_CASE("the permission box asks in one contiguous line", "[sim][screen]") {
  screen s{80};
  auto bytes = s.asking("Bash(rm -rf build)");
  CHECK(bytes.find("Allow Bash(rm -rf build)? [y/n]") != std::string::npos);
  auto plain = strip_escapes(bytes);
  CHECK(plain.find("│ Bash command") != std::string::npos);
  CHECK(plain.find("│   rm -rf build") != std::string::npos);
}

TEST_CASE("resizing redraws the live region at the new width",
          "[sim][screen]") {
  screen s{80};
  s.idle("");
  auto bytes = s.resize(50);
  CHECK(s.columns() == 50);
  auto plain = strip_escapes(bytes);
  auto top = plain.substr(0, plain.find('\n'));
  CHECK(top.rfind("╭", 0) == 0);
  CHECK(display_width(top) == 50);
  CHECK(screen{5}.columns() == 20);
}

TEST_CASE("the title is an OSC 0 sequence", "[sim][screen]") {
  CHECK(screen::title("sim: idle") == "\x1b]0;sim: idle\a");
}
