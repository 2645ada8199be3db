// The event log as a journal: Akka/Pekko's persistence TCK (JournalSpec)
// ported to event_log, plus Baton's own guarantees: global positions, expected
// versions, idempotent appends, truncation and tailing.
#include "storage/event_log.hpp"

#include <algorithm>
#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include <catch2/catch.hpp>

#include "schema/envelope.capnp.h"
#include "tests/storage/log_fixture.hpp"

using namespace baton;
using namespace baton::test;
using storage::expected_version;

namespace {

/// A log holding five events in stream "p-1" (Akka's writeMessages(1, 5)),
/// each appended on its own, with texts "a-1" .. "a-5".
struct journal_fixture {
  temp_dir dir;
  std::unique_ptr<storage::event_log> log = open_log(dir / "log");

  journal_fixture() {
    for (uint64_t n = 1; n <= 5; ++n)
      append_note(*log, "p-1", 1, n, "a-" + std::to_string(n));
  }
};

/// How many times each event id occurs in the whole log.
std::map<event_id, int> id_counts(const storage::event_log& log) {
  std::map<event_id, int> out;
  for (auto& ev : read_all_ok(log))
    ++out[ev.id()];
  return out;
}

} // namespace

// -- replay (JournalSpec "replay ...") ---------------------------------------

TEST_CASE_METHOD(journal_fixture, "a stream replays all its events in order",
                 "[storage][event_log]") {
  auto events = read_ok(*log, "p-1");
  CHECK(sequences(events) == iota(1, 5));
  CHECK(texts(events)
        == std::vector<std::string>{"a-1", "a-2", "a-3", "a-4", "a-5"});
  for (uint64_t n = 1; n <= 5; ++n) {
    auto& ev = events[n - 1];
    CHECK(ev.stream() == "p-1");
    CHECK(ev.id() == event_id::from_parts(1, n));
    CHECK(ev.logical_time() == n);
    CHECK(ev.position() == n);
    CHECK(ev.envelope().getWallTime() == static_cast<int64_t>(n) * 1000);
  }
  CHECK(log->highest("p-1") == 5);
  CHECK(log->last_position() == 5);
}

TEST_CASE("an event's envelope keeps what the writer gave it",
          "[storage][event_log]") {
  temp_dir dir;
  auto log = open_log(dir / "log");
  auto ev = note_event(event_id::from_parts(1, 2), "payload", 1234);
  ev.causation = event_id::from_parts(3, 4);
  ev.correlation = event_id::from_parts(5, 6);
  ev.wall_time = -42;
  auto plain = note_event(event_id::from_parts(1, 3), "plain", 0);
  append_ok(*log, "worker/a", {ev, plain});
  auto events = read_ok(*log, "worker/a");
  REQUIRE(events.size() == 2);
  auto env = events[0].envelope();
  CHECK(env.getSchemaVersion() == schema::CURRENT_SCHEMA_VERSION);
  CHECK(env.getLogicalTime() == 1234);
  CHECK(env.getWallTime() == -42);
  CHECK(events[0].id() == ev.id);
  auto bytes = [](capnp::Data::Reader data) {
    return std::string(reinterpret_cast<const char*>(data.begin()),
                       data.size());
  };
  auto expected = [](const event_id& id) {
    return std::string(reinterpret_cast<const char*>(id.bytes.data()),
                       id.bytes.size());
  };
  CHECK(bytes(env.getCausationId()) == expected(ev.causation));
  CHECK(bytes(env.getCorrelationId()) == expected(ev.correlation));
  // The payload comes back byte for byte: replay compares these bytes.
  CHECK(events[0].payload() == ev.payload);
  CHECK(events[1].payload() == plain.payload);
  // Empty causation and correlation stay empty.
  CHECK(events[1].envelope().getCausationId().size() == 0);
  CHECK(events[1].envelope().getCorrelationId().size() == 0);
}

TEST_CASE_METHOD(journal_fixture, "replay honours a lower sequence bound",
                 "[storage][event_log]") {
  CHECK(sequences(read_ok(*log, "p-1", 3)) == iota(3, 5));
  CHECK(sequences(read_ok(*log, "p-1", 5)) == iota(5, 5));
  CHECK(read_ok(*log, "p-1", 6).empty());
}

TEST_CASE_METHOD(journal_fixture, "replay honours an upper sequence bound",
                 "[storage][event_log]") {
  CHECK(sequences(read_ok(*log, "p-1", 1, 3)) == iota(1, 3));
  CHECK(sequences(read_ok(*log, "p-1", 2, 4)) == iota(2, 4));
  CHECK(sequences(read_ok(*log, "p-1", 1, 1)) == iota(1, 1));
  CHECK(sequences(read_ok(*log, "p-1", 1, 0)).empty());
}

TEST_CASE_METHOD(journal_fixture, "replay honours a count limit",
                 "[storage][event_log]") {
  CHECK(sequences(read_ok(*log, "p-1", 1, UINT64_MAX, 3)) == iota(1, 3));
  CHECK(sequences(read_ok(*log, "p-1", 2, 3, 5)) == iota(2, 3));
  CHECK(sequences(read_ok(*log, "p-1", 2, 5, 2)) == iota(2, 3));
  CHECK(read_ok(*log, "p-1", 1, UINT64_MAX, 0).empty());
}

TEST_CASE_METHOD(journal_fixture,
                 "replay with a lower bound above the upper bound is empty",
                 "[storage][event_log]") {
  CHECK(read_ok(*log, "p-1", 3, 2).empty());
  CHECK(read_ok(*log, "p-1", UINT64_MAX, 1).empty());
}

TEST_CASE_METHOD(journal_fixture, "a visitor that returns false stops a read",
                 "[storage][event_log]") {
  std::vector<uint64_t> seen;
  auto n = log->read("p-1", 1, UINT64_MAX, UINT64_MAX,
                     [&seen](storage::recorded_event&& ev) {
                       seen.push_back(ev.sequence());
                       return seen.size() < 2;
                     });
  REQUIRE(n.ok());
  CHECK(*n == 2);
  CHECK(seen == iota(1, 2));
  seen.clear();
  auto all = log->read_all(2, 10, [&seen](storage::recorded_event&& ev) {
    seen.push_back(ev.position());
    return true;
  });
  REQUIRE(all.ok());
  CHECK(*all == 4);
  CHECK(seen == iota(2, 5));
}

TEST_CASE_METHOD(journal_fixture,
                 "a stream never written replays nothing and has version 0",
                 "[storage][event_log]") {
  CHECK(read_ok(*log, "p-2").empty());
  CHECK(log->highest("p-2") == 0);
  // Looking at a stream does not create it.
  auto names = log->streams();
  REQUIRE(names.size() == 1);
  CHECK(names[0].name == "p-1");
  // A stream whose name extends another's is a different stream.
  CHECK(read_ok(*log, "p-").empty());
  CHECK(read_ok(*log, "p-10").empty());
}

TEST_CASE("an empty log has nothing to read", "[storage][event_log]") {
  temp_dir dir;
  auto log = open_log(dir / "log");
  CHECK(log->last_position() == 0);
  CHECK(read_all_ok(*log).empty());
  CHECK(log->streams().empty());
  CHECK(log->dir() == dir / "log");
  CHECK(log->mode() == storage::durability::group);
}

// -- deletion (JournalSpec "not replay permanently deleted messages") --------

TEST_CASE_METHOD(journal_fixture,
                 "events deleted up to a sequence are no longer replayed",
                 "[storage][event_log]") {
  append_note(*log, "p-2", 2, 1, "b-1");
  REQUIRE(log->delete_upto("p-1", 3).ok());
  CHECK(sequences(read_ok(*log, "p-1")) == iota(4, 5));
  CHECK(read_ok(*log, "p-1", 1, 3).empty());
  CHECK(sequences(read_ok(*log, "p-1", 2, 4)) == iota(4, 4));
  // Other streams are untouched; the global order passes over the gap.
  CHECK(sequences(read_ok(*log, "p-2")) == iota(1, 1));
  CHECK(positions(read_all_ok(*log)) == std::vector<uint64_t>{4, 5, 6});
  auto info = log->streams();
  REQUIRE(info.size() == 2);
  CHECK(info[0].name == "p-1");
  CHECK(info[0].highest == 5);
  CHECK(info[0].lowest == 4);
  CHECK(info[1].lowest == 1);
}

TEST_CASE_METHOD(journal_fixture,
                 "deleting events never lowers the stream's version",
                 "[storage][event_log]") {
  REQUIRE(log->delete_upto("p-1", 3).ok());
  CHECK(log->highest("p-1") == 5);
  auto r = append_note(*log, "p-1", 1, 6, "a-6");
  CHECK(r.first_sequence == 6);
  CHECK(r.first_position == 6);
  CHECK(sequences(read_ok(*log, "p-1")) == iota(4, 6));
}

TEST_CASE_METHOD(journal_fixture,
                 "deleting every event keeps the version even after reopening",
                 "[storage][event_log]") {
  SECTION("delete up to the highest sequence") {
    REQUIRE(log->delete_upto("p-1", 5).ok());
  }
  SECTION("delete up to the largest sequence there is") {
    REQUIRE(log->delete_upto("p-1", UINT64_MAX).ok());
  }
  CHECK(read_ok(*log, "p-1").empty());
  CHECK(read_all_ok(*log).empty());
  CHECK(log->highest("p-1") == 5);
  CHECK(log->last_position() == 5);
  // A full cleanup does not make the stream new again.
  auto stale = note_event(event_id::from_parts(9, 1), "x");
  auto r = log->append("p-1", expected_version::no_stream(), {&stale, 1});
  REQUIRE_FALSE(r.ok());
  CHECK(r.err().code() == ec::wrong_expected_version);
  log.reset();
  log = open_log(dir / "log");
  CHECK(log->highest("p-1") == 5);
  CHECK(log->last_position() == 5);
  CHECK(read_ok(*log, "p-1").empty());
  auto next
    = append_ok(*log, "p-1", {note_event(event_id::from_parts(1, 6), "a-6")},
                expected_version::exact(5));
  CHECK(next.first_sequence == 6);
  CHECK(next.first_position == 6);
  CHECK(sequences(read_ok(*log, "p-1")) == iota(6, 6));
}

TEST_CASE_METHOD(journal_fixture,
                 "deleting from a stream never written changes nothing",
                 "[storage][event_log]") {
  auto r = log->delete_upto("p-2", 10);
  if (r.ok()) {
    CHECK(log->highest("p-2") == 0);
    CHECK(read_ok(*log, "p-2").empty());
  } else {
    CHECK(r.err().code() == ec::not_found);
  }
  CHECK(sequences(read_ok(*log, "p-1")) == iota(1, 5));
  // The stream can still be created as new.
  append_ok(*log, "p-2", {note_event(event_id::from_parts(2, 1), "b-1")},
            expected_version::no_stream());
}

// -- atomic writes (JournalSpec "write messages atomically") -----------------

TEST_CASE("an append of several events stores them consecutively",
          "[storage][event_log]") {
  temp_dir dir;
  auto log = open_log(dir / "log");
  append_note(*log, "other", 7, 1, "o-1");
  auto r = append_ok(*log, "p-1", note_events(1, 1, 3));
  CHECK(r.first_sequence == 1);
  CHECK(r.last_sequence == 3);
  CHECK(r.first_position == 2);
  CHECK(r.last_position == 4);
  CHECK_FALSE(r.duplicate);
  auto events = read_ok(*log, "p-1");
  CHECK(sequences(events) == iota(1, 3));
  CHECK(positions(events) == iota(2, 4));
  CHECK(texts(events)
        == std::vector<std::string>{"event 1", "event 2", "event 3"});
  auto r2 = append_ok(*log, "p-1", note_events(1, 4, 2));
  CHECK(r2.first_sequence == 4);
  CHECK(r2.last_sequence == 5);
  CHECK(r2.first_position == 5);
  CHECK(r2.last_position == 6);
}

TEST_CASE("readers see all events of an append or none of them",
          "[storage][event_log]") {
  temp_dir dir;
  storage::options opts;
  opts.mode = storage::durability::async;
  auto log = open_log(dir / "log", opts);
  constexpr uint64_t batch = 3;
  constexpr uint64_t batches = 300;
  std::atomic<bool> done{false};
  std::atomic<uint64_t> torn{0};
  std::atomic<uint64_t> looks{0};
  std::string failure;
  std::string first_torn;
  std::thread reader{[&] {
    while (!done.load()) {
      auto events = log->read("p-1");
      auto all = log->read_all();
      if (!events.ok() || !all.ok()) {
        failure = (events.ok() ? all.err() : events.err()).to_string();
        return;
      }
      ++looks;
      auto highest = log->highest("p-1");
      auto last = log->last_position();
      if (events->size() % batch != 0 || all->size() % batch != 0
          || highest % batch != 0 || last % batch != 0) {
        if (torn++ == 0)
          first_torn = "read " + std::to_string(events->size()) + ", read_all "
                       + std::to_string(all->size()) + ", highest "
                       + std::to_string(highest) + ", last_position "
                       + std::to_string(last);
      }
    }
  }};
  uint64_t next = 1;
  for (uint64_t b = 0; b < batches; ++b) {
    auto r = log->append("p-1", expected_version::any(),
                         note_events(1, next, batch));
    REQUIRE(r.ok());
    next += batch;
  }
  done = true;
  reader.join();
  INFO("the read that failed: " << failure);
  CHECK(failure.empty());
  INFO("first torn view: " << first_torn);
  CHECK(torn == 0);
  INFO("the reader looked " << looks << " times");
  CHECK(read_ok(*log, "p-1").size() == batch * batches);
}

TEST_CASE("a reader of the whole log never fails while appends create "
          "streams",
          "[storage][event_log]") {
  // A write is published after RocksDB holds it: a snapshot taken between
  // the two holds a stream the reader's table does not name yet.
  temp_dir dir;
  storage::options opts;
  opts.mode = storage::durability::async;
  auto log = open_log(dir / "log", opts);
  constexpr uint64_t streams = 2000;
  std::atomic<bool> done{false};
  std::atomic<uint64_t> looks{0};
  std::string failure;
  uint64_t went_back = 0;
  std::thread reader{[&] {
    uint64_t seen = 0;
    while (!done.load()) {
      auto all = log->read_all();
      if (!all.ok()) {
        failure = all.err().to_string();
        return;
      }
      ++looks;
      if (all->size() < seen)
        ++went_back;
      seen = all->size();
    }
  }};
  for (uint64_t s = 1; s <= streams; ++s)
    REQUIRE(log
              ->append("p-" + std::to_string(s), expected_version::no_stream(),
                       note_events(s, 1, 1))
              .ok());
  done = true;
  reader.join();
  INFO("the reader looked " << looks << " times");
  INFO("the read that failed: " << failure);
  CHECK(failure.empty());
  CHECK(went_back == 0);
  CHECK(log->read_all()->size() == streams);
}

TEST_CASE("an append with one bad event stores none of them",
          "[storage][event_log]") {
  temp_dir dir;
  auto log = open_log(dir / "log");
  append_note(*log, "p-1", 1, 1, "a-1");
  auto events = note_events(1, 2, 3);
  // Two words that are not a Cap'n Proto message: a segment table claiming
  // 0xffffffff segments.
  std::vector<std::byte> junk(16, std::byte{0xff});
  auto bad = frame::from_bytes(junk);
  REQUIRE(bad.ok());
  events[1].payload = *bad;
  auto r = log->append("p-1", expected_version::any(), events);
  REQUIRE_FALSE(r.ok());
  CHECK(r.err().code() == ec::invalid_argument);
  CHECK(log->highest("p-1") == 1);
  CHECK(log->last_position() == 1);
  CHECK(sequences(read_ok(*log, "p-1")) == iota(1, 1));
  CHECK(id_counts(*log).count(event_id::from_parts(1, 2)) == 0);
  // The next append is numbered as if nothing had happened.
  auto ok = append_note(*log, "p-1", 1, 2, "a-2");
  CHECK(ok.first_sequence == 2);
  CHECK(ok.first_position == 2);
}

// -- expected versions -------------------------------------------------------

TEST_CASE("expected versions against a new stream", "[storage][event_log]") {
  temp_dir dir;
  auto log = open_log(dir / "log");
  auto ev = note_events(1, 1, 1);
  SECTION("any admits it") {
    CHECK(log->append("s", expected_version::any(), ev).ok());
  }
  SECTION("no_stream admits it") {
    CHECK(log->append("s", expected_version::no_stream(), ev).ok());
  }
  SECTION("exact(0) admits it") {
    CHECK(log->append("s", expected_version::exact(0), ev).ok());
  }
  SECTION("exact(1) is rejected and writes nothing") {
    auto r = log->append("s", expected_version::exact(1), ev);
    REQUIRE_FALSE(r.ok());
    CHECK(r.err().code() == ec::wrong_expected_version);
    CHECK(log->highest("s") == 0);
    CHECK(log->last_position() == 0);
    CHECK(read_all_ok(*log).empty());
    // The rejected id was not recorded: appending it now is not a duplicate.
    auto again = log->append("s", expected_version::any(), ev);
    REQUIRE(again.ok());
    CHECK_FALSE(again->duplicate);
    CHECK(again->first_sequence == 1);
  }
}

TEST_CASE("expected versions against an existing stream",
          "[storage][event_log]") {
  temp_dir dir;
  auto log = open_log(dir / "log");
  append_ok(*log, "s", note_events(1, 1, 2));
  append_ok(*log, "t", note_events(2, 1, 1));
  auto ev = note_events(1, 10, 1);
  auto rejected = [&](expected_version expected) {
    auto r = log->append("s", expected, ev);
    REQUIRE_FALSE(r.ok());
    CHECK(r.err().code() == ec::wrong_expected_version);
    CHECK(log->highest("s") == 2);
    CHECK(log->last_position() == 3);
    CHECK(read_ok(*log, "s").size() == 2);
  };
  SECTION("any admits it") {
    auto r = log->append("s", expected_version::any(), ev);
    REQUIRE(r.ok());
    CHECK(r->first_sequence == 3);
  }
  SECTION("exact(current) admits it") {
    auto r = log->append("s", expected_version::exact(2), ev);
    REQUIRE(r.ok());
    CHECK(r->first_sequence == 3);
    CHECK(r->first_position == 4);
  }
  SECTION("no_stream is rejected") {
    rejected(expected_version::no_stream());
  }
  SECTION("a stale version is rejected") {
    rejected(expected_version::exact(1));
  }
  SECTION("a version from the future is rejected") {
    rejected(expected_version::exact(3));
  }
  SECTION("another stream's version is rejected") {
    // "t" is at version 1; "s" is not.
    rejected(expected_version::exact(1));
    auto r = log->append("t", expected_version::exact(1), note_events(2, 2, 1));
    CHECK(r.ok());
  }
}

TEST_CASE("of concurrent appends expecting one version exactly one wins",
          "[storage][event_log]") {
  temp_dir dir;
  auto log = open_log(dir / "log");
  constexpr int threads = 6;
  constexpr uint64_t rounds = 20;
  for (uint64_t round = 0; round < rounds; ++round) {
    std::atomic<int> wins{0};
    std::atomic<int> conflicts{0};
    std::atomic<int> others{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        auto ev = note_events(100 + t, round, 1);
        auto r = log->append("s", expected_version::exact(round), ev);
        if (r.ok())
          ++wins;
        else if (r.err().code() == ec::wrong_expected_version)
          ++conflicts;
        else
          ++others;
      });
    for (auto& th : pool)
      th.join();
    INFO("round " << round);
    CHECK(wins == 1);
    CHECK(conflicts == threads - 1);
    CHECK(others == 0);
    CHECK(log->highest("s") == round + 1);
  }
  CHECK(sequences(read_ok(*log, "s")) == iota(1, rounds));
}

// -- idempotency -------------------------------------------------------------

TEST_CASE("re-appending the same event ids is a no-op",
          "[storage][event_log]") {
  temp_dir dir;
  auto log = open_log(dir / "log");
  append_note(*log, "other", 9, 1, "o-1");
  auto batch = note_events(1, 1, 3);
  auto first = append_ok(*log, "s", batch);
  append_note(*log, "other", 9, 2, "o-2");
  auto check_duplicate
    = [&](const storage::append_result& r, uint64_t seq, uint64_t last_seq,
          uint64_t pos, uint64_t last_pos) {
        CHECK(r.duplicate);
        CHECK(r.first_sequence == seq);
        CHECK(r.last_sequence == last_seq);
        CHECK(r.first_position == pos);
        CHECK(r.last_position == last_pos);
        CHECK(log->last_position() == 5);
        CHECK(log->highest("s") == 3);
        CHECK(read_ok(*log, "s").size() == 3);
      };
  SECTION("the whole batch again") {
    auto again = append_ok(*log, "s", batch);
    check_duplicate(again, first.first_sequence, first.last_sequence,
                    first.first_position, first.last_position);
  }
  SECTION("the whole batch with a stale expected version") {
    auto again = append_ok(*log, "s", batch, expected_version::no_stream());
    check_duplicate(again, 1, 3, 2, 4);
  }
  SECTION("a consecutive part of the batch") {
    std::vector<storage::new_event> tail{batch[1], batch[2]};
    auto again = append_ok(*log, "s", tail);
    check_duplicate(again, 2, 3, 3, 4);
  }
  SECTION("after reopening") {
    log.reset();
    log = open_log(dir / "log");
    auto again = append_ok(*log, "s", batch);
    check_duplicate(again, 1, 3, 2, 4);
  }
  // A duplicate does not disturb what comes next.
  auto next = append_note(*log, "s", 1, 4, "event 4");
  CHECK_FALSE(next.duplicate);
  CHECK(next.first_sequence == 4);
  CHECK(next.first_position == 6);
}

TEST_CASE("a batch whose ids are partly stored is rejected",
          "[storage][event_log]") {
  temp_dir dir;
  auto log = open_log(dir / "log");
  auto batch = note_events(1, 1, 3);
  append_ok(*log, "s", batch);
  auto rejected = [&](const std::vector<storage::new_event>& events) {
    auto r = log->append("s", expected_version::any(), events);
    REQUIRE_FALSE(r.ok());
    CHECK(r.err().code() == ec::invalid_argument);
    CHECK(log->highest("s") == 3);
    CHECK(log->last_position() == 3);
    CHECK(read_ok(*log, "s").size() == 3);
  };
  SECTION("a stored id followed by a new one") {
    rejected({batch[2], note_event(event_id::from_parts(1, 4), "new")});
    CHECK(id_counts(*log).count(event_id::from_parts(1, 4)) == 0);
  }
  SECTION("a new id followed by a stored one") {
    rejected({note_event(event_id::from_parts(1, 4), "new"), batch[0]});
    CHECK(id_counts(*log).count(event_id::from_parts(1, 4)) == 0);
  }
  SECTION("stored ids out of order") {
    auto r = log->append("s", expected_version::any(),
                         std::vector<storage::new_event>{batch[1], batch[0]});
    // Not the same events in the same order, so not a duplicate; and it must
    // not store the ids a second time.
    CHECK_FALSE((r.ok() && !r->duplicate));
    CHECK(log->last_position() == 3);
  }
}

TEST_CASE("an event id is stored at most once in the whole log",
          "[storage][event_log]") {
  temp_dir dir;
  auto log = open_log(dir / "log");
  auto ev = note_event(event_id::from_parts(1, 1), "once");
  append_ok(*log, "s", {ev});
  SECTION("the same id in another stream") {
    auto r = log->append("t", expected_version::any(), {&ev, 1});
    if (r.ok())
      CHECK(r->duplicate);
  }
  SECTION("the same id twice in one batch") {
    auto twin = note_event(event_id::from_parts(2, 2), "twin");
    std::vector<storage::new_event> twins{twin, twin};
    // Rejecting the batch or storing the event once are both fine; storing
    // two events under one id is not.
    ignore(log->append("t", expected_version::any(), twins));
    CHECK(id_counts(*log)[twin.id] <= 1);
  }
  for (auto& [id, count] : id_counts(*log)) {
    INFO("id " << id.to_hex());
    CHECK(count == 1);
  }
}

// -- invalid arguments -------------------------------------------------------

TEST_CASE("append rejects invalid arguments and writes nothing",
          "[storage][event_log]") {
  temp_dir dir;
  auto log = open_log(dir / "log");
  auto good = note_events(1, 1, 1);
  auto rejected = [&](std::string_view stream,
                      const std::vector<storage::new_event>& events) {
    auto r = log->append(stream, expected_version::any(), events);
    REQUIRE_FALSE(r.ok());
    CHECK(r.err().code() == ec::invalid_argument);
    CHECK_FALSE(r.err().message().empty());
    CHECK(log->last_position() == 0);
    CHECK(log->streams().empty());
  };
  SECTION("an empty stream name") {
    rejected("", good);
  }
  SECTION("an empty batch") {
    rejected("s", {});
  }
  SECTION("an empty event id") {
    auto events = note_events(1, 1, 2);
    events[1].id = event_id{};
    rejected("s", events);
  }
  SECTION("an empty payload") {
    auto events = note_events(1, 1, 2);
    events[0].payload = frame{};
    rejected("s", events);
  }
  // The log still works afterwards.
  auto r = append_ok(*log, "s", good);
  CHECK(r.first_sequence == 1);
  CHECK(r.first_position == 1);
}

// -- concurrency and the global order ----------------------------------------

TEST_CASE("concurrent appends get gap-free increasing global positions",
          "[storage][event_log]") {
  auto mode = GENERATE(storage::durability::sync, storage::durability::group,
                       storage::durability::async);
  INFO("durability " << storage::to_string(mode));
  temp_dir dir;
  storage::options opts;
  opts.mode = mode;
  auto log = open_log(dir / "log", opts);
  constexpr int threads = 6;
  const uint64_t appends = mode == storage::durability::sync ? 40 : 150;
  struct acked {
    std::string stream;
    storage::append_result result;
    std::vector<event_id> ids;
  };
  std::mutex mu;
  std::vector<acked> acks;
  std::atomic<int> failures{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      std::mt19937_64 rng{static_cast<uint64_t>(t) * 7919};
      for (uint64_t n = 0; n < appends; ++n) {
        // Each thread has a stream of its own, and all share "shared/*".
        auto stream = rng() % 2 ? "own/" + std::to_string(t)
                                : "shared/" + std::to_string(rng() % 3);
        auto count = 1 + rng() % 4;
        auto events = note_events(1000 + t, n * 10, count,
                                  stream + " " + std::to_string(t) + " ");
        auto r = log->append(stream, expected_version::any(), events);
        if (!r) {
          ++failures;
          continue;
        }
        std::vector<event_id> ids;
        for (auto& ev : events)
          ids.push_back(ev.id);
        std::lock_guard guard{mu};
        acks.push_back({stream, *r, std::move(ids)});
      }
    });
  for (auto& th : pool)
    th.join();
  REQUIRE(failures == 0);
  auto all = read_all_ok(*log);
  uint64_t total = 0;
  for (auto& a : acks)
    total += a.ids.size();
  REQUIRE(all.size() == total);
  CHECK(log->last_position() == total);
  std::map<std::string, uint64_t> last_seq;
  for (uint64_t i = 0; i < all.size(); ++i) {
    auto& ev = all[i];
    INFO("event " << i << " in stream " << ev.stream());
    REQUIRE(ev.position() == i + 1);
    auto& seq = last_seq[std::string{ev.stream()}];
    REQUIRE(ev.sequence() == seq + 1);
    seq = ev.sequence();
  }
  // Each acknowledgement describes where its events are.
  for (auto& a : acks) {
    INFO("append to " << a.stream << " at " << a.result.first_position);
    CHECK_FALSE(a.result.duplicate);
    REQUIRE(a.result.last_position - a.result.first_position + 1
            == a.ids.size());
    REQUIRE(a.result.last_sequence - a.result.first_sequence + 1
            == a.ids.size());
    for (uint64_t k = 0; k < a.ids.size(); ++k) {
      auto& ev = all[a.result.first_position + k - 1];
      CHECK(ev.stream() == a.stream);
      CHECK(ev.id() == a.ids[k]);
      CHECK(ev.sequence() == a.result.first_sequence + k);
    }
  }
  for (auto& info : log->streams()) {
    CHECK(info.highest == last_seq[info.name]);
    CHECK(sequences(read_ok(*log, info.name)) == iota(1, info.highest));
  }
}

// -- reopening ---------------------------------------------------------------

TEST_CASE("reopening a log preserves everything", "[storage][event_log]") {
  temp_dir dir;
  auto log = open_log(dir / "log");
  for (uint64_t n = 1; n <= 20; ++n)
    append_ok(*log, "s" + std::to_string(n % 3), note_events(n, 1, 1 + n % 2));
  REQUIRE(log->delete_upto("s1", 2).ok());
  auto before = read_all_ok(*log);
  auto streams_before = log->streams();
  auto last = log->last_position();
  log.reset();
  log = open_log(dir / "log");
  CHECK(log->last_position() == last);
  auto after = read_all_ok(*log);
  REQUIRE(after.size() == before.size());
  for (size_t i = 0; i < after.size(); ++i) {
    auto a = before[i].bytes();
    auto b = after[i].bytes();
    CHECK(std::equal(a.begin(), a.end(), b.begin(), b.end()));
  }
  auto streams_after = log->streams();
  REQUIRE(streams_after.size() == streams_before.size());
  for (size_t i = 0; i < streams_after.size(); ++i) {
    CHECK(streams_after[i].name == streams_before[i].name);
    CHECK(streams_after[i].highest == streams_before[i].highest);
    CHECK(streams_after[i].lowest == streams_before[i].lowest);
  }
  auto next = append_note(*log, "s1", 99, 1, "after reopen");
  CHECK(next.first_sequence == log->streams()[1].highest);
  CHECK(next.first_position == last + 1);
}

// -- truncation --------------------------------------------------------------

TEST_CASE("truncate deletes only old events of matching streams",
          "[storage][event_log]") {
  temp_dir dir;
  auto log = open_log(dir / "log");
  // Positions 1..12 cycle through pty/a, pty/b, worker/a, ptyx.
  const std::vector<std::string> names{"pty/a", "pty/b", "worker/a", "ptyx"};
  for (uint64_t p = 1; p <= 12; ++p)
    append_note(*log, names[(p - 1) % 4], 1, p, "p" + std::to_string(p));
  auto deleted = log->truncate("pty/", 7);
  REQUIRE(deleted.ok());
  // pty/a had positions 1, 5, 9; pty/b had 2, 6, 10.
  CHECK(*deleted == 4);
  CHECK(positions(read_ok(*log, "pty/a")) == std::vector<uint64_t>{9});
  CHECK(sequences(read_ok(*log, "pty/a")) == std::vector<uint64_t>{3});
  CHECK(positions(read_ok(*log, "pty/b")) == std::vector<uint64_t>{10});
  CHECK(positions(read_ok(*log, "worker/a"))
        == std::vector<uint64_t>{3, 7, 11});
  CHECK(positions(read_ok(*log, "ptyx")) == std::vector<uint64_t>{4, 8, 12});
  CHECK(positions(read_all_ok(*log))
        == std::vector<uint64_t>{3, 4, 7, 8, 9, 10, 11, 12});
  CHECK(log->highest("pty/a") == 3);
  CHECK(log->highest("pty/b") == 3);
  CHECK(log->last_position() == 12);
  // Truncating again up to the same position finds nothing more.
  auto again = log->truncate("pty/", 7);
  REQUIRE(again.ok());
  CHECK(*again == 0);
  // The versions and the gaps survive a reopen.
  log.reset();
  log = open_log(dir / "log");
  CHECK(log->highest("pty/a") == 3);
  CHECK(positions(read_all_ok(*log))
        == std::vector<uint64_t>{3, 4, 7, 8, 9, 10, 11, 12});
  auto next = append_note(*log, "pty/a", 1, 13, "p13");
  CHECK(next.first_sequence == 4);
  CHECK(next.first_position == 13);
}

// -- tailing -----------------------------------------------------------------

TEST_CASE("wait_beyond wakes when another thread appends",
          "[storage][event_log]") {
  temp_dir dir;
  auto log = open_log(dir / "log");
  append_note(*log, "s", 1, 1, "first");
  std::promise<void> waiting;
  auto started = waiting.get_future();
  auto waiter = std::async(std::launch::async, [&log, &waiting] {
    waiting.set_value();
    return log->wait_beyond(1, std::chrono::seconds{60});
  });
  started.wait();
  append_note(*log, "s", 1, 2, "second");
  // The waiter must return long before its own 60 s timeout.
  REQUIRE(waiter.wait_for(std::chrono::seconds{30})
          == std::future_status::ready);
  CHECK(waiter.get() == 2);
}

TEST_CASE("wait_beyond returns at once when the log is already beyond",
          "[storage][event_log]") {
  temp_dir dir;
  auto log = open_log(dir / "log");
  append_ok(*log, "s", note_events(1, 1, 3));
  auto waiter = std::async(std::launch::async, [&log] {
    return log->wait_beyond(1, std::chrono::seconds{60});
  });
  REQUIRE(waiter.wait_for(std::chrono::seconds{30})
          == std::future_status::ready);
  CHECK(waiter.get() == 3);
  // With nothing new, it gives up after its timeout and reports the position.
  CHECK(log->wait_beyond(3, std::chrono::milliseconds{1}) == 3);
}
