// The failure scenarios of examples/ end to end, on simulated agents: each
// example runs as the README says, and its log holds the decisions the
// engine took by itself (baton log), which replay re-derives identically.
#include <signal.h>

#include <catch2/catch.hpp>

#include <chrono>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/cli/run_baton.hpp"
#include "tests/support/temp_dir.hpp"

using namespace baton;
namespace fs = std::filesystem;

namespace {

std::string read(const std::string& path) {
  std::ifstream in{path};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos;
       at = text.find(what, at + what.size()))
    ++n;
  return n;
}

struct example_run {
  test::temp_dir dir;
  test::run_result run;
  /// `baton log` of the orchestrator's stream.
  std::string log;
};

/// Runs examples/<name>.toml into a fresh log and workspace, and replays
/// it: every stream must re-derive what was recorded.
void run_example(const std::string& name, example_run& r) {
  r.run = test::run_baton("run examples/" + name + ".toml --db " + r.dir / "log"
                          + " --workspace " + r.dir / "work");
  r.log = test::run_baton("log " + r.dir / "log" + " --stream orchestrator").out;
  auto replay = test::run_baton("replay " + r.dir / "log");
  INFO(replay.out);
  CHECK(replay.exit_code == 0);
}

} // namespace

TEST_CASE("loop: nudge, re-dispatch with history, reassign, each recorded",
          "[cli][recovery][e2e]") {
  example_run r;
  run_example("loop", r);
  INFO(r.run.out);
  REQUIRE(r.run.exit_code == 0);
  CHECK(count(r.log, " taskEscalated {") == 3);
  CHECK(r.log.find("\"trigger\":\"loop\",\"step\":\"nudge\"")
        != std::string::npos);
  CHECK(r.log.find("\"step\":\"redispatch\"") != std::string::npos);
  CHECK(r.log.find("\"step\":\"reassign\"") != std::string::npos);
  CHECK(r.log.find("What was tried and failed") != std::string::npos);
  CHECK(r.run.out.find("Recovery (what the engine did on its own):")
        != std::string::npos);
}

TEST_CASE("stall: the silent agent is escalated, the slow one whose files "
          "change is not",
          "[cli][recovery][e2e]") {
  example_run r;
  run_example("stall", r);
  INFO(r.run.out);
  REQUIRE(r.run.exit_code == 0);
  CHECK(r.log.find("\"task\":\"feature\",\"agent\":\"stuck\",\"trigger\":"
                   "\"stall\",\"step\":\"nudge\"")
        != std::string::npos);
  CHECK(r.log.find("\"step\":\"reassign\"") != std::string::npos);
  CHECK(r.log.find("\"task\":\"refactor\",\"agent\":\"slow\",\"trigger\"")
        == std::string::npos);
  CHECK(r.log.find("agentActive {\"agent\":\"slow\"") != std::string::npos);
}

TEST_CASE("deadlock: the cycle is reported as it forms and broken with a "
          "stub that is later replaced",
          "[cli][recovery][e2e]") {
  example_run r;
  run_example("deadlock", r);
  INFO(r.run.out);
  REQUIRE(r.run.exit_code == 0);
  REQUIRE(count(r.log, " deadlockFound {") == 1);
  CHECK(r.log.find("\"stubMaker\":\"backend\",\"stubFor\":\"frontend\","
                   "\"what\":\"api/openapi.json\"")
        != std::string::npos);
  CHECK(r.log.find("\"why\":\"deadlock: stub of api/openapi.json for "
                   "frontend\"")
        != std::string::npos);
  CHECK(r.log.find("\"why\":\"stub replaced by backend\"")
        != std::string::npos);
  // baton show says it too, with what each waited for.
  auto shown = test::run_baton("show " + r.dir / "log").out;
  CHECK(shown.find("\nrecovery\n  deadlock: frontend waits for backend (need: "
                   "api/openapi.json); backend waits for frontend (need: "
                   "web/schema.json)")
        != std::string::npos);
}

TEST_CASE("crash: the supervisor restarts within its intensity, then stops, "
          "the run ships without the task and exits 3",
          "[cli][recovery][e2e]") {
  example_run r;
  run_example("crash", r);
  INFO(r.run.out);
  CHECK(r.run.exit_code == 3);
  CHECK(count(r.log, " supervisorActed {") == 3);
  CHECK(r.log.find("\"escalate\":true") != std::string::npos);
  CHECK(r.log.find("taskDegraded {\"task\":\"import\",\"policy\":"
                   "\"ship_without\"")
        != std::string::npos);
  CHECK(r.log.find("\"outcome\":\"reduced\"") != std::string::npos);
  CHECK(r.run.out.find("Result: shipped without some tasks")
        != std::string::npos);
}

TEST_CASE("supervisor chain: a lead restarts its crashed worker on its own "
          "stream, and a NEED crosses teams through the leads",
          "[cli][recovery][e2e]") {
  example_run r;
  run_example("supervisor", r);
  INFO(r.run.out);
  REQUIRE(r.run.exit_code == 0);
  // The backend's lead was asked and decided on its stream; the
  // orchestrator carried it out.
  auto lead = test::run_baton("log " + r.dir / "log" + " --stream lead/backend")
                .out;
  INFO(lead);
  CHECK(lead.find("leadAsked {\"team\":\"backend\",\"member\":\"db\"")
        != std::string::npos);
  CHECK(lead.find("supervisorActed {\"team\":\"backend\",\"agent\":\"db\","
                  "\"strategy\":\"rest_for_one\"")
        != std::string::npos);
  CHECK(r.log.find("\"leads\":true") != std::string::npos);
  CHECK(r.log.find("leadAsked {\"team\":\"backend\",\"member\":\"db\"")
        != std::string::npos);
  CHECK(r.log.find("leadReported {\"ask\":\"1\",\"acted\":{\"team\":"
                   "\"backend\"")
        != std::string::npos);
  CHECK(r.log.find("agentRestarted {\"agent\":\"db\",\"why\":\"supervisor "
                   "of backend: db exited abnormally")
        != std::string::npos);
  // The orchestrator decides nothing for the teams itself.
  CHECK(r.log.find(" supervisorActed {") == std::string::npos);
  // The need is labelled with the teams it crosses (the orchestrator routes
  // it; the leads do not see it).
  CHECK(r.log.find("need from web, team frontend -> team backend")
        != std::string::npos);
  CHECK(r.log.find("(From team frontend to team backend.)")
        != std::string::npos);
  CHECK(r.log.find(".baton/checkpoint.md") != std::string::npos);
  // Every lead stream is replayed with the rest.
  auto replay = test::run_baton("replay " + r.dir / "log").out;
  CHECK(replay.find("lead/backend: replayed 1 inputs and 1 derived events: "
                    "identical")
        != std::string::npos);
  // show lists the lead's decision among the recoveries.
  auto shown = test::run_baton("show " + r.dir / "log").out;
  CHECK(shown.find("supervisor of backend (rest_for_one): db exited "
                   "abnormally")
        != std::string::npos);
}

TEST_CASE("leads: each team's lead runs its team on its own stream, a NEED "
          "and its CONTRACT cross teams through the orchestrator, and every "
          "stream replays",
          "[cli][recovery][e2e]") {
  example_run r;
  run_example("leads", r);
  INFO(r.run.out);
  REQUIRE(r.run.exit_code == 0);
  CHECK(r.run.out.find("Result: every task passed its gates (4/4 tasks "
                       "passed)")
        != std::string::npos);
  CHECK(r.log.find("\"chain\":true") != std::string::npos);
  auto front = test::run_baton("log " + r.dir / "log"
                               + " --stream "
                                 "lead/frontend")
                 .out;
  auto back
    = test::run_baton("log " + r.dir / "log" + " --stream lead/backend").out;
  INFO(front);
  INFO(back);
  // Each lead dispatched its own members' tasks; the orchestrator, with no
  // agent of its own, dispatched nothing.
  CHECK(front.find("taskDispatched {\"task\":\"page\",\"agent\":\"web\"")
        != std::string::npos);
  CHECK(front.find("taskDispatched {\"task\":\"styles\"") != std::string::npos);
  CHECK(back.find("taskDispatched {\"task\":\"api\",\"agent\":\"api\"")
        != std::string::npos);
  CHECK(r.log.find("taskDispatched") == std::string::npos);
  // The backend's lead restarted its crashed worker by its own supervisor.
  CHECK(back.find("supervisorActed {\"team\":\"backend\",\"agent\":\"db\"")
        != std::string::npos);
  CHECK(back.find("agentRestarted {\"agent\":\"db\"") != std::string::npos);
  // web's NEED went up from the frontend, down to the backend (the owner
  // asked in the one fold's words), and the CONTRACT back to web.
  CHECK(front.find("chainReported {\"scope\":\"frontend\",\"number\":\"1\","
                   "\"need\":{\"from\":\"web\"")
        != std::string::npos);
  CHECK(r.log.find("chainReported {\"scope\":\"frontend\",\"number\":\"1\"")
        != std::string::npos);
  CHECK(back.find("chainDelivered {\"scope\":\"backend\"")
        != std::string::npos);
  CHECK(back.find("(From team frontend to team backend.)")
        != std::string::npos);
  CHECK(front.find("agentTold {\"agent\":\"web\",\"text\":\"CONTRACT from "
                   "api:")
        != std::string::npos);
  // Each lead finished its team when the router ended the chain; the
  // run's finish is the orchestrator's, the sum of the teams'.
  CHECK(count(front, " runFinished {") == 1);
  CHECK(count(back, " runFinished {") == 1);
  CHECK(r.log.find("runFinished {\"ok\":true,\"summary\":\"4/4 tasks passed")
        != std::string::npos);
  auto replay = test::run_baton("replay " + r.dir / "log").out;
  INFO(replay);
  CHECK(replay.find("lead/frontend: replayed ") != std::string::npos);
  CHECK(replay.find("lead/backend: replayed ") != std::string::npos);
  CHECK(count(replay, "derived events: identical") == 7);
  // status shows the teams' tasks from their leads' streams.
  auto status = test::run_baton("status " + r.dir / "log").out;
  CHECK(count(status, " passed       ") == 4);
  // baton why follows a team's task on its lead's stream, causes and all:
  // the CONTRACT came down from the orchestrator.
  auto why = test::run_baton("why " + r.dir / "log" + " page").out;
  INFO(why);
  CHECK(why.find("lead/frontend@") != std::string::npos);
  CHECK(why.find("dispatch task page to web (attempt 1)") != std::string::npos);
  CHECK(why.find("from the orchestrator: CONTRACT from api: todo API v1")
        != std::string::npos);
  CHECK(why.find("task page passed") != std::string::npos);
  // A finished chain is not resumed: nothing is written, and it says so.
  auto before = test::run_baton("log " + r.dir / "log").out;
  auto resumed = test::run_baton("resume " + r.dir / "log");
  CHECK(resumed.exit_code == 0);
  CHECK(resumed.out.find("holds a finished run; nothing to resume")
        != std::string::npos);
  CHECK(test::run_baton("log " + r.dir / "log").out == before);
}

TEST_CASE("leads: a chain killed (SIGKILL) once a NEED has crossed teams is "
          "resumed from each node's stream: every lead goes on from its own, "
          "what was not taken is sent again, and every stream replays",
          "[cli][recovery][e2e][resume][chain]") {
  test::temp_dir dir;
  auto db = dir / "log";
  auto pid = test::spawn_baton(
    {"run", "examples/leads.toml", "--db", db, "--workspace", dir / "work"},
    dir / "run.out");
  // Until the orchestrator delivered the frontend's NEED to the backend (a
  // deadline, not a pause).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{60};
  std::string top;
  while (std::chrono::steady_clock::now() < deadline) {
    top = test::run_baton("log " + db + " --stream orchestrator").out;
    if (top.find(" chainDelivered {") != std::string::npos)
      break;
  }
  REQUIRE(top.find(" chainDelivered {") != std::string::npos);
  REQUIRE(::kill(pid, SIGKILL) == 0);
  test::wait_exit(pid);

  auto resumed = test::run_baton("resume " + db);
  INFO(resumed.out);
  REQUIRE(resumed.exit_code == 0);
  CHECK(resumed.out.find("Result: every task passed its gates (4/4 tasks "
                         "passed)")
        != std::string::npos);
  CHECK(resumed.out.find("passed over") == std::string::npos);
  for (auto stream : {"orchestrator", "lead/frontend", "lead/backend"}) {
    INFO(stream);
    auto events = test::run_baton("log " + db + " --stream " + stream).out;
    // Started once, and once resumed, on its own stream.
    CHECK(count(events, " runStarted {") == 2);
    CHECK(count(events, "\"resumed\":true") == 1);
    CHECK(count(events, " runFinished {") == 1);
  }
  // The API's CONTRACT reached web after the restart, through the chain.
  auto front = test::run_baton("log " + db + " --stream lead/frontend").out;
  auto resumed_at = front.find("\"resumed\":true");
  REQUIRE(resumed_at != std::string::npos);
  CHECK(front.find("chainDelivered {\"scope\":\"frontend\"", resumed_at)
        != std::string::npos);
  CHECK(front.find("agentTold {\"agent\":\"web\",\"text\":\"CONTRACT from "
                   "api",
                   resumed_at)
        != std::string::npos);
  auto replay = test::run_baton("replay " + db);
  INFO(replay.out);
  CHECK(replay.exit_code == 0);
  CHECK(replay.out.find("identical: 7 streams replayed") != std::string::npos);
  CHECK(test::run_baton("status " + db).out.find("4/4") != std::string::npos);
}

TEST_CASE("leads: a fork cut where one node recorded a message and the "
          "other had not goes on with the message sent again, taken once",
          "[cli][recovery][e2e][resume][chain]") {
  example_run r;
  run_example("leads", r);
  REQUIRE(r.run.exit_code == 0);
  // The global position of the first event of `kind` on `stream`.
  auto first = [&](const std::string& stream, const std::string& kind) {
    auto events
      = test::run_baton("log " + r.dir / "log" + " --stream " + stream).out;
    auto at = events.find(" " + kind + " {");
    REQUIRE(at != std::string::npos);
    auto line = events.rfind('#', at);
    return std::stoull(events.substr(line + 1));
  };
  struct cut {
    std::string name;
    /// Where the first message is recorded by its sender, and the
    /// receiver's stream, which had not recorded it there.
    std::string sender;
    std::string kind;
    std::string receiver;
  };
  for (auto& c :
       {cut{"a report up", "lead/frontend", "chainReported", "orchestrator"},
        cut{"a delivery down", "orchestrator", "chainDelivered",
            "lead/backend"}}) {
    SECTION(c.name) {
      auto at = first(c.sender, c.kind);
      auto forked = r.dir / "fork";
      auto run = test::run_baton("fork " + r.dir / "log" + " " + forked
                                 + " --at " + std::to_string(at));
      INFO(run.out);
      REQUIRE(run.exit_code == 0);
      CHECK(run.out.find("4/4 tasks passed") != std::string::npos);
      auto events
        = test::run_baton("log " + forked + " --stream " + c.receiver).out;
      INFO(events);
      auto resumed = events.find("\"resumed\":true");
      REQUIRE(resumed != std::string::npos);
      // Sent again after the fork's start, and taken once.
      auto message = events.find(" " + c.kind + " {", resumed);
      REQUIRE(message != std::string::npos);
      CHECK(events.find("\"number\":\"1\"", message)
            < events.find('\n', message));
      CHECK(
        count(events, " " + c.kind + " {\"scope\":\""
                        + (c.kind == "chainReported" ? "frontend" : "backend")
                        + "\",\"number\":\"1\"")
        == 1);
      auto replay = test::run_baton("replay " + forked);
      INFO(replay.out);
      CHECK(replay.exit_code == 0);
      CHECK(replay.out.find("identical: 7 streams replayed")
            != std::string::npos);
    }
  }
}

TEST_CASE("deadlock across teams: in a chain, the NEEDs each team's lead "
          "routes up close a cycle only the orchestrator sees, which breaks it "
          "with a stub in the maker's team, and the real CONTRACT reaches "
          "the stub's user in the other team",
          "[cli][recovery][e2e][chain]") {
  // The deadlock example, each agent in a team of its own, run as a chain.
  test::temp_dir dir;
  auto text = test::slurp("examples/deadlock.toml");
  text.replace(text.find("[run]\n"), 6,
               "[run]\npattern = \"supervisor\"\nchain = true\n");
  for (auto at = text.find("${plan_dir}"); at != std::string::npos;
       at = text.find("${plan_dir}"))
    text.replace(at, 11, fs::absolute("examples").string());
  text += "\n[teams.web]\nmembers = [\"frontend\"]\n"
          "[teams.api]\nmembers = [\"backend\"]\n";
  std::ofstream{dir / "plan.toml"} << text;
  auto run = test::run_baton("run " + dir / "plan.toml" + " --db " + dir / "log"
                             + " --workspace " + dir / "work");
  INFO(run.out);
  REQUIRE(run.exit_code == 0);
  CHECK(run.out.find("deadlock: frontend waits for backend (need: "
                     "api/openapi.json); backend waits for frontend (need: "
                     "web/schema.json); backend asked for a stub of "
                     "api/openapi.json for frontend")
        != std::string::npos);
  auto top
    = test::run_baton("log " + dir / "log" + " --stream orchestrator").out;
  auto api = test::run_baton("log " + dir / "log" + " --stream lead/api").out;
  auto web = test::run_baton("log " + dir / "log" + " --stream lead/web").out;
  INFO(top);
  INFO(api);
  INFO(web);
  // The orchestrator found it, once, and sent it to the maker's lead, which
  // reported it and asked for the stub.
  CHECK(count(top, "\"deadlock\":{\"members\":[\"frontend\",\"backend\"]")
        == 1);
  CHECK(count(api, " deadlockFound {") == 1);
  CHECK(api.find("agentTold {\"agent\":\"backend\",\"text\":\"Deadlock: "
                 "frontend waits for backend")
        != std::string::npos);
  CHECK(count(web, " deadlockFound {") == 0);
  // The stub, then the real API, came down to frontend's lead for it
  // through the router (frontend is told at work, or in its next prompt);
  // the api's lead told no agent of another team.
  auto stub = web.find("chainDelivered {\"scope\":\"web\"");
  stub = web.find("\"title\":\"stub: api/openapi.json\"", stub);
  REQUIRE(stub != std::string::npos);
  auto real = web.find("\"title\":\"todo API\"", stub);
  REQUIRE(real != std::string::npos);
  CHECK(web.find("\"waiters\":[\"frontend\"]", real) != std::string::npos);
  CHECK(api.find("agentTold {\"agent\":\"frontend\"") == std::string::npos);
  auto replay = test::run_baton("replay " + dir / "log");
  INFO(replay.out);
  CHECK(replay.exit_code == 0);
  CHECK(replay.out.find("identical: 5 streams replayed") != std::string::npos);
}

TEST_CASE("swarm: tasks found on the way join the board, the board is in "
          "state/tasks.json",
          "[cli][recovery][e2e]") {
  example_run r;
  run_example("swarm", r);
  INFO(r.run.out);
  REQUIRE(r.run.exit_code == 0);
  CHECK(count(r.log, " taskAdded {") == 2);
  auto board = read(r.dir / "work/state/tasks.json");
  CHECK(count(board, "\"status\": \"passed\"") == 3);
  CHECK(board.find("\"added_by\": \"ana\"") != std::string::npos);
}

TEST_CASE("mesh: locks are granted, queued and handed on through the shared "
          "folder, contract files become CONTRACTs",
          "[cli][recovery][e2e]") {
  example_run r;
  run_example("mesh", r);
  INFO(r.run.out);
  REQUIRE(r.run.exit_code == 0);
  CHECK(r.log.find("\"agent\":\"writer\",\"what\":\"granted\"")
        != std::string::npos);
  CHECK(r.log.find("\"agent\":\"reviewer\",\"what\":\"queued\"")
        != std::string::npos);
  CHECK(r.log.find("\"agent\":\"reviewer\",\"what\":\"granted\","
                   "\"holder\":\"reviewer\"")
        != std::string::npos);
  CHECK(r.log.find("\"what\":\"conflict\"") == std::string::npos);
  CHECK(r.log.find("CONTRACT: review checklist (file state/contracts/"
                   "reviewer--review-checklist.md)")
        != std::string::npos);
  CHECK(fs::exists(r.dir / "work/state/contracts/writer--notes-format.md"));
  CHECK(read(r.dir / "work/state/status.json").find("\"writer\"")
        != std::string::npos);
}

TEST_CASE("loop counters live in the log: after the engine is killed and "
          "resumed, the next loop is the next rung",
          "[cli][recovery][e2e][resume]") {
  test::temp_dir dir;
  auto db = dir / "log";
  auto pid = test::spawn_baton({"run", "examples/loop.toml", "--db", db,
                                "--workspace", dir / "work"},
                               dir / "run.out");
  // Until the first escalation is recorded (a deadline, not a pause).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{60};
  std::string log;
  while (std::chrono::steady_clock::now() < deadline) {
    log = test::run_baton("log " + db + " --stream orchestrator").out;
    if (log.find(" taskEscalated {") != std::string::npos)
      break;
  }
  REQUIRE(log.find(" taskEscalated {") != std::string::npos);
  REQUIRE(::kill(pid, SIGKILL) == 0);
  test::wait_exit(pid);

  auto resumed = test::run_baton("resume " + db);
  INFO(resumed.out);
  REQUIRE(resumed.exit_code == 0);
  log = test::run_baton("log " + db + " --stream orchestrator").out;
  // One ladder across the restart: nudge, then re-dispatch, then reassign
  // — never a second nudge.
  std::vector<std::string> steps;
  for (auto at = log.find(" taskEscalated {"); at != std::string::npos;
       at = log.find(" taskEscalated {", at + 1)) {
    auto s = log.find("\"step\":\"", at) + 8;
    steps.push_back(log.substr(s, log.find('"', s) - s));
  }
  CHECK(steps
        == std::vector<std::string>{"nudge", "redispatch", "reassign"});
  CHECK(test::run_baton("replay " + db).exit_code == 0);
}

TEST_CASE("goal: the simulated orchestrator plans over Baton's MCP server, "
          "each task it adds recorded as its command, and the run passes",
          "[cli][goal][e2e]") {
  example_run r;
  run_example("goal", r);
  INFO(r.run.out);
  REQUIRE(r.run.exit_code == 0);
  // The goal first, to the orchestrator; one task per member, added by it.
  CHECK(r.log.find("taskDispatched {\"task\":\"goal\",\"agent\":"
                   "\"orchestrator\"")
        != std::string::npos);
  auto ops = test::run_baton("log " + r.dir / "log" + " --stream operator").out;
  CHECK(count(ops, "\"by\":\"orchestrator\",\"action\":\"addTask\"") == 2);
  CHECK(count(r.log, " taskSettled {") == 3);
  CHECK(r.log.find("runFinished {\"ok\":true") != std::string::npos);
  auto why = test::run_baton("why " + r.dir / "log" + " writer-part");
  CHECK(why.out.find("the operator (orchestrator, o") != std::string::npos);
  // The MCP server the orchestrator was given, and what it may not do.
  auto mcp = read(r.dir / "work/orchestrator/.mcp.json");
  CHECK(mcp.find("\"--as\", \"orchestrator\"") != std::string::npos);
}

TEST_CASE("a goal on the command line: a plan with a goal already, or not "
          "TOML, is refused with its line, and nothing starts",
          "[cli][goal]") {
  test::temp_dir dir;
  {
    std::ofstream out{dir / "goal.toml"};
    out << "[orchestrator]\npreset = \"sim\"\ngoal = \"a\"\n"
           "[agents.w]\npreset = \"sim\"\n";
  }
  auto both = test::run_baton("run --goal x --team " + dir / "goal.toml"
                              + " --db " + dir / "log");
  CHECK(both.exit_code == 2);
  CHECK(both.out.find("goal.toml:3:8: the plan's [orchestrator] has a goal "
                      "already")
        != std::string::npos);
  {
    std::ofstream out{dir / "bad.toml"};
    out << "x\n";
  }
  auto bad = test::run_baton("run --goal x --team " + dir / "bad.toml"
                             + " --db " + dir / "log");
  CHECK(bad.exit_code == 2);
  CHECK(bad.out.find("bad.toml:1:") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "log"));
}
