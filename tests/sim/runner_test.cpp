// The sim's main loop driven through a fake port: the byte stream for a seed,
// permission answers, waiting for an answer, crashes, noise and files.
#include "sim/runner.hpp"

#include <catch2/catch.hpp>

#include "tests/sim/fake_port.hpp"
#include "tests/sim/screen_text.hpp"

using namespace baton::sim;
using baton::test::count_of;
using baton::test::fake_port;
using baton::test::strip_escapes;

namespace {

const std::string prompt = "\x1b[200~Build the todo API\x1b[201~\r";

struct session {
  std::string out;
  run_outcome outcome;
  std::map<std::string, std::string> files;
};

session run(sim_options o, std::vector<std::string> inputs,
            std::string_view script = "",
            std::vector<std::string> during_work = {}) {
  auto turns = turn_source::make(o, script);
  REQUIRE(turns.ok());
  fake_port io{std::move(inputs), 80};
  io.during_work = std::move(during_work);
  runner r{io, o, std::move(*turns)};
  session s;
  s.outcome = r.run();
  s.out = std::move(io.out);
  s.files = std::move(io.files);
  return s;
}

sim_options scenario(std::string name, uint64_t seed = 1) {
  sim_options o;
  o.scenario = std::move(name);
  o.seed = seed;
  return o;
}

} // namespace

TEST_CASE("the same seed and input give the same bytes", "[sim][runner]") {
  for (auto name : {"normal", "permission", "loop", "compact", "garbage"}) {
    INFO(name);
    auto o = scenario(name, 7);
    o.bytes = 4096;
    auto a = run(o, {prompt, "y"});
    auto b = run(o, {prompt, "y"});
    CHECK(a.out == b.out);
    auto other = scenario(name, 8);
    other.bytes = 4096;
    auto c = run(other, {prompt, "y"});
    CHECK(a.out != c.out);
  }
}

TEST_CASE("the bytes do not depend on how the input was split",
          "[sim][runner]") {
  std::vector<std::string> bytes;
  for (char c : prompt)
    bytes.emplace_back(1, c);
  auto split = run(scenario("normal"), bytes);
  auto whole = run(scenario("normal"), {prompt});
  CHECK(split.out == whole.out);
}

TEST_CASE("a normal task ends with BUILD: PASS and STATUS: DONE, written "
          "contiguously",
          "[sim][runner]") {
  auto s = run(scenario("normal"), {prompt});
  CHECK(s.outcome.exit_code == 0);
  CHECK_FALSE(s.outcome.crashed);
  CHECK(s.out.find("STATUS: DONE — the requested change is in place + ")
        != std::string::npos);
  CHECK(s.out.find("BUILD: PASS\r\n  STATUS: DONE") != std::string::npos);
  auto plain = strip_escapes(s.out);
  CHECK(plain.find("> Build the todo API") != std::string::npos);
  CHECK(plain.find("● PROGRESS: 3/3 — ") != std::string::npos);
  CHECK(plain.find("  ⎿  Read ") != std::string::npos);
  CHECK(s.out.find("\x1b]0;sim: working…\a") != std::string::npos);
  CHECK(s.out.rfind("\x1b]0;sim: idle\a") > s.out.find("STATUS: DONE"));
  CHECK(s.out.find("\x1b[?2004h") == 0);
  CHECK(plain.rfind("✻ ") > plain.find("STATUS: DONE"));
  CHECK(plain.find(" for ", plain.rfind("✻ ")) != std::string::npos);
  CHECK(s.out.ends_with("\x1b]0;\a"));
}

TEST_CASE("Ctrl-C during work interrupts the turn, other keys wait for the "
          "prompt",
          "[sim][runner]") {
  auto s = run(scenario("normal"), {prompt}, "",
               {"", "", "second task\r", "", "\x03"});
  auto plain = strip_escapes(s.out);
  auto interrupted = plain.find("⎿  Interrupted by user");
  REQUIRE(interrupted != std::string::npos);
  CHECK(plain.find("STATUS: DONE") > interrupted);
  CHECK(plain.find("> second task") > interrupted);
  CHECK(count_of(plain, "STATUS: DONE") == 1);
}

TEST_CASE("a terminal's answers to queries are not typed text",
          "[sim][runner]") {
  auto s = run(
    scenario("normal"),
    {"\x1b[?62;22c\x1bP>|libvterm(0.1)\x1b\\\x1b]11;rgb:0/0/0\a", prompt});
  auto plain = strip_escapes(s.out);
  CHECK(plain.find("> Build the todo API") != std::string::npos);
  CHECK(plain.find("libvterm") == std::string::npos);
}

TEST_CASE("spinner frames are counted, so shown seconds follow the steps",
          "[sim][runner]") {
  auto s = run(scenario("slow"), {prompt});
  auto plain = strip_escapes(s.out);
  CHECK(plain.find("… (0s · ctrl+c to interrupt)") != std::string::npos);
  CHECK(plain.find("… (20s · ctrl+c to interrupt)") != std::string::npos);
}

TEST_CASE("y at the permission prompt continues to DONE", "[sim][runner]") {
  auto s = run(scenario("permission"), {prompt, "y"});
  CHECK(s.out.find("Allow Bash(rm -rf build)? [y/n]") != std::string::npos);
  CHECK(s.out.find("\x1b]0;sim: waiting for approval\a") != std::string::npos);
  CHECK(s.out.find("STATUS: DONE") != std::string::npos);
  CHECK(strip_escapes(s.out).find("● Bash(rm -rf build)\n  ⎿  (no output)")
        != std::string::npos);
}

TEST_CASE("n at the permission prompt reports BLOCKED and ends the turn",
          "[sim][runner]") {
  auto s = run(scenario("permission"), {prompt, "x", "n"});
  CHECK(s.out.find("STATUS: BLOCKED — permission denied for Bash(rm -rf "
                   "build)")
        != std::string::npos);
  CHECK(s.out.find("STATUS: DONE") == std::string::npos);
}

TEST_CASE("blocked waits at the prompt for an answer, then finishes",
          "[sim][runner]") {
  auto o = scenario("blocked");
  o.role = "frontend";
  auto waiting = run(o, {prompt});
  CHECK(waiting.out.find("NEED: api/openapi.json — ") != std::string::npos);
  CHECK(waiting.out.find("STATUS: BLOCKED — ") != std::string::npos);
  CHECK(waiting.out.find("STATUS: DONE") == std::string::npos);
  auto answered = run(o, {prompt, "CONTRACT: todo API\r"});
  auto plain = strip_escapes(answered.out);
  CHECK(plain.find("> CONTRACT: todo API") > plain.find("STATUS: BLOCKED"));
  CHECK(plain.find("STATUS: DONE — todo page built") != std::string::npos);
}

TEST_CASE("a loop repeats the same BUILD: FAIL", "[sim][runner]") {
  auto o = scenario("loop");
  o.steps = 5;
  auto s = run(o, {prompt});
  CHECK(count_of(s.out, "BUILD: FAIL — src/parser.cpp:42: 'token_kind' was "
                        "not declared in this scope")
        == 5);
  CHECK(s.out.find("STATUS: ERROR — ") != std::string::npos);
}

TEST_CASE("compaction prints the marker, then PROGRESS starts over",
          "[sim][runner]") {
  auto o = scenario("compact");
  o.steps = 4;
  auto plain = strip_escapes(run(o, {prompt}).out);
  auto marker = plain.find("✻ Conversation compacted");
  REQUIRE(marker != std::string::npos);
  CHECK(plain.find("PROGRESS: 2/4") < marker);
  CHECK(plain.find("PROGRESS: 1/4", marker) != std::string::npos);
  CHECK(plain.find("Compacting conversation…") < marker);
}

TEST_CASE("a crash stops mid-line with its exit code", "[sim][runner]") {
  auto o = scenario("crash");
  o.crash_code = 5;
  auto s = run(o, {prompt, "more input"});
  CHECK(s.outcome.crashed);
  CHECK(s.outcome.exit_code == 5);
  CHECK(s.out.ends_with("● Running the database migrat"));
  CHECK(s.out.find("STATUS:") == std::string::npos);
}

TEST_CASE("noise scenarios write their bytes and still finish",
          "[sim][runner]") {
  auto o = scenario("flood");
  o.bytes = 100'000;
  auto flood = run(o, {prompt});
  CHECK(count_of(flood.out, "flood ") > 1000);
  CHECK(flood.out.find("STATUS: DONE") > flood.out.rfind("flood "));
  o.scenario = "longline";
  auto line = run(o, {prompt});
  size_t longest = 0;
  size_t current = 0;
  for (char c : line.out) {
    current = (c >= 'a' && c <= 'z') ? current + 1 : 0;
    longest = std::max(longest, current);
  }
  CHECK(longest == 100'000);
  o.scenario = "garbage";
  auto garbage = run(o, {prompt});
  CHECK(garbage.out.find("STATUS: DONE") != std::string::npos);
  CHECK(garbage.out.size() > 100'000);
}

TEST_CASE("roles write their files through the port", "[sim][runner]") {
  sim_options o;
  o.role = "backend";
  auto s = run(o, {prompt});
  REQUIRE(s.files.count("api/openapi.json") == 1);
  CHECK(s.files["api/openapi.json"].find("\"/api/todos\"")
        != std::string::npos);
  CHECK(strip_escapes(s.out).find("● Write(api/openapi.json)")
        != std::string::npos);
  CHECK(s.out.find("CONTRACT: todo API v1 (api/openapi.json)\r\n  GET "
                   "/api/todos")
        != std::string::npos);
}

TEST_CASE("the builder writes a draft and reports DONE, then writes the "
          "whole file when told the gate failed",
          "[sim][runner]") {
  sim_options o;
  o.role = "builder";
  auto first = run(o, {prompt});
  REQUIRE(first.files.count("build/app.json") == 1);
  CHECK(first.files["build/app.json"].find("\"version\"") != std::string::npos);
  CHECK(first.files["build/app.json"].find("steps_done") == std::string::npos);
  auto plain = strip_escapes(first.out);
  auto write = plain.find("● Write(build/app.json)");
  auto done = plain.find("STATUS: DONE — app built, recorded in");
  REQUIRE(write != std::string::npos);
  REQUIRE(done != std::string::npos);
  CHECK(write < done);
  CHECK(plain.find("+ build passed, 14", done) != std::string::npos);
  auto retry = run(o, {prompt, "\x1b[200~Attempt 2 of 3 for task build: the "
                               "gate failed: build/app.json does not contain "
                               "\"steps_done\". Fix it, then report STATUS "
                               "again.\x1b[201~\r"});
  CHECK(retry.files["build/app.json"].find("\"steps_done\": [")
        != std::string::npos);
  plain = strip_escapes(retry.out);
  auto told = plain.find("> Attempt 2 of 3");
  REQUIRE(told != std::string::npos);
  CHECK(plain.find("STATUS: DONE — app built") < told);
  auto again = plain.find("● Write(build/app.json)", told);
  REQUIRE(again != std::string::npos);
  CHECK(plain.find("STATUS: DONE — app built", again) != std::string::npos);
  CHECK(run(o, {prompt}).out == first.out);
}

TEST_CASE("a script's write may not leave the working directory",
          "[sim][runner]") {
  auto s = run(scenario("normal"), {prompt},
               "write ../outside.txt\n| x\nwrite /abs.txt\n| y\n");
  CHECK(s.files.empty());
  CHECK(count_of(s.out, "the sim writes only relative paths") == 2);
}

TEST_CASE("each input gets its turn and exit ends the program",
          "[sim][runner]") {
  auto s = run(scenario("normal"), {prompt, "second\r", "third\r"},
               "say one\nturn\nsay two\nexit 4\nsay never\n");
  auto plain = strip_escapes(s.out);
  CHECK(plain.find("● one") != std::string::npos);
  CHECK(plain.find("● two") != std::string::npos);
  CHECK(plain.find("never") == std::string::npos);
  CHECK(plain.find("> third") == std::string::npos);
  CHECK(s.outcome.exit_code == 4);
}

TEST_CASE("Ctrl-D or Ctrl-C at an empty prompt exits 0", "[sim][runner]") {
  CHECK(run(sim_options{}, {"\x04", prompt}).out.find("STATUS")
        == std::string::npos);
  auto s = run(sim_options{}, {"abc\x03\x03", prompt});
  CHECK(s.outcome.exit_code == 0);
  CHECK(s.out.find("STATUS") == std::string::npos);
}
