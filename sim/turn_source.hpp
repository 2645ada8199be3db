// turn_source: decides what the sim does in answer to each submitted input.
//
// In order of precedence: `@sim` lines in the input (a script for this turn
// only); the next turn of the --script file; a NEED request (an input whose
// first non-blank line carries `NEED: <resource>`), answered with a CONTRACT
// and DONE; otherwise the --scenario (first input) or --then (later inputs).
#pragma once

#include <string>
#include <string_view>

#include "sim/options.hpp"
#include "sim/rng.hpp"
#include "sim/scenarios.hpp"
#include "sim/script.hpp"
#include "sim/step.hpp"
#include "engine/result.hpp"

namespace baton::sim {

class turn_source {
public:
  /// Checks the role, the scenario names and the script text (empty: no
  /// script); errors are invalid_argument or parse_error with a message.
  static result<turn_source> make(const sim_options& opts,
                                  std::string_view script_text);

  /// The turn answering the next submitted input `input`.
  turn next(std::string_view input);

  /// The scenario the first input plays (after the role's default).
  const std::string& first_scenario() const {
    return first_;
  }

private:
  turn_source(scenario_context ctx, uint64_t seed)
    : ctx_(std::move(ctx)), rng_(seed) {
  }

  turn from_directives(const std::string& text);

  scenario_context ctx_;
  rng rng_;
  std::string first_;
  std::string then_;
  script script_;
  size_t scripted_ = 0;
  size_t inputs_ = 0;
};

} // namespace baton::sim
