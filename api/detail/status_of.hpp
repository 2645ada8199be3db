// Internal: a run's status (the public value) from the engine's fold of its
// log (engine::run_view).
#pragma once

#include <cstdint>

#include "baton/status.hpp"
#include "engine/orchestration/run_view.hpp"

namespace baton::api::detail {

/// `position`: the last global position `v` was folded to.
run_status status_of(const engine::run_view& v, uint64_t position);

} // namespace baton::api::detail
