// supervisor: the decisions of an Erlang/OTP supervisor, as a pure model.
// Given "child X ended this way at logical time T", it says which children
// to stop (reverse start order), which to start again (start order), which
// to drop from the spec, and whether the restart intensity was exceeded —
// in which case every child is stopped and the supervisor itself ends, for
// its own parent to decide about.
//
// Semantics are OTP's (supervisor.erl):
//  - restart type: a permanent child is always restarted; a transient one
//    only when it exited abnormally; a temporary one never (it is dropped).
//    A transient child that ended normally or by shutdown is dropped too.
//  - strategy: one_for_one restarts the child alone; one_for_all stops every
//    other child and restarts all; rest_for_one stops the children started
//    after it and restarts it and them. Temporary children stopped on the
//    way are dropped, not restarted.
//  - intensity: more than `intensity` restarts within `period_us` (a sliding
//    window, bounds inclusive) ends the supervisor. An exit that needs no
//    restart does not count.
//
// Invariant: every child of the live spec (children()) runs once the last
// action has been carried out. Pure: time is an argument, nothing is read.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace baton::engine {

enum class restart_strategy : uint8_t {
  one_for_one,
  one_for_all,
  rest_for_one
};

enum class restart_type : uint8_t { permanent, transient, temporary };

/// How a child ended: by itself with success (normal), because it was asked
/// to (shutdown), or anything else — a crash, a kill, an error (abnormal).
enum class exit_kind : uint8_t { normal, shutdown, abnormal };

/// "one_for_one", "permanent", "abnormal"...
std::string_view to_string(restart_strategy s);
std::string_view to_string(restart_type t);
std::string_view to_string(exit_kind k);

/// Accepts the names to_string() gives, with '-' or '_' between words
/// ("one-for-all"). std::nullopt for anything else.
std::optional<restart_strategy> parse_restart_strategy(std::string_view s);
std::optional<restart_type> parse_restart_type(std::string_view s);

struct child_spec {
  /// Unique among the supervisor's children.
  std::string id;
  /// Default: permanent.
  restart_type restart = restart_type::permanent;

  friend bool operator==(const child_spec&, const child_spec&) = default;
};

struct supervisor_spec {
  /// Default: one_for_one.
  restart_strategy strategy = restart_strategy::one_for_one;
  /// Restarts allowed within a period. Default: 3 (OTP's is 1 within 5 s).
  uint32_t intensity = 3;
  /// The sliding window, in logical µs. Default: 60 s.
  uint64_t period_us = 60'000'000;
  /// In start order. Ids are unique.
  std::vector<child_spec> children;
};

/// What to do about one exit, in order: stop, then start.
struct supervisor_action {
  /// Children to terminate, in reverse start order. Never the child whose
  /// exit this is (it has ended already).
  std::vector<std::string> stop;
  /// Children to (re)start, in start order.
  std::vector<std::string> start;
  /// Children dropped from the spec: temporary ones, and transient ones that
  /// need no restart.
  std::vector<std::string> removed;
  /// Intensity exceeded: every other child is in `stop` (reverse start
  /// order), nothing starts, the supervisor has ended and its parent must
  /// be told (its own exit is abnormal).
  bool escalate = false;
  /// One sentence for a person, e.g. "backend exited abnormally;
  /// one_for_all restarts api, backend, web (restart 2 of 3 within 60 s)".
  std::string why;

  friend bool operator==(const supervisor_action&, const supervisor_action&)
    = default;
};

class supervisor {
public:
  /// @pre the children's ids are unique.
  explicit supervisor(supervisor_spec spec);

  /// A supervisor as restarts() and stopped() described it (a snapshot):
  /// `spec` its live spec, `restarts` the restart times still counted.
  supervisor(supervisor_spec spec, std::deque<uint64_t> restarts, bool stopped);

  /// The decision about `child` having ended `how` at logical time `now_us`
  /// (times never go down). The spec is updated (removed children leave
  /// it). An unknown child, or any exit once stopped(), gives an action with
  /// nothing to do and a why that says so.
  supervisor_action on_exit(std::string_view child, exit_kind how,
                            uint64_t now_us);

  /// Appends `c` (it starts last; the caller starts it). Replaces the spec of
  /// a child with the same id, keeping its place.
  void add_child(child_spec c);

  /// Drops a child from the spec (the caller stops it). False when unknown.
  bool remove_child(std::string_view id);

  /// The live spec, in start order.
  const std::vector<child_spec>& children() const {
    return spec_.children;
  }

  const supervisor_spec& spec() const {
    return spec_;
  }

  /// Restarts within [now_us - period_us, now_us].
  size_t restarts_in_window(uint64_t now_us) const;

  /// True once the intensity was exceeded.
  bool stopped() const {
    return stopped_;
  }

  /// Logical times of the restarts that may still count against the
  /// intensity, oldest first.
  const std::deque<uint64_t>& restarts() const {
    return restarts_;
  }

private:
  /// Index of `id` in the spec, or children().size().
  size_t find(std::string_view id) const;
  bool needs_restart(const child_spec& c, exit_kind how) const;
  /// Records a restart at `now_us`; false when it exceeds the intensity.
  bool count_restart(uint64_t now_us);
  /// Stops every child from `first` on (but `skip`) and starts them again in
  /// order, dropping temporary ones.
  void restart_from(size_t first, size_t skip, supervisor_action& a);
  std::string window_text(uint64_t now_us) const;

  supervisor_spec spec_;
  /// Logical times of the restarts still in the window, oldest first.
  std::deque<uint64_t> restarts_;
  bool stopped_ = false;
};

} // namespace baton::engine
