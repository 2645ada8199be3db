#include "engine/orchestration/chain_router.hpp"

#include <algorithm>
#include <string_view>

#include "engine/orchestration/routing.hpp"
#include "engine/orchestration/team_scope.hpp"

namespace baton::engine {

namespace {

/// The id of a tally's "id (reason)" entry.
std::string_view id_of(std::string_view entry) {
  return entry.substr(0, entry.find(" ("));
}

/// `into` and `more`, each in the order of the ids, merged in that order.
void merge_by_id(std::vector<std::string>& into,
                 const std::vector<std::string>& more) {
  auto middle = into.size();
  into.insert(into.end(), more.begin(), more.end());
  std::inplace_merge(into.begin(), into.begin() + middle, into.end(),
                     [](auto& a, auto& b) { return id_of(a) < id_of(b); });
}

} // namespace

chain_router::chain_router(const plan& p) : scopes_(chain_scopes(p)) {
  scope_index index{p};
  for (auto& a : p.agents)
    if (!a.owns.empty()) {
      plan_agent owner;
      owner.name = a.name;
      owner.owns = a.owns;
      owners_.agents.push_back(std::move(owner));
      owner_scope_[a.name] = index.of_agent(a.name);
    }
  std::map<std::string, std::string, std::less<>> task_scope;
  for (auto& t : p.tasks)
    task_scope[t.id] = index.of_task(p, t);
  for (auto& t : p.tasks)
    for (auto& d : t.after) {
      auto& waiter = task_scope[t.id];
      auto held = task_scope.find(d);
      if (held == task_scope.end() || held->second == waiter)
        continue;
      auto& holders = stub_holders_[d];
      if (std::find(holders.begin(), holders.end(), waiter) == holders.end())
        holders.push_back(waiter);
    }
  // In chain order, so deliveries are.
  for (auto& [task, holders] : stub_holders_)
    std::sort(holders.begin(), holders.end(), [&](auto& a, auto& b) {
      return std::find(scopes_.begin(), scopes_.end(), a)
             < std::find(scopes_.begin(), scopes_.end(), b);
    });
}

uint64_t chain_router::last_report(const std::string& scope) const {
  auto l = last_report_.find(scope);
  return l == last_report_.end() ? 0 : l->second;
}

result<std::vector<chain_router::delivery>>
chain_router::on(const std::string& scope, uint64_t number,
                 const chain_report& r) {
  if (std::find(scopes_.begin(), scopes_.end(), scope) == scopes_.end()) {
    std::string known;
    for (auto& s : scopes_)
      known += (known.empty() ? "\"" : ", \"") + s + "\"";
    return error{ec::invalid_argument,
                 "report " + std::to_string(number) + " from scope \"" + scope
                   + "\", which the chain does not have (its scopes: " + known
                   + ")"};
  }
  auto& last = last_report_[scope];
  if (number <= last)
    return std::vector<delivery>{};
  last = number;
  auto out = std::visit(
    [&](const auto& x) -> std::vector<delivery> {
      using T = std::decay_t<decltype(x)>;
      if constexpr (std::is_same_v<T, chain_verdict>) {
        std::vector<delivery> out;
        if (auto h = stub_holders_.find(x.task); h != stub_holders_.end())
          for (auto& s : h->second)
            out.push_back({s, 0, x});
        return out;
      } else if constexpr (std::is_same_v<T, chain_need>) {
        return on_need(scope, x);
      } else if constexpr (std::is_same_v<T, chain_contract>) {
        return on_contract(scope, x);
      } else {
        return on_settled(scope, x.tally);
      }
    },
    r);
  for (auto& d : out)
    d.number = ++delivered_;
  return out;
}

std::vector<chain_router::delivery>
chain_router::on_need(const std::string& scope, const chain_need& n) {
  auto owner = owner_of(owners_, n.resource);
  auto owner_in = owner_scope_.find(owner);
  // Nobody owns it, the asker does, or (a plan changed under the run) the
  // owner is in the asker's own scope, which did not find it: held.
  if (owner.empty() || owner == n.from || owner_in == owner_scope_.end()
      || owner_in->second == scope) {
    held_.push_back(n);
    return {{scope, 0, need_held{n.from, n.resource}}};
  }
  open_[{owner, n.from}] = scope;
  std::vector<delivery> out{{owner_in->second, 0, n}};
  wait(scope, n, owner, out);
  return out;
}

void chain_router::wait(const std::string& scope, const chain_need& n,
                        const std::string& owner, std::vector<delivery>& out) {
  auto cycle = waits_.add({n.from, owner, wait_kind::need, n.resource});
  if (cycle.empty())
    return;
  std::vector<std::string> members;
  for (auto& e : cycle)
    members.push_back(e.from);
  auto key = members;
  std::sort(key.begin(), key.end());
  if (!deadlocks_.insert(key).second)
    return; // reported when it formed
  // Every member here is an asker whose NEED the router routed: its scope
  // is the NEED's.
  auto maker = pick_stub_maker(cycle, [](std::string_view) { return 0; });
  const wait_edge* from_maker = nullptr;
  const wait_edge* into = nullptr;
  for (auto& e : cycle) {
    if (e.from == maker)
      from_maker = &e;
    if (e.to == maker)
      into = &e;
  }
  if (from_maker == nullptr || into == nullptr)
    return;
  auto at = open_.find({from_maker->to, maker});
  auto maker_scope = at != open_.end() ? at->second : scope;
  out.push_back(
    {maker_scope, 0,
     chain_deadlock{members, describe_cycle(cycle), maker, into->from,
                    into->what.empty() ? "what it waits for" : into->what}});
}

std::vector<chain_router::delivery>
chain_router::on_contract(const std::string& scope, const chain_contract& c) {
  // Each scope concerned is told once, with the waiters that are its own.
  std::map<std::string, chain_contract> to;
  if (auto h = stub_holders_.find(c.task); h != stub_holders_.end())
    for (auto& s : h->second)
      to.try_emplace(s, chain_contract{c.from, c.task, c.title, c.body});
  for (auto& w : c.waiters) {
    // Asked through the chain, or answered already by a stub this
    // CONTRACT replaces.
    std::string scope_of_w;
    if (auto asked = open_.find({c.from, w}); asked != open_.end()) {
      scope_of_w = asked->second;
      answered_[asked->first] = scope_of_w;
      open_.erase(asked);
      waits_.remove(w, c.from, wait_kind::need);
    } else if (auto a = answered_.find({c.from, w}); a != answered_.end()) {
      scope_of_w = a->second;
    } else {
      continue; // not asked through the chain
    }
    auto [at, fresh] = to.try_emplace(
      scope_of_w, chain_contract{c.from, c.task, c.title, c.body});
    at->second.waiters.push_back(w);
  }
  std::vector<delivery> out;
  for (auto& s : scopes_)
    if (auto t = to.find(s); t != to.end() && s != scope)
      out.push_back({s, 0, std::move(t->second)});
  return out;
}

std::vector<chain_router::delivery>
chain_router::on_settled(const std::string& scope, const run_tally& t) {
  settled_[scope] = t;
  if (finish_ || settled_.size() < scopes_.size())
    return {};
  run_tally all;
  for (auto& s : scopes_) {
    auto& part = settled_.at(s);
    all.passed += part.passed;
    all.total += part.total;
    merge_by_id(all.failed, part.failed);
    merge_by_id(all.skipped, part.skipped);
    merge_by_id(all.operator_left, part.operator_left);
    all.stubs.insert(all.stubs.end(), part.stubs.begin(), part.stubs.end());
  }
  finish_ = finish_of(std::move(all));
  std::vector<delivery> out;
  for (auto& s : scopes_)
    out.push_back({s, 0, chain_ended{}});
  return out;
}

} // namespace baton::engine
