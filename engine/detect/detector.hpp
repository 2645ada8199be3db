// detector: a pack's rules applied to an agent's screen over logical time.
//
// The caller feeds a view of the screen whenever bytes arrive (coalesced)
// together with the logical time, and gets a state change when the state
// changes. Rules are tried in pack order; the first whose condition holds
// decides. When no rule holds the state is `unknown` (or `starting` if no
// rule has ever held): the detector does not guess. So that a frame caught
// in the middle of a redraw is not taken for a state, `unknown` applies
// only once the screen has stayed that way for the pack's
// unknown_quiet_ms. A screen no rule has ever recognised that stays
// unchanged for the pack's startup_quiet_ms (a start-up screen the pack
// does not know: a trust dialog, an update notice, a changed banner) turns
// `starting` into `unknown` with evidence "unrecognised screen" and the
// screen's text, so it is reported within seconds, not at a timeout.
//
// Quiet periods: a rule with quiet_ms applies only once the screen has been
// unchanged (same screen generation) for that long. A rule that holds but
// is still waiting for its quiet period is passed over: a later rule that
// holds and has settled decides meanwhile (a pack can say "working while
// the output moves, idle once it has been still for 2 s"); when none does,
// the state stays as it is rather than turning `unknown`. next_deadline()
// says when a waiting rule settles; the caller arms a timer and calls
// evaluate() then with the same view. Time is data: logical microseconds,
// never read from a clock.
//
// Every change carries its evidence (rule, region, matched text), and
// explain() returns every rule's verdict on a view, so a decision can be
// understood after the fact.
//
// Value type; pure and deterministic. Shares its pack (immutable).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/detect/pack.hpp"
#include "engine/detect/state.hpp"
#include "engine/terminal/screen_view.hpp"

namespace baton::engine::detect {

/// Why the detector decided what it did.
struct evidence {
  /// The rule's name; "process exit" for exited; "" when nothing matched.
  std::string rule;
  /// The region the matched text came from (region.hpp spelling).
  std::string region;
  /// The text the pattern matched; "" for a `not` condition.
  std::string matched;

  friend bool operator==(const evidence&, const evidence&) = default;
};

struct state_change {
  detect::state from = state::starting;
  detect::state to = state::starting;
  detect::evidence evidence;
  /// The logical time of the evaluation that made the change.
  uint64_t at = 0;

  friend bool operator==(const state_change&, const state_change&) = default;
};

/// One rule's verdict on one view (explain()).
struct verdict {
  std::string rule;
  detect::state state = state::unknown;
  /// The condition holds.
  bool holds = false;
  /// Logical microseconds of quiet still needed; 0 when none.
  uint64_t quiet_remaining = 0;
  /// This rule decides the state.
  bool decides = false;
  detect::evidence evidence;
  /// The condition and each part's outcome, e.g.
  /// "all(above_prompt ~ /> / yes '> ', not(screen ~ /Working/ no))".
  std::string detail;

  friend bool operator==(const verdict&, const verdict&) = default;
};

/// "rule 'idle' (idle): holds, decides: all(...)".
std::string to_string(const verdict& v);

class detector {
public:
  /// @pre p != nullptr
  explicit detector(std::shared_ptr<const detect::pack> p);

  /// Applies the rules to `view` at logical time `now` (microseconds, not
  /// decreasing). Returns the change when the state changes. After
  /// process_exited() the state stays `exited`.
  std::optional<state_change> evaluate(const screen_view& view, uint64_t now);

  /// The agent's process has exited: the state becomes `exited` with
  /// evidence "process exit" and `description` (e.g. "exit status 1").
  std::optional<state_change> process_exited(uint64_t now,
                                             std::string description);

  /// The logical time at which evaluate() should be called again even if
  /// the screen does not change (a quiet period ends); 0 when none.
  uint64_t next_deadline() const noexcept {
    return deadline_;
  }

  detect::state state() const noexcept {
    return state_;
  }

  /// The evidence of the current state.
  const detect::evidence& evidence() const noexcept {
    return evidence_;
  }

  /// Whether the current state takes input (the pack's input_ready).
  bool input_ready() const;

  /// Every rule's verdict on `view` at `now`, in pack order, with the one
  /// that would decide marked. Does not change the detector.
  std::vector<verdict> explain(const screen_view& view, uint64_t now) const;

  /// The pack's compaction marker in `view` (scrollback since the last
  /// input, then the screen) when it appears more often than at the
  /// previous call: each appearance is reported once. nullopt when the
  /// pack has none.
  std::optional<detect::evidence> compaction(const screen_view& view);

  const detect::pack& pack() const noexcept {
    return *pack_;
  }

private:
  uint64_t changed_at(const screen_view& view, uint64_t now) const;
  std::optional<state_change> change_to(detect::state to, detect::evidence ev,
                                        uint64_t now);

  std::shared_ptr<const detect::pack> pack_;
  detect::state state_ = state::starting;
  detect::evidence evidence_;
  bool matched_once_ = false;
  bool exited_ = false;
  /// The generation of the last view evaluated, and when it was first seen.
  std::optional<uint64_t> generation_;
  uint64_t changed_at_ = 0;
  uint64_t deadline_ = 0;
  /// How often the compaction marker appeared at the previous call.
  size_t compactions_seen_ = 0;
};

} // namespace baton::engine::detect
