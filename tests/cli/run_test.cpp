// `baton run` end to end: the examples and failure cases run on real PTYs
// with `baton sim` agents, and each case asserts on the run's event log —
// what was decided, in what order, and why — not on the screen.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <thread>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "engine/orchestration/orchestrator_event.hpp"
#include "engine/purpose_event.hpp"
#include "engine/text/json.hpp"
#include "storage/event_log.hpp"
#include "tests/cli/orchestrator_log.hpp"
#include "tests/cli/run_baton.hpp"
#include "tests/support/temp_dir.hpp"

using namespace baton;
namespace fs = std::filesystem;
using test::decisions;
using test::inputs;
using test::orchestrator_steps;
using test::step;

namespace {

/// ctest runs the tests in the source tree.
std::string source_dir() {
  return fs::current_path().string();
}

std::map<std::string, engine::task_settled>
verdicts(const std::vector<step>& steps) {
  std::map<std::string, engine::task_settled> out;
  for (auto& s : decisions<engine::task_settled>(steps))
    out[s.task] = s;
  return out;
}

void write(const fs::path& p, const std::string& text) {
  std::ofstream{p} << text;
}

} // namespace

TEST_CASE("the feature example: every task verified, the NEED reaches its "
          "owner and the CONTRACT the dependents",
          "[cli][run][e2e]") {
  test::temp_dir dir;
  auto db = dir / "log";
  auto r = test::run_baton("run " + source_dir() + "/examples/feature.toml"
                           + " --db " + db + " --workspace " + dir / "work");
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
  auto steps = orchestrator_steps(db);
  auto v = verdicts(steps);
  REQUIRE(v.size() == 3);
  for (auto& [task, s] : v) {
    INFO(task << ": " << s.reason);
    CHECK(s.passed);
    CHECK(s.reason.starts_with("gate passed: "));
  }
  // The frontend's NEED for api/openapi.json went to its owner, the backend.
  auto told = decisions<engine::tell_agent>(steps);
  auto need = std::find_if(told.begin(), told.end(), [](auto& t) {
    return t.agent == "backend" && t.why == "need from frontend";
  });
  REQUIRE(need != told.end());
  CHECK(need->text.find("api/openapi.json") != std::string::npos);
  // A new run records what each message is for as a value.
  CHECK(need->purpose
        == engine::purpose{engine::purpose_kind::need, {}, 0, "frontend",
                           "api/openapi.json"});
  // The backend's CONTRACT reached the frontend (who asked, typed in while
  // it worked) and the tester (whose task depends on the backend's, in its
  // dispatch prompt).
  std::set<std::string> contract_to;
  for (auto& t : told)
    if (t.why == "contract from backend") {
      contract_to.insert(t.agent);
      CHECK(t.purpose.kind == engine::purpose_kind::contract);
      CHECK(t.purpose.from == "backend");
    }
  CHECK(contract_to == std::set<std::string>{"frontend"});
  // The worker recorded each prompt with it: its dispatch, by task and
  // attempt.
  {
    storage::options opts;
    opts.read_only = true;
    opts.create_if_missing = false;
    auto log = storage::event_log::open(db, opts);
    REQUIRE(log.ok());
    auto events = (*log)->read("worker/backend");
    REQUIRE(events.ok());
    std::vector<engine::purpose> typed;
    for (auto& e : *events)
      if (auto ev = e.event(); ev.isPromptRequested()
                               && ev.getPromptRequested().hasPurpose())
        typed.push_back(
          engine::read_purpose(ev.getPromptRequested().getPurpose()));
    REQUIRE_FALSE(typed.empty());
    CHECK(typed.front()
          == engine::purpose{engine::purpose_kind::dispatch, "api", 1});
  }
  auto dispatched = decisions<engine::dispatch_task>(steps);
  auto verify = std::find_if(dispatched.begin(), dispatched.end(),
                             [](auto& d) { return d.task == "verify"; });
  REQUIRE(verify != dispatched.end());
  CHECK(verify->prompt.find("Contracts you have received:\nCONTRACT from "
                            "backend: todo API v1")
        != std::string::npos);
  // The gate read the backend's artifact where the backend wrote it.
  CHECK(fs::exists(dir / "work/backend/api/openapi.json"));
  auto finished = decisions<engine::finish_run>(steps);
  REQUIRE(finished.size() == 1);
  CHECK(finished[0].ok);
  // The report names every task.
  for (auto& task : {"api", "page", "verify"})
    CHECK(r.out.find(task) != std::string::npos);
  CHECK(r.out.find("Result: every task passed its gates (3/3 tasks passed)")
        != std::string::npos);

  // baton status shows the same from the log, as a table and as JSON.
  auto status = test::run_baton("status " + db);
  INFO(status.out);
  CHECK(status.exit_code == 0);
  CHECK(status.out.find("backend developer") != std::string::npos);
  CHECK(status.out.find("tasks 3/3 passed") != std::string::npos);
  CHECK(status.out.find("evidence: 12 passed") != std::string::npos);
  auto json = test::run_baton("status --json " + db);
  CHECK(json.exit_code == 0);
  CHECK(json.out.find("\"finished\":true,\"ok\":true") != std::string::npos);
  CHECK(json.out.find("\"id\":\"verify\"") != std::string::npos);
  // The backend's checkpoint, folded from its own stream.
  auto checkpoint = test::run_baton("checkpoint " + db + " backend");
  INFO(checkpoint.out);
  CHECK(checkpoint.exit_code == 0);
  CHECK(checkpoint.out.find("Task api, attempt 1") != std::string::npos);
  // Without protocol keywords: it is typed into the agent when needed.
  CHECK(checkpoint.out.find("progress 3/3") != std::string::npos);
  CHECK(checkpoint.out.find("Build: build PASS") != std::string::npos);
  // What the engine saw it change (the gate's scan of its directory).
  CHECK(checkpoint.out.find("Files modified:") != std::string::npos);
  CHECK(checkpoint.out.find("api/openapi.json") != std::string::npos);
  auto none = test::run_baton("status " + dir / "nothing-here");
  CHECK(none.exit_code == 2);
}

TEST_CASE("the pipeline example: a failed gate re-runs the stage with its "
          "reasons, and no later stage starts before the gate passed",
          "[cli][run][e2e]") {
  test::temp_dir dir;
  auto db = dir / "log";
  auto r = test::run_baton("run " + source_dir() + "/examples/pipeline.toml"
                           + " --db " + db + " --workspace " + dir / "work");
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
  auto steps = orchestrator_steps(db);
  for (auto& [task, s] : verdicts(steps)) {
    INFO(task << ": " << s.reason);
    CHECK(s.passed);
  }
  // A gate failed, and its reasons were typed back to the worker.
  auto gates = inputs<engine::gate_finished>(steps);
  auto failed = std::find_if(gates.begin(), gates.end(),
                             [](auto& g) { return !g.passed; });
  REQUIRE(failed != gates.end());
  REQUIRE_FALSE(failed->reasons.empty());
  auto told = decisions<engine::tell_agent>(steps);
  auto retry = std::find_if(told.begin(), told.end(), [&](auto& t) {
    return t.why == "retry of task " + failed->task;
  });
  REQUIRE(retry != told.end());
  CHECK(retry->text.find(failed->reasons.front()) != std::string::npos);
  // Replaying the log re-derives every decision byte for byte; a changed
  // rule (fewer retries) is caught at the first decision it changes.
  auto replay = test::run_baton("replay " + db);
  INFO(replay.out);
  CHECK(replay.exit_code == 0);
  CHECK(replay.out.find(": identical") != std::string::npos);
  {
    std::ifstream in{source_dir() + "/examples/pipeline.toml"};
    std::stringstream text;
    text << in.rdbuf();
    auto changed = text.str();
    auto at = changed.find("retries = 2");
    REQUIRE(at != std::string::npos);
    changed.replace(at, 11, "retries = 1");
    write(dir / "changed.toml", changed);
  }
  auto diverged
    = test::run_baton("replay " + db + " --plan " + dir / "changed.toml");
  INFO(diverged.out);
  CHECK(diverged.exit_code == 1);
  CHECK(diverged.out.find("divergence at orchestrator@") != std::string::npos);
  CHECK(diverged.out.find("Attempt 2 of 2") != std::string::npos);
  CHECK(diverged.out.find("Attempt 2 of 3") != std::string::npos);
  // Every dispatch of a stage comes after the previous stage's tasks passed.
  std::vector<std::string> order{"research", "plan", "build", "verify"};
  std::map<std::string, uint64_t> passed_at;
  for (auto& s : steps)
    if (s.decision)
      if (auto* x = std::get_if<engine::task_settled>(&*s.decision);
          x && x->passed)
        passed_at[x->task] = s.position;
  for (auto& s : steps)
    if (s.decision)
      if (auto* x = std::get_if<engine::dispatch_task>(&*s.decision)) {
        auto stage = std::find(order.begin(), order.end(), x->task);
        REQUIRE(stage != order.end());
        for (auto before = order.begin(); before != stage; ++before) {
          INFO(x->task << " dispatched before " << *before << " passed");
          REQUIRE(passed_at.contains(*before));
          CHECK(passed_at[*before] < s.position);
        }
      }
}

TEST_CASE("an agent that crashes mid-task is restarted and the task retried",
          "[cli][run][e2e]") {
  test::temp_dir dir;
  // The agent crashes on its first life only (a marker file remembers).
  write(dir / "plan.toml",
        R"(
[run]
name = "crash"
workspace = "work"
[policy]
retries = 2
[agents.crasher]
command = ["/bin/sh", "-c", "if [ -e crashed ]; then exec )"
          + test::baton_path() + R"( sim --seed 1; else touch crashed; exec )"
          + test::baton_path()
          + R"( sim --seed 1 --scenario crash --crash-code 3; fi"]
pack = "sim"
[[tasks]]
id = "fix"
prompt = "fix the parser"
agent = "crasher"
)");
  auto r = test::run_baton("run " + dir / "plan.toml" + " --db " + dir / "log");
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
  auto steps = orchestrator_steps(dir / "log");
  auto restarts = decisions<engine::restart_agent>(steps);
  REQUIRE(restarts.size() == 1);
  CHECK(restarts[0].why.find("exited with status 3 during attempt 1")
        != std::string::npos);
  auto dispatched = decisions<engine::dispatch_task>(steps);
  REQUIRE(dispatched.size() == 2);
  CHECK(dispatched[1].attempt == 2);
  CHECK(verdicts(steps).at("fix").passed);
}

TEST_CASE("an agent that never answers fails its task at the time limit",
          "[cli][run][e2e]") {
  test::temp_dir dir;
  write(dir / "plan.toml", R"(
[run]
name = "silent"
workspace = "work"
[policy]
retries = 0
task_timeout = "5s"
[agents.silent]
preset = "sim"
args = ["--scenario", "stall", "--stall-seconds", "3600"]
[[tasks]]
id = "wait"
prompt = "do something"
agent = "silent"
)");
  auto r = test::run_baton("run " + dir / "plan.toml" + " --db " + dir / "log");
  INFO(r.out);
  CHECK(r.exit_code == 1);
  auto v = verdicts(orchestrator_steps(dir / "log"));
  REQUIRE(v.contains("wait"));
  CHECK_FALSE(v.at("wait").passed);
  CHECK(v.at("wait").reason.find("time limit of 5 s") != std::string::npos);
}

TEST_CASE("a plan whose agent's program is missing starts nothing and says "
          "which",
          "[cli][run]") {
  test::temp_dir dir;
  write(dir / "plan.toml", R"(
[agents.ghost]
command = ["/nonexistent/agent-cli", "--flag"]
[[tasks]]
id = "t"
prompt = "p"
agent = "ghost"
)");
  auto r = test::run_baton("run " + dir / "plan.toml" + " --db " + dir / "log");
  CHECK(r.exit_code == 2);
  CHECK(r.out.find("plan.toml:2:1: agent ghost: executable "
                   "\"/nonexistent/agent-cli\" not found")
        != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "log"));
}

TEST_CASE("a log directory that already holds a run is not overwritten",
          "[cli][run]") {
  test::temp_dir dir;
  write(dir / "plan.toml", R"(
[agents.a]
preset = "sim"
[[tasks]]
id = "t"
prompt = "p"
agent = "a"
)");
  auto first = test::run_baton("run " + dir / "plan.toml" + " --db "
                               + dir / "log" + " --workspace " + dir / "w");
  INFO(first.out);
  REQUIRE(first.exit_code == 0);
  auto second = test::run_baton("run " + dir / "plan.toml" + " --db "
                                + dir / "log" + " --workspace " + dir / "w");
  CHECK(second.exit_code == 2);
  CHECK(second.out.find("already holds a run") != std::string::npos);
  auto third
    = test::run_baton("run " + dir / "plan.toml" + " --db " + dir / "log"
                      + " --workspace " + dir / "w" + " --replace");
  INFO(third.out);
  CHECK(third.exit_code == 0);
}

namespace {

/// Waits up to `timeout` for `pred` over the orchestrator's stream (read
/// while the run writes it).
bool wait_for_log(const std::string& db, std::chrono::seconds timeout,
                  const std::function<bool(const std::vector<step>&)>& pred) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  storage::options opts;
  opts.read_only = true;
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto log = storage::event_log::open(db, opts); log.ok()) {
      auto events = (*log)->read("orchestrator");
      if (events.ok()) {
        std::vector<step> steps;
        for (auto& e : *events)
          steps.push_back({e.position(), engine::decision_from_event(e.event()),
                           engine::input_from_event(e.event())});
        if (pred(steps))
          return true;
      }
      // Wait for the writer's next append rather than spinning.
      (*log)->wait_beyond((*log)->last_position(),
                          std::chrono::milliseconds{50});
    } else {
      std::this_thread::yield();
    }
  }
  return false;
}

} // namespace

TEST_CASE("Ctrl-C stops the run: agents stopped, unfinished tasks failed, "
          "the log complete, exit 130",
          "[cli][run][e2e]") {
  test::temp_dir dir;
  write(dir / "plan.toml", R"(
[run]
workspace = "work"
[agents.slow]
preset = "sim"
args = ["--scenario", "stall", "--stall-seconds", "3600"]
[[tasks]]
id = "forever"
prompt = "take your time"
agent = "slow"
)");
  auto pid = test::spawn_baton({"run", dir / "plan.toml", "--db", dir / "log"},
                         dir / "out.txt");
  bool dispatched
    = wait_for_log(dir / "log", std::chrono::seconds{30}, [](auto& steps) {
        return !decisions<engine::dispatch_task>(steps).empty();
      });
  if (!dispatched)
    ::kill(pid, SIGKILL);
  REQUIRE(dispatched);
  REQUIRE(::kill(pid, SIGINT) == 0);
  CHECK(test::wait_exit(pid) == 130);
  auto steps = orchestrator_steps(dir / "log");
  // Ctrl-C is the operator's stop, recorded on the operator stream.
  auto stops = inputs<engine::operator_command>(steps);
  REQUIRE(stops.size() == 1);
  CHECK(stops[0].action == engine::operator_action::stop);
  CHECK_FALSE(stops[0].immediate);
  CHECK(stops[0].reason == "interrupted (Ctrl-C)");
  auto v = verdicts(steps);
  CHECK_FALSE(v.at("forever").passed);
  CHECK(v.at("forever").reason.find("stopped before it finished")
        != std::string::npos);
  auto finished = decisions<engine::finish_run>(steps);
  REQUIRE(finished.size() == 1);
  CHECK_FALSE(finished[0].ok);
  // The agent's exit was recorded before baton exited.
  storage::options opts;
  opts.read_only = true;
  auto log = storage::event_log::open(dir / "log", opts);
  REQUIRE(log.ok());
  auto worker = (*log)->read("worker/slow");
  REQUIRE(worker.ok());
  REQUIRE_FALSE(worker->empty());
  CHECK(std::any_of(worker->begin(), worker->end(),
                    [](auto& e) { return e.event().isProcessExited(); }));
}

TEST_CASE("a write outside the worker's scope is reported and its owner "
          "told",
          "[cli][run][e2e]") {
  test::temp_dir dir;
  // Two agents share one directory; the frontend sim writes web/todos.html,
  // which the plan gives to the designer.
  write(dir / "plan.toml", R"(
[run]
workspace = "work"
[agents.frontend]
preset = "sim"
args = ["--role", "frontend", "--scenario", "normal"]
workdir = "shared"
owns = ["src/**"]
[agents.designer]
preset = "sim"
workdir = "shared"
owns = ["web/**"]
[[tasks]]
id = "page"
prompt = "build the page"
agent = "frontend"
)");
  auto r = test::run_baton("run " + dir / "plan.toml" + " --db " + dir / "log");
  INFO(r.out);
  auto steps = orchestrator_steps(dir / "log");
  auto violations = decisions<engine::report_violation>(steps);
  REQUIRE(violations.size() == 1);
  CHECK(violations[0].agent == "frontend");
  CHECK(violations[0].task == "page");
  CHECK(violations[0].path == "web/todos.html");
  CHECK(violations[0].owner == "designer");
  auto told = decisions<engine::tell_agent>(steps);
  REQUIRE(told.size() == 1);
  CHECK(told[0].agent == "designer");
  CHECK(told[0].why == "scope violation by frontend");
}

TEST_CASE("run --json prints every recorded event as one JSON object with "
          "its logical and wall-clock time",
          "[cli][run][e2e]") {
  test::temp_dir dir;
  write(dir / "plan.toml", R"(
[agents.a]
preset = "sim"
[[tasks]]
id = "t"
prompt = "p"
agent = "a"
)");
  auto r = test::run_baton("run --json " + dir / "plan.toml" + " --db "
                           + dir / "log" + " --workspace " + dir / "w");
  REQUIRE(r.exit_code == 0);
  std::istringstream lines{r.out};
  std::string line;
  size_t n = 0;
  bool finished = false;
  while (std::getline(lines, line)) {
    INFO(line);
    auto json = engine::text::parse_json(line);
    REQUIRE(json.ok());
    CHECK(line.find("\"logicalTime\":") != std::string::npos);
    CHECK(line.find("\"wallTime\":") != std::string::npos);
    finished = finished || line.find("\"runFinished\"") != std::string::npos;
    ++n;
  }
  storage::options opts;
  opts.read_only = true;
  auto log = storage::event_log::open(dir / "log", opts);
  REQUIRE(log.ok());
  CHECK(n == (*log)->last_position());
  CHECK(finished);
}

TEST_CASE("an agent that never becomes ready fails its task at the time "
          "limit instead of holding the run",
          "[cli][run][e2e]") {
  test::temp_dir dir;
  write(dir / "plan.toml", R"(
[run]
workspace = "work"
[policy]
task_timeout = "2s"
[agents.mute]
command = ["/bin/sh", "-c", "exec sleep 3600"]
[[tasks]]
id = "t"
prompt = "p"
agent = "mute"
)");
  auto r = test::run_baton("run " + dir / "plan.toml" + " --db " + dir / "log");
  INFO(r.out);
  CHECK(r.exit_code == 1);
  auto v = verdicts(orchestrator_steps(dir / "log"));
  REQUIRE(v.contains("t"));
  CHECK(v.at("t").reason.find("agent mute did not become ready to take input "
                              "within 2 s")
        != std::string::npos);
}
