// Inputs as a run records them and decisions picked by kind, for tests that
// drive the orchestrator's fold by hand.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <catch2/catch.hpp>

#include "engine/orchestration/inputs.hpp"
#include "engine/orchestration/orchestrator.hpp"
#include "engine/plan/plan_check.hpp"
#include "engine/plan/plan_parser.hpp"

namespace baton::engine::test {

/// A plan from TOML text that parses and passes its checks (the test fails
/// with the first problem otherwise).
inline plan checked_plan(std::string_view text) {
  auto p = parse_plan(text, "t.toml");
  if (!p.ok())
    FAIL(p.err().message());
  auto problems = check_plan(*p);
  INFO((problems.empty() ? std::string{} : problems.front()));
  REQUIRE(problems.empty());
  return *p;
}

/// The decisions of kind T, in order.
template<class T>
std::vector<T> only(const std::vector<orchestrator_decision>& ds) {
  std::vector<T> out;
  for (auto& d : ds)
    if (auto* x = std::get_if<T>(&d))
      out.push_back(*x);
  return out;
}

inline agent_observed idle(std::string agent) {
  return {std::move(agent), detect::state::idle, true};
}

/// The agent took its prompt up: its STATUS lines from now on are the
/// task's.
inline agent_observed working(std::string agent) {
  return {std::move(agent), detect::state::working, false};
}

inline protocol_seen line(std::string agent, protocol_kind kind,
                          std::string text = {}, std::string evidence = {}) {
  protocol_seen p;
  p.agent = std::move(agent);
  p.kind = kind;
  p.text = std::move(text);
  p.evidence = std::move(evidence);
  return p;
}

/// The agent is at a permission prompt asking to run `tool` on `subject`.
inline agent_observed asking(std::string agent, std::string tool,
                             std::string subject) {
  agent_observed o{std::move(agent), detect::state::waiting_approval, false};
  o.ask_tool = std::move(tool);
  o.ask_subject = std::move(subject);
  o.evidence = "Allow it? [y/n]";
  return o;
}

/// A pipeline of two stages, research then build, both a's; b is free.
inline constexpr std::string_view two_stages = R"(
[run]
pattern = "pipeline"
[agents.a]
preset = "sim"
[agents.b]
preset = "sim"
[[tasks]]
id = "research"
prompt = "r"
agent = "a"
[[tasks]]
id = "build"
prompt = "b"
agent = "a"
[[stages]]
name = "research"
tasks = ["research"]
[[stages]]
name = "build"
tasks = ["build"]
)";

/// A task of a's that fails at once (no retries), its scope merged into
/// b's, who is capable of it too.
inline constexpr std::string_view merging = R"(
[policy]
retries = 0
degrade = "merge"
[agents.a]
preset = "sim"
capabilities = ["code"]
owns = ["core/**"]
[agents.b]
preset = "sim"
capabilities = ["code"]
owns = ["docs/**"]
[[tasks]]
id = "core"
prompt = "core"
agent = "a"
)";

/// Drives a task from its agent's start of work to a passed gate: DONE with
/// evidence, the gate it asks for, the gate passed.
inline void pass(orchestrator& o, const std::string& agent,
                 const std::string& task, uint32_t attempt = 1) {
  o.on(working(agent));
  auto gate = only<run_gate>(
    o.on(line(agent, protocol_kind::done, "did it", "3 passed")));
  REQUIRE(gate.size() == 1);
  CHECK(gate[0].task == task);
  CHECK(gate[0].evidence == "3 passed");
  o.on(gate_finished{task, attempt, true, {}, {}});
}

} // namespace baton::engine::test
