// The built-in scenarios, the roles' texts, and which turn answers an input.
#include "sim/scenarios.hpp"

#include <algorithm>

#include <catch2/catch.hpp>

#include "sim/turn_source.hpp"

using namespace baton::sim;

namespace {

turn build(std::string_view name, std::string_view role = "", int steps = 3) {
  scenario_context ctx;
  ctx.role = *find_role(role);
  ctx.steps = steps;
  rng r{42};
  turn out;
  REQUIRE(add_scenario(name, ctx, r, out));
  return out;
}

std::vector<std::string> protocol_lines(const turn& t) {
  std::vector<std::string> out;
  for (auto& s : t)
    if (s.kind == step_kind::protocol)
      out.push_back(s.text);
  return out;
}

bool starts(const std::string& s, std::string_view prefix) {
  return s.rfind(prefix, 0) == 0;
}

size_t index_of(const turn& t, step_kind kind) {
  auto it
    = std::find_if(t.begin(), t.end(), [&](auto& s) { return s.kind == kind; });
  return static_cast<size_t>(it - t.begin());
}

} // namespace

TEST_CASE("every listed scenario builds a non-empty turn", "[sim][scenario]") {
  for (auto& info : scenario_list()) {
    INFO(info.name);
    CHECK(is_scenario(info.name));
    CHECK_FALSE(build(info.name).empty());
  }
  scenario_context ctx;
  rng r{1};
  turn out;
  CHECK_FALSE(add_scenario("nope", ctx, r, out));
  CHECK(out.empty());
}

TEST_CASE("a normal task reports each step, passes and is done",
          "[sim][scenario]") {
  auto lines = protocol_lines(build("normal", "", 4));
  REQUIRE(lines.size() == 6);
  for (int i = 1; i <= 4; ++i)
    CHECK(starts(lines[i - 1], "PROGRESS: " + std::to_string(i) + "/4 — "));
  CHECK(lines[4] == "BUILD: PASS");
  CHECK(starts(lines[5], "STATUS: DONE — "));
  CHECK(lines[5].find(" + ") != std::string::npos);
}

TEST_CASE("the same seed builds the same turn", "[sim][scenario]") {
  CHECK(build("normal") == build("normal"));
  scenario_context ctx;
  ctx.role = *find_role("");
  rng a{1};
  rng b{2};
  turn ta;
  turn tb;
  REQUIRE(add_scenario("normal", ctx, a, ta));
  REQUIRE(add_scenario("normal", ctx, b, tb));
  CHECK(ta != tb);
}

TEST_CASE("a loop fails the build the same way on every attempt",
          "[sim][scenario]") {
  auto lines = protocol_lines(build("loop", "", 4));
  auto fails = std::count_if(lines.begin(), lines.end(), [](auto& l) {
    return starts(l, "BUILD: FAIL — ");
  });
  CHECK(fails == 4);
  CHECK(std::count(lines.begin(), lines.end(), lines[0]) == 4);
  CHECK(starts(lines.back(), "STATUS: ERROR — "));
}

TEST_CASE("compaction forgets progress and restarts from 1",
          "[sim][scenario]") {
  auto t = build("compact", "", 4);
  auto at = index_of(t, step_kind::compact);
  REQUIRE(at < t.size());
  std::vector<std::string> after;
  for (size_t i = at; i < t.size(); ++i)
    if (t[i].kind == step_kind::protocol)
      after.push_back(t[i].text);
  REQUIRE_FALSE(after.empty());
  CHECK(starts(after[0], "PROGRESS: 1/4"));
  auto blocked = build("compact-blocked", "", 4);
  auto lines = protocol_lines(blocked);
  CHECK(std::find(lines.begin(), lines.end(),
                  "STATUS: BLOCKED — context compacted; send the task "
                  "summary to continue")
        != lines.end());
  CHECK(index_of(blocked, step_kind::wait)
        > index_of(blocked, step_kind::compact));
}

TEST_CASE("blocked sends a NEED, waits for an answer, then finishes",
          "[sim][scenario]") {
  auto t = build("blocked", "frontend");
  auto wait = index_of(t, step_kind::wait);
  REQUIRE(wait < t.size());
  CHECK(t[wait - 2].text
        == "NEED: api/openapi.json — the request and response shapes of "
           "/api/todos for the page");
  CHECK(starts(t[wait - 1].text, "STATUS: BLOCKED — "));
  CHECK(starts(t.back().text, "STATUS: DONE — "));
}

TEST_CASE("the backend publishes its contract and writes its artifact",
          "[sim][scenario]") {
  auto role = *find_role("backend");
  CHECK(role.default_scenario == "contract");
  auto t = build("contract", "backend");
  auto w = index_of(t, step_kind::write_file);
  REQUIRE(w < t.size());
  CHECK(t[w].text == "api/openapi.json");
  CHECK(t[w].lines.at(0).find("/api/todos") != std::string::npos);
  auto c = std::find_if(t.begin(), t.end(),
                        [](auto& s) { return starts(s.text, "CONTRACT: "); });
  REQUIRE(c != t.end());
  CHECK_FALSE(c->lines.empty());
  CHECK(std::count_if(t.begin(), t.end(),
                      [](auto& s) { return s.kind == step_kind::write_file; })
        == 1);
}

TEST_CASE("crash, stall and noise scenarios carry their settings",
          "[sim][scenario]") {
  scenario_context ctx;
  ctx.role = *find_role("");
  ctx.crash_code = 9;
  ctx.stall_ms = 1234;
  ctx.bytes = 77;
  rng r{1};
  turn t;
  REQUIRE(add_scenario("crash", ctx, r, t));
  CHECK(t.back().kind == step_kind::crash);
  CHECK(t.back().count == 9);
  CHECK(t.back().text.back() != '\n');
  t.clear();
  REQUIRE(add_scenario("stall", ctx, r, t));
  CHECK(t[index_of(t, step_kind::stall)].count == 1234);
  for (auto name : {"garbage", "longline", "flood"}) {
    t.clear();
    REQUIRE(add_scenario(name, ctx, r, t));
    auto noisy = std::find_if(t.begin(), t.end(), [](auto& s) {
      return s.kind == step_kind::garbage || s.kind == step_kind::long_line
             || s.kind == step_kind::flood;
    });
    REQUIRE(noisy != t.end());
    CHECK(noisy->count == 77);
    CHECK(starts(t.back().text, "STATUS: DONE"));
  }
}

TEST_CASE("roles are known by name", "[sim][scenario]") {
  for (auto& name : role_names())
    CHECK(find_role(name).has_value());
  CHECK_FALSE(find_role("wizard").has_value());
  CHECK(find_role("frontend")->default_scenario == "blocked");
}

TEST_CASE("find_need reads the resource of a NEED line", "[sim][scenario]") {
  CHECK(find_need("NEED: api/openapi.json — the shapes") == "api/openapi.json");
  CHECK(find_need("from frontend: NEED: db/schema.sql -- tables")
        == "db/schema.sql");
  CHECK(find_need("no need here").empty());
  CHECK(find_need("UNNEED: x").empty());
}

TEST_CASE("turn_source rejects unknown roles and scenarios", "[sim][turns]") {
  sim_options o;
  o.role = "wizard";
  CHECK_FALSE(turn_source::make(o, "").ok());
  o.role = "";
  o.scenario = "nope";
  CHECK_FALSE(turn_source::make(o, "").ok());
  o.scenario = "";
  o.then = "nope";
  CHECK_FALSE(turn_source::make(o, "").ok());
  o.then = "normal";
  auto bad = turn_source::make(o, "say a\nbogus\n");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.err().message() == "line 2: unknown verb `bogus`");
}

TEST_CASE("turn_source: directives, then the script, then NEEDs, then "
          "scenarios",
          "[sim][turns]") {
  sim_options o;
  o.scenario = "loop";
  o.then = "error";
  auto ts = turn_source::make(o, "say scripted one\nturn\nsay scripted two\n");
  REQUIRE(ts.ok());
  auto t = ts->next("do it\n@sim say directed");
  REQUIRE(t.size() == 1);
  CHECK(t[0].text == "directed");
  CHECK(ts->next("x")[0].text == "scripted one");
  CHECK(ts->next("NEED: api/x — y")[0].text == "scripted two");
  auto need = protocol_lines(ts->next("\nNEED: api/x — shapes\nthanks"));
  CHECK(need.front() == "CONTRACT: api/x (stub)");
  CHECK(starts(need.back(), "STATUS: DONE — answered the NEED for api/x"));
  // A placeholder is a protocol description, not a request.
  auto later = protocol_lines(ts->next("NEED: <path> — <why>"));
  CHECK(starts(later.back(), "STATUS: ERROR"));
}

TEST_CASE("turn_source plays --scenario first and --then after",
          "[sim][turns]") {
  sim_options o;
  o.scenario = "loop";
  auto ts = turn_source::make(o, "");
  REQUIRE(ts.ok());
  CHECK(ts->first_scenario() == "loop");
  CHECK(starts(protocol_lines(ts->next("a")).back(), "STATUS: ERROR"));
  CHECK(starts(protocol_lines(ts->next("b")).back(), "STATUS: DONE"));
  sim_options role;
  role.role = "backend";
  auto backend = turn_source::make(role, "");
  REQUIRE(backend.ok());
  CHECK(backend->first_scenario() == "contract");
}

TEST_CASE("a bad @sim line becomes a STATUS: ERROR, not a failure",
          "[sim][turns]") {
  auto ts = turn_source::make(sim_options{}, "");
  REQUIRE(ts.ok());
  auto lines = protocol_lines(ts->next("@sim frobnicate"));
  REQUIRE(lines.size() == 1);
  CHECK(starts(lines[0], "STATUS: ERROR — bad @sim directive (line 1"));
}

TEST_CASE("a CONTRACT typed in beforehand spares the NEED", "[sim][turns]") {
  CHECK(has_contract("Your task: the page.\n  CONTRACT: todo API v1\nGET x"));
  CHECK_FALSE(has_contract("Report with CONTRACT: <title> and its body"));
  CHECK_FALSE(has_contract("CONTRACT: <title>"));
  sim_options o;
  o.role = "frontend";
  auto told = turn_source::make(o, "");
  REQUIRE(told.ok());
  auto lines = protocol_lines(told->next("Build the page.\nCONTRACT: todo "
                                         "API v1\nGET /api/todos\n"));
  CHECK(std::none_of(lines.begin(), lines.end(),
                     [](auto& l) { return starts(l, "NEED: "); }));
  CHECK(starts(lines.back(), "STATUS: DONE"));
  auto untold = turn_source::make(o, "");
  REQUIRE(untold.ok());
  lines = protocol_lines(untold->next("Build the page. Report a contract "
                                      "as\nCONTRACT: <title>\n"));
  CHECK(std::any_of(lines.begin(), lines.end(),
                    [](auto& l) { return starts(l, "NEED: "); }));
}
