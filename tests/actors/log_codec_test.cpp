// Round trips of the log actor's messages: what is encoded decodes to the
// same values, and the events inside keep their exact bytes.
#include "actors/log_codec.hpp"

#include <catch2/catch.hpp>

#include "tests/support/events.hpp"

using namespace baton;

TEST_CASE("an AppendRequest round-trips with ids, times and payloads",
          "[actors][log_codec]") {
  auto events = test::note_events(9, 1, 3);
  events[1].causation = event_id::from_parts(1, 2);
  events[2].correlation = event_id::from_parts(3, 4);
  events[2].wall_time = -5;
  auto f = actors::encode_append_request(
    "worker/a", storage::expected_version::exact(12), events);
  auto back = actors::decode_append_request(f);
  REQUIRE(back.ok());
  CHECK(back->stream == "worker/a");
  CHECK_FALSE(back->expected.is_any());
  CHECK(back->expected.version() == 12);
  REQUIRE(back->events.size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    CHECK(back->events[i].id == events[i].id);
    CHECK(back->events[i].causation == events[i].causation);
    CHECK(back->events[i].correlation == events[i].correlation);
    CHECK(back->events[i].logical_time == events[i].logical_time);
    CHECK(back->events[i].wall_time == events[i].wall_time);
    CHECK(back->events[i].payload == events[i].payload);
  }
  auto any = actors::decode_append_request(actors::encode_append_request(
    "s", storage::expected_version::any(), events));
  REQUIRE(any.ok());
  CHECK(any->expected.is_any());
}

TEST_CASE("an AppendReply round-trips success and failure",
          "[actors][log_codec]") {
  storage::append_result ok{4, 6, 10, 12, true};
  auto back = actors::decode_append_reply(actors::encode_append_reply(ok));
  REQUIRE(back.ok());
  CHECK(back->first_sequence == 4);
  CHECK(back->last_sequence == 6);
  CHECK(back->first_position == 10);
  CHECK(back->last_position == 12);
  CHECK(back->duplicate);
  result<storage::append_result> failed{
    error{ec::wrong_expected_version, "stream s is at version 3"}};
  auto err = actors::decode_append_reply(actors::encode_append_reply(failed));
  REQUIRE_FALSE(err.ok());
  CHECK(err.err() == failed.err());
}

TEST_CASE("a frame that is not a log message is rejected, not trusted",
          "[actors][log_codec]") {
  auto r = actors::decode_append_request(frame{});
  CHECK_FALSE(r.ok());
  auto junk
    = frame::from_bytes(std::as_bytes(std::span{"0123456789abcdef", 16}));
  REQUIRE(junk.ok());
  auto bad = actors::decode_append_request(*junk);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.err().code() == ec::invalid_argument);
}
