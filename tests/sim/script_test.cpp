// The sim's script format: every verb, turns, `|` rows, @sim directives,
// and errors that name their line.
#include "sim/script.hpp"

#include <catch2/catch.hpp>

using namespace baton::sim;

namespace {

baton::result<script> parse(std::string_view text) {
  static rng r{1};
  scenario_context ctx;
  ctx.role = *find_role("");
  return parse_script(text, ctx, r);
}

} // namespace

TEST_CASE("a script without `turn` is one turn", "[sim][script]") {
  auto s = parse("say hello\nprogress 1/2 first\nstatus done it + 1 passed\n");
  REQUIRE(s.ok());
  REQUIRE(s->turns.size() == 1);
  auto& t = s->turns[0];
  REQUIRE(t.size() == 3);
  CHECK(t[0] == step{step_kind::say, "hello"});
  CHECK(t[1] == step{step_kind::protocol, "PROGRESS: 1/2 — first"});
  CHECK(t[2] == step{step_kind::protocol, "STATUS: DONE — it + 1 passed"});
}

TEST_CASE("`turn` separates the answers to successive inputs",
          "[sim][script]") {
  auto s = parse("turn\nsay one\nturn\n\n# second\nsay two\nturn\n");
  REQUIRE(s.ok());
  REQUIRE(s->turns.size() == 2);
  CHECK(s->turns[0][0].text == "one");
  CHECK(s->turns[1][0].text == "two");
}

TEST_CASE("`|` rows belong to the step above", "[sim][script]") {
  auto s = parse("tool Bash(make test)\n| 23 passed\n| 0 failed\n"
                 "contract todo API\n| GET /api/todos\n"
                 "write api/x.json\n| {}\n"
                 "say first\n| second\n");
  REQUIRE(s.ok());
  auto& t = s->turns[0];
  REQUIRE(t.size() == 4);
  CHECK(t[0]
        == step{step_kind::tool, "Bash(make test)", {"23 passed", "0 failed"}});
  CHECK(t[1]
        == step{step_kind::protocol, "CONTRACT: todo API", {"GET /api/todos"}});
  CHECK(t[2] == step{step_kind::write_file, "api/x.json", {"{}"}});
  CHECK(t[3].text == "first\nsecond");
}

TEST_CASE("every verb parses into its step", "[sim][script]") {
  auto s = parse("fail Bash(make)\nask Bash(rm -rf build)\nwork 1.5\n"
                 "build pass\nbuild fail x.cpp:1: boom\n"
                 "status blocked need a\nneed api/x — why\n"
                 "task t [requires: a] — d\nwait\ncompact\ncrash 7\n"
                 "stall 2\ngarbage 64K\nlongline 10M\nflood 100\n"
                 "raw \\e[1mB\ntitle hi\nexit 4\n");
  REQUIRE(s.ok());
  auto& t = s->turns[0];
  REQUIRE(t.size() == 18);
  CHECK(t[0].failed);
  CHECK(t[1].kind == step_kind::ask);
  CHECK(t[2] == step{step_kind::work, "", {}, 15});
  CHECK(t[3].text == "BUILD: PASS");
  CHECK(t[4].text == "BUILD: FAIL — x.cpp:1: boom");
  CHECK(t[5].text == "STATUS: BLOCKED — need a");
  CHECK(t[6].text == "NEED: api/x — why");
  CHECK(t[7].text == "TASK: t [requires: a] — d");
  CHECK(t[8].kind == step_kind::wait);
  CHECK(t[9].kind == step_kind::compact);
  CHECK(t[10].kind == step_kind::crash);
  CHECK(t[10].count == 7);
  CHECK(t[11] == step{step_kind::stall, "", {}, 2000});
  CHECK(t[12] == step{step_kind::garbage, "", {}, 64 * 1024});
  CHECK(t[13] == step{step_kind::long_line, "", {}, 10 * 1024 * 1024});
  CHECK(t[14] == step{step_kind::flood, "", {}, 100});
  CHECK(t[15] == step{step_kind::raw, "\x1b[1mB"});
  CHECK(t[16] == step{step_kind::title, "hi"});
  CHECK(t[17] == step{step_kind::exit, "", {}, 4});
}

TEST_CASE("`scenario` splices a built-in scenario", "[sim][script]") {
  auto s = parse("say first\nscenario normal\n");
  REQUIRE(s.ok());
  auto& t = s->turns[0];
  CHECK(t.size() > 5);
  CHECK(t.back().text.rfind("STATUS: DONE", 0) == 0);
}

TEST_CASE("script errors name the line", "[sim][script]") {
  auto check = [](std::string_view text, std::string_view want) {
    auto s = parse(text);
    REQUIRE_FALSE(s.ok());
    CHECK(s.err().code() == baton::ec::parse_error);
    INFO(s.err().message());
    CHECK(s.err().message().find(want) != std::string::npos);
  };
  check("say a\nfrobnicate\n", "line 2: unknown verb `frobnicate`");
  check("progress two/three x", "line 1: progress wants X/Y");
  check("| orphan row", "line 1: a `|` row must follow");
  check("\n\nscenario nope", "line 3: unknown scenario `nope`");
  check("status finished x", "line 1: status wants done, blocked or error");
  check("build maybe", "build wants");
  check("work soon", "work wants seconds");
  check("flood lots", "flood wants a byte count");
  check("crash hard", "crash wants an exit code");
  check("tool", "tool wants a call");
}

TEST_CASE("@sim lines of an input form a script", "[sim][script]") {
  CHECK(directives_of("Build the page.\nNo directives here.").empty());
  auto text = directives_of("Build the page.\n  @sim say hi\n@sim status "
                            "done ok + 1 passed\n@simulate no\n");
  CHECK(text == " say hi\n status done ok + 1 passed\n");
  auto s = parse(text);
  REQUIRE(s.ok());
  CHECK(s->turns[0].size() == 2);
}
