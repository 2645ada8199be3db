#include "engine/orchestration/team_scope.hpp"

#include <algorithm>
#include <set>
#include <unordered_map>

#include "engine/plan/plan_check.hpp"

namespace baton::engine {

namespace {

/// The top team `team` is in (itself when it is one); "" when the chain
/// of parents names a team the plan does not have.
std::string top_team(const plan& p, std::string team) {
  // A plan's teams form a tree (plan_check refuses cycles); the bound
  // keeps a plan nobody checked from looping.
  for (size_t hops = 0; hops <= p.teams.size(); ++hops) {
    auto t = std::find_if(p.teams.begin(), p.teams.end(),
                          [&](auto& x) { return x.name == team; });
    if (t == p.teams.end())
      return {};
    if (t->parent.empty())
      return team;
    team = t->parent;
  }
  return {};
}

/// Each agent's scope, by name (agents in no team are not in it).
std::unordered_map<std::string, std::string> scopes_by_agent(const plan& p) {
  std::unordered_map<std::string, std::string> out;
  for (auto& t : p.teams) {
    auto top = top_team(p, t.name);
    for (auto& m : t.members)
      out[m] = top;
  }
  return out;
}

/// Task `t`'s scope, given every agent's.
std::string
task_scope(const plan& p, const plan_task& t,
           const std::unordered_map<std::string, std::string>& agents) {
  auto in = [&](const std::string& agent) {
    auto i = agents.find(agent);
    return i == agents.end() ? std::string{} : i->second;
  };
  if (!t.agent.empty())
    return in(t.agent);
  // The first scope, in chain_scopes' order, of any capable agent: one
  // pass over the agents.
  auto order = chain_scopes(p);
  auto first = order.size();
  for (auto& a : p.agents)
    if (a.name != p.orchestrator && can_do(a, t.requires_caps)) {
      auto at = std::find(order.begin(), order.end(), in(a.name));
      first = std::min(first, static_cast<size_t>(at - order.begin()));
    }
  return first < order.size() ? order[first] : std::string{};
}

} // namespace

std::vector<std::string> chain_scopes(const plan& p) {
  std::vector<std::string> out{""};
  for (auto& t : p.teams)
    if (t.parent.empty())
      out.push_back(t.name);
  return out;
}

std::string scope_of_agent(const plan& p, std::string_view agent) {
  for (auto& t : p.teams)
    if (std::find(t.members.begin(), t.members.end(), agent) != t.members.end())
      return top_team(p, t.name);
  return {};
}

std::string scope_of_task(const plan& p, const plan_task& t) {
  return task_scope(p, t, scopes_by_agent(p));
}

scope_index::scope_index(const plan& p) : agents_(scopes_by_agent(p)) {
}

std::string scope_index::of_agent(const std::string& agent) const {
  auto i = agents_.find(agent);
  return i == agents_.end() ? std::string{} : i->second;
}

std::string scope_index::of_task(const plan& p, const plan_task& t) const {
  return task_scope(p, t, agents_);
}

#if defined(__x86_64__) && defined(__GLIBCXX__)
static_assert(sizeof(plan) == 808, "copy the new field into a scope's plan");
#endif

plan team_scope(const plan& p, std::string_view scope) {
  auto agents = scopes_by_agent(p);
  auto agent_in = [&](const std::string& name) {
    auto i = agents.find(name);
    return (i == agents.end() ? std::string{} : i->second) == scope;
  };
  // The plan but its agents, teams and tasks, which are the scope's (not
  // copied to be cut: a 10 000-agent plan's vectors would keep their room).
  plan out;
  out.source = p.source;
  out.run = p.run;
  out.stages = p.stages;
  out.supervision = p.supervision;
  out.approvals = p.approvals;
  out.orchestrator = p.orchestrator;
  out.goal = p.goal;
  out.mcp_servers = p.mcp_servers;
  out.hosts = p.hosts;
  out.scope = std::string{scope};
  for (auto& a : p.agents)
    if (agent_in(a.name))
      out.agents.push_back(a);
  for (auto& t : p.teams)
    if (!scope.empty() && top_team(p, t.name) == scope)
      out.teams.push_back(t);
  if (!p.orchestrator.empty() && !agent_in(p.orchestrator)) {
    out.orchestrator.clear();
    out.goal.clear();
  }
  // The scope's tasks, and the tasks of other scopes they wait for, in
  // plan order.
  std::set<std::string, std::less<>> own;
  for (auto& t : p.tasks)
    if (task_scope(p, t, agents) == scope)
      own.insert(t.id);
  std::set<std::string, std::less<>> waited_for;
  for (auto& t : p.tasks)
    if (own.contains(t.id))
      for (auto& d : t.after)
        if (!own.contains(d))
          waited_for.insert(d);
  for (auto& t : p.tasks) {
    if (own.contains(t.id)) {
      out.tasks.push_back(t);
    } else if (waited_for.contains(t.id)) {
      plan_task stub;
      stub.id = t.id;
      stub.title = t.title;
      stub.external = true;
      out.tasks.push_back(std::move(stub));
    }
  }
  for (auto& s : out.stages)
    std::erase_if(s.tasks, [&](auto& id) { return !own.contains(id); });
  return out;
}

result<plan> cut_to_scope(const plan& p, std::string_view scope) {
  auto scopes = chain_scopes(p);
  if (std::find(scopes.begin(), scopes.end(), scope) == scopes.end())
    return error{ec::invalid_argument, "the recorded plan has no scope \""
                                         + std::string{scope}
                                         + "\" (no such top team)"};
  return team_scope(p, scope);
}

} // namespace baton::engine
