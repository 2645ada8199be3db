// team_scope: a supervisor chain cut into the parts its leads would run.
//
// A chain's plan splits into scopes: the orchestrator's own ("", the agents
// in no team) and one per top team (its agents, its sub-teams'). A task
// belongs to its agent's scope; a task routed by capabilities to the first
// scope, in that order, that has a capable agent, and is reassigned only
// within it. A scope's plan is the plan of a run of its own: its agents,
// its teams, its tasks, and, as stubs, the tasks of other scopes its tasks
// wait for (plan_task::external). An orchestrator over a scope's plan
// decides for its scope what the one fold of the whole plan decides, given
// each stub's verdict when the stub's own scope settles it
// (orchestrator::on_dependency).
//
// This is the first part of moving each team's board into its lead: the
// orchestrator then holds the scopes' summaries, not every worker. What
// crosses scopes (verdicts, a NEED whose owner is in another scope, the
// CONTRACT that answers it, the end of the run) a scope reports up and the
// chain_router hands down (chain_router.hpp). Not routed yet: waits
// between scopes, so a deadlock whose cycle crosses scopes is not seen.
//
// Pure, like every part of engine/.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/plan/plan.hpp"
#include "engine/result.hpp"

namespace baton::engine {

/// The scopes of plan `p`: "" (the agents in no team), then each top
/// team, in plan order.
std::vector<std::string> chain_scopes(const plan& p);

/// The scope `agent` works in: its top team, or "" (no team, or no such
/// agent).
std::string scope_of_agent(const plan& p, std::string_view agent);

/// The scope task `t` of `p` belongs to: its agent's; routed by
/// capabilities, the first scope (chain_scopes order) with an agent that
/// has them all, or "" when none has.
std::string scope_of_task(const plan& p, const plan_task& t);

/// Every agent's and task's scope in `p`, worked out once: what
/// scope_of_agent and scope_of_task say, each in constant time rather than
/// a pass over the plan (a 10 000-agent chain asks for every agent and
/// task). Holds a copy of what it needs; `p` may go.
class scope_index {
public:
  explicit scope_index(const plan& p);
  /// As scope_of_agent.
  std::string of_agent(const std::string& agent) const;
  /// As scope_of_task (`t` of the indexed plan).
  std::string of_task(const plan& p, const plan_task& t) const;

private:
  std::unordered_map<std::string, std::string> agents_;
};

/// The plan of `scope`'s fold: `p` with only the scope's agents, teams and
/// tasks, and a stub (external, no agent) for each task of another scope
/// one of its tasks names in `after`. Tasks and stubs keep the plan's
/// order, so ties between them break as in the whole plan's fold.
plan team_scope(const plan& p, std::string_view scope);

/// team_scope(p, scope) of a recorded plan. Errors: ec::invalid_argument,
/// "the recorded plan has no scope "x" (no such top team)".
result<plan> cut_to_scope(const plan& p, std::string_view scope);

} // namespace baton::engine
