// What the public API's tests share: the built `baton` for the simulated
// agents, waits on a run's events, and the checks every steered run ends
// with (its operator stream, its replay).
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <string>

#include "baton/baton.hpp"
#include "replay/run_replay.hpp"
#include "storage/event_log.hpp"
#include "tests/cli/run_baton.hpp"

namespace baton::test {

/// The simulated agents are `baton sim`: the built executable.
inline void use_built_baton() {
  static bool done = [] {
    ::setenv("BATON_EXECUTABLE", baton_path().c_str(), 1);
    return true;
  }();
  static_cast<void>(done);
}

/// True as soon as `f()` holds, checked at the start and after each event
/// the cursor `c` brings (a run's status and screens change only with its
/// events); false when it still does not after `limit`.
template <class F>
bool on_events(event_cursor& c, F f,
               std::chrono::seconds limit = std::chrono::seconds{60}) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!f()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    // Past the deadline, at the run's end or at a read error, nothing more
    // will come: the condition's last chance.
    if (left.count() <= 0 || c.next(left) == nullptr)
      return f();
    while (c.next() != nullptr) { // what came with it
    }
  }
  return true;
}

/// on_events over the events of an in-process run.
template <class F>
bool on_events(const run& r, F f,
               std::chrono::seconds limit = std::chrono::seconds{60}) {
  auto c = r.events(1);
  return on_events(*c, f, limit);
}

/// on_events over the events of the run whose log is `log_dir` (any
/// process's).
template <class F>
bool on_events(const std::string& log_dir, F f,
               std::chrono::seconds limit = std::chrono::seconds{60}) {
  auto c = open_events(log_dir, 1);
  REQUIRE(c.ok());
  return on_events(**c, f, limit);
}

/// Events recorded on the log's operator stream.
inline uint64_t operator_events(const std::string& log_dir) {
  storage::options o;
  o.read_only = true;
  o.create_if_missing = false;
  auto log = storage::event_log::open(log_dir, o);
  REQUIRE(log.ok());
  return (*log)->highest("operator");
}

/// `baton replay`'s check: every stream replays byte for byte.
inline void replays_identically(const std::string& log_dir) {
  storage::options o;
  o.read_only = true;
  o.create_if_missing = false;
  auto log = storage::event_log::open(log_dir, o);
  REQUIRE(log.ok());
  auto reports = replay::replay_run(**log, {});
  REQUIRE(reports.ok());
  for (auto& r : *reports) {
    std::string what;
    if (auto& d = r.report.first_divergence)
      what = " @" + std::to_string(d->sequence) + ": replay " + d->expected
             + ", run " + d->found;
    INFO(r.stream << what);
    CHECK(!r.report.first_divergence);
  }
}

} // namespace baton::test
