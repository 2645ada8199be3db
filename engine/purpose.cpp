#include "engine/purpose_event.hpp"

#include <array>
#include <charconv>

namespace baton::engine {

namespace {

using kind = schema::Purpose::Kind;

static_assert(static_cast<uint16_t>(kind::OPERATOR)
              == static_cast<uint16_t>(purpose_kind::by_operator));
static_assert(static_cast<uint16_t>(kind::STUB_REPLACED)
              == static_cast<uint16_t>(purpose_kind::stub_replaced));
static_assert(static_cast<uint16_t>(kind::DISPATCH)
              == static_cast<uint16_t>(purpose_kind::dispatch));

constexpr std::array<std::string_view, 16> names{
  "",          "dispatch",      "retry",        "contract",
  "need",      "checkpoint",    "status",       "nudge",
  "withdrawn", "stub",          "stub_replaced", "lock_granted",
  "approval",  "team_stopped",  "scope",        "operator",
};

std::string str(capnp::Text::Reader t) {
  return {t.begin(), t.size()};
}

capnp::Text::Reader text(const std::string& s) {
  return {s.data(), s.size()};
}

/// Drops `prefix` from `s`; false (and `s` as it was) when it is not there.
bool take(std::string_view& s, std::string_view prefix) {
  if (!s.starts_with(prefix))
    return false;
  s.remove_prefix(prefix.size());
  return true;
}

uint32_t number(std::string_view s) {
  uint32_t n = 0;
  std::from_chars(s.data(), s.data() + s.size(), n);
  return n;
}

/// An agent's name ends at the first ',' or ' ' (names have neither).
std::string name_at(std::string_view s) {
  return std::string{s.substr(0, s.find_first_of(", "))};
}

/// The sentences the engine wrote as `why` before purposes were typed.
purpose from_sentence(std::string_view why) {
  using k = purpose_kind;
  auto s = why;
  if (take(s, "dispatch of task ")) {
    auto comma = s.find(", attempt ");
    purpose p{k::dispatch, std::string{s.substr(0, comma)}, 1};
    if (comma != std::string_view::npos)
      p.attempt = number(s.substr(comma + 10));
    return p;
  }
  if (take(s, "retry of task "))
    return {k::retry, std::string{s}};
  if (take(s, "reassign of task "))
    return {k::withdrawn, std::string{s}};
  if (take(s, "contract from "))
    return {k::contract, {}, 0, name_at(s)};
  if (take(s, "need from "))
    return {k::need, {}, 0, name_at(s)};
  if (s == "checkpoint after context compaction")
    return {k::checkpoint};
  if (take(s, "status asked for task ")) {
    auto paren = s.find(" (");
    purpose p{k::status, std::string{s.substr(0, paren)}};
    if (paren != std::string_view::npos)
      p.attempt = number(s.substr(paren + 2));
    return p;
  }
  for (auto trigger : {"loop", "stall"}) {
    auto t = s;
    if (take(t, trigger) && take(t, " on task ")) {
      auto colon = t.rfind(": ");
      if (colon == std::string_view::npos)
        break;
      auto rung = t.substr(colon + 2);
      auto task = std::string{t.substr(0, colon)};
      if (rung == "nudge")
        return {k::nudge, task, 0, {}, trigger};
      if (rung == "reassign")
        return {k::withdrawn, task};
      break;
    }
  }
  if (take(s, "deadlock: stub of ")) {
    auto f = s.rfind(" for ");
    if (f != std::string_view::npos)
      return {k::stub, {}, 0, std::string{s.substr(f + 5)},
              std::string{s.substr(0, f)}};
    return {k::stub};
  }
  if (take(s, "stub replaced by "))
    return {k::stub_replaced, {}, 0, std::string{s}};
  if (take(s, "lock granted: "))
    return {k::lock_granted, {}, 0, {}, std::string{s}};
  if (take(s, "approval ")) {
    auto id = s.substr(0, s.find_first_of(": "));
    return {k::approval, {}, 0, {}, std::string{id}};
  }
  if (take(s, "stopped by "))
    return {k::team_stopped, {}, 0, {}, std::string{s}};
  if (take(s, "scope violation by "))
    return {k::scope, {}, 0, std::string{s}};
  if (take(s, "the operator (")) {
    auto comma = s.find(", ");
    return {k::by_operator, {}, 0, std::string{s.substr(0, comma)}};
  }
  if (take(s, "task ")) {
    auto sp = s.find(' ');
    if (sp != std::string_view::npos
        && s.substr(sp).starts_with(" cancelled by "))
      return {k::withdrawn, std::string{s.substr(0, sp)}};
  }
  return {};
}

} // namespace

std::string_view to_string(purpose_kind k) noexcept {
  auto i = static_cast<size_t>(k);
  return i < names.size() ? names[i] : std::string_view{};
}

void write_purpose(schema::Purpose::Builder b, const purpose& p) {
  b.setKind(static_cast<kind>(p.kind));
  if (!p.task.empty())
    b.setTask(text(p.task));
  if (p.attempt != 0)
    b.setAttempt(p.attempt);
  if (!p.from.empty())
    b.setFrom(text(p.from));
  if (!p.what.empty())
    b.setWhat(text(p.what));
}

purpose read_purpose(schema::Purpose::Reader r) {
  auto k = static_cast<uint16_t>(r.getKind());
  // A kind a later version added reads as none: the sentence says it.
  if (k >= names.size())
    return {};
  return {static_cast<purpose_kind>(k), str(r.getTask()), r.getAttempt(),
          str(r.getFrom()), str(r.getWhat())};
}

purpose purpose_of(const purpose& typed, std::string_view why) {
  return typed.empty() ? from_sentence(why) : typed;
}

purpose purpose_of(schema::AgentTold::Reader r) {
  return purpose_of(r.hasPurpose() ? read_purpose(r.getPurpose()) : purpose{},
                    {r.getWhy().begin(), r.getWhy().size()});
}

purpose purpose_of(schema::PromptRequested::Reader r) {
  return purpose_of(r.hasPurpose() ? read_purpose(r.getPurpose()) : purpose{},
                    {r.getWhy().begin(), r.getWhy().size()});
}

} // namespace baton::engine
