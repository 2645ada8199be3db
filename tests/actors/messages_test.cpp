// Every message type actors exchange survives encoding, CAF's own
// serialisation of the frame that carries it, and decoding — equal to what
// was sent; a frame of another type is refused with a message.
#include "actors/messages.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <capnp/message.h>
#include <capnp/serialize.h>

#include <catch2/catch.hpp>

#include "actors/type_ids.hpp"
#include "engine/orchestration/orchestrator_event.hpp"
#include "schema/events.capnp.h"

using namespace baton;

namespace {

/// The frame as it arrives after crossing CAF's binary serialisation.
frame through_caf(const frame& f) {
  caf::actor_system_config cfg;
  cfg.add_message_types<caf::id_block::baton>();
  caf::actor_system sys{cfg};
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  REQUIRE(!sink(f));
  frame out;
  caf::binary_deserializer source{sys, buf};
  REQUIRE(!source(out));
  REQUIRE(out == f);
  return out;
}

} // namespace

TEST_CASE("worker commands round-trip", "[actors][messages]") {
  std::vector<actors::worker_command> commands{
    actors::prompt_command{"Task api: add GET /api/todos\n\nReport as you go",
                           "dispatch of task api, attempt 1"},
    actors::prompt_command{"use the v2 endpoint", "operator send", false, "o3"},
    actors::prompt_command{"allow", "operator approve", true, "o4"},
    actors::prompt_command{"\x1b:wq\r", "operator keys", false, "o5", true},
    actors::restart_command{"agent backend exited with status 137"},
    actors::stop_command{"run finished", false},
    actors::stop_command{"stopped at once", true},
    actors::files_command{"api", 2, {"api/openapi.json", "api/todos.py"}},
  };
  for (auto& c : commands) {
    auto back = actors::decode_worker_command(
      through_caf(actors::encode_worker_command(c)));
    REQUIRE(back.ok());
    CHECK(*back == c);
  }
}

TEST_CASE("worker reports round-trip, carrying the event to record",
          "[actors][messages]") {
  engine::protocol_seen seen;
  seen.agent = "backend";
  seen.kind = engine::protocol_kind::contract;
  seen.line = "CONTRACT: todo API v1";
  seen.text = "todo API v1";
  seen.body = "GET /api/todos -> 200\nPOST /api/todos -> 201";
  std::vector<engine::orchestrator_input> inputs{
    engine::agent_observed{"backend", engine::detect::state::idle, true},
    seen,
    engine::agent_exited{"frontend", 137},
  };
  for (auto& in : inputs) {
    actors::worker_report r{engine::to_event(in), 123456};
    auto back = actors::decode_worker_report(
      through_caf(actors::encode_worker_report(r)));
    REQUIRE(back.ok());
    CHECK(back->logical_time == 123456);
    capnp::FlatArrayMessageReader reader{back->event.words()};
    auto decoded = engine::input_from_event(reader.getRoot<schema::Event>());
    REQUIRE(decoded.has_value());
    CHECK(*decoded == in);
  }
}

TEST_CASE("gate reports round-trip", "[actors][messages]") {
  engine::gate_finished g{
    "api",
    2,
    false,
    {"api/openapi.json: missing \"/api/todos\"", "`make test` exited with 2"},
    {"api/openapi.json", "web/index.html"}};
  auto back
    = actors::decode_gate_report(through_caf(actors::encode_gate_report(g)));
  REQUIRE(back.ok());
  CHECK(*back == g);
}

TEST_CASE("a frame that is not a message is refused by name",
          "[actors][messages]") {
  frame garbage;
  garbage.raw_words() = {0xffffffffffffffffull, 0x1234};
  auto c = actors::decode_worker_command(garbage);
  REQUIRE_FALSE(c.ok());
  CHECK(c.err().message().find("WorkerCommand") != std::string::npos);
  auto r = actors::decode_worker_report(garbage);
  REQUIRE_FALSE(r.ok());
  CHECK(r.err().message().find("WorkerReport") != std::string::npos);
  auto g = actors::decode_gate_report(garbage);
  REQUIRE_FALSE(g.ok());
  CHECK(g.err().message().find("GateReport") != std::string::npos);
}
