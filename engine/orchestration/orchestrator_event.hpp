// The orchestrator's inputs and decisions as recorded events: the
// schema::Event frames its stream holds. The actor records an input with
// to_event() before the orchestrator sees it and each decision before it is
// carried out; replay and `baton status` read them back with the *_from_event
// functions. Deterministic: the same value always gives the same bytes.
#pragma once

#include <optional>

#include "engine/frame.hpp"
#include "engine/orchestration/inputs.hpp"
#include "schema/events.capnp.h"

namespace baton::engine {

/// A frame whose root is the schema::Event recording `in`: runStarted,
/// workerReported, gateFinished or stopRequested.
frame to_event(const orchestrator_input& in);

/// A frame whose root is the schema::Event recording `d`: taskDispatched,
/// gateRequested, agentTold, agentRestarted, taskSettled, runFinished or
/// scopeViolation, in the run's record `version` (RunStarted.version: the
/// enum fields from 1; engine/recorded_enums.hpp). Inputs, which are
/// recorded and never derived again, carry them whatever the version.
frame to_event(const orchestrator_decision& d, uint16_t version);

/// The orchestrator input an event records; nullopt for other kinds (and
/// for worker reports the orchestrator does not react to, such as
/// `started`, or a protocol line of an unknown kind).
std::optional<orchestrator_input> input_from_event(schema::Event::Reader e);

/// The decision an event records; nullopt for other kinds, and for a
/// decision with a kind this version does not know (a later version's
/// value, recorded without a text this one reads).
std::optional<orchestrator_decision>
decision_from_event(schema::Event::Reader e);

/// True for the kinds of event that record the orchestrator's decisions,
/// whether or not decision_from_event() reads this one.
bool is_decision(schema::Event::Reader e);

/// The orchestrator input a worker's report stands for (see
/// input_from_event); convenient for actors holding a WorkerReported.
std::optional<orchestrator_input>
input_from_report(schema::WorkerReported::Reader r);

} // namespace baton::engine
