#include "replay/stream_fold.hpp"

#include <catch2/catch.hpp>

#include "tests/support/events.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using namespace baton;

/// A toy fold: how many events, and the concatenated last digits.
struct tally {
  uint64_t count = 0;
  std::string last;
};

struct folded {
  tally state;
  replay::fold_stats stats;
};

folded fold(const storage::event_log& log, replay::fold_options opts) {
  folded out;
  auto r = replay::fold_stream(
    log, "worker/a", opts,
    [&out](const storage::snapshot& snap) -> result<void> {
      // The snapshot's state frame carries the count as its note text.
      out.state.count = std::stoull(test::note_text(snap.state));
      out.state.last = "snapshot";
      return {};
    },
    [&out](const storage::recorded_event& ev) {
      ++out.state.count;
      out.state.last = test::note_text(ev);
    });
  REQUIRE(r.ok());
  out.stats = *r;
  return out;
}

std::unique_ptr<storage::event_log> log_of_100(const std::string& dir) {
  auto log = storage::event_log::open(dir);
  REQUIRE(log.ok());
  auto events = test::note_events(1, 1, 100);
  REQUIRE((*log)->append("worker/a", storage::expected_version::any(), events)
            .ok());
  auto others = test::note_events(2, 1, 50);
  REQUIRE((*log)->append("worker/b", storage::expected_version::any(), others)
            .ok());
  return std::move(*log);
}

} // namespace

TEST_CASE("a fold from a snapshot equals a fold from the first event",
          "[replay][stream_fold]") {
  test::temp_dir tmp;
  auto log = log_of_100(tmp / "log");
  auto full = fold(*log, {UINT64_MAX, false});
  CHECK(full.state.count == 100);
  CHECK(full.stats.snapshot_sequence == 0);
  CHECK(full.stats.events_applied == 100);
  storage::snapshot snap{60, 60, test::state_frame("60")};
  REQUIRE(log->save_snapshot("worker/a", snap).ok());
  auto fast = fold(*log, {});
  CHECK(fast.state.count == 100);
  CHECK(fast.state.last == full.state.last);
  CHECK(fast.stats.snapshot_sequence == 60);
  CHECK(fast.stats.events_applied == 40);
}

TEST_CASE("a fold stops at the requested sequence and picks the snapshot "
          "below it",
          "[replay][stream_fold]") {
  test::temp_dir tmp;
  auto log = log_of_100(tmp / "log");
  REQUIRE(log->save_snapshot("worker/a", {30, 30, test::state_frame("30")})
            .ok());
  REQUIRE(log->save_snapshot("worker/a", {80, 80, test::state_frame("80")})
            .ok());
  auto at50 = fold(*log, {50, true});
  CHECK(at50.state.count == 50);
  CHECK(at50.stats.snapshot_sequence == 30);
  CHECK(at50.stats.events_applied == 20);
  CHECK(at50.state.last == "event 50");
}

TEST_CASE("a fold reports a snapshot it cannot restore", "[replay][stream_fold]") {
  test::temp_dir tmp;
  auto log = log_of_100(tmp / "log");
  REQUIRE(log->save_snapshot("worker/a", {10, 10, test::state_frame("x")})
            .ok());
  auto r = replay::fold_stream(
    *log, "worker/a", {},
    [](const storage::snapshot&) -> result<void> {
      return error{ec::corruption, "state format 0 is no longer read"};
    },
    [](const storage::recorded_event&) {});
  REQUIRE_FALSE(r.ok());
  CHECK(r.err().code() == ec::corruption);
}
