// A frame crosses CAF (serialisation and a typed actor under the
// deterministic scheduler) and arrives byte for byte as sent.
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/typed_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <capnp/message.h>
#include <capnp/serialize.h>

#include <catch2/catch.hpp>

#include "actors/type_ids.hpp"
#include "schema/events.capnp.h"

namespace {

baton::frame note(const char* text) {
  capnp::MallocMessageBuilder builder;
  builder.initRoot<baton::schema::Event>().initNote().setText(text);
  return baton::frame::from(builder);
}

std::string text_of(const baton::frame& f) {
  capnp::FlatArrayMessageReader reader{f.words()};
  return reader.getRoot<baton::schema::Event>().getNote().getText().cStr();
}

using echo_actor
  = caf::typed_actor<caf::replies_to<baton::frame>::with<baton::frame>>;

echo_actor::behavior_type echo() {
  return {[](baton::frame& f) { return f; }};
}

struct fixture {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::scheduler::test_coordinator* sched = nullptr;

  fixture() {
    cfg.add_message_types<caf::id_block::baton>();
    cfg.set("scheduler.policy", caf::atom("testing"));
    sys = std::make_unique<caf::actor_system>(cfg);
    sched = &dynamic_cast<caf::scheduler::test_coordinator&>(sys->scheduler());
  }
};

} // namespace

TEST_CASE("a frame survives CAF's binary serialisation byte for byte",
          "[actors][type_ids]") {
  fixture fx;
  auto sent = note("STATUS: DONE -- tests pass + 23 passed");
  std::vector<char> buf;
  caf::binary_serializer sink{*fx.sys, buf};
  REQUIRE(!sink(sent));
  baton::frame received;
  caf::binary_deserializer source{*fx.sys, buf};
  REQUIRE(!source(received));
  CHECK(received == sent);
  CHECK(text_of(received) == "STATUS: DONE -- tests pass + 23 passed");
}

TEST_CASE("a frame sent to a typed actor comes back unchanged",
          "[actors][type_ids]") {
  fixture fx;
  auto aut = fx.sys->spawn(echo);
  caf::scoped_actor self{*fx.sys};
  auto sent = note("PROGRESS: 2/5 -- parser done");
  auto handle = self->request(aut, caf::infinite, sent);
  fx.sched->run();
  bool replied = false;
  handle.receive(
    [&](baton::frame& back) {
      replied = true;
      CHECK(back == sent);
      CHECK(text_of(back) == "PROGRESS: 2/5 -- parser done");
    },
    [&](caf::error& err) { FAIL(caf::to_string(err)); });
  CHECK(replied);
}
