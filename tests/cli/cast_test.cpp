// `baton cast` end to end: a recorded feature run's worker stream comes out
// as an asciinema v2 recording whose size, times, output and typed input
// match what the log holds, that `baton detect` reads back to the same
// protocol lines; bad usage exits 2 naming what is wrong.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "engine/recording/cast.hpp"
#include "engine/text/json.hpp"
#include "tests/cli/feature_run.hpp"

using namespace baton;

namespace {

struct exported {
  engine::cast recording;
  std::string output; // every "o" event's text, in order
  std::string input;  // every "i" event's text, in order
  std::vector<std::string> markers;
};

exported export_cast(const std::string& args) {
  auto r = test::run_baton("cast " + test::feature_run_log() + " " + args);
  INFO(r.out.substr(0, 2000));
  REQUIRE(r.exit_code == 0);
  auto parsed = engine::parse_cast(r.out, "agent.cast");
  INFO((parsed ? std::string{} : parsed.err().message()));
  REQUIRE(parsed.ok());
  exported out{*parsed, {}, {}, {}};
  for (auto& e : parsed->events)
    (e.kind == 'o' ? out.output
                   : e.kind == 'i' ? out.input : out.markers.emplace_back())
      += e.data;
  return out;
}

/// The agent's protocol lines as the orchestrator recorded them.
std::vector<std::string> protocol_lines(const std::string& agent,
                                        const std::string& kind) {
  std::vector<std::string> out;
  for (auto& e : test::feature_run_events("orchestrator")) {
    auto ev = e.event();
    if (ev.which() != schema::Event::WORKER_REPORTED)
      continue;
    auto r = ev.getWorkerReported();
    if (r.which() == schema::WorkerReported::PROTOCOL
        && test::str(r.getAgent()) == agent
        && test::str(r.getProtocol().getKind()) == kind)
      out.push_back(test::str(r.getProtocol().getLine()));
  }
  return out;
}

} // namespace

TEST_CASE("baton cast exports a worker's terminal as an asciinema v2 "
          "recording that matches its stream",
          "[cli][cast]") {
  auto cast = export_cast("backend");
  // The header: asciinema v2, the size the agent's process was started
  // with, and a title naming the agent.
  auto worker = test::feature_run_events("worker/backend");
  auto started = std::find_if(worker.begin(), worker.end(), [](auto& e) {
    return e.event().which() == schema::Event::PROCESS_STARTED;
  });
  REQUIRE(started != worker.end());
  auto ps = started->event().getProcessStarted();
  CHECK(cast.recording.header.width == ps.getColumns());
  CHECK(cast.recording.header.height == ps.getRows());
  CHECK(cast.recording.header.title == "baton: backend");
  // Times start at 0 and never go back (parse_cast refuses backward times;
  // checked here too), and the span is the stream's span of logical time.
  REQUIRE(!cast.recording.events.empty());
  CHECK(cast.recording.events.front().time == 0);
  for (size_t i = 1; i < cast.recording.events.size(); ++i)
    CHECK(cast.recording.events[i].time >= cast.recording.events[i - 1].time);
  // What the agent wrote holds its protocol lines as the log recorded them,
  // and what Baton typed holds the task's dispatch prompt.
  auto done = protocol_lines("backend", "status");
  REQUIRE(!done.empty());
  CHECK(cast.output.find("STATUS: DONE") != std::string::npos);
  std::string prompt;
  for (auto& e : test::feature_run_events("orchestrator"))
    if (e.event().which() == schema::Event::TASK_DISPATCHED
        && test::str(e.event().getTaskDispatched().getAgent()) == "backend")
      prompt = test::str(e.event().getTaskDispatched().getPrompt());
  REQUIRE(!prompt.empty());
  auto first_line = prompt.substr(0, prompt.find('\n'));
  CHECK(cast.input.find(first_line) != std::string::npos);
  // Typed input never shows up as output of its own.
  CHECK(cast.output.find("\x1b[200~") == std::string::npos);
}

TEST_CASE("baton detect reads an exported cast back to the protocol lines "
          "the run recorded",
          "[cli][cast]") {
  test::temp_dir dir;
  auto file = dir / "backend.cast";
  auto r = test::run_baton("cast " + test::feature_run_log() + " backend > "
                           + file);
  REQUIRE(r.exit_code == 0);
  auto d = test::run_baton("detect --pack sim " + file);
  INFO(d.out);
  REQUIRE(d.exit_code == 0);
  for (auto& line : protocol_lines("backend", "status"))
    CHECK(d.out.find(line) != std::string::npos);
  for (auto& line : protocol_lines("backend", "contract"))
    CHECK(d.out.find(line) != std::string::npos);
}

TEST_CASE("baton cast --from and --to keep a window of logical time",
          "[cli][cast]") {
  auto whole = export_cast("frontend");
  REQUIRE(whole.recording.events.size() > 2);
  // A window from the middle of the run starts at 0 again and holds fewer
  // events.
  auto mid = whole.recording.events[whole.recording.events.size() / 2].time;
  auto worker = test::feature_run_events("worker/frontend");
  uint64_t origin = 0;
  for (auto& e : worker)
    if (e.event().which() == schema::Event::PTY_OUTPUT
        || e.event().which() == schema::Event::PTY_INPUT) {
      origin = e.logical_time();
      break;
    }
  auto from = std::to_string(origin + static_cast<uint64_t>(mid * 1e6));
  auto tail = export_cast("frontend --from " + from);
  REQUIRE(!tail.recording.events.empty());
  CHECK(tail.recording.events.front().time == 0);
  CHECK(tail.recording.events.size() < whole.recording.events.size());
  CHECK(tail.recording.header.width == whole.recording.header.width);
  // A window after the run: a header and no events.
  auto empty = export_cast("frontend --from 100h");
  CHECK(empty.recording.events.empty());
  CHECK(empty.recording.header.title == "baton: frontend");
}

TEST_CASE("baton cast refuses an unknown agent, a directory that is not a "
          "log and a malformed time",
          "[cli][cast]") {
  SECTION("an unknown agent, naming its stream") {
    auto r = test::run_baton("cast " + test::feature_run_log() + " nobody");
    CHECK(r.exit_code == 2);
    CHECK(r.out.find("worker/nobody") != std::string::npos);
    CHECK(r.out.find("worker/backend") != std::string::npos);
  }
  SECTION("not a log") {
    test::temp_dir dir;
    std::ofstream{dir / "notes.txt"} << "hello\n";
    auto r = test::run_baton("cast " + dir.path() + " backend");
    CHECK(r.exit_code == 2);
    CHECK(r.out.find("baton cast: ") != std::string::npos);
  }
  SECTION("a malformed time, named") {
    auto r = test::run_baton("cast " + test::feature_run_log()
                             + " backend --from soon");
    CHECK(r.exit_code == 2);
    CHECK(r.out.find("\"soon\"") != std::string::npos);
  }
}
