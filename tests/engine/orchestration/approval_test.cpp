// Approvals in the orchestrator's fold (issue 12): the plan's policy (fixed
// deny list, rules, otherwise), requests left to the operator and answered,
// the timeout's fallback, a prompt the agent left by itself, a pending
// approval that is not a stall, and the status asked of an agent that went
// back to its prompt without a STATUS line.
#include <catch2/catch.hpp>

#include <algorithm>

#include "engine/orchestration/approval_policy.hpp"
#include "engine/orchestration/orchestrator.hpp"
#include "engine/plan/plan_check.hpp"
#include "engine/plan/plan_parser.hpp"
#include "tests/engine/orchestration/fold_inputs.hpp"
#include "tests/support/kind_names.hpp"

using namespace baton::engine;
using namespace baton::engine::test;

namespace {

plan parse(std::string_view text) {
  return checked_plan(text);
}

constexpr uint64_t s = 1'000'000;

constexpr std::string_view team = R"(
[policy]
stall_after = "60s"
task_timeout = "1h"
status_grace = "15s"
[approvals]
timeout = "2m"
deny = ['git\s+push']
[[approvals.rule]]
agent = "builder"
tool = "bash"
match = '^(make|npm test)\b'
decision = "allow"
[[approvals.rule]]
role = "docs"
tool = "Write"
decision = "allow_always"
[[approvals.rule]]
tool = "Bash"
match = 'curl'
decision = "deny"
[agents.builder]
preset = "sim"
role = "dev"
[agents.writer]
preset = "sim"
role = "docs"
tools = ["Write", "Bash"]
[[tasks]]
id = "build"
agent = "builder"
prompt = "build it"
[[tasks]]
id = "doc"
agent = "writer"
prompt = "write it"
)";

/// A run of `team` with both tasks dispatched and their agents at work.
orchestrator started() {
  orchestrator o{parse(team)};
  run_begun b;
  b.workspace = "/w";
  o.on(b, 0);
  o.on(idle("builder"), 1 * s);
  o.on(idle("writer"), 1 * s);
  o.on(working("builder"), 2 * s);
  o.on(working("writer"), 2 * s);
  return o;
}

approval_verdict judge(const plan& p, std::string_view agent,
                       std::string tool, std::string subject) {
  auto* a = p.find_agent(agent);
  REQUIRE(a != nullptr);
  return judge_approval(p, *a, "/w/" + a->name, tool, subject);
}

} // namespace

TEST_CASE("the fixed deny list refuses what no rule may allow") {
  auto p = parse(team);
  for (auto cmd : {"rm -rf /", "sudo rm -rf / --no-preserve-root",
                   "rm -fr ~", "cd x && rm -rf $HOME", "mkfs.ext4 /dev/sda1",
                   "dd if=/dev/zero of=/dev/sda bs=1M", ":(){ :|:& };:",
                   "shutdown -h now"}) {
    INFO(cmd);
    auto v = judge(p, "builder", "Bash", cmd);
    CHECK(v.decision == "deny");
    CHECK(v.by == "deny list");
  }
  // Writes outside the agent's directory, by a file tool or a redirection.
  CHECK(judge(p, "writer", "Write", "/etc/passwd").by == "deny list");
  CHECK(judge(p, "writer", "Write", "../builder/main.c").by == "deny list");
  CHECK(judge(p, "builder", "Bash", "echo x > /w/writer/notes.md").by
        == "deny list");
  // The plan's own deny patterns, searched in "tool subject".
  CHECK(judge(p, "builder", "Bash", "make && git push origin main").why.find(
          "deny pattern")
        != std::string::npos);
  CHECK(judge(p, "builder", "password", "Password for x:").decision == "deny");
}

TEST_CASE("a network tool is refused to an agent whose tools name none") {
  auto p = parse(team);
  // writer lists its tools (Write, Bash): no network.
  CHECK(judge(p, "writer", "WebFetch", "https://example.org").by
        == "deny list");
  CHECK(judge(p, "writer", "Bash", "curl -sO https://example.org/x").by
        == "deny list");
  // builder lists no tools: the CLI's defaults, network included; the
  // rules decide (rule 3 denies curl).
  auto v = judge(p, "builder", "Bash", "curl -sO https://example.org/x");
  CHECK(v.decision == "deny");
  CHECK(v.by == "rule 3");
}

TEST_CASE("rules decide in order, by agent, role, tool and what is asked") {
  auto p = parse(team);
  auto v = judge(p, "builder", "Bash", "make all");
  CHECK(v.decision == "allow");
  CHECK(v.by == "rule 1");
  // Tool names are matched whole, case ignored.
  CHECK(judge(p, "builder", "bash", "npm test").by == "rule 1");
  CHECK(judge(p, "builder", "Bashful", "make").by == "policy");
  // Inside its own directory, by role.
  v = judge(p, "writer", "Write", "docs/api.md");
  CHECK(v.decision == "allow_always");
  CHECK(v.by == "rule 2");
  // Nothing matches: the operator.
  v = judge(p, "builder", "Bash", "rm -rf build");
  CHECK(v.decision == "operator");
  CHECK(v.by == "policy");
}

TEST_CASE("a request of which nothing could be read goes to the operator, "
          "whatever otherwise says") {
  auto p = parse(std::string{team} + "\n");
  p.approvals.otherwise = "deny";
  auto v = judge(p, "builder", "", "");
  CHECK(v.decision == "operator");
  CHECK(v.why.find("could not be read") != std::string::npos);
  // The fixed deny list still speaks first where it can (a password).
  CHECK(judge(p, "builder", "password", "").decision == "deny");
  // A rule that asks nothing of the request still decides it.
  p.approvals.rules.push_back({"builder", "", "", "", "allow", {}});
  CHECK(judge(p, "builder", "", "").decision == "allow");
}

TEST_CASE("a plan's approvals are checked with file and line") {
  auto bad = parse_plan(R"(
[approvals]
fallback = "maybe"
[[approvals.rule]]
tool = "("
decision = "allow"
[[approvals.rule]]
match = "x"
)",
                        "a.toml");
  REQUIRE_FALSE(bad.ok());
  auto msg = bad.err().message();
  INFO(msg);
  CHECK(msg.find("a.toml:3") != std::string::npos);
  CHECK(msg.find("unknown fallback \"maybe\"") != std::string::npos);
  CHECK(msg.find("a.toml:5") != std::string::npos);
  CHECK(msg.find("not a valid regular expression") != std::string::npos);
  CHECK(msg.find("a.toml:7:1: an approval rule needs a \"decision\"")
        != std::string::npos);
  auto p = parse_plan(R"(
[[approvals.rule]]
agent = "ghost"
decision = "allow"
[agents.a]
preset = "sim"
)",
                      "b.toml");
  REQUIRE(p.ok());
  auto problems = check_plan(*p);
  auto ghost = std::find_if(problems.begin(), problems.end(), [](auto& m) {
    return m.find("unknown agent \"ghost\"") != std::string::npos;
  });
  REQUIRE(ghost != problems.end());
  CHECK(ghost->starts_with("b.toml:2:"));
  auto slow = parse_plan(R"(
[policy]
task_timeout = "5m"
[approvals]
timeout = "10m"
[agents.a]
preset = "sim"
[[tasks]]
id = "t"
agent = "a"
prompt = "x"
)",
                         "c.toml");
  REQUIRE(slow.ok());
  problems = check_plan(*slow);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].starts_with("c.toml:4:"));
  CHECK(problems[0].find("must be shorter than [policy] task_timeout")
        != std::string::npos);
}

TEST_CASE("a request the policy decides is recorded and answered at once") {
  auto o = started();
  auto ds = o.on(asking("builder", "Bash", "make all"), 3 * s);
  auto req = only<request_approval>(ds);
  REQUIRE(req.size() == 1);
  CHECK(req[0].id == "a1");
  CHECK(req[0].agent == "builder");
  CHECK(req[0].task == "build");
  CHECK(req[0].subject == "make all");
  CHECK(req[0].policy == "allow (rule 1)");
  auto dec = only<decide_approval>(ds);
  REQUIRE(dec.size() == 1);
  CHECK(dec[0].id == "a1");
  CHECK(dec[0].answer == "allow");
  CHECK(dec[0].by == "rule 1");
  CHECK(only<tell_agent>(ds).empty());
  CHECK(o.approvals().empty());
  // The answer takes it out of the prompt: nothing more to decide.
  CHECK(o.on(working("builder"), 4 * s).empty());
}

TEST_CASE("a refused agent is told why, so it can go on another way") {
  auto o = started();
  auto ds = o.on(asking("builder", "Bash", "rm -rf /"), 3 * s);
  auto dec = only<decide_approval>(ds);
  REQUIRE(dec.size() == 1);
  CHECK(dec[0].answer == "deny");
  CHECK(dec[0].by == "deny list");
  auto told = only<tell_agent>(ds);
  REQUIRE(told.size() == 1);
  CHECK(told[0].agent == "builder");
  CHECK(told[0].why == "approval a1 denied");
  CHECK(told[0].text.find("rm -rf /") != std::string::npos);
  CHECK(told[0].text.find("STATUS: BLOCKED") != std::string::npos);
}

TEST_CASE("a request left to the operator waits for the answer") {
  auto o = started();
  auto ds = o.on(asking("builder", "Bash", "rm -rf build"), 3 * s);
  CHECK(only<request_approval>(ds).size() == 1);
  CHECK(only<decide_approval>(ds).empty());
  REQUIRE(o.approvals().size() == 1);
  auto& open = o.approvals().at("a1");
  CHECK(open.agent == "builder");
  CHECK(open.deadline_us == 3 * s + 120 * s);
  CHECK(o.next_deadline() <= open.deadline_us);
  // An answer to a request nobody asked changes nothing.
  CHECK(o.on(approval_answered{"a9", approval_answer::allow, "ops", ""}, 4 * s)
          .empty());
  ds = o.on(
    approval_answered{"a1", approval_answer::allow_always, "ops", "fine"},
    5 * s);
  auto dec = only<decide_approval>(ds);
  REQUIRE(dec.size() == 1);
  CHECK(dec[0].answer == "allow_always");
  CHECK(dec[0].by == "operator");
  CHECK(dec[0].why.find("by ops (fine)") != std::string::npos);
  CHECK(o.approvals().empty());
  // A second answer to the same request is too late.
  CHECK(o.on(approval_answered{"a1", approval_answer::deny, "ops", ""}, 6 * s)
          .empty());
}

TEST_CASE("unanswered for the timeout, a request takes the fallback") {
  auto o = started();
  o.on(asking("builder", "Bash", "rm -rf build"), 3 * s);
  CHECK(only<decide_approval>(o.on(time_passed{}, 100 * s)).empty());
  auto ds = o.on(time_passed{}, 123 * s);
  auto dec = only<decide_approval>(ds);
  REQUIRE(dec.size() == 1);
  CHECK(dec[0].answer == "deny");
  CHECK(dec[0].by == "timeout");
  CHECK(dec[0].why.find("no answer within 120 s") != std::string::npos);
  CHECK(only<tell_agent>(ds).size() == 1);
  CHECK(o.approvals().empty());
}

TEST_CASE("an agent that leaves its prompt unanswered withdraws the request") {
  auto o = started();
  o.on(asking("builder", "Bash", "rm -rf build"), 3 * s);
  auto ds = o.on(working("builder"), 4 * s);
  auto dec = only<decide_approval>(ds);
  REQUIRE(dec.size() == 1);
  CHECK(dec[0].answer == "withdrawn");
  CHECK(dec[0].by == "agent");
  CHECK(o.approvals().empty());
  // Its next prompt is a new request.
  ds = o.on(asking("builder", "Bash", "rm -rf build"), 5 * s);
  auto req = only<request_approval>(ds);
  REQUIRE(req.size() == 1);
  CHECK(req[0].id == "a2");
}

TEST_CASE("an agent that exits at its prompt withdraws the request") {
  auto o = started();
  o.on(asking("builder", "Bash", "rm -rf build"), 3 * s);
  auto dec = only<decide_approval>(o.on(agent_exited{"builder", 1}, 4 * s));
  REQUIRE(dec.size() == 1);
  CHECK(dec[0].answer == "withdrawn");
  CHECK(dec[0].why.find("now exited") != std::string::npos);
  CHECK(o.approvals().empty());
  // Its time running out later decides nothing.
  CHECK(only<decide_approval>(o.on(time_passed{}, 200 * s)).empty());
}

TEST_CASE("a pending approval is not a stall") {
  auto o = started();
  o.on(asking("builder", "Bash", "rm -rf build"), 3 * s);
  // Past stall_after (60 s) with no progress: the builder waits for an
  // answer, the writer is stalled.
  auto ds = o.on(time_passed{}, 70 * s);
  auto esc = only<escalate_task>(ds);
  REQUIRE(esc.size() == 1);
  CHECK(esc[0].agent == "writer");
}

TEST_CASE("an agent back at its prompt without a STATUS line is asked for "
          "one, at most twice an attempt") {
  auto o = started();
  o.on(idle("builder"), 10 * s);
  CHECK(only<tell_agent>(o.on(time_passed{}, 20 * s)).empty());
  auto ds = o.on(time_passed{}, 25 * s);
  auto told = only<tell_agent>(ds);
  REQUIRE(told.size() == 1);
  CHECK(told[0].agent == "builder");
  CHECK(told[0].why == "status asked for task build (1 of 2)");
  CHECK(told[0].text.find("STATUS: DONE") != std::string::npos);
  // It works again and stops again: asked a second time, not a third.
  o.on(working("builder"), 26 * s);
  o.on(idle("builder"), 30 * s);
  CHECK(only<tell_agent>(o.on(time_passed{}, 45 * s)).size() == 1);
  o.on(working("builder"), 46 * s);
  o.on(idle("builder"), 47 * s);
  CHECK(only<tell_agent>(o.on(time_passed{}, 59 * s)).empty());
}

TEST_CASE("an agent that gave its STATUS, or waits on a NEED, is not asked") {
  auto o = started();
  auto blocked = line("builder", protocol_kind::blocked, "need the spec");
  o.on(blocked, 9 * s);
  o.on(idle("builder"), 10 * s);
  auto need = line("writer", protocol_kind::need, "the API");
  need.resource = "api.md";
  o.on(need, 9 * s);
  o.on(idle("writer"), 10 * s);
  for (auto at : {20 * s, 25 * s, 40 * s})
    for (auto& t : only<tell_agent>(o.on(time_passed{}, at)))
      CHECK(t.why.find("status asked") == std::string::npos);
}

TEST_CASE("a DONE that states something checkable is verified without a "
          "\" + \", one that states nothing is sent back") {
  auto o = started();
  auto good = line("builder", protocol_kind::done,
                   "Built REST API with 6 endpoints, all tests pass (23/23), "
                   "server running on port 3001");
  auto ds = o.on(good, 5 * s);
  auto gates = only<run_gate>(ds);
  REQUIRE(gates.size() == 1);
  CHECK(gates[0].evidence == good.text);
  auto vague = line("writer", protocol_kind::done, "Everything looks good");
  ds = o.on(vague, 6 * s);
  CHECK(only<run_gate>(ds).empty());
  auto told = only<tell_agent>(ds);
  REQUIRE(told.size() == 1);
  CHECK(told[0].text.find("states no evidence") != std::string::npos);
  CHECK(told[0].text.find("Everything looks good") != std::string::npos);
}
