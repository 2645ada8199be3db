// The orchestrator's snapshot (engine/orchestration/orchestrator_snapshot):
// taken at any event of a stored run and restored, the fold goes on exactly
// as the fold that never stopped — the same decisions, one by one, as the
// run recorded them, and the same state at the end; a resume starts from
// the latest one and reads only the events after it; one it cannot use is
// passed over and said.
#include <catch2/catch.hpp>

#include <filesystem>

#include <capnp/serialize.h>

#include "engine/orchestration/chain_snapshot.hpp"
#include "engine/orchestration/orchestrator_event.hpp"
#include "engine/orchestration/orchestrator_snapshot.hpp"
#include "engine/orchestration/team_scope.hpp"
#include "replay/chain_replay.hpp"
#include "replay/checkpoint_rebuild.hpp"
#include "replay/detail/inputs.hpp"
#include "replay/lead_replay.hpp"
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

/// Folds `e` into a chain node's recorded fold `r` made over `base`.
template<class Recorded>
void fold_node(Recorded& r, const held_event& e, const engine::plan& base) {
  capnp::FlatArrayMessageReader in{e.payload.words(), frame_reader_options()};
  auto ok = r.fold(e.stream, e.sequence, in.getRoot<schema::Event>(),
                   e.logical_time, &base);
  INFO(e.stream << "@" << e.sequence << ": "
                << (ok ? std::string{} : ok.err().message()));
  REQUIRE(ok.ok());
}

/// Calls `check` with each node of a chain's log: its stream's name, its
/// events in the log's order (the orchestrator's with the operator's), the
/// plan it is made from, and whether it is the orchestrator above the leads.
template<class Check>
void for_each_node(const storage::event_log& log, Check check) {
  auto whole = replay::recorded_plan(log);
  REQUIRE(whole.ok());
  check("orchestrator", inputs_of(log), **whole, true);
  for (auto& team : engine::chain_scopes(**whole)) {
    if (team.empty())
      continue;
    auto stream = engine::lead_stream(team);
    std::vector<held_event> events;
    auto read = log.read(stream);
    REQUIRE(read.ok());
    for (auto& e : *read)
      events.push_back({stream, e.sequence(), e.logical_time(), e.payload()});
    check(stream, events, engine::team_scope(**whole, team), false);
  }
}

/// A chain node's fold saved at any of `events` and restored folds the
/// rest as the fold that never stopped.
template<class Recorded>
void check_node_cuts(const std::vector<held_event>& events,
                     const engine::plan& base) {
  REQUIRE(events.size() > 10);
  Recorded straight;
  std::vector<std::pair<size_t, frame>> cuts;
  for (size_t i = 0; i < events.size(); ++i) {
    fold_node(straight, events[i], base);
    cuts.emplace_back(i, straight.save());
  }
  auto end = straight.save();
  for (auto& [at, saved] : cuts) {
    INFO(events[at].stream << "@" << events[at].sequence);
    auto restored = Recorded::restore(base, saved);
    INFO((restored ? std::string{} : restored.err().message()));
    REQUIRE(restored.ok());
    CHECK(restored->save() == saved);
    for (size_t i = at + 1; i < events.size(); ++i)
      fold_node(*restored, events[i], base);
    CHECK(restored->save() == end);
  }
}

/// A chain node's stream folded from each of its snapshots (the latest
/// first) gives what the fold of the whole stream gives. Their number.
template<class Recorded>
size_t check_node_snapshots(const storage::event_log& log,
                            const std::string& stream,
                            const std::vector<held_event>& events,
                            const engine::plan& base) {
  INFO(stream);
  Recorded straight;
  for (auto& e : events)
    fold_node(straight, e, base);
  auto end = straight.save();
  size_t n = 0;
  storage::snapshot_criteria below;
  for (;;) {
    auto snap = log.load_snapshot(stream, below);
    REQUIRE(snap.ok());
    if (!*snap)
      break;
    INFO("the snapshot at " << stream << "@" << (*snap)->sequence);
    auto restored = Recorded::restore(base, (*snap)->state);
    INFO((restored ? std::string{} : restored.err().message()));
    REQUIRE(restored.ok());
    CHECK(restored->sequence == (*snap)->sequence);
    for (auto& e : events)
      if (e.stream == engine::operator_stream_name
            ? e.sequence > restored->operator_sequence
            : e.sequence > restored->sequence)
        fold_node(*restored, e, base);
    CHECK(restored->save() == end);
    ++n;
    below.max_sequence = (*snap)->sequence - 1;
  }
  CHECK(n >= 1);
  return n;
}

/// Every node of a chain's stored run: each snapshot it saved restores to
/// the fold of its stream, and a rebuild from the latest is the rebuild
/// from the first event. The number of snapshots.
size_t check_chain_snapshots(const storage::event_log& log) {
  size_t n = 0;
  for_each_node(log, [&](const std::string& stream,
                         const std::vector<held_event>& events,
                         const engine::plan& base, bool top) {
    n += top ? check_node_snapshots<engine::recorded_top>(log, stream, events,
                                                          base)
             : check_node_snapshots<engine::recorded_scope>(log, stream, events,
                                                            base);
    replay::rebuild_stats stats;
    if (top) {
      auto from = replay::rebuild_chain_orchestrator(log, true, &stats);
      auto plain = replay::rebuild_chain_orchestrator(log, false);
      REQUIRE(from.ok());
      REQUIRE(plain.ok());
      CHECK(engine::recorded_copy(*from, base)->save()
            == engine::recorded_copy(*plain, base)->save());
    } else {
      auto team = stream.substr(5);
      auto from = replay::rebuild_chain_scope(log, team, true, &stats);
      auto plain = replay::rebuild_chain_scope(log, team, false);
      REQUIRE(from.ok());
      REQUIRE(plain.ok());
      CHECK(engine::recorded_copy(*from, base)->save()
            == engine::recorded_copy(*plain, base)->save());
    }
    CHECK(stats.snapshot > 0);
  });
  return n;
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
    auto chain = replay::recorded_chain(*log);
    REQUIRE(chain.ok());
    if (*chain) {
      // Each node of a chain: its own fold, saved at any of its events.
      for_each_node(*log, [](const std::string&,
                             const std::vector<held_event>& events,
                             const engine::plan& base, bool top) {
        if (top)
          check_node_cuts<engine::recorded_top>(events, base);
        else
          check_node_cuts<engine::recorded_scope>(events, base);
      });
      ++runs;
      continue;
    }
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
  size_t orchestrator_snapshots = 0, worker_snapshots = 0, chain_snapshots = 0;
  for (auto& dir : stored_runs()) {
    if (!dir.filename().string().starts_with("snapshots-"))
      continue;
    INFO("stored run " << dir.filename().string());
    test::temp_dir tmp;
    auto log = open_copy(dir, tmp / "log", true);
    auto chain = replay::recorded_chain(*log);
    REQUIRE(chain.ok());
    if (*chain) {
      chain_snapshots += check_chain_snapshots(*log);
      continue;
    }
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
  // ... and a chain's nodes, each on its stream.
  CHECK(chain_snapshots >= 3);
}
