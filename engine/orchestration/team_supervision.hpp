// team_supervision: who decides when an agent's process ends by itself,
// one part of the orchestrator (engine/orchestration/orchestrator.hpp).
//
// Supervision, OTP-style: every team of the plan has a supervisor over its
// agents and its sub-teams, and the orchestrator's own supervises the
// agents in no team and the top teams (the meta-orchestrator of a
// supervisor chain). A team is a child "team:<name>" of its parent. The
// decisions are the pure model's (engine/supervision): restart one, all or
// the rest; drop a temporary member; past the restart intensity, stop the
// team and leave it to the parent.
//
// In a run with leads (run_begun.leads, a plan with teams) a team's
// supervisor is its lead's (engine/orchestration/team_lead, its own actor
// and stream): this part then asks the lead (ask_lead) and keeps only the
// orchestrator's own supervisor, each team's parent, the questions open
// and the temporary members the leads dropped. Runs recorded before leads
// decide every team here, as they did.
//
// What a decision does to agents and tasks (stops, restarts, the task given
// again) is the orchestrator's (restarts.cpp): this part decides and
// records, appending `supervise` and `ask_lead` to `out`.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "engine/orchestration/inputs.hpp"
#include "engine/plan/plan.hpp"
#include "engine/supervision/supervisor.hpp"

namespace baton::engine {

class team_supervision {
  friend class orchestrator_snapshot;

public:
  using decisions = std::vector<orchestrator_decision>;

  /// A decision of a supervisor of this part, for the orchestrator to carry
  /// out: in team `team` ("" the orchestrator's own) about `child`.
  struct decided {
    std::string team;
    std::string child;
    supervisor_action action;
  };

  /// The supervisors of `p`'s teams and the orchestrator's own; none when
  /// the plan declares neither [supervision] nor [teams].
  explicit team_supervision(const plan& p);

  /// The plan declares supervision: an exit is a supervisor's to decide
  /// (otherwise the plain restart policy applies).
  bool declared() const {
    return !teams_.empty();
  }
  /// The teams' supervision goes to their leads: this part keeps the
  /// orchestrator's own supervisor and each team's parent.
  void hand_to_leads();
  bool leads() const {
    return leads_;
  }
  /// The teams whose leads it asks (empty without leads).
  std::vector<std::string> lead_teams() const;
  /// Questions to leads not answered yet.
  const std::set<uint64_t>& pending_asks() const {
    return pending_asks_;
  }
  /// The team of `agent` ("" none).
  std::string team_of(std::string_view agent) const;
  /// The agents under `team`, its sub-teams' included ("" every agent
  /// supervised), less the temporary members dropped.
  std::vector<std::string> agents_under(const plan& p,
                                        const std::string& team) const;

  /// `agent` exited by itself with `exit_code` at `now`: a question to its
  /// team's lead (nullopt), or its supervisor's decision. @pre declared().
  std::optional<decided> on_exit(const std::string& agent, int exit_code,
                                 uint64_t now, decisions& out);
  /// A lead's answer: true when it is to be carried out (a lead of this run
  /// answering a question still open; a lead started again may answer
  /// twice).
  bool take_answer(const lead_reported& in);
  /// Team `team` starts again: a fresh supervisor, or its lead told so.
  void restart_team(const plan& p, const std::string& team, decisions& out);
  /// Team `team` ("" none) stopped past its restart intensity: its parent's
  /// supervisor sees it end abnormally (a question to the parent's lead:
  /// nullopt), or nothing is above it (nullopt).
  std::optional<decided> team_stopped(const std::string& team, uint64_t now,
                                      decisions& out);
  /// The engine started again: questions to leads are moot, since every
  /// agent starts again anyway.
  void forget_asks() {
    pending_asks_.clear();
  }

  /// Agents stopped with their team take no task until started again.
  void stop(const std::string& agent) {
    stopped_.insert(agent);
  }
  void start(const std::string& agent) {
    stopped_.erase(agent);
  }
  bool stopped(const std::string& agent) const {
    return stopped_.contains(agent);
  }
  /// A temporary member that exited: stopped, and never restarted.
  void drop(const std::string& agent);

private:
  /// Records `a`, decided in `team` about `child`.
  decided record(const std::string& team, const std::string& child,
                 supervisor_action a, decisions& out) const;

  /// Supervisors by team name ("" the orchestrator's), and each team's
  /// parent.
  struct team_state {
    std::string parent;
    supervisor sup;
  };
  std::map<std::string, team_state> teams_;
  std::map<std::string, std::string, std::less<>> team_of_;
  /// With leads: each team's parent ("" the orchestrator), the questions
  /// asked so far and those open, and temporary members a lead dropped.
  bool leads_ = false;
  std::map<std::string, std::string> parent_of_;
  uint64_t asks_ = 0;
  std::set<uint64_t> pending_asks_;
  std::set<std::string> dropped_;
  std::set<std::string> stopped_;
};

} // namespace baton::engine
