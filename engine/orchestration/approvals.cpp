// Approvals and status asks: the orchestrator's side of an agent's
// permission prompts and of an agent that went back to its prompt without
// saying where it stands.
//
// A change to waiting_approval is an approval request, recorded with an id
// (request_approval). The plan's policy (approval_policy.hpp) decides at
// once, or leaves it to the operator, who answers with an input
// (approval_answered); unanswered for [approvals] timeout, the request takes
// the policy's fallback. Each answer is recorded (decide_approval) before the
// worker types the pack's keys for it. An agent refused is told why, so it
// can go on another way. An agent that leaves its prompt before an answer
// (a person answered in its terminal, it was interrupted, it exited) has the
// request withdrawn.
//
// An agent with a task that worked and went back to its prompt without a
// STATUS line (nor an open NEED) is asked for its status after [policy]
// status_grace, at most twice an attempt; after that the stall ladder is
// what reacts.
#include "engine/orchestration/approval_policy.hpp"
#include "engine/orchestration/orchestrator.hpp"

namespace baton::engine {

namespace {

std::string asked(const std::string& tool, const std::string& subject) {
  if (tool.empty() && subject.empty())
    return "its request";
  if (subject.empty())
    return tool;
  return tool.empty() ? subject : tool + " " + subject;
}

} // namespace

void orchestrator::withdraw_approval(agent_view& a, detect::state now,
                                     decisions& out) {
  if (a.approval.empty())
    return;
  auto id = std::exchange(a.approval, {});
  if (desk_.take(id))
    out.push_back(decide_approval{
      id,
      a.name,
      approval_answer::withdrawn,
      {approval_by_kind::agent},
      "agent " + a.name + " left the prompt before an answer (now "
        + std::string{detect::to_string(now)} + ")"});
}

void orchestrator::approval_seen(agent_view& a, detect::state before,
                                 const agent_observed& in, decisions& out) {
  using detect::state;
  bool asking = in.state == state::waiting_approval;
  if (before == state::waiting_approval && !asking) {
    withdraw_approval(a, in.state, out);
    return;
  }
  if (!asking || before == state::waiting_approval)
    return;
  // A chain's lead numbers its own: its team's name keeps them apart, and
  // says where an answer goes ("frontend/a1").
  auto id = desk_.take_id();
  if (plan_.scope && !plan_.scope->empty())
    id = *plan_.scope + "/" + id;
  auto* pa = plan_agent_of(a.name);
  std::string dir;
  if (pa != nullptr && !workspace_.empty())
    dir = normal_path(workspace_, pa->workdir.empty() ? pa->name : pa->workdir);
  auto v = pa != nullptr
             ? judge_approval(plan_, *pa, dir, in.ask_tool, in.ask_subject)
             : approval_verdict{"operator", {}, "unknown agent"};
  out.push_back(request_approval{id, a.name, a.task, in.ask_tool,
                                 in.ask_subject, in.evidence,
                                 v.decision + " (" + to_string(v.by) + ")"});
  if (v.decision == "operator") {
    a.approval = id;
    auto deadline = now_ + plan_.approvals.timeout_s * 1'000'000;
    desk_.open(approval_view{id, a.name, a.task, in.ask_tool, in.ask_subject,
                             deadline});
    return;
  }
  // The plan's parser admits only these decisions, and "operator" is
  // handled above.
  answer(id, a.name, in.ask_tool, in.ask_subject,
         named<approval_answer>(v.decision).value_or(approval_answer::deny),
         v.by, v.why, out);
}

void orchestrator::answer(const std::string& id, const std::string& agent,
                          const std::string& tool, const std::string& subject,
                          approval_answer answer, const approval_by& by,
                          const std::string& why, decisions& out) {
  out.push_back(decide_approval{id, agent, answer, by, why});
  if (answer != approval_answer::deny)
    return;
  out.push_back(tell_agent{
    agent,
    "Your request to use " + asked(tool, subject) + " was refused (" + why
      + "). Do not ask for it again. Go on another way if you can; if the "
        "task cannot be done without it, end with STATUS: BLOCKED — <what "
        "you need>.",
    "approval " + id + " denied",
    {purpose_kind::approval, {}, 0, to_string(by), id}});
}

void orchestrator::on_answered(const approval_answered& in, decisions& out) {
  auto taken = desk_.take(in.id);
  if (!taken)
    return; // decided already, or never asked: the record shows it
  auto& view = *taken;
  if (auto a = agents_.find(view.agent);
      a != agents_.end() && a->second.approval == in.id)
    a->second.approval.clear();
  auto by = in.by.empty() ? std::string{"operator"} : in.by;
  answer(view.id, view.agent, view.tool, view.subject, in.answer,
         {approval_by_kind::by_operator},
         asked(view.tool, view.subject) + ": "
           + std::string{to_string(in.answer)} + " by " + by
           + (in.reason.empty() ? "" : " (" + in.reason + ")"),
         out);
}

void orchestrator::approvals_due(decisions& out) {
  while (auto due = desk_.take_due(now_)) {
    auto& view = *due;
    if (auto a = agents_.find(view.agent);
        a != agents_.end() && a->second.approval == view.id)
      a->second.approval.clear();
    auto& fallback = plan_.approvals.fallback;
    answer(view.id, view.agent, view.tool, view.subject,
           named<approval_answer>(fallback).value_or(approval_answer::deny),
           {approval_by_kind::timeout},
           asked(view.tool, view.subject) + ": no answer within "
             + std::to_string(plan_.approvals.timeout_s)
             + " s; the policy's fallback is " + fallback,
           out);
  }
}

void orchestrator::watch_status(agent_view& a, const agent_observed& in) {
  auto* found = board_.find(a.task);
  if (found == nullptr || found->status != task_status::dispatched)
    return;
  auto& t = *found;
  if (in.state == detect::state::working) {
    t.worked = true;
    t.status_due_us = 0;
    return;
  }
  if (in.input_ready && t.worked)
    ladder_.arm_status_ask(t, board_.index_of(t.id), now_);
}

void orchestrator::statuses_due(decisions& out) {
  constexpr auto max_status_asks = escalation_ladder::max_status_asks;
  while (auto i = ladder_.take_status_due(now_, board_)) {
    auto& t = board_.view(*i);
    auto a = agents_.find(t.agent);
    if (a == agents_.end() || !a->second.input_ready || a->second.exited
        || t.need_pending || routing_.waiting(t.agent))
      continue;
    t.worked = false;
    ++t.status_asks;
    out.push_back(tell_agent{
      t.agent,
      "You stopped at your prompt without a STATUS line for task " + t.id
        + ". Where does it stand? Finish it if you can, then end with exactly "
          "one line: STATUS: DONE — <what you did> + <evidence>, STATUS: "
          "BLOCKED — <what you need>, or STATUS: ERROR — <what failed>, "
          "<what you tried>, <suggested fix>.",
      "status asked for task " + t.id + " (" + std::to_string(t.status_asks)
        + " of " + std::to_string(max_status_asks) + ")",
      {purpose_kind::status, t.id, t.status_asks}});
  }
}

} // namespace baton::engine
