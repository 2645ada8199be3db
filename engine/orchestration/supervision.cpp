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
// Plans without [supervision] or [teams] keep the plain policy: an agent
// that exits mid-task is restarted while its task has attempts left.
#include <algorithm>

#include "engine/orchestration/orchestrator.hpp"

namespace baton::engine {

namespace {

constexpr std::string_view team_prefix = "team:";

supervisor_spec spec_of(const plan_team& t) {
  supervisor_spec s;
  s.strategy = parse_restart_strategy(t.strategy)
                 .value_or(restart_strategy::one_for_one);
  s.intensity = t.intensity;
  s.period_us = t.period_s * 1'000'000;
  return s;
}

} // namespace

void orchestrator::build_teams() {
  bool declared = !plan_.teams.empty() || !plan_.supervision.name.empty();
  if (!declared)
    return;
  for (auto& t : plan_.teams)
    for (auto& m : t.members)
      team_of_[m] = t.name;
  auto child_of = [this](const plan_agent& a) {
    return child_spec{a.name, parse_restart_type(a.restart)
                                .value_or(restart_type::permanent)};
  };
  // The orchestrator's: agents in no team, then the top teams, in plan
  // order.
  auto root = spec_of(plan_.supervision);
  for (auto& a : plan_.agents)
    if (!team_of_.contains(a.name))
      root.children.push_back(child_of(a));
  for (auto& t : plan_.teams)
    if (t.parent.empty())
      root.children.push_back({std::string{team_prefix} + t.name});
  teams_.emplace("", team_state{"", supervisor{std::move(root)}});
  for (auto& t : plan_.teams) {
    auto spec = spec_of(t);
    for (auto& m : t.members)
      if (auto* a = plan_agent_of(m))
        spec.children.push_back(child_of(*a));
    for (auto& sub : plan_.teams)
      if (sub.parent == t.name)
        spec.children.push_back({std::string{team_prefix} + sub.name});
    teams_.emplace(t.name, team_state{t.parent, supervisor{std::move(spec)}});
  }
}

std::vector<std::string>
orchestrator::agents_under(const std::string& team) const {
  std::vector<std::string> out;
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
  auto how = exit_code == 0 ? exit_kind::normal : exit_kind::abnormal;
  auto action = teams_.at(team).sup.on_exit(agent, how, now_);
  apply_supervision(team, agent, action, out);
  return true;
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
  auto why = "supervisor of " + name + ": " + a.why;
  for (auto& s : a.stop) {
    if (s.starts_with(team_prefix)) {
      for (auto& m : agents_under(s.substr(team_prefix.size())))
        stop_member(m, why, out);
    } else if (std::find(a.start.begin(), a.start.end(), s)
               == a.start.end()) {
      stop_member(s, why, out);
    }
  }
  for (auto& s : a.start) {
    if (s.starts_with(team_prefix)) {
      // A team starts again: a fresh supervisor, every member restarted.
      auto sub = s.substr(team_prefix.size());
      auto& st = teams_.at(sub);
      for (auto* pt = &plan_.teams.front(); pt <= &plan_.teams.back(); ++pt)
        if (pt->name == sub) {
          auto spec = spec_of(*pt);
          spec.children = st.sup.children();
          st.sup = supervisor{std::move(spec)};
        }
      st.stopped = false;
      for (auto& m : agents_under(sub))
        restart_member(m, m != child, why, out);
    } else {
      bool stopped_too = std::find(a.stop.begin(), a.stop.end(), s)
                         != a.stop.end();
      restart_member(s, stopped_too, why, out);
    }
  }
  for (auto& r : a.removed) {
    // A temporary member is not restarted: its task goes to another
    // capable agent, or fails.
    stopped_agents_.insert(r);
    if (auto v = agents_.find(r); v != agents_.end()) {
      auto task = v->second.task;
      v->second.task.clear();
      v->second.unavailable = true;
      if (auto t = tasks_.find(task); t != tasks_.end()
                                      && t->second.status
                                           == task_status::dispatched) {
        auto& tv = t->second;
        if (!reassign(tv, "agent " + r + " is temporary and exited", out))
          fail_task(tv, "agent " + r + " is temporary and exited", out);
      }
    }
  }
  if (!a.escalate)
    return;
  ts.stopped = true;
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
    auto why_stopped = "stopped by the orchestrator's supervisor: " + a.why;
    for (auto& m : first)
      for (auto* v : views_)
        if (v->agent == m && open(v))
          fail_task(*v, why_stopped, out);
    promote(out);
    // Every agent is stopped with the tree: nothing else can be done.
    for (auto& m : agents_under(""))
      stopped_agents_.insert(m);
    for (auto* v : views_)
      if (open(v))
        fail_task(*v, why_stopped, out);
    return;
  }
  auto parent = ts.parent;
  auto action = teams_.at(parent).sup.on_exit(std::string{team_prefix} + team,
                                               exit_kind::abnormal, now_);
  apply_supervision(parent, std::string{team_prefix} + team, action, out);
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
  if (auto t = tasks_.find(a.task); t != tasks_.end()
                                    && t->second.status
                                         == task_status::dispatched) {
    t->second.restarted = why;
    t->second.deadline_us = 0;
    t->second.stall_us = 0;
    make_ready(index_.at(t->first));
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
  if (auto t = tasks_.find(a.task); t != tasks_.end()
                                    && t->second.status
                                         == task_status::dispatched) {
    t->second.restarted = why;
    t->second.deadline_us = 0;
    t->second.stall_us = 0;
    make_ready(index_.at(t->first));
  }
  a.task.clear();
  dirty_.insert(agent);
  out.push_back(restart_agent{agent, why});
}

} // namespace baton::engine
