#include "engine/delivery/input_delivery.hpp"

#include <catch2/catch.hpp>

using baton::engine::delivery_action;
using baton::engine::input_delivery;
using baton::engine::input_style;

namespace {

constexpr uint64_t s = 1'000'000; // one second of logical time

input_style fast() {
  input_style style;
  style.confirm_within = 2 * s;
  return style;
}

} // namespace

TEST_CASE("nothing is typed until the agent can take input",
          "[engine][delivery]") {
  input_delivery d{fast()};
  d.enqueue(1, "fix the build");
  CHECK(d.observe(false, "starting", false, 0).empty());
  CHECK(d.observe(false, "working", false, 1 * s).empty());
  auto acts = d.observe(true, "idle", false, 2 * s);
  REQUIRE(acts.size() == 1);
  CHECK(acts[0].what == delivery_action::kind::write);
  CHECK(acts[0].bytes == "\x1b[200~fix the build\x1b[201~\r");
  CHECK(acts[0].attempt == 1);
}

TEST_CASE("a delivery is confirmed by the agent leaving the input-ready "
          "state",
          "[engine][delivery]") {
  input_delivery d{fast()};
  d.enqueue(7, "task");
  REQUIRE(d.observe(true, "idle", false, 0).size() == 1);
  CHECK(d.next_deadline() == 2 * s);
  CHECK(d.observe(true, "idle", false, 1 * s).empty()); // not yet overdue
  auto acts = d.observe(false, "working", false, 1 * s + 5);
  REQUIRE(acts.size() == 1);
  CHECK(acts[0].what == delivery_action::kind::finished);
  CHECK(acts[0].delivered);
  CHECK(acts[0].delivery_id == 7);
  CHECK(acts[0].reason == "confirmed: idle -> working after attempt 1");
  CHECK(d.pending() == 0);
  CHECK(d.next_deadline() == 0);
}

TEST_CASE("an unconfirmed delivery is retried, first with the submit key "
          "alone",
          "[engine][delivery]") {
  input_delivery d{fast()};
  d.enqueue(1, "go");
  REQUIRE(d.observe(true, "idle", false, 0).size() == 1);
  auto second = d.observe(true, "idle", false, 2 * s);
  REQUIRE(second.size() == 1);
  CHECK(second[0].attempt == 2);
  CHECK(second[0].bytes == "\r");
  auto third = d.observe(true, "idle", false, 4 * s);
  REQUIRE(third.size() == 1);
  CHECK(third[0].attempt == 3);
  CHECK(third[0].bytes == "\x15\x1b[200~go\x1b[201~\r");
  auto done = d.observe(true, "idle", false, 6 * s);
  REQUIRE(done.size() == 1);
  CHECK_FALSE(done[0].delivered);
  CHECK(done[0].reason
        == "not confirmed: still idle 2.0s after each of 3 "
           "attempts");
}

TEST_CASE("deliveries go out one at a time, in order", "[engine][delivery]") {
  input_delivery d{fast()};
  d.enqueue(1, "first");
  d.enqueue(2, "second");
  auto a = d.observe(true, "idle", false, 0);
  REQUIRE(a.size() == 1);
  CHECK(a[0].delivery_id == 1);
  auto b = d.observe(false, "working", false, 1);
  REQUIRE(b.size() == 1); // first confirmed; second waits for input-ready
  CHECK(b[0].delivered);
  auto c = d.observe(true, "idle", false, 5 * s);
  REQUIRE(c.size() == 1);
  CHECK(c[0].delivery_id == 2);
  CHECK(c[0].bytes == "\x1b[200~second\x1b[201~\r");
}

TEST_CASE("an agent that exits fails every pending delivery",
          "[engine][delivery]") {
  input_delivery d{fast()};
  d.enqueue(1, "a");
  d.enqueue(2, "b");
  REQUIRE(d.observe(true, "idle", false, 0).size() == 1);
  auto acts = d.observe(false, "exited", true, 1);
  REQUIRE(acts.size() == 2);
  CHECK_FALSE(acts[0].delivered);
  CHECK_FALSE(acts[1].delivered);
  CHECK(acts[1].reason == "the agent exited before it took the input");
  CHECK(d.pending() == 0);
}

TEST_CASE("without bracketed paste the text is typed as is",
          "[engine][delivery]") {
  input_style style;
  style.bracketed_paste = false;
  style.submit = "\n";
  input_delivery d{style};
  d.enqueue(1, "hello");
  auto acts = d.observe(true, "idle", false, 0);
  REQUIRE(acts.size() == 1);
  CHECK(acts[0].bytes == "hello\n");
}

TEST_CASE("the same observations give the same actions", "[engine][delivery]") {
  auto run = [] {
    input_delivery d{fast()};
    d.enqueue(1, "x");
    d.enqueue(2, "y");
    std::vector<delivery_action> all;
    struct obs {
      bool ready;
      const char* state;
      uint64_t t;
    };
    for (auto o : {obs{true, "idle", 0}, obs{true, "idle", 3 * s},
                   obs{false, "working", 3 * s + 1}, obs{true, "idle", 9 * s},
                   obs{false, "waiting_approval", 9 * s + 1}}) {
      auto acts = d.observe(o.ready, o.state, false, o.t);
      all.insert(all.end(), acts.begin(), acts.end());
    }
    return all;
  };
  auto first = run();
  CHECK(first.size() == 5); // x, x retried, x confirmed, y, y confirmed
  CHECK(first == run());
}

TEST_CASE("an answer from the agent confirms the input in flight, even with "
          "no state change seen",
          "[engine][delivery]") {
  input_delivery d{fast()};
  d.enqueue(1, "x");
  // Nothing in flight yet: an answer confirms nothing.
  CHECK(d.answered("STATUS: DONE — x + 1 passed").empty());
  REQUIRE(d.observe(true, "idle", false, 0).size() == 1); // written
  auto acts = d.answered("STATUS: DONE — x + 1 passed");
  REQUIRE(acts.size() == 1);
  CHECK(acts[0].what == delivery_action::kind::finished);
  CHECK(acts[0].delivered);
  CHECK(acts[0].reason.rfind("confirmed: the agent answered (STATUS: DONE", 0)
        == 0);
  // No retry follows: the queue is empty.
  CHECK(d.next_deadline() == 0);
  CHECK(d.observe(true, "idle", false, 100 * s).empty());
}
