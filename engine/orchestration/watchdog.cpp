// Loops, stalls and graceful degradation (DESIGN.md §4, §6): what the
// orchestrator does on each rung of the escalation ladder
// (escalation_ladder.hpp decides when a task climbs), each rung recorded
// (escalate_task): nudge the agent with the repeated error -> stop it and
// dispatch again with the history of what failed -> reassign to another
// capable agent -> fail the task, and the plan's degradation policy
// (merge, ship without it, leave it to the operator) decides what the run
// does without it.
#include <algorithm>

#include "engine/orchestration/orchestrator.hpp"

namespace baton::engine {

void orchestrator::note_progress(task_view& t) {
  if (t.status == task_status::dispatched)
    arm_stall(t);
}

void orchestrator::arm_stall(task_view& t) {
  // The orchestrator agent waits on its team (wait_for) for as long as the
  // team works: no stall of its own.
  if (!plan_.orchestrator.empty() && t.agent == plan_.orchestrator)
    return;
  ladder_.arm_stall(t, board_.index_of(t.id), now_);
}

bool orchestrator::note_failure(task_view& t, const std::string& text,
                                decisions& out) {
  if (!ladder_.repeated(t, text))
    return false;
  escalate(t, escalation_trigger::loop,
           "the same failure " + std::to_string(plan_.run.loop_repeats)
             + " times in a row: " + text,
           out);
  return true;
}

bool orchestrator::progress_stuck(task_view& t, decisions& out) {
  if (!ladder_.flat(t))
    return false;
  escalate(t, escalation_trigger::loop,
           "PROGRESS has not passed " + std::to_string(t.best_progress)
             + " across " + std::to_string(plan_.run.loop_attempts)
             + " attempts",
           out);
  return true;
}

void orchestrator::escalate(task_view& t, escalation_trigger trigger,
                            const std::string& evidence, decisions& out) {
  using rung = escalation_ladder::rung;
  auto& pt = plan_.tasks[board_.index_of(t.id)];
  auto agent = t.agent;
  auto climbed = ladder_.climb(t, evidence);
  auto why = std::string{to_string(trigger)} + " on task " + t.id;

  if (climbed == rung::nudge) {
    out.push_back(escalate_task{t.id, agent, trigger, escalation_step::nudge,
                                t.escalations, evidence});
    out.push_back(tell_agent{
      agent,
      (trigger == escalation_trigger::loop
         ? "You are going in circles on task " + t.id + ": "
         : "Task " + t.id + " has shown no progress: ")
        + evidence
        + ". Stop repeating what you did. Step back, find the cause, and "
          "try a different approach; report PROGRESS as you go.",
      why + ": nudge",
      {purpose_kind::nudge,
       t.id,
       t.attempt,
       {},
       std::string{to_string(trigger)}}});
    arm_stall(t);
    return;
  }
  if (climbed == rung::redispatch) {
    out.push_back(escalate_task{t.id, agent, trigger,
                                escalation_step::redispatch, t.escalations,
                                evidence});
    if (auto a = agents_.find(agent); a != agents_.end()) {
      a->second.task.clear();
      a->second.input_ready = false;
      a->second.reported_ready = false;
      a->second.restarting = true;
    }
    out.push_back(restart_agent{
      agent, why + ": stopped, to start the task again with the history of "
                   "what failed"});
    t.redispatch = true;
    t.stall_us = 0;
    t.deadline_us = 0;
    board_.make_ready(board_.index_of(t.id));
    return;
  }
  if (climbed == rung::reassign) {
    // Another agent able to do it: the plan's capabilities for the task,
    // and the role of the agent it names.
    auto* named = plan_agent_of(pt.agent);
    const plan_agent* other = nullptr;
    for (auto& a : plan_.agents) {
      if (a.name == agent
          || std::find(t.tried.begin(), t.tried.end(), a.name) != t.tried.end())
        continue;
      if (!capable(a, pt))
        continue;
      if (named != nullptr && (named->role.empty() || a.role != named->role))
        continue;
      if (auto v = agents_.find(a.name);
          v != agents_.end() && (v->second.exited || v->second.unavailable))
        continue;
      other = &a;
      break;
    }
    if (other != nullptr) {
      out.push_back(escalate_task{t.id, agent, trigger,
                                  escalation_step::reassign, t.escalations,
                                  evidence});
      if (auto a = agents_.find(agent);
          a != agents_.end() && a->second.task == t.id) {
        a->second.task.clear();
        a->second.input_ready = a->second.reported_ready && !a->second.exited;
        board_.may_be_free(agent);
      }
      out.push_back(tell_agent{agent,
                               "Task " + t.id + " goes to " + other->name
                                 + " (" + evidence
                                 + "). Stop working on it.",
                               why + ": reassign",
                               {purpose_kind::withdrawn, t.id, t.attempt}});
      t.tried.push_back(agent);
      t.agent = other->name;
      t.repeats = 0;
      t.last_failure.clear();
      t.redispatch = true;
      t.stall_us = 0;
      t.deadline_us = 0;
      board_.make_ready(board_.index_of(t.id));
      return;
    }
    // Nobody else can: this escalation is the last rung (its count goes
    // on by one, as every rung's does).
  }
  out.push_back(escalate_task{t.id, agent, trigger, escalation_step::fail,
                              t.escalations, evidence});
  fail_task(t,
            std::string{to_string(trigger)}
              + " not broken by a nudge, a re-dispatch"
              + (t.tried.empty() ? std::string{" (no other capable agent)"}
                                 : std::string{" and a reassignment"})
              + ": " + evidence,
            out);
}

void orchestrator::check_stalls(decisions& out) {
  while (auto stalled = ladder_.take_stalled(now_, board_)) {
    auto& t = board_.view(*stalled);
    auto state = detect::state::unknown;
    if (auto a = agents_.find(t.agent); a != agents_.end())
      state = a->second.state;
    if (state == detect::state::waiting_approval) {
      // Waiting for an answer is not a stall: watched again from now.
      arm_stall(t);
      continue;
    }
    escalate(t, escalation_trigger::stall,
             "no PROGRESS, BUILD, STATUS or file change for "
               + std::to_string(ladder_.stall_after_s())
               + " s (its screen says: " + std::string{detect::to_string(state)}
               + ")",
             out);
  }
}

std::vector<std::string> orchestrator::stall_due(uint64_t now_us) const {
  return ladder_.stall_due(now_us, board_);
}

void orchestrator::on_active(const agent_active& in, decisions& out) {
  auto a = agents_.find(in.agent);
  if (a == agents_.end() || a->second.task.empty() || in.paths.empty())
    return;
  if (auto* t = board_.find(a->second.task))
    note_progress(*t);
  if (plan_.run.pattern == plan_pattern::mesh)
    for (auto& path : in.paths)
      check_write(in.agent, path, out);
}

// -- degradation -------------------------------------------------------------

std::string orchestrator::policy_of(const task_view& t) const {
  auto& pt = plan_.tasks[board_.index_of(t.id)];
  return pt.degrade.empty() ? plan_.run.degrade : pt.degrade;
}

const plan_agent* orchestrator::merge_target(const task_view& t) const {
  auto& pt = plan_.tasks[board_.index_of(t.id)];
  // The capable agent with the fewest unsettled tasks, then by name.
  const plan_agent* best = nullptr;
  size_t best_load = SIZE_MAX;
  for (auto& a : plan_.agents) {
    if (a.name == t.agent
        || std::find(t.tried.begin(), t.tried.end(), a.name) != t.tried.end()
        || !capable(a, pt))
      continue;
    if (auto v = agents_.find(a.name);
        v != agents_.end() && (v->second.exited || v->second.unavailable))
      continue;
    size_t load = 0;
    for (auto* v : board_.views())
      if (v->agent == a.name && v->status != task_status::passed
          && v->status != task_status::failed)
        ++load;
    if (load < best_load) {
      best = &a;
      best_load = load;
    }
  }
  return best;
}

std::vector<std::string> orchestrator::dependents_of(size_t i) const {
  std::vector<std::string> out;
  std::set<size_t> seen{i};
  std::vector<size_t> todo{i};
  while (!todo.empty()) {
    auto at = todo.back();
    todo.pop_back();
    for (auto d : board_.dependents(at))
      if (seen.insert(d).second) {
        out.push_back(plan_.tasks[d].id);
        todo.push_back(d);
      }
  }
  // In a pipeline, every later stage waits for this one.
  if (plan_.run.pattern == plan_pattern::pipeline
      && board_.stage_of(i) != task_board::no_stage)
    for (size_t s = board_.stage_of(i) + 1; s < plan_.stages.size(); ++s)
      for (auto& id : plan_.stages[s].tasks)
        if (std::find(out.begin(), out.end(), id) == out.end())
          out.push_back(id);
  std::sort(out.begin(), out.end());
  return out;
}

void orchestrator::fail_task(task_view& t, const std::string& reason,
                             decisions& out) {
  auto policy = policy_of(t);
  if (policy == "merge" && !t.degraded) {
    if (auto* into = merge_target(t)) {
      // Its scope joins the other agent's: what the failed agent owned for
      // it, the other may now change.
      auto from = t.agent;
      auto* owner = plan_agent_of(from);
      for (auto& target : plan_.agents)
        if (target.name == into->name && owner != nullptr)
          for (auto& g : owner->owns)
            if (std::find(target.owns.begin(), target.owns.end(), g)
                == target.owns.end())
              target.owns.push_back(g);
      t.degraded = degrade_policy::merge;
      out.push_back(degrade_task{t.id,
                                 degrade_policy::merge,
                                 into->name,
                                 {},
                                 "could not be completed by " + from + " ("
                                   + reason + "); its scope goes to "
                                   + into->name});
      if (auto a = agents_.find(from);
          a != agents_.end() && a->second.task == t.id) {
        a->second.task.clear();
        a->second.input_ready = a->second.reported_ready && !a->second.exited;
        board_.may_be_free(from);
      }
      t.tried.push_back(from);
      t.agent = into->name;
      t.attempt = 0;
      t.escalations = 0;
      t.repeats = 0;
      t.last_failure.clear();
      t.redispatch = !t.history.empty();
      t.stall_us = 0;
      t.deadline_us = 0;
      board_.make_ready(board_.index_of(t.id));
      return;
    }
    policy = "ship_without"; // nobody to merge into
  }
  settle(t, false, reason, out);
  if (policy == "ship_without" || policy == "merge") {
    t.degraded = degrade_policy::ship_without;
    auto skipped = dependents_of(board_.index_of(t.id));
    skipped.insert(skipped.begin(), t.id);
    out.push_back(degrade_task{t.id,
                               degrade_policy::ship_without,
                               {},
                               std::move(skipped),
                               "shipped without it: " + reason});
  } else if (policy == "operator") {
    t.degraded = degrade_policy::by_operator;
    out.push_back(degrade_task{t.id,
                               degrade_policy::by_operator,
                               {},
                               {t.id},
                               "left for the operator: " + reason});
  }
}

} // namespace baton::engine
