// baton check and baton init, as a user runs them.
#include <fstream>

#include <catch2/catch.hpp>

#include "tests/cli/run_baton.hpp"
#include "tests/support/temp_dir.hpp"

using baton::test::run_baton;

namespace {

std::string write(const baton::test::temp_dir& dir, const std::string& name,
                  const std::string& text) {
  auto path = dir / name;
  std::ofstream{path} << text;
  return path;
}

} // namespace

TEST_CASE("baton check accepts the example plans", "[cli][plan]") {
  auto r = run_baton("check examples/feature.toml");
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("ok — 3 agents, 3 tasks, pattern hub") != std::string::npos);
  auto pipeline = run_baton("check examples/pipeline.toml");
  INFO(pipeline.out);
  CHECK(pipeline.exit_code == 0);
  CHECK(pipeline.out.find("ok — 4 agents, 4 tasks, pattern pipeline")
        != std::string::npos);
}

TEST_CASE("baton init writes the example plan, which checks clean",
          "[cli][plan]") {
  baton::test::temp_dir tmp;
  auto path = tmp / "plan.toml";
  auto r = run_baton("init " + path);
  REQUIRE(r.exit_code == 0);
  CHECK(run_baton("check " + path).exit_code == 0);
  auto again = run_baton("init " + path);
  CHECK(again.exit_code == 1);
  CHECK(again.out.find("exists") != std::string::npos);
}

TEST_CASE("baton check reports every problem with file and line and exits 2",
          "[cli][plan]") {
  baton::test::temp_dir tmp;
  auto path = write(tmp, "bad.toml", R"([agents.a]
command = ["surely-not-installed-anywhere"]
owns = ["src/**"]
[agents.b]
preset = "sim"
owns = ["src/main.c"]
[[tasks]]
id = "t"
prompt = "p"
agent = "c"
after = ["t"]
)");
  auto r = run_baton("check " + path);
  CHECK(r.exit_code == 2);
  CHECK(r.out.find(path + ":7:1: task t names unknown agent \"c\"")
        != std::string::npos);
  CHECK(r.out.find("dependency cycle: t -> t") != std::string::npos);
  CHECK(r.out.find("both own paths matching") != std::string::npos);
  CHECK(r.out.find("executable \"surely-not-installed-anywhere\" not found")
        != std::string::npos);
  CHECK(r.out.find("4 problems") != std::string::npos);
}

TEST_CASE("baton check on a missing file is bad usage", "[cli][plan]") {
  auto r = run_baton("check no/such/plan.toml");
  CHECK(r.exit_code == 2);
  CHECK(r.out.find("cannot read plan file no/such/plan.toml")
        != std::string::npos);
}
