// append_many: several appends, each checked and atomic on its own, sharing
// one commit.
#include <catch2/catch.hpp>

#include "tests/storage/log_fixture.hpp"

using namespace baton;
using namespace baton::test;
using storage::append_request;
using storage::expected_version;

namespace {

append_request request(std::string stream, expected_version expected,
                       uint64_t high, uint64_t first, size_t n) {
  return {std::move(stream), expected, note_events(high, first, n)};
}

} // namespace

TEST_CASE("append_many stores each request in order with gap-free positions",
          "[storage][append_many]") {
  for (auto mode : {storage::durability::sync, storage::durability::group,
                    storage::durability::async}) {
    temp_dir dir;
    storage::options opts;
    opts.mode = mode;
    auto log = open_log(dir / "log", opts);
    std::vector<append_request> batch{
      request("worker/a", expected_version::no_stream(), 1, 1, 3),
      request("worker/b", expected_version::any(), 2, 1, 2),
      request("worker/a", expected_version::exact(3), 1, 4, 2)};
    auto results = log->append_many(batch);
    REQUIRE(results.size() == 3);
    for (auto& r : results)
      REQUIRE(r.ok());
    CHECK(results[0]->first_position == 1);
    CHECK(results[1]->first_position == 4);
    CHECK(results[2]->first_sequence == 4);
    CHECK(results[2]->last_position == 7);
    CHECK(log->highest("worker/a") == 5);
    auto all = read_all_ok(*log);
    REQUIRE(all.size() == 7);
    for (size_t i = 0; i < all.size(); ++i)
      CHECK(all[i].position() == i + 1);
  }
}

TEST_CASE("append_many rejects one request without touching the others",
          "[storage][append_many]") {
  temp_dir dir;
  auto log = open_log(dir / "log");
  append_ok(*log, "worker/a", note_events(1, 1, 2));
  std::vector<append_request> batch{
    request("worker/a", expected_version::exact(7), 1, 10, 1),
    request("", expected_version::any(), 3, 1, 1),
    request("worker/b", expected_version::any(), 2, 1, 1)};
  auto results = log->append_many(batch);
  REQUIRE(results.size() == 3);
  REQUIRE_FALSE(results[0].ok());
  CHECK(results[0].err().code() == ec::wrong_expected_version);
  REQUIRE_FALSE(results[1].ok());
  CHECK(results[1].err().code() == ec::invalid_argument);
  REQUIRE(results[2].ok());
  CHECK(results[2]->first_position == 3);
  CHECK(log->highest("worker/a") == 2);
  CHECK(read_all_ok(*log).size() == 3);
}

TEST_CASE("append_many sees the requests before it in the same call",
          "[storage][append_many]") {
  temp_dir dir;
  auto log = open_log(dir / "log");
  std::vector<append_request> batch{
    request("s", expected_version::no_stream(), 1, 1, 1),
    request("s", expected_version::no_stream(), 1, 2, 1), // now at version 1
    request("s", expected_version::exact(1), 1, 3, 1),
    request("s", expected_version::any(), 1, 1, 1)}; // a duplicate of #1
  auto results = log->append_many(batch);
  REQUIRE(results[0].ok());
  REQUIRE_FALSE(results[1].ok());
  CHECK(results[1].err().code() == ec::wrong_expected_version);
  REQUIRE(results[2].ok());
  CHECK(results[2]->first_sequence == 2);
  REQUIRE(results[3].ok());
  CHECK(results[3]->duplicate);
  CHECK(results[3]->first_sequence == 1);
  CHECK(log->highest("s") == 2);
}
