// The one mapping from a worker's recorded inputs to its session core's
// calls, which the live worker and its replay both use: each recorded input
// reads back as what it was, and applying it does what calling the core
// directly does; a prompt for a session that has ended is dropped.
#include "engine/session/session_record.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <catch2/catch.hpp>

#include "engine/record_version.hpp"
#include "schema/events.capnp.h"

using namespace baton;
using namespace baton::engine;
using kind = session_input::kind;
using namespace std::string_literals;

namespace {

std::shared_ptr<const detect::pack> prompt_pack() {
  auto p = detect::parse_pack(R"(
name = "plain"
version = "1"
input_ready = ["idle"]
bracketed_paste = false

[[rule]]
name = "prompt"
state = "idle"
region = "last_line"
pattern = '^>'
)",
                              "plain");
  REQUIRE(p.ok());
  return std::make_shared<const detect::pack>(std::move(*p));
}

session_core_options options() {
  session_core_options o;
  o.coalesce_us = 0;
  o.submit_delay_us = 0;
  return o;
}

/// Everything one step recorded, as bytes, for comparison.
std::vector<std::string> recorded(session_effects& fx) {
  std::vector<std::string> out;
  for (auto& f : session_records(fx, record_version)) {
    auto b = f.bytes();
    out.emplace_back(reinterpret_cast<const char*>(b.data()), b.size());
  }
  return out;
}

} // namespace

TEST_CASE("each recorded session input reads back as what it was",
          "[engine][session]") {
  capnp::MallocMessageBuilder m;
  auto e = m.initRoot<schema::Event>();
  SECTION("a prompt, an answer, a person's keys") {
    auto p = e.initPromptRequested();
    p.setText("Fix the tests.");
    p.setRef("o3");
    auto in = session_input_of(e.asReader());
    REQUIRE(in);
    CHECK(in->what == kind::prompt);
    CHECK(in->text == "Fix the tests.");
    CHECK(in->ref == "o3");
    p.setAnswer(true);
    CHECK(session_input_of(e.asReader())->what == kind::answer);
    p.setAnswer(false);
    p.setRaw(true);
    CHECK(session_input_of(e.asReader())->what == kind::keys);
  }
  SECTION("output, a timer, the exit") {
    std::string bytes = "\x1b[1mbold\x1b[0m\x00\xff"s; // a NUL, not UTF-8
    e.initPtyOutput().setBytes(kj::arrayPtr(
      reinterpret_cast<const capnp::byte*>(bytes.data()), bytes.size()));
    auto out = session_input_of(e.asReader());
    REQUIRE(out);
    CHECK(out->what == kind::output);
    CHECK(out->text == bytes);
    e.initTimerFired().setTimerId(7);
    CHECK(session_input_of(e.asReader())->what == kind::tick);
    auto x = e.initProcessExited();
    x.setExitCode(3);
    x.setSignal(9);
    auto exit = session_input_of(e.asReader());
    REQUIRE(exit);
    CHECK(exit->what == kind::exit);
    CHECK(exit->status.code == 3);
    CHECK(exit->status.signal == 9);
    CHECK(needs_core(*exit));
  }
  SECTION("what a session derives is no input") {
    e.initStateChanged().setTo("idle");
    CHECK_FALSE(session_input_of(e.asReader()));
    e.initProcessStarted().setPid(1);
    CHECK_FALSE(session_input_of(e.asReader()));
  }
}

TEST_CASE("applying an input does what calling the core does, a prompt for "
          "an ended session is dropped",
          "[engine][session]") {
  session_core direct{prompt_pack(), options()};
  session_core applied{prompt_pack(), options()};
  session_effects a, b;
  direct.output("> ", 1000, a);
  apply_input(&applied, {.what = kind::output, .text = "> "}, 1000, b);
  CHECK(recorded(a) == recorded(b));
  a = {};
  b = {};
  direct.prompt("Fix the tests.", 2000, a, "o1");
  apply_input(&applied, {.what = kind::prompt, .text = "Fix the tests.",
                         .ref = "o1"},
              2000, b);
  CHECK_FALSE(a.writes.empty());
  CHECK(recorded(a) == recorded(b));
  a = {};
  b = {};
  direct.exited({0, 0}, 3000, a);
  apply_input(&applied, {.what = kind::exit, .status = {0, 0}}, 3000, b);
  CHECK(recorded(a) == recorded(b));
  // Nobody to type into now.
  session_effects after;
  apply_input(&applied, {.what = kind::keys, .text = "y"}, 4000, after);
  apply_input(&applied, {.what = kind::prompt, .text = "More."}, 4000, after);
  CHECK(after.writes.empty());
  CHECK(after.events.empty());
  // No core at all: nothing, and no crash.
  apply_input(nullptr, {.what = kind::prompt, .text = "x"}, 5000, after);
  CHECK(after.events.empty());
}

TEST_CASE("a recorded session's pack is parsed once per pack and text when "
          "a cache is shared, and a bad pack is refused either way") {
  auto pack = prompt_pack();
  auto opened = session_opened_event(*pack, options(), false, record_version);
  capnp::FlatArrayMessageReader in{opened.words()};
  auto e = in.getRoot<schema::Event>().getSessionOpened();
  pack_cache cache;
  auto first = session_config_of(e, &cache);
  auto second = session_config_of(e, &cache);
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  CHECK(first->pack == second->pack); // the one parsed
  CHECK(cache.size() == 1);
  CHECK(first->options.screen.cols == options().screen.cols);
  auto alone = session_config_of(e);
  REQUIRE(alone.ok());
  CHECK(alone->pack != first->pack);
  CHECK(alone->pack->name == first->pack->name);

  capnp::MallocMessageBuilder b;
  auto bad = b.initRoot<schema::Event>().initSessionOpened();
  bad.setPack("broken");
  bad.setPackText("name = ");
  CHECK_FALSE(session_config_of(bad.asReader(), &cache).ok());
  CHECK(cache.size() == 1);
}
