// recorded_chain_node: a supervisor chain's node as its recorded streams
// leave it, and its snapshot (DESIGN.md §2: snapshots bound replay).
//
// A node (chain_nodes.hpp) records each input before it applies it, and
// what the input derives after it: its decisions, then its messages to the
// other side of the chain (a lead's reports up, the orchestrator's
// deliveries down). Folding its streams record by record therefore keeps
// the node (every input applied, a message from the other side being one)
// and what it derived that is not recorded yet.
//
// One fold, two callers, as recorded_orchestrator for a run without a
// chain: a rebuild (replay/chain_replay.hpp) starts from a snapshot this
// fold saved, and the running node keeps a second copy folded from what its
// journals recorded, whose save() is the snapshot. So a snapshot is exactly
// what a rebuild up to its sequence gives. What the node derives from an
// input is one function, derive(), for both and for replay.
//
// A snapshot holds the scope's fold (the plan's changes and every part's
// state, orchestrator_snapshot.hpp), the node's numbers, and the
// orchestrator's router; not the plan, which a restore is given, nor the
// messages the node sent before it (a rebuild reads them from the stream).
// Deterministic: the same fold always saves the same bytes.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string_view>
#include <vector>

#include "engine/frame.hpp"
#include "engine/orchestration/chain_nodes.hpp"
#include "engine/result.hpp"
#include "schema/events.capnp.h"

namespace baton::engine {

/// The layout of a chain node's snapshot (schema::ChainNodeState). Not the
/// orchestrator's (orchestrator_snapshot_format), so neither is taken for
/// the other; a snapshot of another layout is passed over.
inline constexpr uint32_t chain_snapshot_format = 0x101;

/// What a lead's scope records after the input `in`: its decisions, then
/// its reports up (each also appended to `made`, when given).
std::vector<frame> derive(chain_scope& s, const orchestrator_input& in,
                          uint64_t now_us,
                          std::vector<recorded_report>* made = nullptr);
/// ... after the router's delivery `d`. Errors: as chain_scope::on.
result<std::vector<frame>> derive(chain_scope& s, const recorded_delivery& d,
                                  uint64_t now_us,
                                  std::vector<recorded_report>* made = nullptr);
/// What the orchestrator above the leads records after the input `in`: its
/// own scope's decisions and its deliveries down, in the order decided
/// (each delivery also appended to `made`, when given).
std::vector<frame> derive(chain_orchestrator& o, const orchestrator_input& in,
                          uint64_t now_us,
                          std::vector<recorded_delivery>* made = nullptr);
/// ... after a lead's report `r`. Errors: as chain_orchestrator::on.
result<std::vector<frame>>
derive(chain_orchestrator& o, const recorded_report& r, uint64_t now_us,
       std::vector<recorded_delivery>* made = nullptr);

/// A chain's node (chain_scope: a lead's, on lead/<team>; chain_orchestrator:
/// the orchestrator's, on orchestrator and operator) folded from its
/// recorded streams.
template<class Node>
struct recorded_chain_node {
  /// Null until the first event (runStarted) is folded.
  std::unique_ptr<Node> node;
  /// What it derived and did not record yet (decisions and messages to the
  /// other side, as events), in order.
  std::deque<frame> pending;
  /// The last sequences folded of its own stream and of `operator`.
  uint64_t sequence = 0;
  uint64_t operator_sequence = 0;
  /// The latest logical time of the events folded.
  uint64_t last_time = 0;

  /// Folds the event at `sequence` of `stream`, recorded at `logical_time`:
  /// at the first (runStarted), the node is made from `base` (a lead's: the
  /// recorded plan cut to its team; the orchestrator's: the whole plan;
  /// null when the node is there already, made or restored). A
  /// message from the other side and an input are applied, what the node
  /// records is taken off `pending`. Events must come in the log's order.
  /// Errors: ec::invalid_argument when the first event is not runStarted, or
  /// a message is not the node's (named by stream@sequence).
  result<void> fold(std::string_view stream, uint64_t sequence,
                    schema::Event::Reader e, uint64_t logical_time,
                    const plan* base = nullptr);

  /// The fold as a snapshot payload (schema::ChainNodeState).
  /// @pre the node exists.
  frame save() const;

  /// The fold save() wrote, over `base` (as fold's). Errors: ec::corruption
  /// for a snapshot that does not decode or does not fit the plan, or is of
  /// the other kind of node; ec::newer_schema for another layout.
  static result<recorded_chain_node> restore(const plan& base,
                                             const frame& state);
};

using recorded_scope = recorded_chain_node<chain_scope>;
using recorded_top = recorded_chain_node<chain_orchestrator>;

/// A second copy of `seed`'s node, at the end of its streams, over `base`
/// (as fold's): what a node going on from its streams keeps folding to save
/// its snapshots. Errors: as restore (a fold this build cannot save and read
/// back whole).
result<recorded_scope> recorded_copy(const scope_seed& seed, const plan& base);
result<recorded_top> recorded_copy(const top_seed& seed, const plan& base);

extern template struct recorded_chain_node<chain_scope>;
extern template struct recorded_chain_node<chain_orchestrator>;

} // namespace baton::engine
