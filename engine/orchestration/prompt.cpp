// The dispatch prompt: what a worker is told when it is given a task.
#include "engine/orchestration/orchestrator.hpp"

namespace baton::engine {

namespace {

std::string list_or(const std::vector<std::string>& items,
                    std::string_view none) {
  if (items.empty())
    return std::string{none};
  std::string out;
  for (auto& i : items) {
    if (!out.empty())
      out += ", ";
    out += i;
  }
  return out;
}

constexpr std::string_view protocol_help
  = "Report as you go, each on its own line:\n"
    "  PROGRESS: <X>/<Y> -- <what just completed>\n"
    "  BUILD: PASS   or   BUILD: FAIL -- <error summary>\n"
    "  NEED: <path or resource> -- <what you need and why>\n"
    "  CONTRACT: <title>, then the interface, then a blank line\n"
    "End the task with exactly one of:\n"
    "  STATUS: DONE -- <what you accomplished> + <evidence>\n"
    "  STATUS: BLOCKED -- <exactly what you need to proceed>\n"
    "  STATUS: ERROR -- <what failed>, <what you tried>, <suggested fix>\n";

} // namespace

std::string orchestrator::prompt_for(const plan_task& t,
                                     const task_view& v) const {
  auto* a = plan_agent_of(v.agent);
  std::string out = "Task " + t.id;
  if (!t.title.empty())
    out += ": " + t.title;
  if (v.attempt > 1)
    out += " (attempt " + std::to_string(v.attempt) + " of "
           + std::to_string(v.max_attempts) + ")";
  out += "\n\n" + (t.prompt.empty() ? t.title : t.prompt) + "\n\n";
  if (a != nullptr) {
    out += "Scope: you own " + list_or(a->owns, "nothing exclusively")
           + "; you may read " + list_or(a->reads, "what you own") + ".\n";
    out += "Change nothing outside what you own; for anything else, write a "
           "NEED line.\n";
  }
  if (auto& received = routing_.contracts_of(v.agent); !received.empty()) {
    out += "\nContracts you have received:\n";
    for (auto& text : received)
      out += text + "\n";
  }
  if (!t.artifacts.empty()) {
    out += "\nLeave behind:";
    for (auto& art : t.artifacts)
      out += " " + art.path
             + (art.format != "any" ? " (" + art.format + ")" : std::string{});
    out += "\n";
  }
  if (plan_.run.pattern == plan_pattern::mesh)
    out += "\nNobody dispatches work here: coordinate with the others through "
           "../state/ (relative to your directory). status.json says what "
           "each agent is doing. A CONTRACT: line is filed in "
           "contracts/<you>--<title>.md, and a file you write there is a "
           "CONTRACT. To change a shared file, create "
           "locks/<path, / written as __>.want.<your name>; you hold the "
           "lock while locks/<that name>.lock names you (its lease ends at "
           "expires_us); create locks/<that name>.release.<your name> to "
           "give it back.\n";
  out += "\n";
  out += protocol_help;
  return out;
}

prompt_reason reason_of(const dispatch_task& d, uint16_t version) {
  prompt_reason r{"dispatch of task " + d.task + ", attempt "
                    + std::to_string(d.attempt),
                  {}};
  if (version != 0)
    r.purpose = {purpose_kind::dispatch, d.task, d.attempt};
  return r;
}

prompt_reason reason_of(const decide_approval& d, uint16_t version) {
  auto by = to_string(d.by);
  prompt_reason r{"approval " + d.id + ": " + std::string{to_string(d.answer)}
                    + " (" + by + ")",
                  {}};
  if (version != 0)
    r.purpose = {purpose_kind::approval, {}, 0, std::move(by), d.id};
  return r;
}

} // namespace baton::engine
