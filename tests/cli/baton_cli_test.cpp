// The baton executable as a user runs it: exit codes, help, and `baton log`
// over a log that `baton demo` recorded.
#include <cstdio>
#include <string>

#include <catch2/catch.hpp>

#include "tests/cli/run_baton.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using baton::test::run_result;

run_result run(const std::string& args) {
  return baton::test::run_baton(args);
}

size_t count_lines(const std::string& s) {
  size_t n = 0;
  for (char c : s)
    n += c == '\n';
  return n;
}

} // namespace

TEST_CASE("baton --help lists the subcommands and exits 0", "[cli]") {
  auto r = run("--help");
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("log") != std::string::npos);
  CHECK(r.out.find("demo") != std::string::npos);
  auto sub = run("log --help");
  CHECK(sub.exit_code == 0);
  CHECK(sub.out.find("--follow") != std::string::npos);
}

TEST_CASE("bad usage exits 2", "[cli]") {
  CHECK(run("").exit_code == 2);
  CHECK(run("no-such-command").exit_code == 2);
  CHECK(run("log").exit_code == 2);
  CHECK(run("log x --from 0").exit_code == 2);
}

TEST_CASE("baton log on a missing or foreign directory fails with a clear "
          "message",
          "[cli]") {
  baton::test::temp_dir tmp;
  auto missing = run("log " + (tmp / "nothing-here"));
  CHECK(missing.exit_code == 1);
  CHECK(missing.out.find("not_found") != std::string::npos);
  CHECK(missing.out.find("nothing-here") != std::string::npos);
  FILE* f = std::fopen((tmp / "notes.txt").c_str(), "w");
  REQUIRE(f != nullptr);
  std::fputs("not a log\n", f);
  std::fclose(f);
  auto foreign = run("log " + tmp.path());
  CHECK(foreign.exit_code == 1);
  CHECK(foreign.out.find("not_a_log") != std::string::npos);
}

TEST_CASE("baton log prints what baton demo recorded, as text and JSON",
          "[cli]") {
  baton::test::temp_dir tmp;
  auto db = tmp / "run.log";
  auto demo = run("demo --db " + db);
  REQUIRE(demo.exit_code == 0);
  auto all = run("log " + db);
  CHECK(all.exit_code == 0);
  CHECK(count_lines(all.out) == 13);
  CHECK(all.out.find("#1 orchestrator@1 ") == 0);
  CHECK(all.out.find("STATUS: DONE -- endpoint added + 12 passed")
        != std::string::npos);
  auto one = run("log " + db + " --stream worker/backend --from 5");
  CHECK(one.exit_code == 0);
  CHECK(count_lines(one.out) == 2);
  CHECK(one.out.find("worker/backend@5 ") != std::string::npos);
  CHECK(one.out.find("worker/frontend") == std::string::npos);
  auto json = run("log " + db + " --json --from 13");
  CHECK(json.exit_code == 0);
  CHECK(json.out.find("{\"stream\":\"orchestrator\",\"sequence\":\"2\","
                      "\"position\":\"13\"")
        == 0);
  CHECK(json.out.find("\"note\":{\"text\":\"2/2 tasks done\"}")
        != std::string::npos);
}
