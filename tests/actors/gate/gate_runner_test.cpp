#include "actors/gate/gate_runner.hpp"

#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "tests/support/temp_dir.hpp"

using namespace baton;

namespace {

engine::plan_artifact artifact(std::string path, std::string format = "any") {
  engine::plan_artifact a;
  a.path = std::move(path);
  a.format = std::move(format);
  return a;
}

} // namespace

TEST_CASE("a gate passes when artifacts hold and commands succeed",
          "[actors][gate]") {
  test::temp_dir dir;
  std::filesystem::create_directories(dir / "api");
  std::ofstream{dir / "api/openapi.json"} << R"({"paths": {"/api/todos": {}}})";
  actors::gate_request req;
  req.task = "api";
  req.attempt = 2;
  req.workdir = dir.path();
  req.artifacts = {artifact("api/openapi.json", "json")};
  req.artifacts[0].must_contain = {"/api/todos"};
  req.verify = {"test -s api/openapi.json", "echo checking; true"};
  auto out = actors::run_gate(req);
  CHECK(out.passed);
  CHECK(out.reasons.empty());
  CHECK(out.task == "api");
  CHECK(out.attempt == 2);
}

TEST_CASE("a gate reports every failing artifact and command",
          "[actors][gate]") {
  test::temp_dir dir;
  std::ofstream{dir / "plan.md"} << "";
  actors::gate_request req;
  req.task = "t";
  req.workdir = dir.path();
  req.artifacts = {artifact("missing.json", "json"), artifact("plan.md")};
  req.verify = {"echo 3 failed >&2; exit 4"};
  auto out = actors::run_gate(req);
  CHECK_FALSE(out.passed);
  REQUIRE(out.reasons.size() == 3);
  CHECK(out.reasons[0] == "missing.json does not exist");
  CHECK(out.reasons[1] == "plan.md is empty");
  CHECK(out.reasons[2] == "\"echo 3 failed >&2; exit 4\" exited with status "
                          "4; output: 3 failed\n");
}

TEST_CASE("a verification command that hangs is killed at its deadline",
          "[actors][gate]") {
  test::temp_dir dir;
  actors::gate_request req;
  req.task = "t";
  req.workdir = dir.path();
  req.verify = {"echo started; sleep 600"};
  // Long enough for the shell to start and say so on a loaded machine;
  // the command would sleep for 10 minutes.
  req.timeout = std::chrono::seconds{3};
  auto out = actors::run_gate(req);
  CHECK_FALSE(out.passed);
  REQUIRE(out.reasons.size() == 1);
  CHECK(out.reasons[0].find("did not finish within") != std::string::npos);
  CHECK(out.reasons[0].find("started") != std::string::npos);
}
