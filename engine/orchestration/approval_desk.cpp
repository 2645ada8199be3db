#include "engine/orchestration/approval_desk.hpp"

namespace baton::engine {

void approval_desk::open(approval_view v) {
  deadlines_.emplace(v.deadline_us, v.id);
  auto id = v.id;
  waiting_[id] = std::move(v);
}

std::optional<approval_view> approval_desk::take(const std::string& id) {
  auto p = waiting_.find(id);
  if (p == waiting_.end())
    return std::nullopt;
  auto v = std::move(p->second);
  waiting_.erase(p);
  return v;
}

std::optional<approval_view> approval_desk::take_due(uint64_t now) {
  while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
    auto id = deadlines_.begin()->second;
    deadlines_.erase(deadlines_.begin());
    if (auto v = take(id))
      return v;
  }
  return std::nullopt;
}

} // namespace baton::engine
