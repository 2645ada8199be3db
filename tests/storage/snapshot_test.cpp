// Snapshots: Akka/Pekko's persistence TCK (SnapshotStoreSpec) ported to
// event_log's save/load/delete_snapshot.
#include "storage/event_log.hpp"

#include <catch2/catch.hpp>

#include "tests/storage/log_fixture.hpp"

using namespace baton;
using namespace baton::test;
using storage::snapshot;
using storage::snapshot_criteria;

namespace {

/// Stream "p-1" holds ten events at logical times 100, 200, ... 1000, with
/// snapshots at sequences 1..5 ("s-1" .. "s-5") at the matching times.
/// Stream "p-2" holds two events and no snapshot.
struct snapshot_fixture {
  temp_dir dir;
  std::unique_ptr<storage::event_log> log = open_log(dir / "log");

  snapshot_fixture() {
    std::vector<storage::new_event> events;
    for (uint64_t n = 1; n <= 10; ++n)
      events.push_back(note_event(event_id::from_parts(1, n),
                                  "e-" + std::to_string(n), 100 * n));
    append_ok(*log, "p-1", events);
    append_ok(*log, "p-2", note_events(2, 1, 2));
    for (uint64_t n = 1; n <= 5; ++n)
      save(n, 100 * n, "s-" + std::to_string(n));
  }

  void save(uint64_t sequence, uint64_t time, const std::string& state,
            const std::string& stream = "p-1") {
    auto r = log->save_snapshot(stream,
                                snapshot{sequence, time, state_frame(state)});
    if (!r)
      FAIL("save_snapshot " << sequence << ": " << r.err().to_string());
  }

  /// The state text of the snapshot `criteria` selects, "" for none.
  std::string load(const snapshot_criteria& criteria = {},
                   const std::string& stream = "p-1") {
    auto r = log->load_snapshot(stream, criteria);
    if (!r)
      FAIL("load_snapshot: " << r.err().to_string());
    if (!r->has_value())
      return {};
    return note_text((*r)->state);
  }
};

snapshot_criteria max_sequence(uint64_t n) {
  snapshot_criteria c;
  c.max_sequence = n;
  return c;
}

snapshot_criteria max_time(uint64_t t) {
  snapshot_criteria c;
  c.max_logical_time = t;
  return c;
}

} // namespace

TEST_CASE_METHOD(snapshot_fixture,
                 "no snapshot is loaded for a stream that has none",
                 "[storage][snapshot]") {
  CHECK(load({}, "p-2").empty());
  CHECK(load({}, "never-written").empty());
  // A stream whose name extends another's does not see its snapshots.
  CHECK(load({}, "p-").empty());
  CHECK(load({}, "p-10").empty());
}

TEST_CASE_METHOD(snapshot_fixture, "the latest snapshot is loaded",
                 "[storage][snapshot]") {
  auto r = log->load_snapshot("p-1");
  REQUIRE(r.ok());
  REQUIRE(r->has_value());
  auto& snap = **r;
  CHECK(snap.sequence == 5);
  CHECK(snap.logical_time == 500);
  CHECK(snap.state == state_frame("s-5"));
}

TEST_CASE_METHOD(snapshot_fixture,
                 "no snapshot is loaded when the criteria match none",
                 "[storage][snapshot]") {
  CHECK(load(max_time(99)).empty());
  CHECK(load(max_sequence(0)).empty());
  snapshot_criteria above;
  above.min_sequence = 6;
  CHECK(load(above).empty());
  snapshot_criteria later;
  later.min_logical_time = 501;
  CHECK(load(later).empty());
}

TEST_CASE_METHOD(snapshot_fixture,
                 "the latest snapshot within a sequence bound is loaded",
                 "[storage][snapshot]") {
  CHECK(load(max_sequence(4)) == "s-4");
  CHECK(load(max_sequence(1)) == "s-1");
  CHECK(load(max_sequence(13)) == "s-5");
}

TEST_CASE_METHOD(snapshot_fixture,
                 "the latest snapshot within a logical time bound is loaded",
                 "[storage][snapshot]") {
  CHECK(load(max_time(300)) == "s-3");
  CHECK(load(max_time(299)) == "s-2");
  snapshot_criteria both = max_sequence(4);
  both.max_logical_time = 200;
  CHECK(load(both) == "s-2");
  both.max_logical_time = 1000;
  CHECK(load(both) == "s-4");
}

TEST_CASE_METHOD(snapshot_fixture,
                 "a lower sequence bound selects among the snapshots",
                 "[storage][snapshot]") {
  snapshot_criteria c = max_sequence(3);
  c.min_sequence = 2;
  CHECK(load(c) == "s-3");
  c.min_sequence = 3;
  CHECK(load(c) == "s-3");
  c.min_sequence = 4;
  CHECK(load(c).empty());
}

TEST_CASE_METHOD(snapshot_fixture, "a single snapshot can be deleted",
                 "[storage][snapshot]") {
  REQUIRE(log->delete_snapshot("p-1", 3).ok());
  CHECK(load(max_sequence(3)) == "s-2");
  CHECK(load() == "s-5");
  // Deleting one that is not there is harmless.
  REQUIRE(log->delete_snapshot("p-1", 3).ok());
  REQUIRE(log->delete_snapshot("p-2", 1).ok());
  CHECK(load(max_sequence(4)) == "s-4");
  REQUIRE(log->delete_snapshot("p-1", 5).ok());
  CHECK(load() == "s-4");
}

TEST_CASE_METHOD(snapshot_fixture, "snapshots can be deleted by criteria",
                 "[storage][snapshot]") {
  SECTION("up to a sequence and a logical time") {
    snapshot_criteria c = max_sequence(3);
    c.max_logical_time = 200;
    REQUIRE(log->delete_snapshots("p-1", c).ok());
    CHECK(load(max_sequence(2)).empty());
    CHECK(load(max_sequence(3)) == "s-3");
    CHECK(load() == "s-5");
  }
  SECTION("with a time bound that matches nothing") {
    REQUIRE(log->delete_snapshots("p-1", max_time(99)).ok());
    CHECK(load(max_sequence(1)) == "s-1");
    CHECK(load() == "s-5");
  }
  SECTION("all of them") {
    REQUIRE(log->delete_snapshots("p-1", {}).ok());
    CHECK(load().empty());
  }
  SECTION("only within a range") {
    snapshot_criteria c;
    c.min_sequence = 2;
    c.max_sequence = 4;
    REQUIRE(log->delete_snapshots("p-1", c).ok());
    CHECK(load(max_sequence(4)) == "s-1");
    CHECK(load() == "s-5");
  }
  // Events are not touched by deleting snapshots.
  CHECK(read_ok(*log, "p-1").size() == 10);
}

TEST_CASE_METHOD(snapshot_fixture,
                 "keeping a stream's latest snapshots deletes the older ones "
                 "of that stream only",
                 "[storage][snapshot]") {
  save(2, 7, "q-2", "p-2");
  auto pruned = log->keep_snapshots("p-1", 2);
  REQUIRE(pruned.ok());
  CHECK(*pruned == 3);
  CHECK(load() == "s-5");
  CHECK(load(max_sequence(4)) == "s-4");
  CHECK(load(max_sequence(3)).empty());
  CHECK(load({}, "p-2") == "q-2");
  // Nothing more to delete; a stream with fewer, or none, or no stream at
  // all: nothing deleted, no error.
  CHECK(*log->keep_snapshots("p-1", 2) == 0);
  CHECK(*log->keep_snapshots("p-2", 2) == 0);
  CHECK(*log->keep_snapshots("p-3", 2) == 0);
  // A new snapshot, then keeping two again: the oldest of the three goes.
  save(8, 800, "s-8");
  CHECK(*log->keep_snapshots("p-1", 2) == 1);
  CHECK(load() == "s-8");
  CHECK(load(max_sequence(7)) == "s-5");
  CHECK(load(max_sequence(4)).empty());
  // Keeping none deletes them all; events are not touched.
  CHECK(*log->keep_snapshots("p-1", 0) == 2);
  CHECK(load().empty());
  CHECK(read_ok(*log, "p-1").size() == 10);
  // Reopened, the deletions hold.
  log.reset();
  log = open_log(dir / "log");
  CHECK(load().empty());
  CHECK(load({}, "p-2") == "q-2");
}

TEST_CASE_METHOD(snapshot_fixture,
                 "saving at a sequence that has a snapshot replaces it",
                 "[storage][snapshot]") {
  save(3, 300, "s-3 again");
  CHECK(load(max_sequence(3)) == "s-3 again");
  CHECK(load(max_sequence(2)) == "s-2");
  CHECK(load() == "s-5");
}

TEST_CASE_METHOD(snapshot_fixture, "a large snapshot round-trips",
                 "[storage][snapshot]") {
  std::string big(4 << 20, 'x');
  for (size_t i = 0; i < big.size(); i += 4096)
    big[i] = static_cast<char>('a' + i / 4096 % 26);
  save(10, 1000, big);
  CHECK(load() == big);
}

TEST_CASE_METHOD(snapshot_fixture, "snapshots of one stream stay with it",
                 "[storage][snapshot]") {
  save(2, 7, "q-2", "p-2");
  CHECK(load({}, "p-2") == "q-2");
  CHECK(load() == "s-5");
  REQUIRE(log->delete_snapshots("p-2", {}).ok());
  CHECK(load({}, "p-2").empty());
  CHECK(load() == "s-5");
}

TEST_CASE_METHOD(snapshot_fixture, "snapshots survive reopening the log",
                 "[storage][snapshot]") {
  REQUIRE(log->delete_snapshot("p-1", 4).ok());
  log.reset();
  log = open_log(dir / "log");
  CHECK(load() == "s-5");
  CHECK(load(max_sequence(4)) == "s-3");
  auto r = log->load_snapshot("p-1", max_sequence(2));
  REQUIRE(r.ok());
  REQUIRE(r->has_value());
  CHECK((*r)->sequence == 2);
  CHECK((*r)->logical_time == 200);
}

TEST_CASE_METHOD(snapshot_fixture,
                 "a snapshot at sequence 0 or beyond the stream is rejected",
                 "[storage][snapshot]") {
  auto rejected = [&](const std::string& stream, uint64_t sequence) {
    INFO(stream << " at " << sequence);
    auto r
      = log->save_snapshot(stream, snapshot{sequence, 1, state_frame("bad")});
    REQUIRE_FALSE(r.ok());
    CHECK(r.err().code() == ec::invalid_argument);
  };
  rejected("p-1", 0);
  rejected("p-1", 11);
  rejected("p-2", 3);
  rejected("never-written", 1);
  CHECK(load() == "s-5");
  CHECK(load({}, "p-2").empty());
  CHECK(load({}, "never-written").empty());
  // At the highest sequence is fine.
  save(10, 1000, "s-10");
  CHECK(load() == "s-10");
}

TEST_CASE("a snapshot stays valid after its events are deleted",
          "[storage][snapshot]") {
  temp_dir dir;
  auto log = open_log(dir / "log");
  append_ok(*log, "p-1", note_events(1, 1, 4));
  REQUIRE(log->save_snapshot("p-1", snapshot{3, 3, state_frame("at 3")}).ok());
  REQUIRE(log->delete_upto("p-1", 3).ok());
  auto r = log->load_snapshot("p-1");
  REQUIRE(r.ok());
  REQUIRE(r->has_value());
  CHECK(note_text((*r)->state) == "at 3");
  CHECK(sequences(read_ok(*log, "p-1", (*r)->sequence + 1))
        == std::vector<uint64_t>{4});
}
