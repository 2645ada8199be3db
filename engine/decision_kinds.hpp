// decision_kinds: the enumerations of the orchestrator's decisions and
// inputs that the log first recorded as text alone (TaskEscalated.trigger
// and step, TaskDegraded.policy, LockChanged.what, ApprovalDecided.answer
// and by, ApprovalAnswered.answer, HostChanged.state). The engine works on
// these values; each has the name the log has always recorded, which
// to_string() gives and named<E>() reads back. The schema's enums (record
// version 2, engine/recorded_enums.hpp) are these, shifted by one: 0 there
// is `unset`.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace baton::engine {

/// What set an escalation off.
enum class escalation_trigger : uint8_t { loop, stall };

/// The rung of the escalation ladder a task reached.
enum class escalation_step : uint8_t { nudge, redispatch, reassign, fail };

/// The degradation policy applied to a task that could not be completed.
enum class degrade_policy : uint8_t { merge, ship_without, by_operator };

/// What happened to a lock of the mesh's state folder (lock_table.hpp's
/// events, and the conflicts the orchestrator finds).
enum class lock_change : uint8_t {
  /// `agent` now holds `path` until `expires_us`.
  granted,
  /// `agent` waits for `path`, held by `holder` until `expires_us`.
  queued,
  /// `agent` released `path`.
  released,
  /// `agent`'s lease on `path` ended at `expires_us`.
  expired,
  /// `agent` died holding `path`; the lock was taken from it.
  freed,
  /// `agent`, the holder, acquired `path` again: its lease now ends at
  /// `expires_us`.
  renewed,
  /// `agent` asked to release `path` it does not hold; `why` says why.
  refused,
  /// `agent` left the queue of `path` (it withdrew or died).
  withdrawn,
  /// `agent` modified `path` while `holder` held it, or two agents
  /// modified it unlocked.
  conflict,
};

/// An approval request's answer; `withdrawn`: the agent left its prompt
/// before one, and nothing is typed.
enum class approval_answer : uint8_t { allow, allow_always, deny, withdrawn };

/// Who answered an approval request.
enum class approval_by_kind : uint8_t {
  deny_list,
  rule,
  policy,
  by_operator,
  timeout,
  agent,
};

/// A host's link, as the run sees it.
enum class host_state : uint8_t { connected, unreachable, lost };

/// The names recorded for each enumeration, by value.
template<class E>
struct kind_names;

template<>
struct kind_names<escalation_trigger> {
  static constexpr std::array<std::string_view, 2> names = {"loop", "stall"};
};
template<>
struct kind_names<escalation_step> {
  static constexpr std::array<std::string_view, 4> names
    = {"nudge", "redispatch", "reassign", "fail"};
};
template<>
struct kind_names<degrade_policy> {
  static constexpr std::array<std::string_view, 3> names
    = {"merge", "ship_without", "operator"};
};
template<>
struct kind_names<lock_change> {
  static constexpr std::array<std::string_view, 9> names
    = {"granted", "queued",  "released",  "expired", "freed",
       "renewed", "refused", "withdrawn", "conflict"};
};
template<>
struct kind_names<approval_answer> {
  static constexpr std::array<std::string_view, 4> names
    = {"allow", "allow_always", "deny", "withdrawn"};
};
template<>
struct kind_names<approval_by_kind> {
  static constexpr std::array<std::string_view, 6> names
    = {"deny list", "rule", "policy", "operator", "timeout", "agent"};
};
template<>
struct kind_names<host_state> {
  static constexpr std::array<std::string_view, 3> names
    = {"connected", "unreachable", "lost"};
};

/// The number of values of E.
template<class E>
inline constexpr size_t kind_count = kind_names<E>::names.size();

/// The value whose name is `s`; nullopt for any other text.
template<class E>
constexpr std::optional<E> named(std::string_view s) {
  for (size_t i = 0; i < kind_count<E>; ++i)
    if (kind_names<E>::names[i] == s)
      return static_cast<E>(i);
  return std::nullopt;
}

template<class E>
constexpr std::string_view name_of(E e) {
  auto i = static_cast<size_t>(e);
  return i < kind_count<E> ? kind_names<E>::names[i] : std::string_view{};
}

constexpr std::string_view to_string(escalation_trigger e) {
  return name_of(e);
}
constexpr std::string_view to_string(escalation_step e) {
  return name_of(e);
}
constexpr std::string_view to_string(degrade_policy e) {
  return name_of(e);
}
constexpr std::string_view to_string(lock_change e) {
  return name_of(e);
}
constexpr std::string_view to_string(approval_answer e) {
  return name_of(e);
}
constexpr std::string_view to_string(host_state e) {
  return name_of(e);
}

/// Who answered, with the rule's number when a rule did.
struct approval_by {
  approval_by_kind kind = approval_by_kind::policy;
  /// kind rule: the [[approvals.rules]] entry, from 1 in plan order.
  uint32_t rule = 0;

  friend bool operator==(const approval_by&, const approval_by&) = default;
};

/// "deny list", "rule 2", "policy", "operator", "timeout" or "agent".
std::string to_string(const approval_by& b);

/// What to_string() gives, read back; nullopt for any other text.
std::optional<approval_by> approval_by_named(std::string_view s);

} // namespace baton::engine
