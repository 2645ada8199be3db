// Approvals in `baton run` end to end (issue 12): `baton sim` agents on real
// PTYs ask for permission; the plan's policy answers, the operator answers
// through `baton approve` / `baton deny` while the run goes, or the timeout's
// fallback does. Each case asserts on the recorded decisions and on
// `baton replay` reproducing them.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "engine/orchestration/orchestrator_event.hpp"
#include "storage/event_log.hpp"
#include "tests/cli/orchestrator_log.hpp"
#include "tests/cli/run_baton.hpp"
#include "tests/support/temp_dir.hpp"

using namespace baton;
namespace fs = std::filesystem;

namespace {

template<class T>
std::vector<T> decisions(const std::string& db) {
  return test::decisions<T>(test::orchestrator_steps(db));
}

std::vector<engine::approval_answered> answers(const std::string& db) {
  return test::inputs<engine::approval_answered>(test::orchestrator_steps(db));
}

void write(const fs::path& p, const std::string& text) {
  std::ofstream{p} << text;
}

std::string read(const fs::path& p) {
  std::ifstream in{p};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Two agents that ask to run `rm -rf build` in their first task.
std::string plan(const std::string& approvals) {
  return R"(
[run]
name = "approvals"
workspace = "work"
[policy]
task_timeout = "2m"
)" + approvals + R"(
[agents.dev]
preset = "sim"
args = ["--scenario", "permission", "--speed", "8"]
[agents.ops]
preset = "sim"
args = ["--scenario", "permission", "--speed", "8"]
[[tasks]]
id = "clean"
agent = "dev"
prompt = "Clean the build directory."
[[tasks]]
id = "tidy"
agent = "ops"
prompt = "Tidy up."
)";
}

/// Polls `baton approvals DIR` until it lists `n` waiting requests, within
/// a deadline; returns their ids.
std::vector<std::string> wait_for_requests(const std::string& db, size_t n) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{60};
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = test::run_baton("approvals " + db);
    std::vector<std::string> ids;
    std::istringstream in{r.out};
    for (std::string line; std::getline(in, line);)
      if (line.starts_with("a"))
        ids.push_back(line.substr(0, line.find(' ')));
    if (ids.size() >= n)
      return ids;
    std::this_thread::sleep_for(std::chrono::milliseconds{100});
  }
  FAIL("no " << n << " approval requests waiting within 60 s");
  return {};
}

} // namespace

TEST_CASE("the plan's rules allow one request and deny the other, the "
          "refused agent is told and goes on",
          "[cli][run][e2e][approvals]") {
  test::temp_dir dir;
  write(dir / "plan.toml", plan(R"(
[[approvals.rule]]
agent = "ops"
tool = "bash"
match = '^rm -rf build$'
decision = "allow"
[[approvals.rule]]
agent = "dev"
match = 'rm -rf'
decision = "deny"
)"));
  auto r = test::run_baton("run " + dir / "plan.toml" + " --db " + dir / "log");
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
  auto requests = decisions<engine::request_approval>(dir / "log");
  REQUIRE(requests.size() == 2);
  for (auto& q : requests) {
    CHECK(q.tool == "Bash");
    CHECK(q.subject == "rm -rf build");
    CHECK(q.task == (q.agent == "dev" ? "clean" : "tidy"));
  }
  auto decided = decisions<engine::decide_approval>(dir / "log");
  REQUIRE(decided.size() == 2);
  for (auto& d : decided) {
    CHECK(d.answer == (d.agent == "ops" ? "allow" : "deny"));
    CHECK(d.by == (d.agent == "ops" ? "rule 1" : "rule 2"));
  }
  bool told = false;
  for (auto& t : decisions<engine::tell_agent>(dir / "log"))
    told = told || (t.agent == "dev" && t.why.ends_with("denied"));
  CHECK(told);
  // The keys typed are the pack's: y for ops, n for dev.
  auto shown = test::run_baton("why " + dir / "log" + " dev");
  CHECK(shown.out.find("prompt typed (approval") != std::string::npos);
  CHECK(r.out.find("a1 ") != std::string::npos); // the report's Approvals
  auto replay = test::run_baton("replay " + dir / "log");
  INFO(replay.out);
  CHECK(replay.exit_code == 0);
  CHECK(replay.out.find("identical: 3 streams replayed") != std::string::npos);
}

TEST_CASE("requests left to the operator are answered with baton approve and "
          "baton deny while the run goes",
          "[cli][run][e2e][approvals]") {
  test::temp_dir dir;
  write(dir / "plan.toml", plan("[approvals]\ntimeout = \"100s\"\n"));
  auto pid = test::spawn_baton({"run", dir / "plan.toml", "--db", dir / "log"},
                               dir / "out.txt");
  auto ids = wait_for_requests(dir / "log", 2);
  REQUIRE(ids.size() == 2);
  // An answer to a request that is not waiting is refused, and says so.
  auto wrong = test::run_baton("approve " + dir / "log" + " a9");
  CHECK(wrong.exit_code == 1);
  CHECK(wrong.out.find("no approval request a9 is waiting") != std::string::npos);
  auto ok = test::run_baton("approve " + dir / "log" + " " + ids[0]
                            + " --reason 'scratch dir' --by alice");
  INFO(ok.out);
  CHECK(ok.exit_code == 0);
  CHECK(ok.out.find("ok: allow " + ids[0]) != std::string::npos);
  auto no = test::run_baton("deny " + dir / "log" + " " + ids[1]);
  CHECK(no.exit_code == 0);
  // Answered once is answered: a second answer is too late.
  auto again = test::run_baton("deny " + dir / "log" + " " + ids[0]);
  CHECK(again.exit_code == 1);
  CHECK(test::wait_exit(pid) == 0);
  INFO(read(dir / "out.txt"));
  auto given = answers(dir / "log");
  REQUIRE(given.size() == 2);
  CHECK(given[0].id == ids[0]);
  CHECK(given[0].answer == "allow");
  CHECK(given[0].by == "alice");
  CHECK(given[0].reason == "scratch dir");
  CHECK(given[1].answer == "deny");
  auto decided = decisions<engine::decide_approval>(dir / "log");
  REQUIRE(decided.size() == 2);
  CHECK(decided[0].by == "operator");
  CHECK(decided[1].answer == "deny");
  // Nothing is waiting once the run is over; --all lists both.
  CHECK(test::run_baton("approvals " + dir / "log").out.find("none waiting")
        != std::string::npos);
  auto all = test::run_baton("approvals " + dir / "log" + " --all");
  CHECK(all.out.find("allow (operator)") != std::string::npos);
  CHECK(all.out.find("deny (operator)") != std::string::npos);
  // The control socket goes with the run.
  CHECK_FALSE(fs::exists(fs::path{dir / "log"} / "control.sock"));
  auto late = test::run_baton("approve " + dir / "log" + " a1");
  CHECK(late.exit_code == 1);
  CHECK(late.out.find("no running baton holds this log") != std::string::npos);
  auto replay = test::run_baton("replay " + dir / "log");
  INFO(replay.out);
  CHECK(replay.exit_code == 0);
}

TEST_CASE("a request nobody answers takes the fallback when its time is up",
          "[cli][run][e2e][approvals]") {
  test::temp_dir dir;
  write(dir / "plan.toml", plan("[approvals]\ntimeout = \"1s\"\n"));
  auto r = test::run_baton("run " + dir / "plan.toml" + " --db " + dir / "log");
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
  auto decided = decisions<engine::decide_approval>(dir / "log");
  REQUIRE(decided.size() == 2);
  for (auto& d : decided) {
    CHECK(d.answer == "deny");
    CHECK(d.by == "timeout");
    CHECK(d.why.find("no answer within 1 s") != std::string::npos);
  }
  CHECK(test::run_baton("replay " + dir / "log").exit_code == 0);
}

TEST_CASE("the approvals example: a rule allows, the fixed deny list refuses, "
          "the operator answers",
          "[cli][run][e2e][approvals]") {
  test::temp_dir dir;
  auto pid = test::spawn_baton({"run", fs::current_path().string()
                                         + "/examples/approvals.toml",
                                "--db", dir / "log", "--workspace",
                                dir / "work"},
                               dir / "out.txt");
  auto ids = wait_for_requests(dir / "log", 1);
  auto ok = test::run_baton("approve " + dir / "log" + " " + ids[0]);
  INFO(ok.out);
  CHECK(ok.out.find("(agent dev)") != std::string::npos);
  CHECK(test::wait_exit(pid) == 0);
  INFO(read(dir / "out.txt"));
  std::map<std::string, engine::decide_approval> by_agent;
  for (auto& d : decisions<engine::decide_approval>(dir / "log"))
    by_agent[d.agent] = d;
  REQUIRE(by_agent.size() == 3);
  CHECK(by_agent["ops"].answer == "allow");
  CHECK(by_agent["ops"].by == "rule 1");
  CHECK(by_agent["root"].answer == "deny");
  CHECK(by_agent["root"].by == "deny list");
  CHECK(by_agent["dev"].answer == "allow");
  CHECK(by_agent["dev"].by == "operator");
}
