#include "engine/orchestration/routing.hpp"

#include <algorithm>

#include "engine/plan/plan_check.hpp"

namespace baton::engine {

std::string owner_of(const plan& p, std::string_view resource) {
  for (auto& a : p.agents)
    for (auto& glob : a.owns)
      if (globs_overlap(glob, resource))
        return a.name;
  return {};
}

void routing::need(const std::string& owner, const std::string& from,
                   std::string request, std::string resource) {
  need_text_[{owner, from}] = {std::move(request), std::move(resource)};
  auto& waiting = waiting_on_[owner];
  if (std::find(waiting.begin(), waiting.end(), from) == waiting.end())
    waiting.push_back(from);
}

std::vector<std::string> routing::answered_by(const std::string& owner) {
  auto w = waiting_on_.find(owner);
  if (w == waiting_on_.end())
    return {};
  auto out = std::move(w->second);
  waiting_on_.erase(w);
  for (auto& from : out)
    need_text_.erase({owner, from});
  return out;
}

void routing::answered(const std::string& owner, const std::string& from) {
  auto w = waiting_on_.find(owner);
  if (w == waiting_on_.end())
    return;
  std::erase(w->second, from);
  if (w->second.empty())
    waiting_on_.erase(w);
  need_text_.erase({owner, from});
}

bool routing::waiting(const std::string& agent) const {
  for (auto& [owner, waiters] : waiting_on_)
    if (std::find(waiters.begin(), waiters.end(), agent) != waiters.end())
      return true;
  return false;
}

std::vector<routing::open_need> routing::open_needs() const {
  std::vector<open_need> out;
  for (auto& [owner, waiters] : waiting_on_)
    for (auto& w : waiters)
      if (auto t = need_text_.find({owner, w}); t != need_text_.end())
        out.push_back({owner, w, t->second.first, t->second.second});
  return out;
}

const std::vector<std::string>&
routing::contracts_of(const std::string& agent) const {
  static const std::vector<std::string> none;
  auto c = contracts_.find(agent);
  return c == contracts_.end() ? none : c->second;
}

} // namespace baton::engine
