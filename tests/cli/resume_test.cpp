// Crash resume end to end: `baton run` of the feature, the pipeline and the
// supervisor chain example, their simulated agents sped up, is killed
// (SIGKILL) at random moments, then `baton resume` finishes it. After each
// resume: every task has the verdict of an uninterrupted run, no task was
// dispatched twice to one live agent (one process of it), and the resumed
// log replays without divergence. BATON_RESUME_KILLS sets how many kills
// (default 30); BATON_RESUME_SEED the random moments' seed. The runs save
// snapshots of every fold often (snapshot_every = 7), so a resume starts
// from the orchestrator's latest one, taken whatever was in flight; each
// killed log's rebuild from it equals the rebuild from the first event.
#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "engine/orchestration/orchestrator_event.hpp"
#include "engine/purpose_event.hpp"
#include "replay/orchestrator_replay.hpp"
#include "storage/event_log.hpp"
#include "tests/cli/feature_run.hpp"
#include "tests/cli/run_baton.hpp"
#include "tests/storage/raw_log.hpp"
#include "tests/support/temp_dir.hpp"

using namespace baton;
namespace fs = std::filesystem;

namespace {

uint64_t env_or(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::strtoull(v, nullptr, 10) : fallback;
}

std::unique_ptr<storage::event_log> open_read_only(const std::string& db) {
  storage::options opts;
  opts.read_only = true;
  opts.create_if_missing = false;
  auto log = storage::event_log::open(db, opts);
  REQUIRE(log.ok());
  return std::move(*log);
}

/// Each task's last recorded verdict (passed or not).
std::map<std::string, bool> verdicts(const std::string& db) {
  auto log = open_read_only(db);
  auto events = log->read("orchestrator");
  REQUIRE(events.ok());
  std::map<std::string, bool> out;
  for (auto& e : *events)
    if (auto d = engine::decision_from_event(e.event()))
      if (auto* s = std::get_if<engine::task_settled>(&*d))
        out[s->task] = s->passed;
  return out;
}

/// "worker/x: task t dispatched twice to one process" for each task
/// dispatched more than once within one session of an agent.
std::vector<std::string> double_dispatches(const std::string& db) {
  auto log = open_read_only(db);
  std::vector<std::string> out;
  for (auto& s : log->streams()) {
    if (!s.name.starts_with("worker/"))
      continue;
    auto events = log->read(s.name);
    REQUIRE(events.ok());
    std::set<std::string> dispatched;
    for (auto& e : *events) {
      auto ev = e.event();
      if (ev.isSessionOpened())
        dispatched.clear();
      if (!ev.isPromptRequested())
        continue;
      // A run of record version 1 types it; read off the sentence before.
      auto purpose = engine::purpose_of(ev.getPromptRequested());
      if (purpose.kind != engine::purpose_kind::dispatch)
        continue;
      auto& task = purpose.task;
      if (!dispatched.insert(task).second)
        out.push_back(s.name + ": task " + task + " dispatched twice to one "
                      + "process (seq " + std::to_string(e.sequence()) + ")");
    }
  }
  return out;
}

/// Waits until the log at `db` holds at least `position` events or `pid`
/// has ended; false when neither happened by the deadline.
bool wait_for_position(const std::string& db, uint64_t position, pid_t pid) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{60};
  storage::options opts;
  opts.read_only = true;
  opts.create_if_missing = false;
  std::unique_ptr<storage::event_log> log;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid, nullptr, WNOHANG) == pid)
      return true;
    if (!log) {
      if (auto l = storage::event_log::open(db, opts); l.ok())
        log = std::move(*l);
      else
        continue; // not created yet
    }
    static_cast<void>(log->refresh());
    if (log->last_position() >= position)
      return true;
    log->wait_beyond(log->last_position(), std::chrono::milliseconds{20});
  }
  return false;
}

} // namespace

/// The example at `speed` (its simulated agents' delays divided), written
/// into `dir`.
std::string sped_up(const std::string& example, const test::temp_dir& dir) {
  std::ifstream in{fs::current_path() / "examples" / example};
  std::stringstream ss;
  ss << in.rdbuf();
  auto text = ss.str();
  // (An agent whose args set a speed already keeps it.)
  const std::string args = "args = [\"--role\"";
  for (auto at = text.find(args); at != std::string::npos;
       at = text.find(args, at + 1))
    if (text.substr(at, text.find('\n', at) - at).find("--speed")
        == std::string::npos)
      text.replace(at, args.size(), "args = [\"--speed\", \"4\", \"--role\"");
  // Snapshots of every fold, often.
  if (auto policy = text.find("\n[policy]\n");
      policy != std::string::npos
      && text.find("snapshot_every") == std::string::npos)
    text.insert(policy + 10, "snapshot_every = 7\n");
  auto path = dir / example;
  std::ofstream{path} << text;
  return path;
}

TEST_CASE("baton resume after a SIGKILL at random moments: the same verdicts "
          "as an uninterrupted run, no task dispatched twice to a live "
          "agent, and the resumed log replays identically",
          "[cli][resume][e2e]") {
  auto kills = env_or("BATON_RESUME_KILLS", 30);
  auto seed = env_or("BATON_RESUME_SEED", 20261202);
  std::mt19937_64 rng{seed};
  size_t killed_midway = 0;
  size_t from_snapshot = 0;
  size_t done = 0;
  // The supervisor chain too: its leads' streams are rebuilt on resume.
  const std::vector<std::string> examples{"feature.toml", "pipeline.toml",
                                          "supervisor.toml"};
  for (size_t k = 0; k < examples.size(); ++k) {
    auto& example = examples[k];
    test::temp_dir plans;
    auto plan = sped_up(example, plans);
    // The uninterrupted run: its verdicts, and how long its log grows.
    auto base = test::run_baton("run " + plan + " --db " + plans / "log"
                                + " --workspace " + plans / "work");
    INFO(example << ": " << base.out);
    REQUIRE(base.exit_code == 0);
    auto expected = verdicts(plans / "log");
    REQUIRE(!expected.empty());
    auto total = open_read_only(plans / "log")->last_position();
    std::uniform_int_distribution<uint64_t> moment{1, total};
    // A third of the kills each (the last takes the rest).
    auto mine = k + 1 < examples.size() ? kills / examples.size()
                                        : kills - done;
    for (uint64_t i = 0; i < mine; ++i, ++done) {
      auto at = moment(rng);
      INFO(example << ": kill " << i << " of " << mine << " at position "
                   << at << " of " << total << " (seed " << seed << ")");
      test::temp_dir dir;
      auto db = dir / "log";
      auto pid = test::spawn_baton(
        {"run", plan, "--db", db, "--workspace", dir / "work"},
        dir / "run.txt");
      bool reached = wait_for_position(db, at, pid);
      // The run may have finished by itself first: then the kill finds it
      // gone (waitpid reaped it) and resume must say so.
      bool alive = ::kill(pid, SIGKILL) == 0;
      if (alive)
        static_cast<void>(::waitpid(pid, nullptr, 0));
      REQUIRE(reached);
      killed_midway += alive ? 1 : 0;
      if (open_read_only(db)->highest("orchestrator") > 0) {
        // What the resume starts from: the orchestrator's latest snapshot
        // and the events after it, the same fold as from the first event.
        auto log = open_read_only(db);
        replay::rebuild_stats stats;
        auto fast = replay::rebuild_orchestrator(*log, true, &stats);
        auto whole = replay::rebuild_orchestrator(*log, false);
        REQUIRE(fast.ok());
        REQUIRE(whole.ok());
        CHECK(stats.passed_over.empty());
        CHECK(fast->save() == whole->save());
        from_snapshot += stats.snapshot > 0 ? 1 : 0;
      }

      auto resumed = test::run_baton("resume " + db);
      INFO(resumed.out);
      CHECK(resumed.exit_code == 0);
      CHECK(verdicts(db) == expected);
      CHECK(double_dispatches(db).empty());
      auto replay = test::run_baton("replay " + db);
      INFO(replay.out);
      CHECK(replay.exit_code == 0);
    }
  }
  CHECK(done == kills);
  // The moments are spread over the whole run: most kills land mid-run.
  CHECK(killed_midway * 2 > kills);
  // Most logs had an orchestrator's snapshot to start from.
  CHECK(from_snapshot * 2 > kills);
}

TEST_CASE("baton resume on a finished run changes nothing and says so",
          "[cli][resume]") {
  test::temp_dir dir;
  auto copy = dir / "log";
  fs::copy(test::feature_run_log(), copy, fs::copy_options::recursive);
  auto before = open_read_only(copy)->last_position();
  auto r = test::run_baton("resume " + copy);
  INFO(r.out);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("holds a finished run; nothing to resume")
        != std::string::npos);
  CHECK(open_read_only(copy)->last_position() == before);
}

TEST_CASE("baton resume of something that is not a run fails clearly",
          "[cli][resume]") {
  test::temp_dir dir;
  auto r = test::run_baton("resume " + dir / "nothing");
  INFO(r.out);
  CHECK(r.exit_code == 2);
  CHECK(r.out.find("baton resume:") != std::string::npos);
}

TEST_CASE("baton fork continues a run from a point of its log with the "
          "current code: the prefix kept event for event, the rest live, "
          "the original untouched",
          "[cli][fork][e2e]") {
  auto& original = test::feature_run_log();
  auto old_log = open_read_only(original);
  auto old_last = old_log->last_position();
  auto events = old_log->read_all();
  REQUIRE(events.ok());
  // Right after the first task passed: the other two are still to do.
  uint64_t at = 0;
  for (auto& e : *events)
    if (auto d = engine::decision_from_event(e.event()))
      if (std::holds_alternative<engine::task_settled>(*d)) {
        at = e.position();
        break;
      }
  REQUIRE(at > 0);
  old_log.reset();

  test::temp_dir dir;
  auto fork = test::run_baton("fork " + original + " --at "
                              + std::to_string(at) + " " + dir / "fork");
  INFO(fork.out);
  CHECK(fork.exit_code == 0);
  CHECK(fork.out.find("up to position " + std::to_string(at))
        != std::string::npos);
  auto v = verdicts(dir / "fork");
  CHECK(v == verdicts(original));
  auto forked = open_read_only(dir / "fork");
  auto copied = forked->read_all(1, at);
  REQUIRE(copied.ok());
  REQUIRE(copied->size() == at);
  for (size_t i = 0; i < at; ++i) {
    CHECK((*copied)[i].id() == (*events)[i].id());
    CHECK((*copied)[i].stream() == (*events)[i].stream());
    CHECK((*copied)[i].logical_time() == (*events)[i].logical_time());
  }
  CHECK(forked->last_position() > at);
  CHECK(double_dispatches(dir / "fork").empty());
  auto replay = test::run_baton("replay " + dir / "fork");
  INFO(replay.out);
  CHECK(replay.exit_code == 0);
  // The original run is as it was.
  CHECK(open_read_only(original)->last_position() == old_last);

  auto bad = test::run_baton("fork " + original + " --at 0 " + dir / "f2");
  CHECK(bad.exit_code == 2);
  CHECK(bad.out.find("outside") != std::string::npos);
}

TEST_CASE("baton resume refuses a run whose agent's stream cannot be read, "
          "naming the agent, and changes nothing",
          "[cli][resume]") {
  test::temp_dir dir;
  auto db = dir / "log";
  // Agent a asks for an approval nobody gives: the run waits, then is
  // killed.
  auto pid = test::spawn_baton({"run", "tests/support/waiting_plan.toml",
                                "--db", db, "--workspace", dir / "work"},
                               dir / "run.txt");
  bool waiting = false;
  {
    storage::options o;
    o.read_only = true;
    o.create_if_missing = false;
    std::unique_ptr<storage::event_log> log;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{60};
    while (!waiting && std::chrono::steady_clock::now() < deadline) {
      if (!log) {
        if (auto l = storage::event_log::open(db, o); l.ok())
          log = std::move(*l);
        else
          continue; // not created yet
      }
      static_cast<void>(log->refresh());
      waiting = log->highest("worker/a") >= 5;
      if (!waiting)
        log->wait_beyond(log->last_position(), std::chrono::milliseconds{20});
    }
  }
  REQUIRE(::kill(pid, SIGKILL) == 0);
  static_cast<void>(::waitpid(pid, nullptr, 0));
  REQUIRE(waiting);
  uint64_t before = 0;
  {
    // An event in the middle of a's stream is lost.
    test::raw_log raw{db};
    raw.remove("events", test::event_key(test::stream_id(raw, "worker/a"), 3));
  }
  before = open_read_only(db)->last_position();
  auto r = test::run_baton("resume " + db);
  INFO(r.out);
  CHECK(r.exit_code != 0);
  CHECK(r.out.find("checkpoint of a") != std::string::npos);
  CHECK(r.out.find("worker/a") != std::string::npos);
  CHECK(open_read_only(db)->last_position() == before);
}
