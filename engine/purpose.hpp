// purpose: why an agent is told something, as a value. Recorded beside the
// `why` sentence in AgentTold and PromptRequested (schema::Purpose); folds
// read it rather than the sentence. Runs recorded before it existed carry
// only the sentence: read() gives the same value from it, so old logs fold
// as new ones do.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/record_version.hpp"

namespace baton::engine {

/// schema::Purpose::Kind, value for value.
enum class purpose_kind : uint16_t {
  unset,
  dispatch,
  retry,
  contract,
  need,
  checkpoint,
  status,
  nudge,
  withdrawn,
  stub,
  stub_replaced,
  lock_granted,
  approval,
  team_stopped,
  scope,
  by_operator,
};

struct purpose {
  purpose_kind kind = purpose_kind::unset;
  /// The task it is about.
  std::string task = {};
  /// dispatch, retry: the attempt it starts; status: the ask's number.
  uint32_t attempt = 0;
  /// The agent it comes from (the operator's name for by_operator).
  std::string from = {};
  /// The resource, title, path, trigger or request id (schema::Purpose).
  std::string what = {};

  bool empty() const noexcept {
    return kind == purpose_kind::unset;
  }
  friend bool operator==(const purpose&, const purpose&) = default;
};

/// "dispatch", "stub_replaced", ... ("" for unset).
std::string_view to_string(purpose_kind k) noexcept;

/// The purpose of a message: `typed` when set, else read off the `why`
/// sentences of runs recorded before purposes were typed ("dispatch of
/// task api, attempt 2", "need from web, team a -> team b", ...). Unset
/// when the sentence is none of the engine's.
purpose purpose_of(const purpose& typed, std::string_view why);

} // namespace baton::engine
