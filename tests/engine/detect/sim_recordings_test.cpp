// Regression fixtures: recordings of `baton sim` (asciinema v2, recorded in
// a 120x30 PTY with a dispatch prompt that explains the protocol typed in
// as a bracketed paste) replayed through screen, detector and tracker, the
// way a worker does it. Run from the repository root (ctest does).
#include <catch2/catch.hpp>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "engine/detect/detector.hpp"
#include "engine/protocol/tracker.hpp"
#include "engine/recording/cast.hpp"
#include "engine/terminal/screen.hpp"

using namespace baton::engine;
using detect::state;
using protocol::kind;

namespace {

std::string read(const std::string& path) {
  std::ifstream in{path};
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct replayed {
  std::vector<state> states;
  std::vector<protocol::occurrence> lines;
  size_t compactions = 0;
};

/// The text a bracketed paste carried.
std::string unpasted(std::string bytes) {
  for (std::string_view marker : {"\x1b[200~", "\x1b[201~"})
    for (auto at = bytes.find(marker); at != std::string::npos;
         at = bytes.find(marker))
      bytes.erase(at, marker.size());
  return bytes;
}

replayed replay(const std::string& fixture) {
  auto rec
    = parse_cast(read("tests/engine/detect/fixtures/" + fixture), fixture);
  REQUIRE(rec);
  auto p = detect::parse_pack(read("packs/sim.toml"), "sim.toml");
  REQUIRE(p);
  screen_options opts;
  opts.cols = rec->header.width;
  opts.rows = rec->header.height;
  screen s{opts};
  detect::detector d{std::make_shared<const detect::pack>(std::move(*p))};
  protocol::tracker t;
  replayed out;
  auto step = [&](uint64_t now) {
    if (auto change = d.evaluate(s.view(), now))
      out.states.push_back(change->to);
    bool settled = d.state() != state::working && d.state() != state::starting;
    for (auto& o : t.observe(s.history(t.scan_from()), settled))
      out.lines.push_back(std::move(o));
    if (d.compaction(s.view()))
      ++out.compactions;
  };
  for (auto& e : rec->events) {
    auto now = static_cast<uint64_t>(e.time * 1e6);
    while (d.next_deadline() != 0 && d.next_deadline() <= now)
      step(d.next_deadline());
    if (e.kind == 'i') {
      t.register_input(unpasted(e.data));
      s.mark_input();
    } else if (e.kind == 'o') {
      s.feed(e.data);
      step(now);
    }
  }
  while (d.next_deadline() != 0)
    step(d.next_deadline());
  return out;
}

std::vector<std::string> lines_of(const replayed& r) {
  std::vector<std::string> out;
  for (auto& o : r.lines)
    out.push_back(o.message.line);
  return out;
}

} // namespace

TEST_CASE("a sim task with a permission prompt reads right from its "
          "recording",
          "[engine][detect][recording]") {
  auto r = replay("sim_permission.cast");
  CHECK(r.states
        == std::vector<state>{state::idle, state::working,
                              state::waiting_approval, state::working,
                              state::idle});
  CHECK(lines_of(r)
        == std::vector<std::string>{
          "PROGRESS: 1/3 — made the change",
          "PROGRESS: 2/3 — updated the callers", "PROGRESS: 3/3 — added tests",
          "BUILD: PASS",
          "STATUS: DONE — the requested change is in place + 39 passed"});
  REQUIRE(r.lines.size() == 5);
  CHECK(r.lines[4].message.evidence.tests.passed == 39u);
  CHECK(r.compactions == 0);
}

TEST_CASE("a sim CONTRACT is read whole from its recording",
          "[engine][detect][recording]") {
  auto r = replay("sim_contract.cast");
  CHECK(r.states.back() == state::idle);
  const protocol::message* contract = nullptr;
  for (auto& o : r.lines)
    if (o.message.kind == kind::contract)
      contract = &o.message;
  REQUIRE(contract != nullptr);
  CHECK(contract->text == "todo API v1 (api/openapi.json)");
  CHECK(
    contract->body
    == std::vector<std::string>{
      R"(GET /api/todos -> 200 [{"id": int, "title": string, "done": bool}])",
      R"(POST /api/todos {"title": string} -> 201 {"id": int, "title": )"
      R"(string, "done": false})"});
  CHECK(r.lines.back().message.evidence.tests.passed == 12u);
}

TEST_CASE("a sim compaction is seen once and the restarted progress twice",
          "[engine][detect][recording]") {
  auto r = replay("sim_compact.cast");
  CHECK(r.compactions == 1);
  size_t first_step = 0;
  for (auto& o : r.lines)
    if (o.message.kind == kind::progress && o.message.done == 1)
      ++first_step;
  CHECK(first_step == 2);
  CHECK(r.states.back() == state::idle);
}

TEST_CASE("the dispatch prompt's protocol lines are never the agent's",
          "[engine][detect][recording]") {
  // Each prompt explains `STATUS: BLOCKED — <what you need>`; no agent in
  // these recordings is blocked.
  for (auto fixture :
       {"sim_permission.cast", "sim_contract.cast", "sim_compact.cast"}) {
    INFO(fixture);
    for (auto& o : replay(fixture).lines) {
      CHECK(o.message.line.find('<') == std::string::npos);
      CHECK_FALSE((o.message.kind == kind::status
                   && o.message.status == protocol::status::blocked));
    }
  }
}
