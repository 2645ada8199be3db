// engine/inspect: logical times as typed on the command line, and a worker
// stream's events as an asciinema cast — UTF-8 split across events, bytes
// that are never UTF-8, control characters, restarts and the time window.
#include <catch2/catch.hpp>

#include <capnp/message.h>
#include <capnp/serialize.h>

#include "engine/inspect/cast_export.hpp"
#include "engine/inspect/logical_time.hpp"
#include "engine/inspect/run_inspector.hpp"
#include "engine/orchestration/orchestrator.hpp"
#include "engine/orchestration/orchestrator_event.hpp"
#include "engine/plan/plan_parser.hpp"
#include "engine/recording/cast.hpp"

using namespace baton;
using namespace baton::engine;

namespace {

/// Builds events one at a time for a fold.
class events {
public:
  schema::Event::Reader output(std::string_view bytes) {
    auto e = fresh();
    e.initPtyOutput().setBytes(
      {reinterpret_cast<const capnp::byte*>(bytes.data()), bytes.size()});
    return e.asReader();
  }
  schema::Event::Reader input(std::string_view bytes) {
    auto e = fresh();
    e.initPtyInput().setBytes(
      {reinterpret_cast<const capnp::byte*>(bytes.data()), bytes.size()});
    return e.asReader();
  }
  schema::Event::Reader started(uint16_t cols, uint16_t rows) {
    auto e = fresh();
    auto s = e.initProcessStarted();
    s.setColumns(cols);
    s.setRows(rows);
    return e.asReader();
  }

private:
  schema::Event::Builder fresh() {
    message_ = std::make_unique<capnp::MallocMessageBuilder>();
    return message_->initRoot<schema::Event>();
  }
  std::unique_ptr<capnp::MallocMessageBuilder> message_;
};

cast parsed(const std::string& text) {
  auto c = parse_cast(text, "test.cast");
  INFO(text);
  REQUIRE(c.ok());
  return *c;
}

} // namespace

TEST_CASE("logical times are read with units or as plain microseconds",
          "[engine][inspect]") {
  CHECK(parse_logical_time("1.5s") == 1'500'000u);
  CHECK(parse_logical_time("250ms") == 250'000u);
  CHECK(parse_logical_time("2m") == 120'000'000u);
  CHECK(parse_logical_time("1m2s") == 62'000'000u);
  CHECK(parse_logical_time("1h") == 3'600'000'000u);
  CHECK(parse_logical_time("300us") == 300u);
  CHECK(parse_logical_time("42") == 42u);
  CHECK(parse_logical_time("0") == 0u);
  for (auto bad : {"", "soon", "-1s", "1x", "s", "2s1m", "1s1s", "1.5"}) {
    INFO(bad);
    CHECK_FALSE(parse_logical_time(bad).has_value());
  }
  CHECK(is_plain_number("17"));
  CHECK_FALSE(is_plain_number("17s"));
  CHECK(format_logical_time(1'500'000) == "1.500s");
}

TEST_CASE("a cast export carries a UTF-8 sequence split across events over "
          "and replaces bytes that are never UTF-8",
          "[engine][inspect]") {
  events ev;
  cast_export out{{"baton: a", 0, UINT64_MAX}};
  std::string text = out.apply(0, ev.started(100, 40));
  CHECK(text.empty()); // the header waits for the first line
  // "€" is E2 82 AC, cut after its second byte.
  text += out.apply(1'000'000, ev.output("price: \xe2\x82"));
  text += out.apply(1'500'000, ev.output("\xac\x1b[1mbold\x1b[0m\r\n"));
  text += out.apply(2'000'000, ev.output("bad \xff\xc0\xed\xa0\x80 end"));
  text += out.apply(2'500'000, ev.input("\x1b[200~hello\x1b[201~\r"));
  text += out.apply(3'000'000, ev.output("held \xf0\x9f"));
  text += out.finish();
  auto c = parsed(text);
  CHECK(c.header.width == 100);
  CHECK(c.header.height == 40);
  CHECK(c.header.title == "baton: a");
  REQUIRE(c.events.size() == 6);
  CHECK(c.events[0] == cast_event{0, 'o', "price: "});
  CHECK(c.events[1]
        == cast_event{0.5, 'o', "\xe2\x82\xac\x1b[1mbold\x1b[0m\r\n"});
  CHECK(c.events[2].data
        == "bad \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd end");
  CHECK(c.events[3] == cast_event{1.5, 'i', "\x1b[200~hello\x1b[201~\r"});
  // What never completed ends the recording as U+FFFD.
  CHECK(c.events[4] == cast_event{2, 'o', "held "});
  CHECK(c.events[5] == cast_event{2, 'o', "\xef\xbf\xbd\xef\xbf\xbd"});
  // Control characters are escaped, never written raw.
  CHECK(text.find('\x1b') == std::string::npos);
  CHECK(text.find("\\u001b[1mbold") != std::string::npos);
}

TEST_CASE("a cast export marks a restart, records a new size and keeps to "
          "its window",
          "[engine][inspect]") {
  events ev;
  cast_export out{{"t", 2'000'000, 5'000'000}};
  std::string text = out.apply(0, ev.started(80, 24));
  text += out.apply(1'000'000, ev.output("before the window"));
  text += out.apply(2'000'000, ev.output("first"));
  text += out.apply(3'000'000, ev.started(120, 30));
  text += out.apply(4'000'000, ev.output("second"));
  text += out.apply(6'000'000, ev.output("after the window"));
  text += out.finish();
  auto c = parsed(text);
  CHECK(c.header.width == 80);
  REQUIRE(c.events.size() == 4);
  CHECK(c.events[0] == cast_event{0, 'o', "first"});
  CHECK(c.events[1] == cast_event{1, 'm', "restart"});
  CHECK(c.events[2] == cast_event{1, 'r', "120x30"});
  CHECK(c.events[3] == cast_event{2, 'o', "second"});
  // An empty window still makes a playable file: the header alone.
  cast_export none{{"t", 10'000'000, UINT64_MAX}};
  static_cast<void>(none.apply(0, ev.started(90, 20)));
  static_cast<void>(none.apply(1, ev.output("x")));
  auto h = parsed(none.finish());
  CHECK(h.header.width == 90);
  CHECK(h.events.empty());
}

TEST_CASE("baton show counts a task's attempts as the agent is told them",
          "[engine][inspect]") {
  // retries = 2: a first attempt and two more, "Attempt 2 of 3"; a task's
  // own retries count for it.
  constexpr std::string_view text = R"(
[policy]
retries = 2
[agents.backend]
preset = "sim"
[[tasks]]
id = "api"
prompt = "build the api"
agent = "backend"
[[tasks]]
id = "docs"
prompt = "write the docs"
agent = "backend"
after = ["api"]
retries = 0
)";
  auto p = parse_plan(text, "t.toml");
  REQUIRE(p.ok());
  orchestrator o{*p};
  run_inspector_options no_screens;
  no_screens.screens = false;
  run_inspector inspector{no_screens};
  uint64_t seq = 0;
  uint64_t now = 0;
  auto record = [&](const frame& f) {
    capnp::FlatArrayMessageReader r{f.words()};
    ++seq;
    inspector.apply("orchestrator", seq, seq, now, r.getRoot<schema::Event>());
  };
  std::vector<std::string> told;
  auto on = [&](orchestrator_input in) {
    now += 1'000'000;
    record(to_event(in));
    for (auto& d : o.on(in, now)) {
      if (auto* t = std::get_if<tell_agent>(&d))
        told.push_back(t->text);
      record(to_event(d, o.version()));
    }
  };
  on(run_begun{"t.toml", std::string{text}, "hub", false});
  CHECK(inspector.max_attempts("api") == 3);
  CHECK(inspector.max_attempts("docs") == 1);
  on(agent_observed{"backend", detect::state::idle, true});
  on(agent_observed{"backend", detect::state::working, false});
  protocol_seen done;
  done.agent = "backend";
  done.kind = protocol_kind::done;
  done.text = "the api + 3 passed";
  done.evidence = "3 passed";
  on(done);
  on(gate_finished{"api", 1, false, {"api/openapi.json is missing"}, {}});
  REQUIRE(told.size() == 1);
  CHECK(told[0].starts_with("Attempt 2 of 3 for task api"));
  auto shown = inspector.render();
  INFO(shown);
  CHECK(shown.find("  api  dispatched  agent backend  attempt 2 of 3")
        != std::string::npos);
  CHECK(shown.find("  docs  waiting  agent backend  attempt 0 of 1")
        != std::string::npos);
  CHECK(inspector.to_json().find("\"maxAttempts\":3") != std::string::npos);
  // A task found on a swarm's board has the run's attempts.
  on(agent_observed{"backend", detect::state::idle, true});
  record(to_event(
    orchestrator_decision{add_task{"found", "a task found", {}, "", "backend"}},
    record_version));
  CHECK(inspector.max_attempts("found") == 3);
}

TEST_CASE("a NEED routed between teams shows who waits on whom, from a "
          "typed purpose or from the sentence of an older run",
          "[engine][inspect][purpose]") {
  for (bool typed : {true, false}) {
    INFO((typed ? "typed" : "sentence"));
    run_inspector_options no_screens;
    no_screens.screens = false;
    run_inspector inspector{no_screens};
    uint64_t seq = 0;
    auto record = [&](const frame& f) {
      capnp::FlatArrayMessageReader r{f.words()};
      ++seq;
      inspector.apply("orchestrator", seq, seq, seq,
                      r.getRoot<schema::Event>());
    };
    protocol_seen need;
    need.agent = "web";
    need.kind = protocol_kind::need;
    need.text = "the routes";
    need.resource = "api/routes.json";
    record(to_event(need));
    tell_agent told{"api", "(From team front to team back.) web needs ...",
                    "need from web, team front -> team back"};
    if (typed)
      told.purpose = {purpose_kind::need, {}, 0, "web", "api/routes.json"};
    record(to_event(told, record_version));
    auto waits = inspector.waits();
    REQUIRE(waits.size() == 1);
    CHECK(waits[0].waiter == "web");
    CHECK(waits[0].on == "api");
    CHECK(waits[0].why == "need from web: api/routes.json");
  }
}
