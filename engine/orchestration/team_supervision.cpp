#include "engine/orchestration/team_supervision.hpp"

#include "engine/orchestration/team_lead.hpp"

namespace baton::engine {

namespace {

constexpr std::string_view team_prefix = team_child_prefix;

} // namespace

team_supervision::team_supervision(const plan& p) {
  // A chain's scope is a part of a plan with teams, even the scope of the
  // agents in no team (team_scope).
  bool declared
    = !p.teams.empty() || !p.supervision.name.empty() || p.scope.has_value();
  if (!declared)
    return;
  for (auto& t : p.teams)
    for (auto& m : t.members)
      team_of_[m] = t.name;
  teams_.emplace("", team_state{"", supervisor{team_supervisor_spec(p, "")}});
  for (auto& t : p.teams)
    teams_.emplace(t.name, team_state{t.parent, supervisor{team_supervisor_spec(
                                                  p, t.name)}});
}

void team_supervision::hand_to_leads() {
  leads_ = true;
  for (auto i = teams_.begin(); i != teams_.end();)
    if (i->first.empty()) {
      ++i;
    } else {
      parent_of_[i->first] = i->second.parent;
      i = teams_.erase(i);
    }
}

std::vector<std::string> team_supervision::lead_teams() const {
  std::vector<std::string> out;
  for (auto& [team, parent] : parent_of_)
    out.push_back(team);
  return out;
}

std::string team_supervision::team_of(std::string_view agent) const {
  auto t = team_of_.find(agent);
  return t == team_of_.end() ? std::string{} : t->second;
}

std::vector<std::string>
team_supervision::agents_under(const plan& p, const std::string& team) const {
  std::vector<std::string> out;
  if (leads_ && !team.empty()) {
    // The lead holds the team's live spec; here, the plan's less the
    // temporary members its lead dropped.
    for (auto& a : team_agents(p, team))
      if (!dropped_.contains(a))
        out.push_back(a);
    return out;
  }
  auto t = teams_.find(team);
  if (t == teams_.end())
    return out;
  for (auto& c : t->second.sup.children()) {
    if (c.id.starts_with(team_prefix)) {
      auto sub = agents_under(p, c.id.substr(team_prefix.size()));
      out.insert(out.end(), sub.begin(), sub.end());
    } else {
      out.push_back(c.id);
    }
  }
  return out;
}

team_supervision::decided
team_supervision::record(const std::string& team, const std::string& child,
                         supervisor_action a, decisions& out) const {
  auto strategy = teams_.at(team).sup.spec().strategy;
  auto name = team.empty() ? std::string{"orchestrator"} : team;
  out.push_back(
    supervise{name, child, strategy, a.stop, a.start, a.escalate, a.why});
  return {team, child, std::move(a)};
}

std::optional<team_supervision::decided>
team_supervision::on_exit(const std::string& agent, int exit_code,
                          uint64_t now, decisions& out) {
  auto team = team_of(agent);
  if (leads_ && !team.empty()) {
    out.push_back(ask_lead{++asks_, team, agent, exit_code});
    pending_asks_.insert(asks_);
    return std::nullopt;
  }
  auto how = exit_code == 0 ? exit_kind::normal : exit_kind::abnormal;
  auto action = teams_.at(team).sup.on_exit(agent, how, now);
  return record(team, agent, std::move(action), out);
}

bool team_supervision::take_answer(const lead_reported& in) {
  return leads_ && parent_of_.contains(in.acted.team)
         && pending_asks_.erase(in.ask) > 0;
}

void team_supervision::restart_team(const plan& p, const std::string& team,
                                    decisions& out) {
  if (leads_) {
    out.push_back(ask_lead{++asks_, team, {}, 0, true});
    return;
  }
  auto& st = teams_.at(team);
  auto spec = team_supervisor_spec(p, team);
  spec.children = st.sup.children();
  st.sup = supervisor{std::move(spec)};
}

std::optional<team_supervision::decided>
team_supervision::team_stopped(const std::string& team, uint64_t now,
                               decisions& out) {
  if (team.empty())
    return std::nullopt; // the orchestrator's own: nothing is above it
  auto parent = leads_ ? parent_of_.at(team) : teams_.at(team).parent;
  auto me = std::string{team_prefix} + team;
  if (leads_ && !parent.empty()) {
    out.push_back(ask_lead{++asks_, parent, me, 1});
    pending_asks_.insert(asks_);
    return std::nullopt;
  }
  auto action = teams_.at(parent).sup.on_exit(me, exit_kind::abnormal, now);
  return record(parent, me, std::move(action), out);
}

void team_supervision::drop(const std::string& agent) {
  stopped_.insert(agent);
  if (leads_)
    dropped_.insert(agent);
}

} // namespace baton::engine
