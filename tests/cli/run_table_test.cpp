// The live table and the final report fit their width, colour only when
// asked, and say every task's outcome.
#include "cli/run_table.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <catch2/catch.hpp>

#include <sstream>

#include "engine/orchestration/orchestrator_event.hpp"

using namespace baton;

namespace {

engine::run_view sample() {
  engine::run_view v;
  uint64_t t = 0;
  auto feed = [&](const frame& f) {
    capnp::FlatArrayMessageReader r{f.words()};
    t += 2'000'000;
    v.apply("orchestrator", t, r.getRoot<schema::Event>());
  };
  using namespace engine;
  feed(to_event(orchestrator_input{run_begun{"p.toml", R"(
[run]
name = "demo"
[agents.backend]
role = "backend developer"
preset = "sim"
[agents.frontend]
preset = "sim"
[[tasks]]
id = "api"
prompt = "p"
agent = "backend"
[[tasks]]
id = "page"
prompt = "p"
agent = "frontend"
)",
                                             "hub", false}}));
  feed(to_event(orchestrator_decision{dispatch_task{"api", "backend", 1, ""}},
                record_version));
  feed(to_event(orchestrator_input{
    agent_observed{"backend", detect::state::working, false}}));
  protocol_seen p;
  p.agent = "backend";
  p.kind = protocol_kind::progress;
  p.line = "PROGRESS: 2/4 — " + std::string(200, 'x') + " — ünïcödé";
  p.done = 2;
  p.total = 4;
  feed(to_event(orchestrator_input{p}));
  feed(to_event(orchestrator_decision{task_settled{
                  "page", false, "never started: dependency api failed"}},
                record_version));
  return v;
}

size_t columns(const std::string& line) {
  size_t n = 0;
  bool escape = false;
  for (unsigned char c : line) {
    if (c == 0x1b)
      escape = true;
    if (!escape && (c & 0xC0) != 0x80)
      ++n;
    if (escape && c == 'm')
      escape = false;
  }
  return n;
}

} // namespace

TEST_CASE("the table shows each agent within its width", "[cli][run_table]") {
  auto v = sample();
  cli::table_style s;
  s.width = 100;
  auto table = cli::render_table(v, s);
  CHECK(table.find("backend developer") != std::string::npos);
  CHECK(table.find("working") != std::string::npos);
  CHECK(table.find("2/4") != std::string::npos);
  CHECK(table.find("PROGRESS: 2/4") != std::string::npos);
  CHECK(table.find("tasks 0/2 passed · 1 failed") != std::string::npos);
  CHECK(table.find('\x1b') == std::string::npos);
  std::istringstream lines{table};
  std::string line;
  while (std::getline(lines, line))
    CHECK(columns(line) <= 100);
  s.colour = true;
  CHECK(cli::render_table(v, s).find("\x1b[33m") != std::string::npos);
}

TEST_CASE("the report names every task with its outcome and why",
          "[cli][run_table]") {
  auto report = cli::render_report(sample(), {});
  CHECK(report.find("api") != std::string::npos);
  CHECK(report.find("unfinished (dispatched)") != std::string::npos);
  CHECK(report.find("page") != std::string::npos);
  CHECK(report.find("not started") != std::string::npos);
  CHECK(report.find("why: never started: dependency api failed")
        != std::string::npos);
  CHECK(report.find("Result: the run has not finished") != std::string::npos);
}

TEST_CASE("a live table redraws over its previous lines", "[cli][run_table]") {
  cli::live_table live;
  CHECK(live.redraw("a\nb\n") == "a\nb\n");
  CHECK(live.redraw("c\n") == "\x1b[2F\x1b[Jc\n");
  CHECK(live.clear() == "\x1b[1F\x1b[J");
  CHECK(live.clear().empty());
}

TEST_CASE("cells are cut by columns, never inside a character",
          "[cli][run_table]") {
  CHECK(cli::fit("héllo wörld", 5) == "héll…");
  CHECK(cli::fit("short", 10) == "short");
  CHECK(cli::duration(3'000'000) == "3s");
  CHECK(cli::duration(184'000'000) == "3m04s");
  CHECK(cli::duration(3'720'000'000) == "1h02m");
}

TEST_CASE("a restarted agent waiting for approval shows its state whole, and "
          "the request how to answer it",
          "[cli][run_table]") {
  auto v = sample();
  using namespace engine;
  uint64_t t = 100'000'000;
  auto feed = [&](const frame& f) {
    capnp::FlatArrayMessageReader r{f.words()};
    v.apply("orchestrator", t += 1'000'000, r.getRoot<schema::Event>());
  };
  feed(to_event(orchestrator_decision{restart_agent{"backend", "crashed"}},
                record_version));
  feed(to_event(orchestrator_input{
    agent_observed{"backend", detect::state::waiting_approval, false}}));
  feed(to_event(
    orchestrator_decision{request_approval{
      "a1", "backend", "api", "Bash", "rm -rf build", "", "operator (policy)"}},
    record_version));
  cli::table_style s;
  s.width = 100;
  auto table = cli::render_table(v, s);
  INFO(table);
  CHECK(table.find("waiting_approval (1x)") != std::string::npos);
  CHECK(table.find("waiting_approva…") == std::string::npos);
  CHECK(table.find("approval a1 (baton approve|deny LOG a1) backend (task "
                   "api) asks Bash rm -rf build")
        != std::string::npos);
  // Answered, it is no longer shown as waiting.
  feed(to_event(
    orchestrator_decision{decide_approval{"a1",
                                          "backend",
                                          approval_answer::allow,
                                          {approval_by_kind::by_operator},
                                          "ok"}},
    record_version));
  CHECK(cli::render_table(v, s).find("approval a1") == std::string::npos);
  CHECK(cli::render_report(v, s).find("a1 backend asked Bash rm -rf build: "
                                      "allow (operator)")
        != std::string::npos);
}

TEST_CASE("every state's name fits its column whole, in colour and on a "
          "narrow terminal",
          "[cli][run_table]") {
  using namespace engine;
  for (auto state : {"starting", "working", "idle", "waiting_approval", "done",
                     "blocked", "error", "exited", "unknown"}) {
    INFO(state);
    auto v = sample();
    uint64_t t = 200'000'000;
    auto feed = [&](const frame& f) {
      capnp::FlatArrayMessageReader r{f.words()};
      v.apply("orchestrator", t += 1'000'000, r.getRoot<schema::Event>());
    };
    for (int i = 0; i < 12; ++i) // the widest count here: two digits
      feed(to_event(orchestrator_decision{restart_agent{"frontend", "crash"}},
                    record_version));
    feed(to_event(orchestrator_input{
      agent_observed{"frontend", *detect::state_from_string(state), false}}));
    for (size_t width : {40u, 120u})
      for (bool colour : {false, true}) {
        cli::table_style s;
        s.width = width;
        s.colour = colour;
        auto table = cli::render_table(v, s);
        std::string whole{state};
        CHECK(table.find(whole + " (12x)") != std::string::npos);
        CHECK(table.find(whole.substr(0, whole.size() - 1) + "…")
              == std::string::npos);
      }
  }
}
