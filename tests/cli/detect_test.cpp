// baton detect over the real-CLI recordings in tests/agents/recordings and
// over raw bytes: the text and --json outputs carry the states and protocol
// lines, --explain prints the screen and every rule's verdict, and bad
// input (an unknown pack, a malformed cast, a missing file) exits 2 with a
// message naming it. Run from the repository root (ctest does).
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/cli/run_baton.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

const std::string claude_normal = "tests/agents/recordings/claude-normal.cast";

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in{text};
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

bool has_line(const std::string& text, const std::string& part) {
  for (auto& l : lines_of(text))
    if (l.find(part) != std::string::npos)
      return true;
  return false;
}

size_t count_lines(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (auto& l : lines_of(text))
    n += l.find(part) != std::string::npos ? 1 : 0;
  return n;
}

void write(const std::string& path, const std::string& text) {
  std::ofstream out{path, std::ios::binary};
  out << text;
}

} // namespace

TEST_CASE("baton detect prints a recording's states and protocol lines",
          "[cli][detect]") {
  auto r = baton::test::run_baton("detect --pack claude " + claude_normal);
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
  CHECK(has_line(r.out, "state idle"));
  CHECK(has_line(r.out, "state working          rule=working"));
  CHECK(has_line(r.out, "state waiting_approval rule=\"permission prompt\""));
  CHECK(has_line(r.out, "evidence=\" Do you want to proceed?\""));
  CHECK(has_line(r.out, "state done"));
  CHECK(has_line(r.out, "state exited"));
  CHECK(count_lines(r.out, "protocol STATUS: DONE — created hello.txt + 1 "
                           "passed")
        == 1);
  CHECK(count_lines(r.out, "protocol PROGRESS: 1/2 — wrote the file") == 1);
  CHECK(count_lines(r.out, "protocol BUILD: PASS") == 1);
  // The echoed prompt's `STATUS: DONE — <what> + <evidence>.` is not the
  // agent's.
  CHECK_FALSE(has_line(r.out, "<what>"));
  // Times come from the recording: the approval prompt shows at about 6 s.
  CHECK(has_line(r.out, "   5.948s  state waiting_approval"));
}

TEST_CASE("baton detect --json writes one object per line", "[cli][detect]") {
  auto r = baton::test::run_baton("detect --pack codex --json "
                                  "tests/agents/recordings/codex-compact.cast");
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
  auto lines = lines_of(r.out);
  REQUIRE(lines.size() > 5);
  for (auto& l : lines) {
    INFO(l);
    CHECK(l.starts_with("{\"t\":"));
    CHECK(l.ends_with("}"));
    CHECK(l.find("\"rule\":") != std::string::npos);
    CHECK(l.find("\"evidence\":") != std::string::npos);
  }
  CHECK(has_line(r.out, "\"state\":\"working\""));
  CHECK(has_line(r.out, "\"state\":\"waiting_approval\""));
  CHECK(has_line(r.out, "\"state\":\"error\",\"from\":\"working\","
                        "\"rule\":\"api error\""));
  CHECK(count_lines(r.out, "\"protocol\":\"PROGRESS: 1/2 — created src/ "
                           "with an empty main.c\"")
        == 1);
  CHECK(count_lines(r.out, "\"compaction\":\"• Context compacted\"") == 1);
  // Evidence with quotes is escaped JSON.
  CHECK(has_line(r.out, "\"evidence\":\"■ {\\\"error\\\""));
}

TEST_CASE("baton detect --explain shows the screen and every verdict",
          "[cli][detect]") {
  auto r = baton::test::run_baton("detect --pack claude --explain 6.5 "
                                  + claude_normal);
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
  CHECK(has_line(r.out, "screen at    6.500s (120x30)"));
  CHECK(has_line(r.out, "title \"✳ Claude Code\""));
  CHECK(has_line(r.out, "| Do you want to proceed?"));
  CHECK(has_line(r.out, "state waiting_approval"));
  CHECK(has_line(r.out, "rule 'permission prompt' (waiting_approval): "
                        "holds, decides"));
  CHECK(has_line(r.out, "rule 'working' (working): does not hold"));
  CHECK(has_line(r.out, "rule 'prompt' (idle): does not hold"));
  // --explain prints the explanation, not the changes.
  CHECK_FALSE(has_line(r.out, "protocol "));
}

TEST_CASE("baton detect reads raw bytes and a pack file", "[cli][detect]") {
  baton::test::temp_dir dir;
  write(dir / "out.bin",
        "make all\r\nSTATUS: DONE -- built it + 3 passed\r\n$ ");
  auto r = baton::test::run_baton("detect --pack generic " + (dir / "out.bin")
                                  + " --chunk 7");
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
  CHECK(has_line(r.out, "state idle             rule=\"prompt at the "
                        "cursor\""));
  CHECK(count_lines(r.out, "protocol STATUS: DONE -- built it + 3 passed")
        == 1);
  CHECK_FALSE(has_line(r.out, "state exited"));

  write(dir / "mine.toml", "name = \"mine\"\nversion = 1\n[[rule]]\n"
                           "name = \"built\"\nstate = \"done\"\n"
                           "pattern = 'STATUS: DONE'\n");
  auto own = baton::test::run_baton("detect --pack-file " + (dir / "mine.toml")
                                    + " " + (dir / "out.bin"));
  INFO(own.out);
  CHECK(own.exit_code == 0);
  CHECK(has_line(own.out, "state done             rule=built"));
}

TEST_CASE("baton detect refuses bad input with exit 2, naming it",
          "[cli][detect]") {
  baton::test::temp_dir dir;
  SECTION("an unknown pack") {
    auto r = baton::test::run_baton("detect --pack clod " + claude_normal);
    CHECK(r.exit_code == 2);
    CHECK(r.out.find("no built-in pack 'clod'") != std::string::npos);
  }
  SECTION("a malformed cast, with its line") {
    auto path = dir / "broken.cast";
    write(path, "{\"version\": 2, \"width\": 80, \"height\": 24}\n"
                "[0.5, \"o\", \"hi\"]\n[0.25, \"o\" \"x\"]\n");
    auto r = baton::test::run_baton("detect --pack generic " + path);
    CHECK(r.exit_code == 2);
    CHECK(r.out.find(path + ":3:") != std::string::npos);
  }
  SECTION("a missing recording") {
    auto path = dir / "nothing.cast";
    auto r = baton::test::run_baton("detect --pack generic " + path);
    CHECK(r.exit_code == 2);
    CHECK(r.out.find("cannot read " + path) != std::string::npos);
  }
  SECTION("a pack file with a bad regex, with its line") {
    auto pack = dir / "bad.toml";
    write(pack, "name = \"bad\"\nversion = 1\n[[rule]]\nname = \"x\"\n"
                "state = \"idle\"\npattern = '('\n");
    auto r = baton::test::run_baton("detect --pack-file " + pack + " "
                                    + claude_normal);
    CHECK(r.exit_code == 2);
    CHECK(r.out.find("bad.toml:") != std::string::npos);
  }
  SECTION("no pack") {
    auto r = baton::test::run_baton("detect " + claude_normal);
    CHECK(r.exit_code == 2);
  }
}
