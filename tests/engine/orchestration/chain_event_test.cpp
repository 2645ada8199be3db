// chain_event: the messages between a chain's scopes and its router, as
// recorded events, read back as they were written.
#include "engine/orchestration/chain_event.hpp"

#include <catch2/catch.hpp>

#include <capnp/serialize.h>

#include "engine/orchestration/orchestrator_event.hpp"

using namespace baton;
using namespace baton::engine;

namespace {

template<class F>
auto read_back(const frame& f, F&& from_event) {
  capnp::FlatArrayMessageReader reader(f.words());
  return from_event(reader.getRoot<schema::Event>());
}

} // namespace

TEST_CASE("every report a scope sends up reads back as it was recorded",
          "[engine][orchestration][chain_event]") {
  std::vector<recorded_report> reports{
    {"back", 1, chain_verdict{"api", true, "gate passed: 3 passed", {}}},
    {"back", 2,
     chain_verdict{"etl", false, "no", degrade_policy::ship_without}},
    {"front", 1, chain_need{"a1", "web", "db/schema.sql", "for ui"}},
    {"", 7,
     chain_contract{
       "x", "", "docs ready", "the interface\nof docs", {"b1", "b2"}}},
    {"back", 3,
     scope_settled{run_tally{
       2, 5, {"a (x)", "b (y)"}, {"c (z)"}, {"d (w)"}, {"s (by m for n)"}}}},
  };
  for (auto& r : reports) {
    INFO("report " << r.number << " of " << r.scope << ", kind "
                   << r.report.index());
    auto f = to_event(r);
    auto back = read_back(f, report_from_event);
    REQUIRE(back.has_value());
    CHECK(*back == r);
    // Deterministic: the same value, the same bytes.
    auto again = to_event(r);
    CHECK(std::equal(f.bytes().begin(), f.bytes().end(), again.bytes().begin(),
                     again.bytes().end()));
    // Not a delivery, and not one of the orchestrator's own kinds.
    CHECK_FALSE(read_back(f, delivery_from_event).has_value());
    CHECK_FALSE(read_back(f, input_from_event).has_value());
    CHECK_FALSE(read_back(f, decision_from_event).has_value());
  }
}

TEST_CASE("every delivery the router sends down reads back as it was "
          "recorded",
          "[engine][orchestration][chain_event]") {
  std::vector<recorded_delivery> deliveries{
    {"front", 1, chain_verdict{"api", false, "gate failed", {}}},
    {"front", 2,
     chain_verdict{"api", false, "left", degrade_policy::by_operator}},
    {"back", 3, chain_need{"a1", "front", "db/x", "why"}},
    {"front", 4, chain_contract{"b1", "api", "schema", "body", {"a1"}}},
    {"front", 5, chain_contract{"b1", "api", "schema", "", {}}},
    {"front", 6, need_held{"a2", "vendor/lib.a"}},
    {"", 7, chain_ended{}},
    {"front", 8,
     chain_deadlock{{"b1", "a1"},
                    "b1 waits for a1 (need: web/x); a1 waits for b1 (need: "
                    "db/x)",
                    "a1",
                    "b1",
                    "web/x"}},
  };
  for (auto& d : deliveries) {
    INFO("delivery " << d.number << ", kind " << d.input.index());
    auto f = to_event(d);
    auto back = read_back(f, delivery_from_event);
    REQUIRE(back.has_value());
    CHECK(*back == d);
    CHECK_FALSE(read_back(f, report_from_event).has_value());
  }
}

TEST_CASE("a verdict's degradation of a later version reads as none, and "
          "events of other kinds are no chain messages",
          "[engine][orchestration][chain_event]") {
  frame_builder builder;
  auto e = builder.initRoot<schema::Event>();
  auto v = e.initChainDelivered().initVerdict();
  v.setTask("t");
  v.setDegraded(static_cast<schema::DegradePolicy>(9));
  auto f = frame::from(builder);
  auto back = read_back(f, delivery_from_event);
  REQUIRE(back.has_value());
  auto* verdict = std::get_if<chain_verdict>(&back->input);
  REQUIRE(verdict != nullptr);
  CHECK(verdict->task == "t");
  CHECK_FALSE(verdict->degraded.has_value());

  auto other = to_event(orchestrator_input{stop_requested{}});
  CHECK_FALSE(read_back(other, report_from_event).has_value());
  CHECK_FALSE(read_back(other, delivery_from_event).has_value());
}
