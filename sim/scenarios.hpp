// The built-in scenarios: each one is a turn (the steps played in answer to
// one input) built from the role's texts, the step count and the seed.
#pragma once

#include <span>
#include <string_view>

#include "sim/rng.hpp"
#include "sim/roles.hpp"
#include "sim/step.hpp"

namespace baton::sim {

struct scenario_context {
  role_texts role;
  /// PROGRESS steps of a task, attempts of a loop. Default: 3.
  int steps = 3;
  /// Silence of a stall, in milliseconds. Default: 60 s.
  uint64_t stall_ms = 60'000;
  /// Bytes of garbage, long line or flood; 0 for each one's default.
  uint64_t bytes = 0;
  /// Exit code of a crash. Default: 3.
  int crash_code = 3;
  /// A CONTRACT was typed in already, so `blocked` needs nothing. Default:
  /// false.
  bool have_contract = false;
};

struct scenario_info {
  std::string_view name;
  std::string_view summary;
};

/// Every built-in scenario with a one-line summary, in help order.
std::span<const scenario_info> scenario_list();

bool is_scenario(std::string_view name);

/// Appends scenario `name`'s steps to `out`. Returns false (and appends
/// nothing) for an unknown name.
bool add_scenario(std::string_view name, const scenario_context& ctx, rng& r,
                  turn& out);

/// The turn that answers a NEED for `resource` typed into this agent: the
/// role's CONTRACT (or a stub one named after the resource), then DONE.
turn need_answer(std::string_view resource, const scenario_context& ctx,
                 rng& r);

/// Whether `input` carries a CONTRACT line (one starting `CONTRACT: ` whose
/// title is not a `<placeholder>`).
bool has_contract(std::string_view input);

/// The NEED resource mentioned in `input` ("NEED: <resource> — ..."), or
/// empty when the input carries no NEED line.
std::string_view find_need(std::string_view input);

} // namespace baton::sim
