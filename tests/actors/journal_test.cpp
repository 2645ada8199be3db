// The journal an actor records its own stream through: expecting the stream
// at the version it read, it writes after it, and refuses to write after a
// record it did not read.
#include "actors/detail/journal.hpp"

#include <catch2/catch.hpp>

#include "actors/log_codec.hpp"
#include "storage/event_log.hpp"
#include "tests/support/events.hpp"
#include "tests/support/temp_dir.hpp"

using namespace baton;

namespace {

/// A journal over `log`, its appends carried out at once.
actors::detail::journal journal_over(storage::event_log& log,
                                     uint64_t id_high) {
  return actors::detail::journal{
    "lead/t", id_high, [&log](frame request, auto done) {
      auto r = actors::decode_append_request(request);
      REQUIRE(r.ok());
      done(log.append(r->stream, r->expected, r->events));
    }};
}

} // namespace

TEST_CASE("a journal expecting the version it read appends after it, and "
          "fails on a record it did not read, writing nothing",
          "[actors][journal]") {
  test::temp_dir dir;
  auto log = storage::event_log::open(dir / "log");
  REQUIRE(log.ok());
  auto note = [](const char* text) {
    return actors::detail::journal::entry{test::note_payload(text), 1};
  };

  // A first incarnation writes two records.
  auto first = journal_over(**log, 1);
  int done = 0;
  first.record({note("a"), note("b")}, false, [&] { ++done; });
  REQUIRE(done == 1);

  // A second reads the stream at version 2 and goes on after it.
  auto second = journal_over(**log, 2);
  second.expect(2);
  std::vector<uint64_t> seen;
  second.observe([](const frame&) { return true; },
                 [&](uint64_t sequence, uint64_t, const frame&) {
                   seen.push_back(sequence);
                 });
  second.record({note("c")}, false, [&] { ++done; });
  second.record({note("d")}, false, [&] { ++done; });
  CHECK(done == 3);
  CHECK(seen == std::vector<uint64_t>{3, 4});
  CHECK_FALSE(second.failed());

  // A third read it at version 4, and the first wrote one more meanwhile:
  // the third fails, and writes nothing.
  auto third = journal_over(**log, 3);
  third.expect(4);
  first.record({note("late")}, false, [&] { ++done; });
  REQUIRE(done == 4);
  std::optional<error> failed;
  third.on_failure([&](const error& e) { failed = e; });
  third.record({note("e")}, false, [&] { ++done; });
  REQUIRE(failed);
  CHECK(failed->code() == ec::wrong_expected_version);
  CHECK(third.failed());
  CHECK(done == 4);
  auto stream = (*log)->read("lead/t");
  REQUIRE(stream.ok());
  REQUIRE(stream->size() == 5);
  CHECK(test::note_text(stream->back()) == "late");
}
