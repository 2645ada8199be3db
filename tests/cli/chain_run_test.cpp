// A supervisor chain's run steered from another process: commands about a
// team's agent, task or approval go to its lead, which records them on its
// stream; a stop reaches every lead; the steered run replays identically.
#include <catch2/catch.hpp>

#include <signal.h>

#include <fstream>
#include <sstream>

#include "tests/cli/run_baton.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using baton::test::contains;
using baton::test::slurp;

// Team ops: a asks for permission in t1 and waits for the operator, then
// stays at work for ten minutes; b's t2 comes after t1. c, in no team, does
// t0 and is free.
constexpr const char* plan_text = R"(
[run]
name = "steered"
pattern = "supervisor"
chain = true
[policy]
task_timeout = "1h"
stall_after = "1h"
[approvals]
timeout = "30m"
[teams.ops]
members = ["a", "b"]
[agents.a]
preset = "sim"
args = ["--scenario", "permission", "--then", "stall", "--stall-seconds",
        "600", "--speed", "8"]
[agents.b]
preset = "sim"
args = ["--speed", "8"]
[agents.c]
preset = "sim"
args = ["--speed", "8"]
[[tasks]]
id = "t0"
agent = "c"
prompt = "Look around."
[[tasks]]
id = "t1"
agent = "a"
prompt = "Clean the build directory."
[[tasks]]
id = "t2"
agent = "b"
prompt = "Check the build directory."
after = ["t1"]
)";

} // namespace

TEST_CASE("a chain's run takes the operator's commands: a team's to its "
          "lead, recorded on its stream, a stop to every lead, and replays "
          "identically",
          "[cli][run][e2e][chain]") {
  baton::test::temp_dir dir;
  auto log = dir / "log";
  {
    std::ofstream out{dir / "plan.toml"};
    out << plan_text;
  }
  auto run = baton::test::spawn_baton(
    {"run", dir / "plan.toml", "--db", log, "--workspace", dir / "work"},
    dir / "run.txt");
  // Up once c passed t0 and a's request, numbered by its team, waits.
  bool up = baton::test::eventually([&] {
    auto r = baton::test::run_baton("status " + log);
    auto asked = baton::test::run_baton("approvals " + log);
    return r.exit_code == 0 && contains(r.out, "tasks 1/3 passed")
           && contains(asked.out, "ops/a1  a  task t1");
  });
  if (!up)
    ::kill(run, SIGKILL);
  INFO(slurp(dir / "run.txt"));
  REQUIRE(up);

  auto sent
    = baton::test::run_baton("send " + log + " b 'Note: chain-marker-7.'");
  INFO(sent.out);
  CHECK(sent.exit_code == 0);
  CHECK(contains(sent.out, "o1: sent to b"));
  auto cancelled
    = baton::test::run_baton("cancel-task " + log + " t2 --reason 'not now'");
  INFO(cancelled.out);
  CHECK(cancelled.exit_code == 0);
  CHECK(contains(cancelled.out, "o2"));
  // Refused by the lead, with its reason.
  auto again = baton::test::run_baton("cancel-task " + log + " t2");
  INFO(again.out);
  CHECK(again.exit_code == 1);
  CHECK(contains(again.out, "t2"));
  // A task added for a team's agent is its lead's, and so is what comes
  // after about it.
  auto added = baton::test::run_baton(
    "add-task " + log + " --id t3 --prompt 'Summarise.' --agent b --after t1");
  INFO(added.out);
  CHECK(added.exit_code == 0);
  CHECK(contains(added.out, "o3: added task t3"));
  auto dropped = baton::test::run_baton("cancel-task " + log + " t3");
  INFO(dropped.out);
  CHECK(dropped.exit_code == 0);
  CHECK(contains(dropped.out, "o4"));
  // An approval of a team the chain does not have is refused, named; the
  // team's goes to its lead, and a goes on.
  auto nowhere = baton::test::run_baton("approve " + log + " dev/a1");
  INFO(nowhere.out);
  CHECK(nowhere.exit_code == 1);
  CHECK(contains(nowhere.out, "team dev, which the chain does not have"));
  auto approved = baton::test::run_baton("approve " + log + " ops/a1");
  INFO(approved.out);
  CHECK(approved.exit_code == 0);
  CHECK(contains(approved.out, "o5"));
  CHECK(baton::test::eventually([&] {
    auto r = baton::test::run_baton("status " + log);
    return contains(r.out, "working          t1");
  }));
  auto stopped = baton::test::run_baton("stop " + log + " --reason 'enough'");
  INFO(stopped.out);
  CHECK(stopped.exit_code == 0);
  CHECK(contains(stopped.out, "o6: stopping"));
  int code = baton::test::wait_exit(run);
  INFO(slurp(dir / "run.txt"));
  CHECK(code == 1); // t1 left unsettled failed

  // The team's commands are on its lead's stream, the stop on every
  // node's; the operator's stream holds what the orchestrator applied.
  auto ops = baton::test::run_baton("log " + log + " --stream lead/ops").out;
  INFO(ops);
  CHECK(contains(ops, "operatorCommand {\"id\":\"o1\""));
  CHECK(contains(ops, "\"action\":\"send\",\"agent\":\"b\""));
  CHECK(contains(ops, "operatorCommand {\"id\":\"o2\""));
  for (auto id : {"o3", "o4", "o5", "o6"})
    CHECK(contains(ops, std::string{"operatorCommand {\"id\":\""} + id));
  CHECK(contains(ops, "approvalDecided {\"id\":\"ops/a1\""));
  CHECK(contains(ops, "taskSettled {\"task\":\"t3\",\"passed\":false"));
  CHECK(contains(ops, "chain-marker-7"));
  CHECK(contains(ops, "taskSettled {\"task\":\"t2\",\"passed\":false"));
  CHECK(contains(ops, "taskSettled {\"task\":\"t1\",\"passed\":false"));
  auto operators
    = baton::test::run_baton("log " + log + " --stream operator").out;
  CHECK_FALSE(contains(operators, "\"id\":\"o1\""));
  CHECK(contains(operators, "\"id\":\"o6\""));
  auto top
    = baton::test::run_baton("log " + log + " --stream orchestrator").out;
  CHECK(contains(top, "runFinished {\"ok\":false,\"summary\":\"1/4 tasks "
                      "passed"));

  auto replay = baton::test::run_baton("replay " + log);
  INFO(replay.out);
  CHECK(replay.exit_code == 0);
  CHECK(contains(replay.out, "lead/ops: replayed"));
  CHECK(contains(replay.out, "identical: 5 streams replayed"));
}
