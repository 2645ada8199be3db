// Supervision, OTP-style: every team of the plan has a supervisor over its
// agents and its sub-teams, and the orchestrator's own supervises the
// agents in no team and the top teams (the meta-orchestrator of a
// supervisor chain). When an agent's process ends by itself, its team's
// supervisor decides (engine/supervision): restart it alone, all members,
// or those started after it; drop a temporary member; or, past its
// restart intensity, stop the team — every member, in reverse start order
// — and leave it to the parent, whose supervisor sees the team end
// abnormally. Each decision is recorded (supervise) with its reason. A
// restarted agent gets its task again, as the same attempt, told where its
// checkpoint is.
//
// In a run with leads (every run since they exist: run_begun.leads), a
// team's supervisor is its lead's (engine/orchestration/team_lead, its own
// actor and stream): a member's exit is a question to the lead (ask_lead),
// and the lead's answer comes back as an input (lead_reported) that this
// fold carries out. The orchestrator keeps only its own supervisor, over
// the agents in no team and the top teams. Runs recorded before leads
// decide every team here, as they did.
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

void orchestrator::build_teams() {
  bool declared = !plan_.teams.empty() || !plan_.supervision.name.empty();
  if (!declared)
    return;
  for (auto& t : plan_.teams)
    for (auto& m : t.members)
      team_of_[m] = t.name;
  teams_.emplace("", team_state{"", supervisor{team_supervisor_spec(plan_, "")}});
  for (auto& t : plan_.teams)
    teams_.emplace(t.name, team_state{t.parent, supervisor{team_supervisor_spec(
                                                  plan_, t.name)}});
}

std::vector<std::string> orchestrator::lead_teams() const {
  std::vector<std::string> out;
  for (auto& [team, parent] : parent_of_)
    out.push_back(team);
  return out;
}

void orchestrator::hand_teams_to_leads() {
  leads_ = true;
  for (auto i = teams_.begin(); i != teams_.end();)
    if (i->first.empty()) {
      ++i;
    } else {
      parent_of_[i->first] = i->second.parent;
      i = teams_.erase(i);
    }
}

std::vector<std::string>
orchestrator::agents_under(const std::string& team) const {
  std::vector<std::string> out;
  if (leads_ && !team.empty()) {
    // The lead holds the team's live spec; here, the plan's less the
    // temporary members its lead dropped.
    for (auto& a : team_agents(plan_, team))
      if (!dropped_.contains(a))
        out.push_back(a);
    return out;
  }
  auto t = teams_.find(team);
  if (t == teams_.end())
    return out;
  for (auto& c : t->second.sup.children()) {
    if (c.id.starts_with(team_prefix)) {
      auto sub = agents_under(c.id.substr(team_prefix.size()));
      out.insert(out.end(), sub.begin(), sub.end());
    } else {
      out.push_back(c.id);
    }
  }
  return out;
}

bool orchestrator::supervise_exit(const std::string& agent, int exit_code,
                                  decisions& out) {
  if (teams_.empty())
    return false;
  auto it = team_of_.find(agent);
  std::string team = it == team_of_.end() ? std::string{} : it->second;
  if (leads_ && !team.empty()) {
    out.push_back(ask_lead{++asks_, team, agent, exit_code});
    pending_asks_.insert(asks_);
    return true;
  }
  auto how = exit_code == 0 ? exit_kind::normal : exit_kind::abnormal;
  auto action = teams_.at(team).sup.on_exit(agent, how, now_);
  apply_supervision(team, agent, action, out);
  return true;
}

void orchestrator::on_lead_reported(const lead_reported& in,
                                    decisions& out) {
  auto& a = in.acted;
  // Only an answer of a lead of this run to a question still open is
  // carried out (a lead started again may answer twice).
  if (!leads_ || !parent_of_.contains(a.team)
      || pending_asks_.erase(in.ask) == 0)
    return;
  carry_out(a.team, a.agent, a.stop, a.start, a.removed, a.escalate, a.why,
            out);
  finish_step(out);
}

void orchestrator::apply_supervision(const std::string& team,
                                     const std::string& child,
                                     const supervisor_action& a,
                                     decisions& out) {
  auto& ts = teams_.at(team);
  auto strategy = std::string{to_string(ts.sup.spec().strategy)};
  auto name = team.empty() ? std::string{"orchestrator"} : team;
  out.push_back(supervise{name, child, strategy, a.stop, a.start, a.escalate,
                          a.why});
  carry_out(team, child, a.stop, a.start, a.removed, a.escalate, a.why, out);
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
      for (auto& m : agents_under(s.substr(team_prefix.size())))
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
      if (leads_) {
        out.push_back(ask_lead{++asks_, sub, {}, 0, true});
      } else {
        auto& st = teams_.at(sub);
        auto spec = team_supervisor_spec(plan_, sub);
        spec.children = st.sup.children();
        st.sup = supervisor{std::move(spec)};
        st.stopped = false;
      }
      for (auto& m : agents_under(sub))
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
    stopped_agents_.insert(r);
    if (leads_)
      dropped_.insert(r);
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
  if (auto ts = teams_.find(team); ts != teams_.end())
    ts->second.stopped = true;
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
      first = agents_under(child.substr(team_prefix.size()));
    else
      first.push_back(child);
    auto why_stopped = "stopped by the orchestrator's supervisor: " + reason;
    for (auto& m : first)
      for (auto* v : board_.views())
        if (v->agent == m && open(v))
          fail_task(*v, why_stopped, out);
    promote(out);
    // Every agent is stopped with the tree: nothing else can be done.
    for (auto& m : agents_under(""))
      stopped_agents_.insert(m);
    for (auto* v : board_.views())
      if (open(v))
        fail_task(*v, why_stopped, out);
    return;
  }
  // The team stopped: its parent's supervisor sees it end abnormally (a
  // question to the parent's lead, or the orchestrator's own).
  auto parent = leads_ ? parent_of_.at(team) : teams_.at(team).parent;
  auto me = std::string{team_prefix} + team;
  if (leads_ && !parent.empty()) {
    out.push_back(ask_lead{++asks_, parent, me, 1});
    pending_asks_.insert(asks_);
    return;
  }
  auto action = teams_.at(parent).sup.on_exit(me, exit_kind::abnormal, now_);
  apply_supervision(parent, me, action, out);
}

void orchestrator::stop_member(const std::string& agent,
                               const std::string& why, decisions& out) {
  stopped_agents_.insert(agent);
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
  out.push_back(tell_agent{agent, "Stop: your team is stopped (" + why + ").",
                           "stopped by " + why});
}

void orchestrator::restart_member(const std::string& agent, bool alive,
                                  const std::string& why, decisions& out) {
  stopped_agents_.erase(agent);
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
