#include "engine/concurrency/lock_table.hpp"

#include <algorithm>
#include <limits>

namespace baton::engine {

namespace {

using kind = lock_event::kind;

std::string at(uint64_t us) {
  return std::to_string(us) + "us";
}

} // namespace

lock_table::lock_table(uint64_t default_lease_us)
  : default_lease_us_(default_lease_us) {
}

uint64_t lock_table::lease_end(uint64_t now_us, uint64_t lease_us) const {
  if (lease_us == 0)
    lease_us = default_lease_us_;
  constexpr auto max = std::numeric_limits<uint64_t>::max();
  return lease_us > max - now_us ? max : now_us + lease_us;
}

void lock_table::grant(lock_map::iterator it, std::string agent,
                       uint64_t now_us, uint64_t lease_us, std::string why,
                       std::vector<lock_event>& out) {
  auto& l = it->second;
  l.owner = std::move(agent);
  l.expires_us = lease_end(now_us, lease_us);
  by_expiry_.emplace(l.expires_us, it->first);
  out.push_back({kind::granted, it->first, l.owner, l.owner, l.expires_us,
                 std::move(why)});
}

void lock_table::clear_owner(lock_map::iterator it) {
  auto& l = it->second;
  by_expiry_.erase({l.expires_us, it->first});
  l.owner.clear();
  l.expires_us = 0;
}

void lock_table::hand_on(lock_map::iterator it, uint64_t now_us,
                         std::string why, std::vector<lock_event>& out) {
  auto& queue = it->second.queue;
  if (queue.empty()) {
    locks_.erase(it);
    return;
  }
  auto next = std::move(queue.front());
  queue.pop_front();
  grant(it, std::move(next.agent), now_us, next.lease_us, std::move(why), out);
}

std::vector<lock_event> lock_table::expire(uint64_t now_us) {
  std::vector<lock_event> out;
  while (!by_expiry_.empty() && by_expiry_.begin()->first <= now_us) {
    auto it = locks_.find(by_expiry_.begin()->second);
    auto owner = it->second.owner;
    auto ended = it->second.expires_us;
    clear_owner(it);
    out.push_back({kind::expired, it->first, owner, {}, ended,
                   "lease ended at " + at(ended)});
    hand_on(it, now_us, "after " + owner + "'s lease ended", out);
  }
  return out;
}

std::vector<lock_event> lock_table::acquire(std::string_view path,
                                            std::string_view agent,
                                            uint64_t now_us,
                                            uint64_t lease_us) {
  auto out = expire(now_us);
  auto it = locks_.find(path);
  if (it == locks_.end()) {
    it = locks_.emplace(std::string{path}, lock{}).first;
    grant(it, std::string{agent}, now_us, lease_us, "free", out);
    return out;
  }
  auto& l = it->second;
  if (l.owner == agent) {
    by_expiry_.erase({l.expires_us, it->first});
    l.expires_us = lease_end(now_us, lease_us);
    by_expiry_.emplace(l.expires_us, it->first);
    out.push_back({kind::renewed, it->first, l.owner, l.owner, l.expires_us,
                   "lease renewed until " + at(l.expires_us)});
    return out;
  }
  auto w = std::find_if(l.queue.begin(), l.queue.end(),
                        [agent](const waiter& x) { return x.agent == agent; });
  if (w == l.queue.end())
    l.queue.push_back({std::string{agent}, lease_us});
  else
    w->lease_us = lease_us;
  out.push_back({kind::queued, it->first, std::string{agent}, l.owner,
                 l.expires_us,
                 "held by " + l.owner + " until " + at(l.expires_us)});
  return out;
}

std::vector<lock_event> lock_table::release(std::string_view path,
                                            std::string_view agent,
                                            uint64_t now_us) {
  auto out = expire(now_us);
  auto it = locks_.find(path);
  if (it == locks_.end() || it->second.owner != agent) {
    auto lapsed = std::find_if(out.begin(), out.end(), [&](const auto& e) {
      return e.what == kind::expired && e.path == path && e.agent == agent;
    });
    std::string holder = it == locks_.end() ? "" : it->second.owner;
    std::string why = lapsed != out.end() ? "its lease ended at "
                                              + at(lapsed->expires_us)
                      : holder.empty()    ? "not locked"
                                          : "held by " + holder;
    out.push_back({kind::refused, std::string{path}, std::string{agent},
                   holder, 0, std::move(why)});
    return out;
  }
  clear_owner(it);
  out.push_back({kind::released, it->first, std::string{agent}, {}, 0, {}});
  hand_on(it, now_us, "after " + std::string{agent} + " released it", out);
  return out;
}

std::vector<lock_event> lock_table::withdraw(std::string_view path,
                                             std::string_view agent,
                                             uint64_t now_us) {
  auto out = expire(now_us);
  auto it = locks_.find(path);
  if (it == locks_.end())
    return out;
  auto& l = it->second;
  auto n = std::erase_if(l.queue,
                         [agent](const waiter& w) { return w.agent == agent; });
  if (n > 0)
    out.push_back({kind::withdrawn, it->first, std::string{agent}, l.owner,
                   l.expires_us, "stopped waiting"});
  return out;
}

std::vector<lock_event> lock_table::free_agent(std::string_view agent,
                                               uint64_t now_us) {
  auto out = expire(now_us);
  for (auto it = locks_.begin(); it != locks_.end();) {
    auto next = std::next(it);
    auto& l = it->second;
    if (std::erase_if(l.queue,
                      [agent](const waiter& w) { return w.agent == agent; }))
      out.push_back({kind::withdrawn, it->first, std::string{agent}, l.owner,
                     l.expires_us, "agent died"});
    if (l.owner == agent) {
      auto ended = l.expires_us;
      clear_owner(it);
      out.push_back({kind::freed, it->first, std::string{agent}, {}, ended,
                     "holder died"});
      hand_on(it, now_us, "after " + std::string{agent} + " died", out);
    }
    it = next;
  }
  return out;
}

uint64_t lock_table::next_expiry() const {
  return by_expiry_.empty() ? 0 : by_expiry_.begin()->first;
}

std::optional<lock_grant> lock_table::holder(std::string_view path) const {
  auto it = locks_.find(path);
  if (it == locks_.end())
    return std::nullopt;
  return lock_grant{it->first, it->second.owner, it->second.expires_us};
}

std::vector<lock_grant> lock_table::held() const {
  std::vector<lock_grant> out;
  out.reserve(locks_.size());
  for (const auto& [path, l] : locks_)
    out.push_back({path, l.owner, l.expires_us});
  return out;
}

std::vector<std::pair<std::string, std::string>> lock_table::waits() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [path, l] : locks_)
    for (const auto& w : l.queue) {
      std::pair<std::string, std::string> p{w.agent, l.owner};
      if (std::find(out.begin(), out.end(), p) == out.end())
        out.push_back(std::move(p));
    }
  return out;
}

std::vector<wait_edge> lock_table::wait_edges() const {
  std::vector<wait_edge> out;
  for (const auto& [path, l] : locks_)
    for (const auto& w : l.queue)
      out.push_back({w.agent, l.owner, wait_kind::lock, path});
  return out;
}

std::optional<write_conflict>
lock_table::modified(std::string_view path, std::string_view agent,
                     uint64_t now_us) {
  auto& writers = writers_.try_emplace(std::string{path}).first->second;
  // The latest other writer, before this write moves `agent` to the end.
  std::string previous;
  for (auto w = writers.rbegin(); w != writers.rend(); ++w)
    if (*w != agent) {
      previous = *w;
      break;
    }
  std::erase(writers, agent);
  writers.emplace_back(agent);

  auto it = locks_.find(path);
  bool live = it != locks_.end() && it->second.expires_us > now_us;
  std::string owner = live ? it->second.owner : "";
  if (owner == agent)
    return std::nullopt;
  if (!owner.empty())
    return write_conflict{std::string{path}, std::string{agent}, owner,
                          "locked by " + owner + " until "
                            + at(it->second.expires_us)};
  if (!previous.empty())
    return write_conflict{std::string{path}, std::string{agent}, previous,
                          previous + " modified it too and neither holds "
                                     "its lock"};
  return std::nullopt;
}

} // namespace baton::engine
