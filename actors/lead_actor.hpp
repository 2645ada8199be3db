// The lead actor: a team's lead (engine/orchestration/team_lead) wrapped in
// record, then apply, then answer.
//
//   (ask) from the orchestrator ─▶ record leadAsked on lead/<team>
//                               ─▶ lead.on(ask)
//                               ─▶ record supervisorActed on lead/<team>
//                               ─▶ (lead, LeadReported) to the orchestrator
//
// The orchestrator spawns one per team, monitors it, and starts it again
// from its stream when it dies; questions it has not heard answered are
// asked again, and one already answered is answered from the record
// (nothing is decided twice).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/detail/journal.hpp"
#include "actors/interfaces.hpp"
#include "actors/worker_actor.hpp"
#include "engine/orchestration/team_lead.hpp"

namespace baton::actors {

struct lead_config {
  /// The lead as its stream left it (a fresh one for a new run).
  std::unique_ptr<engine::lead_seed> seed;
  log_actor log;
  logical_clock clock;
  /// High half of the event ids of this incarnation's records.
  uint64_t id_high = 0;
  /// Where its answers go.
  orchestrator_actor orchestrator;
  /// A snapshot of its stream's fold every this many records of its stream
  /// (0: never; plan [policy] snapshot_every).
  uint64_t snapshot_every = 0;
};

struct lead_state {
  static inline const char* name = "baton.lead";
  std::unique_ptr<engine::lead_seed> seed;
  lead_config cfg;
  std::unique_ptr<detail::journal> journal;
  /// The highest question received (applied or on its way to the log).
  uint64_t received = 0;
  /// Answers of seed->unrecorded on their way to the log (from the front).
  size_t in_flight = 0;
  /// With snapshots: the fold of the stream as recorded so far (what a
  /// rebuild from the stream would give), which a snapshot saves. The seed
  /// runs ahead of it by what is on its way to the log.
  std::unique_ptr<engine::lead_seed> recorded;
  /// The sequence of the last snapshot sent.
  uint64_t snapshot_at = 0;
};

lead_actor::behavior_type
lead_actor_impl(lead_actor::stateful_pointer<lead_state> self,
                std::shared_ptr<lead_config> cfg);

} // namespace baton::actors
