// The event log's options: durability names and expected versions.
#include "storage/options.hpp"

#include <catch2/catch.hpp>

using namespace baton;
using storage::durability;
using storage::expected_version;

TEST_CASE("durability modes round-trip through their names",
          "[storage][options]") {
  for (auto mode : {durability::sync, durability::group, durability::async}) {
    auto parsed = storage::parse_durability(storage::to_string(mode));
    REQUIRE(parsed.ok());
    CHECK(*parsed == mode);
  }
  CHECK(storage::to_string(durability::sync) == "sync");
  CHECK(storage::to_string(durability::group) == "group");
  CHECK(storage::to_string(durability::async) == "async");
}

TEST_CASE("an unknown durability name is rejected", "[storage][options]") {
  for (auto text : {"", "Sync", "fsync", "group "}) {
    INFO('"' << text << '"');
    auto parsed = storage::parse_durability(text);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.err().code() == ec::invalid_argument);
  }
}

TEST_CASE("the defaults are group commit creating a writable log",
          "[storage][options]") {
  storage::options opts;
  CHECK(opts.mode == durability::group);
  CHECK(opts.create_if_missing);
  CHECK_FALSE(opts.read_only);
  CHECK(opts.max_group_events == 8192);
  CHECK(opts.env == nullptr);
}

TEST_CASE("expected versions admit exactly the versions they name",
          "[storage][options]") {
  CHECK(expected_version::any().is_any());
  CHECK(expected_version::any().admits(0));
  CHECK(expected_version::any().admits(UINT64_MAX));
  CHECK_FALSE(expected_version::no_stream().is_any());
  CHECK(expected_version::no_stream().version() == 0);
  CHECK(expected_version::no_stream().admits(0));
  CHECK_FALSE(expected_version::no_stream().admits(1));
  CHECK(expected_version::exact(7).admits(7));
  CHECK_FALSE(expected_version::exact(7).admits(6));
  CHECK_FALSE(expected_version::exact(7).admits(8));
}
