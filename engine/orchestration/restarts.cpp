// Carrying out supervisors' decisions (team_supervision.hpp decides; a
// run's leads decide for their teams, team_lead.hpp): members stopped,
// restarted or dropped, and a restarted agent's task given again, as the
// same attempt, told where its checkpoint is. A team stopped past its
// restart intensity is its parent's to decide about; past the
// orchestrator's own, every task that can no longer be done fails.
//
// Plans without [supervision] or [teams] keep the plain policy: an agent
// that exits mid-task is restarted while its task has attempts left.
#include <algorithm>

#include "engine/orchestration/orchestrator.hpp"
#include "engine/orchestration/team_lead.hpp"

namespace baton::engine {

namespace {

constexpr std::string_view team_prefix = team_child_prefix;

} // namespace

bool orchestrator::supervise_exit(const std::string& agent, int exit_code,
                                  decisions& out) {
  if (!supervision_.declared())
    return false;
  if (auto d = supervision_.on_exit(agent, exit_code, now_, out))
    carry_out(*d, out);
  return true;
}

void orchestrator::on_lead_reported(const lead_reported& in,
                                    decisions& out) {
  auto& a = in.acted;
  if (!supervision_.take_answer(in))
    return;
  carry_out(a.team, a.agent, a.stop, a.start, a.removed, a.escalate, a.why,
            out);
  finish_step(out);
}

void orchestrator::carry_out(const std::string& team,
                             const std::string& child,
                             const std::vector<std::string>& stop,
                             const std::vector<std::string>& start,
                             const std::vector<std::string>& removed,
                             bool escalate, const std::string& reason,
                             decisions& out) {
  auto name = team.empty() ? std::string{"orchestrator"} : team;
  auto why = "supervisor of " + name + ": " + reason;
  for (auto& s : stop) {
    if (s.starts_with(team_prefix)) {
      for (auto& m :
           supervision_.agents_under(plan_, s.substr(team_prefix.size())))
        stop_member(m, why, out);
    } else if (std::find(start.begin(), start.end(), s) == start.end()) {
      stop_member(s, why, out);
    }
  }
  for (auto& s : start) {
    if (s.starts_with(team_prefix)) {
      // A team starts again: a fresh supervisor (its lead's, told so),
      // every member restarted.
      auto sub = s.substr(team_prefix.size());
      supervision_.restart_team(plan_, sub, out);
      for (auto& m : supervision_.agents_under(plan_, sub))
        restart_member(m, m != child, why, out);
    } else {
      bool stopped_too = std::find(stop.begin(), stop.end(), s)
                         != stop.end();
      restart_member(s, stopped_too, why, out);
    }
  }
  for (auto& r : removed) {
    // A temporary member is not restarted: its task goes to another
    // capable agent, or fails.
    supervision_.drop(r);
    if (auto v = agents_.find(r); v != agents_.end()) {
      auto task = v->second.task;
      v->second.task.clear();
      v->second.unavailable = true;
      if (auto* t = board_.find(task);
          t != nullptr && t->status == task_status::dispatched) {
        auto& tv = *t;
        if (!reassign(tv, "agent " + r + " is temporary and exited", out))
          fail_task(tv, "agent " + r + " is temporary and exited", out);
      }
    }
  }
  if (!escalate)
    return;
  if (team.empty()) {
    // The orchestrator's own intensity: nothing above it decides. The task
    // of what exited cannot be done, then what depends on it, then
    // anything else (every agent stops with the tree).
    auto open = [](const task_view* v) {
      return v->status != task_status::passed
             && v->status != task_status::failed;
    };
    std::vector<std::string> first;
    if (child.starts_with(team_prefix))
      first = supervision_.agents_under(plan_,
                                        child.substr(team_prefix.size()));
    else
      first.push_back(child);
    auto why_stopped = "stopped by the orchestrator's supervisor: " + reason;
    for (auto& m : first)
      for (auto* v : board_.views())
        if (v->agent == m && open(v))
          fail_task(*v, why_stopped, out);
    promote(out);
    // Every agent is stopped with the tree: nothing else can be done.
    for (auto& m : supervision_.agents_under(plan_, ""))
      supervision_.stop(m);
    for (auto* v : board_.views())
      if (open(v))
        fail_task(*v, why_stopped, out);
    return;
  }
  // The team stopped: its parent's supervisor sees it end abnormally (a
  // question to the parent's lead, or the orchestrator's own).
  if (auto d = supervision_.team_stopped(team, now_, out))
    carry_out(*d, out);
}

void orchestrator::carry_out(const team_supervision::decided& d,
                             decisions& out) {
  auto& a = d.action;
  carry_out(d.team, d.child, a.stop, a.start, a.removed, a.escalate, a.why,
            out);
}

void orchestrator::stop_member(const std::string& agent,
                               const std::string& why, decisions& out) {
  supervision_.stop(agent);
  auto v = agents_.find(agent);
  if (v == agents_.end())
    return;
  auto& a = v->second;
  a.input_ready = false;
  a.reported_ready = false;
  if (auto* t = board_.find(a.task);
      t != nullptr && t->status == task_status::dispatched) {
    t->restarted = why;
    t->deadline_us = 0;
    t->stall_us = 0;
    board_.make_ready(board_.index_of(t->id));
  }
  a.task.clear();
  out.push_back(tell_agent{agent,
                           "Stop: your team is stopped (" + why + ").",
                           "stopped by " + why,
                           {purpose_kind::team_stopped, {}, 0, {}, why}});
}

void orchestrator::restart_member(const std::string& agent, bool alive,
                                  const std::string& why, decisions& out) {
  supervision_.start(agent);
  auto v = agents_.find(agent);
  if (v == agents_.end())
    return;
  auto& a = v->second;
  if (alive && !a.exited)
    a.restarting = true;
  a.input_ready = false;
  a.reported_ready = false;
  a.unavailable = false;
  a.gone.clear();
  if (auto* t = board_.find(a.task);
      t != nullptr && t->status == task_status::dispatched) {
    t->restarted = why;
    t->deadline_us = 0;
    t->stall_us = 0;
    board_.make_ready(board_.index_of(t->id));
  }
  a.task.clear();
  board_.may_be_free(agent);
  out.push_back(restart_agent{agent, why});
}

} // namespace baton::engine
