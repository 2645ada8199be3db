// Context compaction end to end: a simulated agent whose model compacts its
// conversation mid-task (the CLI's marker, then STATUS: BLOCKED — context
// compacted) gets its checkpoint summary typed in and written to its
// checkpoint file, records that it did, and finishes its task.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "storage/event_log.hpp"
#include "tests/cli/run_baton.hpp"
#include "tests/support/temp_dir.hpp"

using namespace baton;
namespace fs = std::filesystem;

namespace {

void write(const std::string& path, const std::string& text) {
  std::ofstream{path} << text;
}

std::string read(const std::string& path) {
  std::ifstream in{path};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

constexpr const char* plan = R"(
[run]
workspace = "work"
[agents.dev]
preset = "sim"
args = ["--scenario", "compact-blocked", "--speed", "4"]
[[tasks]]
id = "store"
prompt = "build the store"
agent = "dev"
)";

} // namespace

TEST_CASE("a compacted agent gets its checkpoint typed in and written to "
          "its checkpoint file, and finishes its task",
          "[cli][compaction][e2e]") {
  test::temp_dir dir;
  write(dir / "plan.toml", plan);
  auto r = test::run_baton("run " + dir / "plan.toml" + " --db " + dir / "log");
  INFO(r.out);
  REQUIRE(r.exit_code == 0);

  storage::options opts;
  opts.read_only = true;
  auto log = storage::event_log::open(dir / "log", opts);
  REQUIRE(log.ok());
  auto events = (*log)->read("worker/dev");
  REQUIRE(events.ok());
  uint64_t marker = 0;
  std::vector<std::string> restores;
  for (auto& e : *events) {
    auto ev = e.event();
    if (ev.isCompactionSeen() && marker == 0)
      marker = e.sequence();
    if (ev.isPromptRequested()
        && std::string{ev.getPromptRequested().getWhy().cStr()}
             == "checkpoint after context compaction") {
      CHECK(e.sequence() > marker);
      restores.push_back(ev.getPromptRequested().getText().cStr());
    }
  }
  REQUIRE(marker > 0);
  REQUIRE(!restores.empty());
  // The summary names the task and what was done before the compaction,
  // without protocol keywords the agent could echo.
  CHECK(restores.back().find("Task store, attempt 1") != std::string::npos);
  CHECK(restores.back().find("progress 1/3") != std::string::npos);
  CHECK(restores.back().find("PROGRESS:") == std::string::npos);
  // The file is kept up to date to the end: the task's last status.
  auto file = read(dir / "work/dev/.baton/checkpoint.md");
  CHECK(file.find("Checkpoint of dev") != std::string::npos);
  CHECK(file.find("status DONE") != std::string::npos);
  // And `baton checkpoint` folds the same summary from the log (the file
  // was written at the last major step; the stream went on after it).
  auto cp = test::run_baton("checkpoint " + dir / "log" + " dev");
  CHECK(cp.exit_code == 0);
  auto body = [](const std::string& s) { return s.substr(s.find('\n')); };
  CHECK(body(cp.out) == body(file));
  auto replay = test::run_baton("replay " + dir / "log");
  INFO(replay.out);
  CHECK(replay.exit_code == 0);
}
