// The orchestrator's snapshot (engine/orchestration/orchestrator_snapshot):
// taken at any event of a stored run and restored, the fold goes on exactly
// as the fold that never stopped — the same decisions, one by one, as the
// run recorded them, and the same state at the end; a resume starts from
// the latest one and reads only the events after it; one it cannot use is
// passed over and said.
#include <catch2/catch.hpp>

#include <filesystem>

#include <capnp/serialize.h>

#include "engine/orchestration/orchestrator_event.hpp"
#include "engine/orchestration/orchestrator_snapshot.hpp"
#include "replay/checkpoint_rebuild.hpp"
#include "replay/detail/inputs.hpp"
#include "replay/orchestrator_replay.hpp"
#include "schema/snapshots.capnp.h"
#include "tests/support/temp_dir.hpp"

using namespace baton;
namespace fs = std::filesystem;

namespace {

struct held_event {
  std::string stream;
  uint64_t sequence;
  uint64_t logical_time;
  frame payload;
};

std::vector<fs::path> stored_runs() {
  std::vector<fs::path> dirs;
  for (auto& d : fs::directory_iterator{fs::current_path() / "tests" / "runs"})
    if (d.is_directory())
      dirs.push_back(d.path());
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

std::unique_ptr<storage::event_log>
open_copy(const fs::path& dir, const fs::path& into, bool read_only) {
  fs::copy(dir, into, fs::copy_options::recursive);
  storage::options opts;
  opts.read_only = read_only;
  opts.create_if_missing = false;
  auto log = storage::event_log::open(into, opts);
  REQUIRE(log.ok());
  return std::move(*log);
}

std::vector<held_event> inputs_of(const storage::event_log& log) {
  std::vector<held_event> out;
  auto n = replay::detail::read_orchestrator_inputs(
    log, UINT64_MAX, [&](storage::recorded_event&& e) {
      out.push_back(
        {std::string{e.stream()}, e.sequence(), e.logical_time(), e.payload()});
      return true;
    });
  REQUIRE(n.ok());
  return out;
}

/// Folds `e` into `r`; a recorded decision must be the one the fold made
/// first and has not seen recorded (the bytes of both, re-encoded).
void fold_checked(engine::recorded_orchestrator& r, const held_event& e) {
  capnp::FlatArrayMessageReader in{e.payload.words(), frame_reader_options()};
  auto ev = in.getRoot<schema::Event>();
  if (engine::is_decision(ev) && r.engine) {
    INFO(e.stream << "@" << e.sequence);
    // Every decision recorded is one the fold made.
    REQUIRE_FALSE(r.unrecorded.empty());
    auto recorded = engine::decision_from_event(ev);
    REQUIRE(recorded);
    CHECK(engine::to_event(r.unrecorded.front(), r.engine->version())
          == engine::to_event(*recorded, r.engine->version()));
  }
  auto ok = r.fold(e.stream, e.sequence, ev, e.logical_time);
  INFO((ok ? std::string{} : ok.err().message()));
  REQUIRE(ok.ok());
}

} // namespace

TEST_CASE("the orchestrator's fold saved at any event of a stored run and "
          "restored folds the rest as the fold that never stopped",
          "[replay][snapshot]") {
  size_t runs = 0;
  for (auto& dir : stored_runs()) {
    INFO("stored run " << dir.filename().string());
    test::temp_dir tmp;
    auto log = open_copy(dir, tmp / "log", true);
    auto events = inputs_of(*log);
    REQUIRE(events.size() > 10);
    // The fold that never stops, saved at each cut.
    size_t stride = std::max<size_t>(1, events.size() / 150);
    engine::recorded_orchestrator straight;
    struct cut {
      size_t at;
      frame saved;
      uint64_t next_deadline;
    };
    std::vector<cut> cuts;
    for (size_t i = 0; i < events.size(); ++i) {
      fold_checked(straight, events[i]);
      if (i % stride == 0 || i + 3 >= events.size())
        cuts.push_back({i, straight.save(), straight.engine->next_deadline()});
    }
    auto end = straight.save();
    for (auto& [i, saved, next_deadline] : cuts) {
      INFO("saved after event " << i << " of " << events.size() << " ("
                                << events[i].stream << "@" << events[i].sequence
                                << ")");
      auto restored
        = engine::recorded_orchestrator::restore(straight.start, saved);
      INFO((restored ? std::string{} : restored.err().message()));
      REQUIRE(restored.ok());
      // Saved again at once, the same bytes: nothing was lost on the way.
      REQUIRE(restored->save() == saved);
      // What the actor arms its next tick by, too.
      CHECK(restored->engine->next_deadline() == next_deadline);
      for (size_t k = i + 1; k < events.size(); ++k)
        fold_checked(*restored, events[k]);
      CHECK(restored->save() == end);
      CHECK(restored->engine->next_deadline()
            == straight.engine->next_deadline());
      CHECK(restored->unrecorded.size() == straight.unrecorded.size());
      CHECK(restored->engine->finished() == straight.engine->finished());
    }
    ++runs;
  }
  CHECK(runs >= 10);
}

TEST_CASE(
  "a resume starts from the orchestrator's latest snapshot and "
  "reads only the events after it, and one it cannot use is passed over "
  "and said",
  "[replay][snapshot]") {
  test::temp_dir tmp;
  auto dir = fs::current_path() / "tests" / "runs" / "resumed";
  auto log = open_copy(dir, tmp / "log", false);
  auto events = inputs_of(*log);
  auto whole = replay::rebuild_orchestrator(*log, false);
  REQUIRE(whole.ok());
  auto expected = whole->save();

  // A snapshot in the middle of the orchestrator's stream.
  engine::recorded_orchestrator fold;
  size_t cut = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    fold_checked(fold, events[i]);
    if (events[i].stream == "orchestrator" && i >= events.size() / 2) {
      cut = i;
      break;
    }
  }
  REQUIRE(cut > 0);
  REQUIRE(log
            ->save_snapshot("orchestrator",
                            {fold.sequence, fold.last_time, fold.save()})
            .ok());
  replay::rebuild_stats stats;
  auto from_snapshot = replay::rebuild_orchestrator(*log, true, &stats);
  REQUIRE(from_snapshot.ok());
  CHECK(stats.snapshot == fold.sequence);
  CHECK(stats.passed_over.empty());
  CHECK(stats.events == events.size() - cut - 1);
  CHECK(from_snapshot->save() == expected);
  CHECK(from_snapshot->start == whole->start);
  CHECK(from_snapshot->last_time == whole->last_time);

  SECTION("a snapshot that does not decode") {
    std::vector<std::byte> bytes(64, std::byte{0x5a});
    auto bad = frame::from_bytes(bytes);
    REQUIRE(bad.ok());
    REQUIRE(log
              ->save_snapshot("orchestrator",
                              {fold.sequence + 1, fold.last_time, *bad})
              .ok());
    auto rebuilt = replay::rebuild_orchestrator(*log, true, &stats);
    REQUIRE(rebuilt.ok());
    CHECK(stats.snapshot == 0);
    CHECK(stats.events == events.size());
    CHECK_THAT(
      stats.passed_over,
      Catch::Contains("orchestrator@" + std::to_string(fold.sequence + 1)));
    CHECK(rebuilt->save() == expected);
  }
  SECTION("a snapshot of another layout") {
    capnp::MallocMessageBuilder b;
    auto saved = fold.save();
    capnp::FlatArrayMessageReader r{saved.words(), frame_reader_options()};
    b.setRoot(r.getRoot<schema::OrchestratorState>());
    b.getRoot<schema::OrchestratorState>().setFormat(
      engine::orchestrator_snapshot_format + 1);
    REQUIRE(log
              ->save_snapshot("orchestrator",
                              {fold.sequence, fold.last_time, frame::from(b)})
              .ok());
    auto rebuilt = replay::rebuild_orchestrator(*log, true, &stats);
    REQUIRE(rebuilt.ok());
    CHECK(stats.snapshot == 0);
    CHECK_THAT(stats.passed_over, Catch::Contains("its format is"));
    CHECK(rebuilt->save() == expected);
  }
}

TEST_CASE("the snapshots a stored run's orchestrator and workers saved, as "
          "the build that recorded it wrote them, restore to the fold of "
          "their streams",
          "[replay][snapshot][stored]") {
  size_t orchestrator_snapshots = 0, worker_snapshots = 0;
  for (auto& dir : stored_runs()) {
    if (!dir.filename().string().starts_with("snapshots-"))
      continue;
    INFO("stored run " << dir.filename().string());
    test::temp_dir tmp;
    auto log = open_copy(dir, tmp / "log", true);
    auto events = inputs_of(*log);
    engine::recorded_orchestrator straight;
    for (auto& e : events)
      fold_checked(straight, e);
    auto end = straight.save();

    // Every snapshot of the orchestrator's, the latest first.
    size_t mine = 0;
    storage::snapshot_criteria below;
    for (;;) {
      auto snap = log->load_snapshot("orchestrator", below);
      REQUIRE(snap.ok());
      if (!*snap)
        break;
      INFO("the snapshot at orchestrator@" << (*snap)->sequence);
      auto restored = engine::recorded_orchestrator::restore(straight.start,
                                                             (*snap)->state);
      INFO((restored ? std::string{} : restored.err().message()));
      REQUIRE(restored.ok());
      CHECK(restored->sequence == (*snap)->sequence);
      size_t folded = 0;
      for (auto& e : events) {
        bool after = e.stream == "orchestrator"
                       ? e.sequence > restored->sequence
                       : e.sequence > restored->operator_sequence;
        if (!after)
          continue;
        fold_checked(*restored, e);
        ++folded;
      }
      CHECK(folded < events.size());
      CHECK(restored->save() == end);
      ++mine;
      below.max_sequence = (*snap)->sequence - 1;
    }

    CHECK(mine >= 1);
    orchestrator_snapshots += mine;

    // Each worker's latest: its checkpoint as the whole stream gives it.
    for (auto& s : log->streams()) {
      if (!s.name.starts_with("worker/"))
        continue;
      auto agent = s.name.substr(7);
      auto fast = replay::rebuild_checkpoint(*log, agent, UINT64_MAX, true);
      auto whole = replay::rebuild_checkpoint(*log, agent, UINT64_MAX, false);
      REQUIRE(fast.ok());
      REQUIRE(whole.ok());
      CHECK(fast->fold.render(agent) == whole->fold.render(agent));
      worker_snapshots += fast->stats.snapshot_sequence > 0 ? 1 : 0;
    }
  }
  // The runs recorded with snapshot_every = 5 saved several.
  CHECK(orchestrator_snapshots >= 2);
  CHECK(worker_snapshots >= 4);
}
