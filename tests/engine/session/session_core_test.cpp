// The session core carries an operator command's id (ref) from the prompt
// or answer that carries it out to the InputFinished recorded when that
// delivery ends — delivered, not confirmed, or given up when the agent
// exits or leaves its permission prompt — and to no other delivery. Keys a
// person typed pass through at once, with no delivery at all.
#include "engine/session/session_core.hpp"

#include <capnp/serialize.h>
#include <catch2/catch.hpp>

#include "engine/monitor/observation_event.hpp"
#include "schema/events.capnp.h"

using namespace baton;
using namespace baton::engine;

namespace {

/// A CLI that shows `> ` at its prompt, `working...` while it works and
/// `Allow? (y/n)` when it asks for permission.
std::shared_ptr<const detect::pack> steer_pack() {
  auto p = detect::parse_pack(R"(
name = "steer"
version = "1"
input_ready = ["idle"]
bracketed_paste = false

[[rule]]
name = "asks"
state = "waiting_approval"
region = "last_line"
pattern = 'Allow\? \(y/n\)'

[[rule]]
name = "working"
state = "working"
region = "last_line"
pattern = '^working\.\.\.'

[[rule]]
name = "prompt"
state = "idle"
region = "last_line"
pattern = '^>'
)",
                              "steer");
  REQUIRE(p.ok());
  return std::make_shared<const detect::pack>(std::move(*p));
}

session_core_options options() {
  session_core_options o;
  o.coalesce_us = 0;
  o.submit_delay_us = 0;
  return o;
}

/// The screen redrawn from its top-left corner with `rows`.
std::string frame_of(std::initializer_list<std::string_view> rows) {
  std::string out = "\x1b[H\x1b[J";
  bool first = true;
  for (auto r : rows) {
    out += first ? "" : "\r\n";
    out += r;
    first = false;
  }
  return out;
}

std::vector<delivery_action> finished(const session_effects& fx) {
  std::vector<delivery_action> out;
  for (auto& e : fx.events)
    if (e.what == session_event::kind::delivery)
      out.push_back(e.delivery);
  return out;
}

/// The ref its recorded InputFinished carries.
std::string recorded_ref(const delivery_action& a) {
  auto f = to_event(a);
  capnp::FlatArrayMessageReader reader{f.words(), frame_reader_options()};
  auto e = reader.getRoot<schema::Event>();
  REQUIRE(e.isInputFinished());
  CHECK(e.getInputFinished().getDeliveryId() == a.delivery_id);
  CHECK(e.getInputFinished().getDelivered() == a.delivered);
  return e.getInputFinished().getRef().cStr();
}

/// Ticks at each deadline until a delivery ends (at most `max` ticks).
std::vector<delivery_action> tick_until_finished(session_core& core,
                                                 int max = 20) {
  for (int i = 0; i < max && core.next_deadline() != 0; ++i) {
    session_effects fx;
    core.tick(core.next_deadline(), fx);
    if (auto done = finished(fx); !done.empty())
      return done;
  }
  return {};
}

} // namespace

TEST_CASE("a prompt with a ref finishes delivered with an InputFinished "
          "carrying that ref",
          "[engine][session][ref]") {
  session_core core{steer_pack(), options()};
  session_effects fx;
  core.output(frame_of({"> "}), 1000, fx);
  REQUIRE(core.state() == detect::state::idle);

  fx = {};
  auto id = core.prompt("fix the failing test", 2000, fx, "o3");
  REQUIRE(fx.writes.size() == 1);
  CHECK(fx.writes[0].from == session_write::source::delivery);
  CHECK(fx.writes[0].bytes == "fix the failing test\r");
  CHECK(finished(fx).empty());

  fx = {};
  core.output(frame_of({"> fix the failing test", "working..."}), 3000, fx);
  auto done = finished(fx);
  REQUIRE(done.size() == 1);
  CHECK(done[0].delivery_id == id);
  CHECK(done[0].delivered);
  CHECK(done[0].ref == "o3");
  CHECK(recorded_ref(done[0]) == "o3");
}

TEST_CASE("a prompt with a ref that is never confirmed fails with its ref",
          "[engine][session][ref]") {
  session_core core{steer_pack(), options()};
  session_effects fx;
  core.output(frame_of({"> "}), 1000, fx);
  auto id = core.prompt("are you there?", 2000, fx, "o7");
  REQUIRE(fx.writes.size() == 1);
  // The agent stays at its prompt: retried, then given up.
  auto done = tick_until_finished(core);
  REQUIRE(done.size() == 1);
  CHECK(done[0].delivery_id == id);
  CHECK_FALSE(done[0].delivered);
  CHECK(done[0].attempt == 3);
  CHECK(done[0].ref == "o7");
  CHECK(recorded_ref(done[0]) == "o7");
}

TEST_CASE("prompts still queued when the agent exits fail, each with its own "
          "ref",
          "[engine][session][ref]") {
  session_core core{steer_pack(), options()};
  session_effects fx;
  core.output(frame_of({"> go", "working..."}), 1000, fx);
  REQUIRE(core.state() == detect::state::working);
  fx = {};
  auto a = core.prompt("first", 2000, fx, "o1");
  auto b = core.prompt("the engine's own", 2000, fx);
  auto c = core.prompt("second", 2000, fx, "o2");
  CHECK(fx.writes.empty());
  fx = {};
  core.exited({0, 0}, 3000, fx);
  auto done = finished(fx);
  REQUIRE(done.size() == 3);
  CHECK(done[0].delivery_id == a);
  CHECK(done[0].ref == "o1");
  CHECK(done[1].delivery_id == b);
  CHECK(done[1].ref.empty());
  CHECK(done[2].delivery_id == c);
  CHECK(done[2].ref == "o2");
  for (auto& d : done)
    CHECK_FALSE(d.delivered);
  CHECK(recorded_ref(done[0]) == "o1");
  CHECK(recorded_ref(done[1]).empty());
  CHECK(recorded_ref(done[2]) == "o2");
}

TEST_CASE("a ref goes to its own delivery only", "[engine][session][ref]") {
  session_core core{steer_pack(), options()};
  session_effects fx;
  core.output(frame_of({"> "}), 1000, fx);
  auto a = core.prompt("one", 2000, fx, "o4");
  auto b = core.prompt("two", 2000, fx);
  fx = {};
  core.output(frame_of({"> one", "working..."}), 3000, fx);
  core.output(frame_of({"> one", "> "}), 4000, fx);
  core.output(frame_of({"> two", "working..."}), 5000, fx);
  auto done = finished(fx);
  REQUIRE(done.size() == 2);
  CHECK(done[0].delivery_id == a);
  CHECK(done[0].ref == "o4");
  CHECK(done[1].delivery_id == b);
  CHECK(done[1].delivered);
  CHECK(done[1].ref.empty());
  CHECK(recorded_ref(done[1]).empty());
}

TEST_CASE("an answer with a ref carries it, delivered or dropped",
          "[engine][session][ref]") {
  session_core core{steer_pack(), options()};
  session_effects fx;
  core.output(frame_of({"> rm -rf build", "Allow? (y/n)"}), 1000, fx);
  REQUIRE(core.state() == detect::state::waiting_approval);
  fx = {};
  auto id = core.answer("y", 2000, fx, "o5");
  REQUIRE(fx.writes.size() == 1);
  CHECK(fx.writes[0].bytes == "y");
  // The answer in flight; a second one waits behind it.
  auto later = core.answer("n", 2000, fx, "o6");
  fx = {};
  core.output(frame_of({"> rm -rf build", "working..."}), 3000, fx);
  auto done = finished(fx);
  REQUIRE(done.size() == 2);
  CHECK(done[0].delivery_id == id);
  CHECK(done[0].delivered);
  CHECK(done[0].ref == "o5");
  CHECK(recorded_ref(done[0]) == "o5");
  // The agent no longer asks: the second answer is dropped, with its ref.
  CHECK(done[1].delivery_id == later);
  CHECK_FALSE(done[1].delivered);
  CHECK(done[1].ref == "o6");
  CHECK(recorded_ref(done[1]) == "o6");
}

TEST_CASE("keys a person typed pass through at once, with no delivery",
          "[engine][session][ref]") {
  session_core core{steer_pack(), options()};
  session_effects fx;
  core.output(frame_of({"> go", "working..."}), 1000, fx);
  fx = {};
  // Not input-ready: a prompt would wait, raw keys do not.
  core.user_input("\x1b", fx);
  core.user_input("stop\r", fx);
  REQUIRE(fx.writes.size() == 2);
  CHECK(fx.writes[0].from == session_write::source::user);
  CHECK(fx.writes[0].bytes == "\x1b");
  CHECK(fx.writes[1].bytes == "stop\r");
  CHECK(fx.events.empty());
  CHECK(core.next_deadline() == 0);
}
