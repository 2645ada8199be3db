// The operator's commands (DESIGN.md §7): text typed to an agent, a task
// added, cancelled or run again, an approval decided, a stop. Each is checked
// against the run as it stands (check_operator) before it is recorded, so a
// recorded command is one the engine accepted, and applying it again on
// replay makes the same decisions.
#include <algorithm>

#include "engine/orchestration/orchestrator.hpp"
#include "engine/plan/plan_check.hpp"
#include "engine/plan/plan_parser.hpp"

namespace baton::engine {

namespace {

static_assert(static_cast<int>(operator_action::stop) == 6,
              "operator_action follows schema OperatorAction");

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (auto& l : lines)
    out += (out.empty() ? "" : "\n") + l;
  return out;
}

std::string who(const operator_command& c) {
  return c.by.empty() ? std::string{"operator"} : c.by;
}

} // namespace

std::string_view to_string(operator_action a) {
  switch (a) {
    case operator_action::send: return "send";
    case operator_action::keys: return "keys";
    case operator_action::add_task: return "add_task";
    case operator_action::cancel_task: return "cancel_task";
    case operator_action::rerun_task: return "rerun_task";
    case operator_action::approve: return "approve";
    case operator_action::stop: return "stop";
  }
  return "unknown";
}

std::string orchestrator::next_operator_id() const {
  return "o" + std::to_string(operators_seen_ + 1);
}

result<plan_task> orchestrator::added_task(const operator_command& c) const {
  auto t = parse_task(c.text, "task " + (c.task.empty() ? "added" : c.task));
  if (!t)
    return t.err();
  if (!c.task.empty() && t->id != c.task)
    return error{ec::invalid_argument, "the task's id is " + t->id
                                         + ", the command names " + c.task};
  // In a pipeline it joins the stage under way.
  auto problems = check_added_task(
    plan_, *t,
    board_.stage() < plan_.stages.size() ? plan_.stages[board_.stage()].name
                                         : "");
  if (!problems.empty())
    return error{ec::invalid_argument, join_lines(problems)};
  return t;
}

std::string orchestrator::check_operator(const operator_command& c) const {
  if (finished_)
    return "the run has finished";
  auto agent_problem = [&]() -> std::string {
    auto a = agents_.find(c.agent);
    if (a == agents_.end()) {
      std::string names;
      for (auto& [name, v] : agents_)
        names += (names.empty() ? "" : ", ") + name;
      return "no agent " + c.agent + " in this run (agents: " + names + ")";
    }
    if (a->second.exited && !a->second.restarting)
      return "agent " + c.agent + "'s process has exited";
    return {};
  };
  auto task_of = [&]() -> const task_view* {
    return board_.find(c.task);
  };
  switch (c.action) {
    case operator_action::send:
    case operator_action::keys:
      if (c.text.empty())
        return "nothing to type";
      return agent_problem();
    case operator_action::add_task: {
      if (plan_.run.pattern == plan_pattern::pipeline
          && board_.stage() >= plan_.stages.size())
        return "the pipeline's stages are over";
      auto t = added_task(c);
      return t ? std::string{} : t.err().message();
    }
    case operator_action::cancel_task: {
      auto* t = task_of();
      if (t == nullptr)
        return "no task " + c.task + " in this run";
      if (board_.external(board_.index_of(c.task)))
        return "task " + c.task + " is another team's";
      if (is_settled(t->status))
        return "task " + c.task + " has settled already ("
               + std::string{to_string(t->status)} + ")";
      return {};
    }
    case operator_action::rerun_task: {
      auto* t = task_of();
      if (t == nullptr)
        return "no task " + c.task + " in this run";
      if (board_.external(board_.index_of(c.task)))
        return "task " + c.task + " is another team's";
      if (!is_settled(t->status))
        return "task " + c.task + " has not settled (it is "
               + std::string{to_string(t->status)} + ")";
      auto i = board_.index_of(c.task);
      if (plan_.run.pattern == plan_pattern::pipeline
          && board_.stage_of(i) != task_board::no_stage
          && board_.stage_of(i) < board_.stage())
        return "task " + c.task + "'s pipeline stage "
               + plan_.stages[board_.stage_of(i)].name + " has closed";
      return {};
    }
    case operator_action::approve: {
      if (auto a = named<approval_answer>(c.answer);
          !a || *a == approval_answer::withdrawn)
        return "unknown answer \"" + c.answer
               + "\" (allow, allow_always or deny)";
      if (!desk_.waiting().contains(c.approval)) {
        std::string waiting;
        for (auto& [key, a] : desk_.waiting())
          waiting += (waiting.empty() ? "" : ", ") + key;
        return "no approval request " + c.approval
               + " is waiting for an answer (answered already, or "
                 "unknown); "
               + (waiting.empty() ? "none is waiting" : "waiting: " + waiting);
      }
      return {};
    }
    case operator_action::stop: return {};
  }
  return "unknown operator action";
}

void orchestrator::on_operator(const operator_command& c, decisions& out) {
  // In a chain the orchestrator numbers every command and a lead records
  // those about its team: its next is after the highest it saw.
  uint64_t number = 0;
  if (c.id.size() > 1 && c.id.size() < 19 && c.id[0] == 'o'
      && c.id.find_first_not_of("0123456789", 1) == std::string::npos)
    number = std::stoull(c.id.substr(1));
  operators_seen_ = std::max(operators_seen_ + 1, number);
  // A command the engine would refuse now was never accepted: a log
  // edited by hand, or one from a version that checked otherwise.
  if (!check_operator(c).empty())
    return;
  auto why = "the operator (" + who(c) + ", " + c.id + ")";
  switch (c.action) {
    case operator_action::send:
      out.push_back(tell_agent{c.agent,
                               c.text,
                               why + " typed it",
                               {purpose_kind::by_operator, {}, 0, who(c)},
                               c.id});
      return;
    case operator_action::keys:
      out.push_back(
        tell_agent{c.agent,
                   c.text,
                   why + " typed keys",
                   {purpose_kind::by_operator, {}, 0, who(c)},
                   c.id,
                   true});
      return;
    case operator_action::approve:
      // check() admitted allow, allow_always and deny only.
      on_answered(approval_answered{c.approval,
                                    named<approval_answer>(c.answer).value_or(
                                      approval_answer::deny),
                                    who(c), c.reason},
                  out);
      finish_step(out);
      return;
    case operator_action::stop:
      on_stop(stop_requested{"stopped by " + why
                               + (c.reason.empty() ? "" : ": " + c.reason),
                             c.immediate},
              out);
      return;
    case operator_action::cancel_task: {
      auto& t = board_.at(c.task);
      auto reason = "cancelled by " + why
                    + (c.reason.empty() ? "" : ": " + c.reason);
      if (auto a = agents_.find(t.agent);
          a != agents_.end() && a->second.task == t.id)
        out.push_back(tell_agent{t.agent,
                                 "Task " + t.id + " was " + reason
                                   + ". Stop working on it and wait for "
                                     "the next message.",
                                 "task " + t.id + " " + reason,
                                 {purpose_kind::withdrawn, t.id, t.attempt}});
      settle(t, false, reason, out);
      finish_step(out);
      return;
    }
    case operator_action::rerun_task:
      reopen(board_.index_of(c.task));
      finish_step(out);
      return;
    case operator_action::add_task: {
      auto parsed = added_task(c);
      auto pt = std::move(*parsed);
      auto i = plan_.tasks.size();
      plan_.tasks.push_back(pt);
      auto stage = task_board::no_stage;
      if (plan_.run.pattern == plan_pattern::pipeline) {
        // check_operator made sure a stage is under way.
        stage = board_.stage();
        plan_.stages[stage].tasks.push_back(pt.id);
      }
      auto& v = board_.add(pt, 1 + pt.retries.value_or(plan_.run.retries),
                           stage);
      v.added_by = who(c);
      out.push_back(add_task{pt.id, pt.title.empty() ? pt.id : pt.title,
                             pt.requires_caps, pt.prompt, why});
      board_.queue(i);
      finish_step(out);
      return;
    }
  }
}

void orchestrator::reopen(size_t i) {
  auto& v = board_.view(i);
  if (!is_settled(v.status))
    return;
  board_.reopen(i, plan_.tasks[i].agent);
  // Its dependents that never started because it failed may start now.
  for (auto d : board_.dependents(i)) {
    auto& dv = board_.view(d);
    if (dv.status == task_status::failed && dv.attempt == 0
        && dv.reason.starts_with("never started: dependency"))
      reopen(d);
  }
}

} // namespace baton::engine
