#include "engine/event_id.hpp"

#include <catch2/catch.hpp>

using baton::event_id;

TEST_CASE("event ids round-trip through hex", "[engine][event_id]") {
  auto id = event_id::from_parts(0x0123456789abcdefULL, 42);
  CHECK(id.to_hex() == "0123456789abcdef000000000000002a");
  auto back = event_id::from_hex(id.to_hex());
  REQUIRE(back.has_value());
  CHECK(*back == id);
  CHECK_FALSE(id.empty());
  CHECK(event_id{}.empty());
}

TEST_CASE("event ids reject malformed hex", "[engine][event_id]") {
  CHECK_FALSE(event_id::from_hex("").has_value());
  CHECK_FALSE(event_id::from_hex("0123").has_value());
  CHECK_FALSE(event_id::from_hex(std::string(32, 'g')).has_value());
}
