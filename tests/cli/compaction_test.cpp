// Context compaction end to end: a simulated agent whose model compacts its
// conversation mid-task (the CLI's marker, then STATUS: BLOCKED — context
// compacted) gets its checkpoint summary typed in and written to its
// checkpoint file, records that it did, and finishes its task.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/orchestration/chain_event.hpp"
#include "engine/orchestration/chain_snapshot.hpp"
#include "engine/orchestration/team_scope.hpp"
#include "replay/chain_replay.hpp"
#include "replay/checkpoint_rebuild.hpp"
#include "replay/lead_replay.hpp"
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
  // ... and no older one: a run keeps each stream's two latest.
  REQUIRE((*before)->sequence > 3);
  earlier.max_sequence = (*before)->sequence - 1;
  auto older = log->load_snapshot("worker/dev", earlier);
  REQUIRE(older.ok());
  CHECK_FALSE(older->has_value());

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
  earlier.max_sequence = (*orchestrator)->sequence - 1;
  auto second = log->load_snapshot("orchestrator", earlier);
  REQUIRE(second.ok());
  if (*second) {
    earlier.max_sequence = (**second).sequence - 1;
    auto third = log->load_snapshot("orchestrator", earlier);
    REQUIRE(third.ok());
    CHECK_FALSE(third->has_value());
  }

  // A fork of the whole run holds the snapshots that run ended with, and
  // its rebuild starts from the orchestrator's.
  auto last = log->last_position();
  auto worker_latest = (*latest)->sequence;
  auto orchestrator_latest = (*orchestrator)->sequence;
  auto whole_bytes = whole->save();
  log.reset();
  auto fork = test::run_baton("fork " + dir / "log" + " --at "
                              + std::to_string(last) + " " + dir / "fork");
  INFO(fork.out);
  CHECK(fork.exit_code == 0);
  CHECK(fork.out.find("snapshots it covers") != std::string::npos);
  storage::options ro;
  ro.read_only = true;
  auto forked = storage::event_log::open(dir / "fork", ro);
  REQUIRE(forked.ok());
  auto copied = (*forked)->load_snapshot("worker/dev");
  REQUIRE(copied.ok());
  REQUIRE(copied->has_value());
  CHECK((*copied)->sequence == worker_latest);
  replay::rebuild_stats forked_stats;
  auto rebuilt = replay::rebuild_orchestrator(**forked, true, &forked_stats);
  REQUIRE(rebuilt.ok());
  CHECK(forked_stats.snapshot == orchestrator_latest);
  CHECK(forked_stats.passed_over.empty());
  CHECK(rebuilt->save() == whole_bytes);
  forked->reset();

  // A fork from a point before the orchestrator's latest snapshot gets an
  // earlier one, or none: never one that folded events it does not hold.
  auto original = storage::event_log::open(dir / "log", ro);
  REQUIRE(original.ok());
  auto at_snapshot = (*original)->read("orchestrator", orchestrator_latest,
                                       orchestrator_latest);
  REQUIRE(at_snapshot.ok());
  REQUIRE(at_snapshot->size() == 1);
  auto mid = at_snapshot->front().position() - 1;
  original->reset();
  auto early = test::run_baton("fork " + dir / "log" + " --at "
                               + std::to_string(mid) + " " + dir / "early");
  INFO(early.out);
  CHECK(early.exit_code == 0);
  CHECK(early.out.find("folded from their first event") == std::string::npos);
  auto early_replay = test::run_baton("replay " + dir / "early");
  INFO(early_replay.out);
  CHECK(early_replay.exit_code == 0);
}

TEST_CASE("a chain's orchestrator and each lead save snapshots of their "
          "folds as snapshot_every says: a rebuild from them is the rebuild "
          "from the first event, and a fork's resume goes on from them",
          "[cli][compaction][snapshot][chain][e2e]") {
  test::temp_dir dir;
  auto text = read("examples/leads.toml");
  auto policy = text.find("\n[policy]\n");
  REQUIRE(policy != std::string::npos);
  text.insert(policy + 10, "snapshot_every = 1\n");
  auto log = run_plan(dir, text);
  auto whole = replay::recorded_plan(*log);
  REQUIRE(whole.ok());
  // Each node's latest snapshot, and what a rebuild from it gives.
  std::map<std::string, uint64_t> latest;
  for (std::string stream : {"orchestrator", "lead/frontend", "lead/backend"}) {
    INFO(stream);
    auto snap = log->load_snapshot(stream);
    REQUIRE(snap.ok());
    REQUIRE(snap->has_value());
    latest[stream] = (*snap)->sequence;
  }
  auto bytes = [](const frame& f) {
    auto b = f.bytes();
    return std::string{reinterpret_cast<const char*>(b.data()), b.size()};
  };
  // What a node sent, as recorded.
  auto sent = [&](const auto& seed) {
    std::vector<std::string> out;
    for (auto& m : seed.sent)
      out.push_back(bytes(engine::to_event(m)));
    return out;
  };
  replay::rebuild_stats top_stats;
  auto top = replay::rebuild_chain_orchestrator(*log, true, &top_stats);
  auto top_plain = replay::rebuild_chain_orchestrator(*log, false);
  REQUIRE(top.ok());
  REQUIRE(top_plain.ok());
  CHECK(top_stats.snapshot == latest["orchestrator"]);
  CHECK(top_stats.passed_over.empty());
  CHECK(bytes(engine::recorded_copy(*top, **whole)->save())
        == bytes(engine::recorded_copy(*top_plain, **whole)->save()));
  CHECK(sent(*top) == sent(*top_plain));
  for (std::string team : {"frontend", "backend"}) {
    INFO(team);
    auto base = engine::team_scope(**whole, team);
    replay::rebuild_stats stats;
    auto lead = replay::rebuild_chain_scope(*log, team, true, &stats);
    auto plain = replay::rebuild_chain_scope(*log, team, false);
    REQUIRE(lead.ok());
    REQUIRE(plain.ok());
    CHECK(stats.snapshot == latest["lead/" + team]);
    CHECK(stats.passed_over.empty());
    CHECK(bytes(engine::recorded_copy(*lead, base)->save())
          == bytes(engine::recorded_copy(*plain, base)->save()));
    CHECK(sent(*lead) == sent(*plain));
  }

  // A fork cut before the orchestrator's last record: each stream keeps
  // the snapshots it covers (the orchestrator's found its operator
  // sequence in a chain's snapshot), and its resume starts from them.
  auto last = log->read("orchestrator", log->highest("orchestrator"),
                        log->highest("orchestrator"));
  REQUIRE(last.ok());
  REQUIRE(last->size() == 1);
  auto cut = last->front().position() - 1;
  log.reset();
  auto fork = test::run_baton("fork " + dir / "log" + " --at "
                              + std::to_string(cut) + " " + dir / "fork");
  INFO(fork.out);
  REQUIRE(fork.exit_code == 0);
  {
    storage::options ro;
    ro.read_only = true;
    auto forked = storage::event_log::open(dir / "fork", ro);
    REQUIRE(forked.ok());
    for (std::string stream :
         {"orchestrator", "lead/frontend", "lead/backend"}) {
      INFO(stream);
      auto snap = (*forked)->load_snapshot(stream);
      REQUIRE(snap.ok());
      CHECK(snap->has_value());
    }
    replay::rebuild_stats stats;
    auto rebuilt = replay::rebuild_chain_orchestrator(**forked, true, &stats);
    REQUIRE(rebuilt.ok());
    CHECK(stats.snapshot > 0);
    CHECK(stats.passed_over.empty());
  }
  auto resumed = test::run_baton("resume " + dir / "fork");
  INFO(resumed.out);
  REQUIRE(resumed.exit_code == 0);
  CHECK(resumed.out.find("(4/4 tasks passed)") != std::string::npos);
  CHECK(resumed.out.find("replayed from") == std::string::npos);
  auto replay = test::run_baton("replay " + dir / "fork");
  INFO(replay.out);
  CHECK(replay.exit_code == 0);
  CHECK(replay.out.find("identical: 7 streams replayed") != std::string::npos);
}
