// A run of examples/feature.toml with `baton sim` agents, recorded once per
// test binary, and small readers over its log for the inspection commands'
// tests.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "storage/event_log.hpp"
#include "tests/cli/run_baton.hpp"
#include "tests/support/temp_dir.hpp"

namespace baton::test {

/// The recorded run's log directory (ctest runs the tests in the source
/// tree, where examples/ is).
inline const std::string& feature_run_log() {
  static temp_dir dir;
  static const std::string db = [] {
    auto log = dir / "log";
    auto r = run_baton("run " + std::filesystem::current_path().string()
                       + "/examples/feature.toml --db " + log
                       + " --workspace " + dir / "work");
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    return log;
  }();
  return db;
}

/// Every event of `stream` in the recorded run (positions, sequences and
/// logical times with them).
inline std::vector<storage::recorded_event>
feature_run_events(const std::string& stream) {
  storage::options opts;
  opts.read_only = true;
  opts.create_if_missing = false;
  auto log = storage::event_log::open(feature_run_log(), opts);
  REQUIRE(log.ok());
  auto events = (*log)->read(stream);
  REQUIRE(events.ok());
  return std::move(*events);
}

inline std::string str(capnp::Text::Reader t) {
  return {t.cStr(), t.size()};
}

} // namespace baton::test
