// `baton show` end to end on a recorded feature run: the state right after
// the first dispatch, at the end, a worker's screen, one stream's point and
// screen, a point beyond the end, and a malformed --at.
#include <catch2/catch.hpp>

#include <map>

#include "engine/text/json.hpp"
#include "tests/cli/feature_run.hpp"

using namespace baton;
using engine::text::get;
using engine::text::json_array;
using engine::text::json_object;
using engine::text::json_value;

namespace {

const json_value* field(const json_value& v, const std::string& name) {
  auto* o = get<json_object>(v);
  REQUIRE(o != nullptr);
  for (auto& [k, x] : *o)
    if (k == name)
      return &x;
  FAIL("no field " << name);
  return nullptr;
}

std::string text(const json_value& v, const std::string& name) {
  auto* s = get<std::string>(*field(v, name));
  REQUIRE(s != nullptr);
  return *s;
}

json_value show_json(const std::string& args) {
  auto r = test::run_baton("show " + test::feature_run_log() + " --json "
                           + args);
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
  auto v = engine::text::parse_json(r.out);
  REQUIRE(v.ok());
  return *v;
}

/// task id -> status.
std::map<std::string, std::string> statuses(const json_value& state) {
  std::map<std::string, std::string> out;
  for (auto& t : *get<json_array>(*field(state, "tasks")))
    out[text(t, "id")] = text(t, "status");
  return out;
}

uint64_t first_dispatch_position(std::string* task) {
  for (auto& e : test::feature_run_events("orchestrator"))
    if (e.event().which() == schema::Event::TASK_DISPATCHED) {
      *task = test::str(e.event().getTaskDispatched().getTask());
      return e.position();
    }
  FAIL("no dispatch");
  return 0;
}

} // namespace

TEST_CASE("baton show at the first dispatch: that task dispatched, the "
          "later ones waiting",
          "[cli][show]") {
  std::string task;
  auto at = first_dispatch_position(&task);
  auto state = show_json("--at " + std::to_string(at));
  CHECK(*get<double>(*field(state, "position")) == static_cast<double>(at));
  CHECK(*get<bool>(*field(state, "beyondEnd")) == false);
  auto s = statuses(state);
  REQUIRE(s.size() == 3);
  CHECK(s[task] == "dispatched");
  CHECK(s["verify"] == "waiting");
  for (auto& [id, status] : s)
    if (id != task)
      CHECK(status == "waiting");
  CHECK(*get<bool>(*field(state, "finished")) == false);
  // The tester's task waits on the tasks it comes after.
  bool verify_waits = false;
  for (auto& w : *get<json_array>(*field(state, "waits")))
    verify_waits |= text(w, "waiter") == "task verify";
  CHECK(verify_waits);
  // The text form says the same.
  auto r = test::run_baton("show " + test::feature_run_log() + " --at "
                           + std::to_string(at));
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("  " + task + "  dispatched  agent ") != std::string::npos);
  CHECK(r.out.find("  verify  waiting  agent tester  attempt 0 of 3")
        != std::string::npos);
  CHECK(r.out.find("run feature (hub): running") != std::string::npos);
}

TEST_CASE("baton show at the end: every task passed, and each worker's "
          "screen holds its STATUS: DONE line",
          "[cli][show]") {
  auto r = test::run_baton("show " + test::feature_run_log());
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("finished ok") != std::string::npos);
  CHECK(r.out.find("beyond") == std::string::npos);
  auto state = show_json("");
  for (auto& [id, status] : statuses(state)) {
    INFO(id);
    CHECK(status == "passed");
  }
  CHECK(get<json_array>(*field(state, "needs"))->empty());
  auto* screens = get<json_object>(*field(state, "screens"));
  REQUIRE(screens != nullptr);
  CHECK(screens->size() == 3);
  for (auto& [agent, rows] : *screens) {
    INFO(agent);
    std::string all;
    for (auto& row : *get<json_array>(rows))
      all += *get<std::string>(row) + "\n";
    CHECK(all.find("STATUS: DONE") != std::string::npos);
  }
  // The counters hold every stream's events.
  auto* events = get<json_object>(*field(state, "events"));
  REQUIRE(events != nullptr);
  for (auto& [stream, n] : *events)
    CHECK(*get<double>(n)
          == static_cast<double>(test::feature_run_events(stream).size()));
}

TEST_CASE("baton show --stream counts that stream's sequence and shows only "
          "its screen",
          "[cli][show]") {
  auto worker = test::feature_run_events("worker/backend");
  REQUIRE(worker.size() > 4);
  auto& mid = worker[worker.size() / 2];
  auto state = show_json("--stream worker/backend --at "
                         + std::to_string(mid.sequence()));
  CHECK(*get<double>(*field(state, "position"))
        == static_cast<double>(mid.position()));
  CHECK(text(state, "stream") == "worker/backend");
  auto* screens = get<json_object>(*field(state, "screens"));
  REQUIRE(screens->size() == 1);
  CHECK(screens->front().first == "backend");
  auto r = test::run_baton("show " + test::feature_run_log()
                           + " --stream worker/backend --at "
                           + std::to_string(worker.size()));
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("screen backend (") != std::string::npos);
  CHECK(r.out.find("screen frontend") == std::string::npos);
  CHECK(r.out.find("STATUS: DONE") != std::string::npos);
}

TEST_CASE("baton show --at beyond the end shows the final state and says so",
          "[cli][show]") {
  auto r = test::run_baton("show " + test::feature_run_log()
                           + " --at 99999999");
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("beyond the end of the log") != std::string::npos);
  CHECK(r.out.find("finished ok") != std::string::npos);
  auto state = show_json("--at 100h");
  CHECK(*get<bool>(*field(state, "beyondEnd")) == true);
  CHECK(*get<bool>(*field(state, "finished")) == true);
  // A logical time inside the run stops there.
  auto early = show_json("--at 1us");
  CHECK(*get<bool>(*field(early, "finished")) == false);
}

TEST_CASE("baton show refuses a malformed --at and an unknown stream",
          "[cli][show]") {
  auto r = test::run_baton("show " + test::feature_run_log() + " --at soon");
  CHECK(r.exit_code == 2);
  CHECK(r.out.find("\"soon\"") != std::string::npos);
  auto s = test::run_baton("show " + test::feature_run_log()
                           + " --stream worker/nobody --at 3");
  CHECK(s.exit_code == 2);
  CHECK(s.out.find("worker/nobody") != std::string::npos);
}
