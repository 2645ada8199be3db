// team_lead: a team's lead in a supervisor chain, as a pure fold.
//
// A lead knows its team in full (its members and sub-teams, in start
// order, with their restart types; the team's strategy and intensity) and
// the rest of the project not at all: what reaches it are questions from
// the orchestrator, each recorded on the lead's own stream `lead/<team>`
// before it is applied, and what it decides is recorded there too before
// the orchestrator hears of it.
//
//   ask_lead{member, exit}  -> the team's supervisor (engine/supervision)
//                              decides: restart it alone, all, or those
//                              started after it; drop a temporary member;
//                              or, past the intensity, stop the team and
//                              escalate to the parent. One `supervise`
//                              decision, with its reason.
//   ask_lead{reset}         -> the parent restarted the team: a fresh
//                              supervisor (the restart history is
//                              forgotten, the members are the live ones).
//
// Questions are numbered by the orchestrator. A lead started again from
// its stream (its actor was killed) may be asked again what it already
// answered: its seed (lead_seed) keeps the answers, and nothing is decided
// twice.
//
// Deterministic: time is each question's recorded logical time.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/frame.hpp"
#include "engine/orchestration/inputs.hpp"
#include "engine/plan/plan.hpp"
#include "engine/result.hpp"
#include "engine/supervision/supervisor.hpp"
#include "schema/events.capnp.h"

namespace baton::engine {

/// The prefix of a sub-team's id among a supervisor's children.
inline constexpr std::string_view team_child_prefix = "team:";

/// The supervisor spec of `team` (""; the orchestrator's own: agents in no
/// team, then the top teams) in `p`: its members, then its sub-teams
/// ("team:<name>"), in plan order.
supervisor_spec team_supervisor_spec(const plan& p, std::string_view team);

/// The plan's agents under `team` and its sub-teams, in start order.
std::vector<std::string> team_agents(const plan& p, std::string_view team);

/// The stream a team's lead records to: "lead/<team>".
std::string lead_stream(std::string_view team);

class team_lead {
public:
  /// @param version the run's record format (RunStarted.version), in
  ///   which its decisions are recorded.
  team_lead(const plan& p, std::string team, uint16_t version);

  /// A lead whose supervisor is `current`, having applied the questions up
  /// to `last_ask` (a snapshot's).
  team_lead(const plan& p, std::string team, uint16_t version,
            supervisor current, uint64_t last_ask);

  /// Applies question `in` (asked at logical time `now_us`): the decision,
  /// or nothing for a reset (or a question about someone not in the team,
  /// which changes nothing and is answered with a why that says so).
  std::optional<supervise> on(const ask_lead& in, uint64_t now_us);

  /// The number of the last question applied (0: none).
  uint64_t last_ask() const {
    return last_ask_;
  }

  const std::string& team() const {
    return team_;
  }

  const supervisor& current() const {
    return sup_;
  }

  uint16_t version() const {
    return version_;
  }

private:
  std::string team_;
  uint16_t version_;
  supervisor_spec spec_;
  supervisor sup_;
  uint64_t last_ask_ = 0;
};

/// A lead as its stream left it, to start its actor from (a new run: a
/// fresh lead).
struct lead_seed {
  team_lead lead;
  /// Its answers, by question.
  std::map<uint64_t, supervise> answers = {};
  /// Questions whose answer was decided and not yet recorded, in order (a
  /// lead stopped between the two records them before it goes on).
  std::deque<uint64_t> unrecorded = {};
  /// The sequence of the last record of its stream folded (0: none).
  uint64_t sequence = 0;

  /// Folds the next record `e` of the lead's stream, its `sequence`,
  /// recorded at logical time `now_us`: a question is applied (its answer
  /// kept and pending), an answer takes the oldest pending question off.
  /// Rebuilding a lead from its stream is this, record by record, from a
  /// fresh seed or a restored one.
  void fold(uint64_t sequence, schema::Event::Reader e, uint64_t now_us);

  /// The seed as a snapshot payload (a frame whose root is a
  /// schema::LeadState) at its `sequence`.
  frame save() const;

  /// The seed save() wrote, for the lead of `team` in plan `p` recording in
  /// `version`. Errors: ec::corruption when `state` does not decode, or is
  /// another team's.
  static result<lead_seed> restore(const plan& p, const std::string& team,
                                   uint16_t version, const frame& state);
};

} // namespace baton::engine
