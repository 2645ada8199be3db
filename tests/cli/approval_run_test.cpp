// Approvals in `baton run` end to end (issue 12): `baton sim` agents on real
// PTYs ask for permission; the plan's policy answers, the operator answers
// through `baton approve` / `baton deny` while the run goes, or the timeout's
// fallback does. Each case asserts on the recorded decisions and on
// `baton replay` reproducing them.
#include <catch2/catch.hpp>

#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>

#include "engine/orchestration/orchestrator_event.hpp"
#include "storage/event_log.hpp"
#include "tests/cli/orchestrator_log.hpp"
#include "tests/cli/run_baton.hpp"
#include "tests/support/kind_names.hpp"
#include "tests/support/temp_dir.hpp"

using namespace baton;
namespace fs = std::filesystem;

namespace {

template<class T>
std::vector<T> decisions(const std::string& db) {
  return test::decisions<T>(test::orchestrator_steps(db));
}

/// The operator's answers: approve commands on the run's operator stream.
std::vector<engine::approval_answered> answers(const std::string& db) {
  storage::options opts;
  opts.read_only = true;
  auto log = storage::event_log::open(db, opts);
  REQUIRE(log.ok());
  auto events = (*log)->read("operator");
  REQUIRE(events.ok());
  std::vector<engine::approval_answered> out;
  for (auto& e : *events)
    if (auto in = engine::input_from_event(e.event()))
      if (auto* c = std::get_if<engine::operator_command>(&*in);
          c != nullptr && c->action == engine::operator_action::approve)
        out.push_back(
          {c->approval,
           engine::named<engine::approval_answer>(c->answer).value(), c->by,
           c->reason});
  return out;
}

void write(const fs::path& p, const std::string& text) {
  std::ofstream{p} << text;
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

/// `baton run … --json` with its output in a pipe, read as it comes.
class piped_run {
public:
  explicit piped_run(const std::vector<std::string>& args) {
    int p[2];
    REQUIRE(::pipe(p) == 0);
    std::vector<std::string> argv{test::baton_path()};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back("--json");
    std::vector<char*> cargv;
    for (auto& a : argv)
      cargv.push_back(a.data());
    cargv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    posix_spawn_file_actions_adddup2(&fa, p[1], 2);
    posix_spawn_file_actions_addclose(&fa, p[0]);
    REQUIRE(posix_spawn(&pid_, cargv[0], &fa, nullptr, cargv.data(), environ)
            == 0);
    posix_spawn_file_actions_destroy(&fa);
    ::close(p[1]);
    fd_ = p[0];
  }

  ~piped_run() {
    if (fd_ >= 0)
      ::close(fd_);
  }

  /// Reads until `n` requests left to the operator have been recorded
  /// (each approvalRequested event is printed once it is in the log), or
  /// the deadline; returns their ids.
  std::vector<std::string> operator_requests(size_t n) {
    std::vector<std::string> ids;
    size_t scanned = 0;
    while (ids.size() < n && read_some()) {
      size_t nl;
      while ((nl = out_.find('\n', scanned)) != std::string::npos) {
        auto line = out_.substr(scanned, nl - scanned);
        scanned = nl + 1;
        constexpr std::string_view key = "\"approvalRequested\":{\"id\":\"";
        auto at = line.find(key);
        if (at == std::string::npos
            || line.find("\"policy\":\"operator") == std::string::npos)
          continue;
        at += key.size();
        ids.push_back(line.substr(at, line.find('"', at) - at));
      }
    }
    if (ids.size() < n)
      FAIL("no " << n << " approval requests for the operator within 60 s:\n"
                 << out_);
    return ids;
  }

  /// Reads to the end of the run's output, then its exit code.
  int finish() {
    while (read_some()) {
    }
    return test::wait_exit(pid_);
  }

  const std::string& output() const {
    return out_;
  }

private:
  /// One read within the deadline; false at the end of the output.
  bool read_some() {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline_ - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0)
      return false;
    char buf[4096];
    auto got = ::read(fd_, buf, sizeof buf);
    if (got <= 0)
      return false;
    out_.append(buf, static_cast<size_t>(got));
    return true;
  }

  pid_t pid_ = 0;
  int fd_ = -1;
  std::string out_;
  std::chrono::steady_clock::time_point deadline_
    = std::chrono::steady_clock::now() + std::chrono::seconds{60};
};

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
  piped_run run{{"run", dir / "plan.toml", "--db", dir / "log"}};
  auto ids = run.operator_requests(2);
  REQUIRE(ids.size() == 2);
  // An answer to a request that is not waiting is refused, and says so.
  auto wrong = test::run_baton("approve " + dir / "log" + " a9");
  CHECK(wrong.exit_code == 1);
  CHECK(wrong.out.find("no approval request a9 is waiting") != std::string::npos);
  auto ok = test::run_baton("approve " + dir / "log" + " " + ids[0]
                            + " --reason 'scratch dir' --by alice");
  INFO(ok.out);
  CHECK(ok.exit_code == 0);
  CHECK(ok.out.find(": allow " + ids[0]) != std::string::npos);
  auto no = test::run_baton("deny " + dir / "log" + " " + ids[1]);
  CHECK(no.exit_code == 0);
  // Answered once is answered: a second answer is too late.
  auto again = test::run_baton("deny " + dir / "log" + " " + ids[0]);
  CHECK(again.exit_code == 1);
  CHECK(run.finish() == 0);
  INFO(run.output());
  // What the operator sees is what the log holds.
  auto listed = test::run_baton("approvals " + dir / "log" + " --all");
  CHECK(listed.out.find(ids[0] + "  ") != std::string::npos);
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
  CHECK(late.out.find("no engine runs") != std::string::npos);
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
  piped_run run{{"run",
                 fs::current_path().string() + "/examples/approvals.toml",
                 "--db", dir / "log", "--workspace", dir / "work"}};
  auto ids = run.operator_requests(1);
  auto ok = test::run_baton("approve " + dir / "log" + " " + ids[0]);
  INFO(ok.out);
  CHECK(ok.out.find("(agent dev)") != std::string::npos);
  CHECK(run.finish() == 0);
  INFO(run.output());
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
