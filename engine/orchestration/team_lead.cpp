#include "engine/orchestration/team_lead.hpp"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

namespace baton::engine {

namespace {

const plan_team* find_team(const plan& p, std::string_view name) {
  if (name.empty())
    return &p.supervision;
  for (auto& t : p.teams)
    if (t.name == name)
      return &t;
  return nullptr;
}

} // namespace

supervisor_spec team_supervisor_spec(const plan& p, std::string_view team) {
  supervisor_spec s;
  auto* t = find_team(p, team);
  if (t == nullptr)
    return s;
  s.strategy = parse_restart_strategy(t->strategy)
                 .value_or(restart_strategy::one_for_one);
  s.intensity = t->intensity;
  s.period_us = t->period_s * 1'000'000;
  auto child_of = [](const plan_agent& a) {
    return child_spec{a.name, parse_restart_type(a.restart)
                                .value_or(restart_type::permanent)};
  };
  // Linear in the plan: 10 000 agents in 20 teams are looked up by name,
  // not searched for.
  if (team.empty()) {
    std::unordered_set<std::string_view> in_teams;
    for (auto& tm : p.teams)
      in_teams.insert(tm.members.begin(), tm.members.end());
    for (auto& a : p.agents)
      if (!in_teams.contains(a.name))
        s.children.push_back(child_of(a));
  } else {
    std::unordered_map<std::string_view, const plan_agent*> agents;
    for (auto& a : p.agents)
      agents.emplace(a.name, &a);
    for (auto& m : t->members)
      if (auto a = agents.find(m); a != agents.end())
        s.children.push_back(child_of(*a->second));
  }
  for (auto& sub : p.teams)
    if (sub.parent == team)
      s.children.push_back({std::string{team_child_prefix} + sub.name});
  return s;
}

std::vector<std::string> team_agents(const plan& p, std::string_view team) {
  std::vector<std::string> out;
  for (auto& c : team_supervisor_spec(p, team).children) {
    if (c.id.starts_with(team_child_prefix)) {
      auto sub = team_agents(p, c.id.substr(team_child_prefix.size()));
      out.insert(out.end(), sub.begin(), sub.end());
    } else {
      out.push_back(c.id);
    }
  }
  return out;
}

std::string lead_stream(std::string_view team) {
  return "lead/" + std::string{team};
}

team_lead::team_lead(const plan& p, std::string team, uint16_t version)
  : team_(std::move(team)),
    version_(version),
    spec_(team_supervisor_spec(p, team_)),
    sup_(spec_) {
}

std::optional<supervise> team_lead::on(const ask_lead& in, uint64_t now_us) {
  last_ask_ = in.ask;
  if (in.reset) {
    // The parent started the team again: a fresh supervisor over the
    // members that are still part of it.
    auto spec = spec_;
    spec.children = sup_.children();
    sup_ = supervisor{std::move(spec)};
    return std::nullopt;
  }
  auto how = in.exit_code == 0 ? exit_kind::normal : exit_kind::abnormal;
  auto a = sup_.on_exit(in.member, how, now_us);
  return supervise{team_,
                   in.member,
                   sup_.spec().strategy,
                   std::move(a.stop),
                   std::move(a.start),
                   a.escalate,
                   std::move(a.why),
                   std::move(a.removed)};
}

} // namespace baton::engine
