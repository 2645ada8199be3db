// The messages between a supervisor chain's scopes and its router
// (chain_router.hpp) as recorded events. A scope's report is a decision on
// its stream (a lead's `lead/<team>`, or the orchestrator's for the agents
// in no team) and the router's input on the orchestrator's stream:
// chainReported, recorded on both, sent and then received. A delivery is
// the router's decision and the scope's input: chainDelivered. Each
// carries its sender's number, so a receiver started again takes each
// message once. Deterministic: the same value always gives the same bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "engine/frame.hpp"
#include "engine/orchestration/inputs.hpp"
#include "schema/events.capnp.h"

namespace baton::engine {

/// `scope`'s report number `number` (1, 2, ... per scope and run).
struct recorded_report {
  std::string scope;
  uint64_t number = 0;
  chain_report report;
  friend bool operator==(const recorded_report&, const recorded_report&)
    = default;
};

/// The router's delivery number `number` (1, 2, ... per run), for `scope`.
struct recorded_delivery {
  std::string scope;
  uint64_t number = 0;
  chain_input input;
  friend bool operator==(const recorded_delivery&, const recorded_delivery&)
    = default;
};

/// A frame whose root is the schema::Event recording `r` (chainReported).
frame to_event(const recorded_report& r);
/// A frame whose root is the schema::Event recording `d` (chainDelivered).
frame to_event(const recorded_delivery& d);

/// The report a chainReported event records; nullopt for other kinds, and
/// for a report of a kind a later version added.
std::optional<recorded_report> report_from_event(schema::Event::Reader e);
/// The delivery a chainDelivered event records; nullopt for other kinds,
/// and for a delivery of a kind a later version added.
std::optional<recorded_delivery> delivery_from_event(schema::Event::Reader e);

} // namespace baton::engine
