// `baton why` on a recorded run of examples/pipeline.toml, whose builder
// hands in an incomplete artifact first: its gate fails, the reasons go back
// to it, and the retry passes.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/cli/run_baton.hpp"
#include "tests/support/temp_dir.hpp"

using namespace baton;
namespace fs = std::filesystem;

namespace {

/// ctest runs the tests in the source tree.
std::string source_dir() {
  return fs::current_path().string();
}

/// Where each of `needles` appears in `text`, each searched after the one
/// before; npos from the first one missing on.
std::vector<size_t> in_order(const std::string& text,
                             const std::vector<std::string>& needles) {
  std::vector<size_t> at;
  size_t from = 0;
  for (auto& n : needles) {
    auto i = from == std::string::npos ? from : text.find(n, from);
    at.push_back(i);
    from = i == std::string::npos ? i : i + n.size();
  }
  return at;
}

} // namespace

TEST_CASE("why shows a task's dispatch, failed gate and reasons, retry, "
          "passed gate and settle, in order",
          "[cli][why][e2e]") {
  test::temp_dir dir;
  auto db = dir / "log";
  auto run = test::run_baton("run " + source_dir() + "/examples/pipeline.toml"
                             + " --db " + db + " --workspace " + dir / "work");
  INFO(run.out);
  REQUIRE(run.exit_code == 0);

  auto why = test::run_baton("why " + db + " build");
  INFO(why.out);
  CHECK(why.exit_code == 0);
  CHECK(why.out.find("why task build") != std::string::npos);
  std::vector<std::string> chain{
    "dispatch task build to builder (attempt 1)",
    "run the gate of task build (attempt 1",
    "<- ",
    "builder wrote: STATUS: DONE",
    "tell builder (retry of task build)",
    "gate of task build (attempt 1) failed: build/app.json does not contain "
    "\"steps_done\"",
    "run the gate of task build (attempt 2",
    "task build passed",
    "gate of task build (attempt 2) passed",
  };
  auto at = in_order(why.out, chain);
  for (size_t i = 0; i < chain.size(); ++i) {
    INFO(chain[i]);
    CHECK(at[i] != std::string::npos);
  }
  // Logical times as seconds.
  CHECK(why.out.find("s  orchestrator@") != std::string::npos);

  auto json = test::run_baton("why " + db + " build --json");
  INFO(json.out);
  CHECK(json.exit_code == 0);
  CHECK(json.out.rfind("[{", 0) == 0);
  CHECK(json.out.find("\"kind\":\"tell_agent\"") != std::string::npos);
  CHECK(json.out.find("\"cause\":{\"stream\":\"orchestrator\"")
        != std::string::npos);

  // The builder itself: its own stream's prompts are interleaved.
  auto agent = test::run_baton("why " + db + " builder");
  INFO(agent.out);
  CHECK(agent.exit_code == 0);
  CHECK(agent.out.find("why agent builder") != std::string::npos);
  CHECK(agent.out.find("worker/builder@") != std::string::npos);
  CHECK(agent.out.find("prompt typed (retry of task build)")
        != std::string::npos);

  auto bad = test::run_baton("why " + db + " nobody");
  INFO(bad.out);
  CHECK(bad.exit_code == 2);
  CHECK(bad.out.find("\"nobody\" is neither an agent nor a task")
        != std::string::npos);
  CHECK(bad.out.find("tasks: research, plan, build, verify")
        != std::string::npos);
}

TEST_CASE("why on a directory that holds no log names it and exits 2",
          "[cli][why]") {
  test::temp_dir dir;
  auto missing = dir / "nothing-here";
  auto r = test::run_baton("why " + missing + " build");
  INFO(r.out);
  CHECK(r.exit_code == 2);
  CHECK(r.out.find(missing) != std::string::npos);
}
