#include "engine/protocol/parser.hpp"

#include <catch2/catch.hpp>
#include <re2/re2.h>

#include <string>
#include <vector>

using namespace baton::engine::protocol;

namespace {

std::vector<message> parse_all(std::vector<std::string> lines,
                               size_t width = 0) {
  parse_options opts;
  opts.width = width;
  return parse(lines, opts);
}

message one(std::string_view line) {
  auto m = parse_line(line);
  REQUIRE(m);
  return *m;
}

} // namespace

TEST_CASE("STATUS DONE splits what was done from the evidence",
          "[engine][protocol][parser]") {
  auto m = one("STATUS: DONE — login form + tests pass (23/23)");
  CHECK(m.kind == kind::status);
  CHECK(m.status == status::done);
  CHECK(m.text == "login form + tests pass (23/23)");
  CHECK(m.what == "login form");
  CHECK(m.evidence_text == "tests pass (23/23)");
  CHECK(m.evidence.tests.passed == 23u);
  CHECK(m.line == "STATUS: DONE — login form + tests pass (23/23)");
}

TEST_CASE("STATUS DONE without evidence keeps the whole text as what",
          "[engine][protocol][parser]") {
  auto m = one("STATUS: DONE — refactored the parser");
  CHECK(m.what == "refactored the parser");
  CHECK(m.evidence_text.empty());
  auto bare = one("STATUS: DONE");
  CHECK(bare.text.empty());
}

TEST_CASE("STATUS BLOCKED and ERROR carry their text",
          "[engine][protocol][parser]") {
  auto b = one("STATUS: BLOCKED — need the API schema from backend");
  CHECK(b.status == status::blocked);
  CHECK(b.text == "need the API schema from backend");
  auto e = one("STATUS: ERROR — build fails, tried clean build, pin gcc 12");
  CHECK(e.status == status::error);
  CHECK(e.text == "build fails, tried clean build, pin gcc 12");
}

TEST_CASE("separators may be an em dash, an en dash, --, - or a colon",
          "[engine][protocol][parser]") {
  for (auto line : {"STATUS: BLOCKED — need x", "STATUS: BLOCKED – need x",
                    "STATUS: BLOCKED -- need x", "STATUS: BLOCKED - need x",
                    "STATUS: BLOCKED: need x", "STATUS: BLOCKED need x"}) {
    INFO(line);
    CHECK(one(line).text == "need x");
  }
}

TEST_CASE("keywords are case-insensitive", "[engine][protocol][parser]") {
  CHECK(one("status: done -- ok").status == status::done);
  CHECK(one("Progress: 1/2 - x").kind == kind::progress);
  CHECK(one("build: pass").passed);
  CHECK(one("Need: db -- schema").kind == kind::need);
}

TEST_CASE("PROGRESS reads X/Y and what completed",
          "[engine][protocol][parser]") {
  auto m = one("PROGRESS: 3/5 — wrote the migrations");
  CHECK(m.kind == kind::progress);
  CHECK(m.done == 3u);
  CHECK(m.total == 5u);
  CHECK(m.text == "wrote the migrations");
  CHECK_FALSE(parse_line("PROGRESS: most of it"));
}

TEST_CASE("BUILD reads PASS or FAIL and the summary",
          "[engine][protocol][parser]") {
  auto pass = one("BUILD: PASS");
  CHECK(pass.kind == kind::build);
  CHECK(pass.passed);
  auto fail = one("BUILD: FAIL — main.cpp:12: undefined reference to foo");
  CHECK_FALSE(fail.passed);
  CHECK(fail.text == "main.cpp:12: undefined reference to foo");
  CHECK_FALSE(one("Build: failed - 3 errors").passed);
  CHECK_FALSE(parse_line("BUILD: maybe"));
}

TEST_CASE("NEED splits the resource from the reason",
          "[engine][protocol][parser]") {
  auto m = one("NEED: api/openapi.json — the todo endpoints to call");
  CHECK(m.kind == kind::need);
  CHECK(m.resource == "api/openapi.json");
  CHECK(m.text == "the todo endpoints to call");
  auto hyphen = one("NEED: src/foo-bar.cpp - its interface");
  CHECK(hyphen.resource == "src/foo-bar.cpp");
  CHECK(hyphen.text == "its interface");
  auto bare = one("NEED: database credentials");
  CHECK(bare.resource == "database credentials");
  CHECK(bare.text.empty());
}

TEST_CASE("TASK reads a title, requirements and a description",
          "[engine][protocol][parser]") {
  auto m = one("TASK: add pagination [requires: api, db] — page the list");
  CHECK(m.kind == kind::task);
  CHECK(m.text == "add pagination");
  CHECK(m.requirements == std::vector<std::string>{"api", "db"});
  CHECK(m.description == "page the list");
  auto plain = one("TASK: write docs — explain the CLI");
  CHECK(plain.text == "write docs");
  CHECK(plain.requirements.empty());
  CHECK(plain.description == "explain the CLI");
}

TEST_CASE("CONTRACT takes body lines until a blank line",
          "[engine][protocol][parser]") {
  auto ms = parse_all({"CONTRACT: todo API v1", "GET /api/todos -> 200",
                       "  POST /api/todos -> 201", "", "more prose"});
  REQUIRE(ms.size() == 1);
  CHECK(ms[0].kind == kind::contract);
  CHECK(ms[0].text == "todo API v1");
  CHECK(ms[0].body
        == std::vector<std::string>{"GET /api/todos -> 200",
                                    "  POST /api/todos -> 201"});
  CHECK(ms[0].line_count == 3);
}

TEST_CASE("CONTRACT ends at the next protocol line or END CONTRACT",
          "[engine][protocol][parser]") {
  auto ms = parse_all({"CONTRACT: a", "x()", "BUILD: PASS", "CONTRACT: b",
                       "y()", "END CONTRACT", "z()"});
  REQUIRE(ms.size() == 3);
  CHECK(ms[0].body == std::vector<std::string>{"x()"});
  CHECK(ms[1].kind == kind::build);
  CHECK(ms[2].body == std::vector<std::string>{"y()"});
  CHECK(ms[2].line_count == 3);
}

TEST_CASE("a decorated CONTRACT body ends at the next message",
          "[engine][protocol][parser]") {
  auto ms
    = parse_all({"● CONTRACT: app interface v1", "  run(config) -> result",
                 "  - ok: bool", "● Bash(make test)"});
  REQUIRE(ms.size() == 1);
  CHECK(ms[0].body
        == std::vector<std::string>{"run(config) -> result", "- ok: bool"});
}

TEST_CASE("protocol lines are read through TUI decoration",
          "[engine][protocol][parser]") {
  for (auto line :
       {"⏺ STATUS: DONE — x + y", "● STATUS: DONE — x + y",
        "✦ **STATUS: DONE** — x + y", "• `STATUS: DONE — x + y`",
        "  > STATUS: DONE — x + y", "│ STATUS: DONE — x + y │",
        "1. **STATUS**: DONE — x + y", "  14 │ STATUS: DONE — x + y",
        "- *STATUS: DONE* — x + y"}) {
    INFO(line);
    auto m = parse_line(line);
    REQUIRE(m);
    CHECK(m->what == "x");
    CHECK(m->evidence_text == "y");
  }
}

TEST_CASE("a keyword inside a sentence is not a protocol line",
          "[engine][protocol][parser]") {
  CHECK_FALSE(parse_line("When finished print STATUS: DONE — what + how"));
  CHECK_FALSE(parse_line("STATUS: working on it"));
  CHECK_FALSE(parse_line("STATUSES: DONE"));
  CHECK(parse_all({"nothing here", "", "╭──╮"}).empty());
}

TEST_CASE("a CLI's wrapping with a continuation indent is joined",
          "[engine][protocol][parser]") {
  auto ms
    = parse_all({"⏺ STATUS: DONE — implemented the login form with",
                 "  validation + tests pass (23/23)", "", "⏺ Next steps"});
  REQUIRE(ms.size() == 1);
  CHECK(ms[0].what == "implemented the login form with validation");
  CHECK(ms[0].evidence.tests.passed == 23u);
  CHECK(ms[0].line_count == 2);
  CHECK(ms[0].line
        == "STATUS: DONE — implemented the login form with validation + "
           "tests pass (23/23)");
}

TEST_CASE("rows at column 0, marked rows and protocol rows do not continue "
          "a line",
          "[engine][protocol][parser]") {
  auto ms = parse_all({"STATUS: BLOCKED — need x", "thanks", "PROGRESS: 1/2",
                       "  - a bullet", "NEED: y — z", "  BUILD: PASS"});
  REQUIRE(ms.size() == 4);
  CHECK(ms[0].text == "need x");
  CHECK(ms[1].text.empty());
  CHECK(ms[2].text == "z");
  CHECK(ms[3].kind == kind::build);
}

TEST_CASE("with the width known, a hard line break is not taken for "
          "wrapping",
          "[engine][protocol][parser]") {
  std::vector<std::string> rows
    = {"● STATUS: DONE — short", "  Then I looked at the rest."};
  CHECK(parse_all(rows, 0)[0].text == "short Then I looked at the rest.");
  CHECK(parse_all(rows, 80)[0].text == "short");
  // A row filled to the wrap column is continued.
  std::string wide = "● STATUS: DONE — " + std::string(60, 'x');
  auto ms = parse_all({wide, "  tail + ok"}, 80);
  CHECK(ms[0].evidence_text == "ok");
}

TEST_CASE("consecutive protocol lines of one message are each parsed",
          "[engine][protocol][parser]") {
  // As the sim prints them: one message, 2-space continuation indent.
  auto ms
    = parse_all({"● PROGRESS: 3/3 — wrote the tests", "  BUILD: PASS",
                 "  CONTRACT: interface of src/app.py",
                 "  run(config) -> result", "  result = {ok: bool, log: text}",
                 "", "  STATUS: DONE — app + 3 passed", "", "✻ Worked for 4s"});
  REQUIRE(ms.size() == 4);
  CHECK(ms[0].kind == kind::progress);
  CHECK(ms[1].kind == kind::build);
  CHECK(ms[2].kind == kind::contract);
  CHECK(ms[2].body.size() == 2);
  CHECK(ms[3].kind == kind::status);
  CHECK(ms[3].evidence.tests.passed == 3u);
  CHECK(ms[3].first_line == 6);
}

TEST_CASE("garbage and huge lines never break the parser",
          "[engine][protocol][parser]") {
  std::vector<std::string> lines;
  for (int round = 0; round < 64; ++round) {
    std::string l;
    for (int b = 0; b < 256; ++b)
      l.push_back(static_cast<char>((b * 67 + round * 29) & 0xff));
    lines.push_back(l);
  }
  lines.push_back("STATUS: DONE \xe2\x80\x94 " + std::string(1'000'000, 'x')
                  + " + " + std::string(100'000, '\xff'));
  lines.push_back("\xe2\x80");     // a cut UTF-8 character
  lines.push_back("\xe2\x94\x82"); // a lone bar
  auto ms = parse(lines);
  REQUIRE(ms.size() == 1);
  CHECK(ms[0].what.size() == 1'000'000);
}

TEST_CASE("a row is read as a protocol line exactly when the header "
          "expression matches it, whatever its first character",
          "[engine][protocol]") {
  // parse_line skips the expression for rows that cannot start with a
  // keyword; this checks the shortcut against the expression itself, for
  // every first byte and the case-folded letters that are not ASCII.
  const re2::RE2 header{
    R"((?i)^(STATUS|PROGRESS|BUILD|NEED|CONTRACT|TASK)\s*:\s*(.*)$)"};
  std::vector<std::string> rows;
  for (std::string rest : {"TATUS: DONE -- x + 1 passed", "ROGRESS: 1/2",
                           "UILD: PASS", "EED: api.json -- the schema",
                           "ONTRACT: api", "ASK: write -- docs",
                           "tatus: error -- a, b, c"})
    for (int c = 1; c < 128; ++c)
      rows.push_back(std::string(1, static_cast<char>(c)) + rest);
  // ſ (U+017F) folds to s, the Kelvin sign (U+212A) to k.
  rows.push_back("\xc5\xbftatus: done -- x + 1 passed");
  rows.push_back("ta\xe2\x84\xaa: write -- docs");
  rows.push_back("\xc3\xa9tatus: done -- x");
  size_t read = 0;
  for (auto& row : rows) {
    INFO(row);
    // Every row here whose header matches is a whole message.
    bool expected = re2::RE2::FullMatch(row, header);
    CHECK(parse_line(row).has_value() == expected);
    read += expected;
  }
  // Each keyword with its own first letter in both cases (12), status in
  // lower case, ſtatus and the Kelvin sign's task.
  CHECK(read == 15);
}
