#include "engine/orchestration/artifact_check.hpp"

#include <catch2/catch.hpp>

using namespace baton::engine;

namespace {

plan_artifact artifact(std::string format, std::string pattern = {}) {
  plan_artifact a;
  a.path = "out/file";
  a.format = std::move(format);
  a.pattern = std::move(pattern);
  return a;
}

} // namespace

TEST_CASE("a missing or empty artifact fails", "[engine][artifact]") {
  auto a = artifact("any");
  CHECK(check_artifact(a, std::nullopt)
        == std::vector<std::string>{"out/file does not exist"});
  CHECK(check_artifact(a, std::string{" \n\t"})
        == std::vector<std::string>{"out/file is empty"});
  a.non_empty = false;
  CHECK(check_artifact(a, std::string{}).empty());
}

TEST_CASE("JSON and TOML artifacts must parse", "[engine][artifact]") {
  CHECK(check_artifact(artifact("json"), std::string{R"({"paths": ["/a"]})"})
          .empty());
  auto bad = check_artifact(artifact("json"), std::string{R"({"a": )"});
  REQUIRE(bad.size() == 1);
  CHECK(bad[0].rfind("out/file is not valid JSON", 0) == 0);
  CHECK(check_artifact(artifact("toml"), std::string{"[x]\ny = 1\n"}).empty());
  auto badtoml = check_artifact(artifact("toml"), std::string{"[x\n"});
  REQUIRE(badtoml.size() == 1);
  CHECK(badtoml[0].find("is not valid TOML (line 1") != std::string::npos);
}

TEST_CASE("regex artifacts must match as a whole", "[engine][artifact]") {
  auto a = artifact("regex", R"((?s)# Plan\n.*)");
  CHECK(check_artifact(a, std::string{"# Plan\n1. do it\n"}).empty());
  auto bad = check_artifact(a, std::string{"no heading"});
  REQUIRE(bad.size() == 1);
  CHECK(bad[0] == "out/file does not match the pattern (?s)# Plan\\n.*");
  auto broken = check_artifact(artifact("regex", "(unclosed"),
                               std::string{"x"});
  REQUIRE(broken.size() == 1);
  CHECK(broken[0].find("the plan's pattern is invalid") != std::string::npos);
}

TEST_CASE("must_contain lists every missing piece", "[engine][artifact]") {
  auto a = artifact("markdown");
  a.must_contain = {"GET /todos", "POST /todos", "DELETE"};
  auto reasons = check_artifact(a, std::string{"# API\nGET /todos\n"});
  CHECK(reasons
        == std::vector<std::string>{"out/file does not contain \"POST /todos\"",
                                    "out/file does not contain \"DELETE\""});
  CHECK(check_artifact(artifact("markdown"), std::string{"a\0b", 3}).size()
        == 1);
}
