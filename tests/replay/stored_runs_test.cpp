// The runs kept in tests/runs/ (the examples, a compaction, a crash and
// restart, a run killed and resumed, a supervisor chain with its leads' streams;
// recorded by scripts/record-stored-runs; and runs kept as an older engine
// recorded them, named "-before-": before leads, before typed purposes)
// are replayed with the current code: every orchestrator decision and every
// worker's derived event must come out byte for byte as recorded. A change
// that alters one fails here, at the first affected sequence; re-record the
// runs deliberately when a change is meant to.
#include <catch2/catch.hpp>

#include <filesystem>

#include "engine/record_version.hpp"
#include "replay/run_replay.hpp"
#include "tests/support/temp_dir.hpp"

using namespace baton;
namespace fs = std::filesystem;

TEST_CASE("every stored run replays without divergence", "[replay][stored]") {
  auto runs = fs::current_path() / "tests" / "runs";
  REQUIRE(fs::is_directory(runs));
  std::vector<fs::path> dirs;
  for (auto& d : fs::directory_iterator{runs})
    if (d.is_directory())
      dirs.push_back(d.path());
  std::sort(dirs.begin(), dirs.end());
  REQUIRE(dirs.size() >= 5);
  for (auto& dir : dirs) {
    INFO("stored run " << dir.filename().string());
    // A copy: opening a log may write (its lock, recovery), and the tree
    // stays as committed.
    test::temp_dir tmp;
    auto copy = tmp / "log";
    fs::copy(dir, copy, fs::copy_options::recursive);
    storage::options opts;
    opts.read_only = true;
    opts.create_if_missing = false;
    auto log = storage::event_log::open(copy, opts);
    REQUIRE(log.ok());
    auto reports = replay::replay_run(**log, {});
    INFO((reports.ok() ? std::string{} : reports.err().message()));
    REQUIRE(reports.ok());
    size_t workers = 0;
    for (auto& [stream, r] : *reports) {
      INFO(stream << ": " << r.inputs << " inputs, " << r.decisions
                  << " derived");
      if (r.first_divergence)
        FAIL_CHECK(r.first_divergence->stream
                   << "@" << r.first_divergence->sequence
                   << "\n  replay derived:   " << r.first_divergence->expected
                   << "\n  the run recorded: " << r.first_divergence->found);
      CHECK(r.inputs > 0);
      CHECK(r.decisions > 0);
      workers += stream.starts_with("worker/") ? 1 : 0;
    }
    CHECK(reports->front().stream == "orchestrator");
    CHECK(workers >= 1);
    // The chain's leads are replayed with the rest; the run recorded
    // before leads has none, and replays through the one fold.
    size_t leads = 0;
    for (auto& [stream, r] : *reports)
      leads += stream.starts_with("lead/") ? 1 : 0;
    if (dir.filename() == "chain")
      CHECK(leads == 1);
    if (dir.filename() == "chain-before-leads")
      CHECK(leads == 0);
    // The chain whose leads run their teams: one stream per team.
    if (dir.filename() == "leads" || dir.filename() == "snapshots-leads")
      CHECK(leads == 2);
    // The runs kept from before a format change replay as they were
    // recorded; the others are recorded in the current format.
    auto orchestrator = (*log)->read("orchestrator");
    REQUIRE(orchestrator.ok());
    REQUIRE_FALSE(orchestrator->empty());
    auto started = orchestrator->front().event();
    REQUIRE(started.isRunStarted());
    auto name = dir.filename().string();
    auto version = started.getRunStarted().getVersion();
    if (name.ends_with("-before-enums"))
      CHECK(version == 1);
    else if (name.find("-before-") != std::string::npos)
      CHECK(version == 0);
    else
      CHECK(version == engine::record_version);
  }
}

TEST_CASE("a deliberately changed decision rule is caught at the first "
          "affected sequence",
          "[replay][stored]") {
  // The pipeline run with one retry fewer: the builder's failed first gate
  // is then its last attempt, and the replay decides differently there.
  auto dir = fs::current_path() / "tests" / "runs" / "pipeline";
  test::temp_dir tmp;
  auto copy = tmp / "log";
  fs::copy(dir, copy, fs::copy_options::recursive);
  storage::options opts;
  opts.read_only = true;
  auto log = storage::event_log::open(copy, opts);
  REQUIRE(log.ok());
  auto start = (*log)->read("orchestrator", 1, 1);
  REQUIRE(start.ok());
  std::string text = start->front().event().getRunStarted().getPlanText().cStr();
  auto at = text.find("retries = 2");
  REQUIRE(at != std::string::npos);
  text.replace(at, 11, "retries = 0");
  replay::run_replay_options o;
  o.stream = "orchestrator";
  o.plan_text = text;
  auto reports = replay::replay_run(**log, o);
  REQUIRE(reports.ok());
  REQUIRE(reports->size() == 1);
  auto& d = reports->front().report.first_divergence;
  REQUIRE(d.has_value());
  CHECK(d->stream == "orchestrator");
  CHECK(d->found.find("Attempt 2 of 3") != std::string::npos);
  CHECK(d->expected.find("\"passed\":false") != std::string::npos);
}
