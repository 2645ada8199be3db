// Context compaction end to end: a simulated agent whose model compacts its
// conversation mid-task (the CLI's marker, then STATUS: BLOCKED — context
// compacted) gets its checkpoint summary typed in and written to its
// checkpoint file, records that it did, and finishes its task.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "replay/checkpoint_rebuild.hpp"
#include "replay/orchestrator_replay.hpp"
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

/// Runs `text` (as dir/plan.toml, its log in dir/log) to a success, and
/// opens its log to read.
std::unique_ptr<storage::event_log> run_plan(const test::temp_dir& dir,
                                             const std::string& text) {
  write(dir / "plan.toml", text);
  auto r = test::run_baton("run " + dir / "plan.toml" + " --db " + dir / "log");
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
  storage::options opts;
  opts.read_only = true;
  auto log = storage::event_log::open(dir / "log", opts);
  REQUIRE(log.ok());
  return std::move(*log);
}

} // namespace

TEST_CASE("a compacted agent gets its checkpoint typed in and written to "
          "its checkpoint file, and finishes its task",
          "[cli][compaction][e2e]") {
  test::temp_dir dir;
  auto log = run_plan(dir, plan);
  auto events = log->read("worker/dev");
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

TEST_CASE("a worker saves snapshots of its checkpoint fold as the plan's "
          "snapshot_every says, and a rebuild from them equals the fold of "
          "the whole stream",
          "[cli][compaction][snapshot][e2e]") {
  test::temp_dir dir;
  auto log = run_plan(dir, std::string{plan} + "[policy]\nsnapshot_every = 3\n");
  auto highest = log->highest("worker/dev");
  REQUIRE(highest > 6);
  // Snapshots every 3 (or more) events of the stream: the latest, and one
  // before it.
  auto latest = log->load_snapshot("worker/dev");
  REQUIRE(latest.ok());
  REQUIRE(latest->has_value());
  CHECK((*latest)->sequence >= 3);
  CHECK((*latest)->sequence <= highest);
  storage::snapshot_criteria earlier;
  earlier.max_sequence = (*latest)->sequence - 1;
  auto before = log->load_snapshot("worker/dev", earlier);
  REQUIRE(before.ok());
  REQUIRE(before->has_value());
  CHECK((*latest)->sequence - (*before)->sequence >= 3);

  // From the latest snapshot, at the end and as of a sequence between two
  // snapshots: the same summary as the fold of the whole stream.
  for (auto at : {UINT64_MAX, (*latest)->sequence - 1}) {
    auto from_snapshot = replay::rebuild_checkpoint(*log, "dev", at, true);
    auto whole = replay::rebuild_checkpoint(*log, "dev", at, false);
    REQUIRE(from_snapshot.ok());
    REQUIRE(whole.ok());
    CHECK(from_snapshot->fold.render("dev") == whole->fold.render("dev"));
    // ... having read the stream from a snapshot on.
    CHECK(from_snapshot->stats.snapshot_sequence > 0);
    CHECK(from_snapshot->stats.events_applied < whole->stats.events_applied);
    CHECK(from_snapshot->fold.render("dev").find("Task store")
          != std::string::npos);
  }
  // The orchestrator's fold too: its latest snapshot and the events after
  // it rebuild what its whole streams do.
  auto orchestrator = log->load_snapshot("orchestrator");
  REQUIRE(orchestrator.ok());
  REQUIRE(orchestrator->has_value());
  CHECK((*orchestrator)->sequence <= log->highest("orchestrator"));
  replay::rebuild_stats stats;
  auto fast = replay::rebuild_orchestrator(*log, true, &stats);
  auto whole = replay::rebuild_orchestrator(*log, false);
  REQUIRE(fast.ok());
  REQUIRE(whole.ok());
  CHECK(stats.snapshot == (*orchestrator)->sequence);
  CHECK(stats.passed_over.empty());
  CHECK(fast->save() == whole->save());
  CHECK(fast->engine->finished());
  auto replay = test::run_baton("replay " + dir / "log");
  INFO(replay.out);
  CHECK(replay.exit_code == 0);
}
