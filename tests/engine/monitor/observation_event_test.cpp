#include "engine/monitor/observation_event.hpp"

#include <capnp/serialize.h>
#include <catch2/catch.hpp>

#include "engine/record_version.hpp"
#include "schema/events.capnp.h"

using namespace baton;
using namespace baton::engine;

namespace {

template <class F>
void read(const frame& f, F&& check) {
  capnp::FlatArrayMessageReader reader{f.words(), frame_reader_options()};
  check(reader.getRoot<schema::Event>());
}

} // namespace

TEST_CASE("a state change is recorded with its evidence",
          "[engine][monitor][events]") {
  observation o;
  o.what = observation::kind::state;
  o.change = {detect::state::idle, detect::state::working,
              {"working", "bottom:3", "esc to interrupt"}, 42};
  read(to_event(o, record_version), [](schema::Event::Reader e) {
    REQUIRE(e.isStateChanged());
    auto c = e.getStateChanged();
    CHECK(std::string{c.getFrom().cStr()} == "idle");
    CHECK(std::string{c.getTo().cStr()} == "working");
    CHECK(std::string{c.getRule().cStr()} == "working");
    CHECK(std::string{c.getRegion().cStr()} == "bottom:3");
    CHECK(std::string{c.getEvidence().cStr()} == "esc to interrupt");
  });
}

TEST_CASE("a protocol message is recorded with its parts",
          "[engine][monitor][events]") {
  observation o;
  o.what = observation::kind::protocol;
  o.message.index = 17;
  auto& m = o.message.message;
  m.kind = protocol::kind::contract;
  m.text = "GET /api/todos";
  m.body = {"-> [{id, title}]", "errors: 404"};
  m.line = "CONTRACT: GET /api/todos";
  read(to_event(o, record_version), [](schema::Event::Reader e) {
    REQUIRE(e.isProtocolMessage());
    auto p = e.getProtocolMessage();
    CHECK(std::string{p.getKind().cStr()} == "contract");
    CHECK(std::string{p.getText().cStr()} == "GET /api/todos");
    REQUIRE(p.getBody().size() == 2);
    CHECK(std::string{p.getBody()[1].cStr()} == "errors: 404");
    CHECK(p.getHistoryIndex() == 17);
  });
}

TEST_CASE("the same observation always gives the same bytes",
          "[engine][monitor][events]") {
  observation o;
  o.what = observation::kind::compaction;
  o.marker = {"compaction", "screen", "Conversation compacted"};
  CHECK(to_event(o, record_version) == to_event(o, record_version));
  delivery_action a;
  a.what = delivery_action::kind::finished;
  a.delivery_id = 9;
  a.attempt = 2;
  a.delivered = true;
  a.reason = "confirmed: idle -> working after attempt 2";
  read(to_event(a), [](schema::Event::Reader e) {
    REQUIRE(e.isInputFinished());
    CHECK(e.getInputFinished().getAttempts() == 2);
    CHECK(e.getInputFinished().getDelivered());
  });
}
