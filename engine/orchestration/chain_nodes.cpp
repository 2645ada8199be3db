#include "engine/orchestration/chain_nodes.hpp"

#include <cassert>
#include <deque>

#include "engine/orchestration/team_scope.hpp"

namespace baton::engine {

chain_scope::chain_scope(plan scoped)
  : fold_(std::move(scoped)), plan_tasks_(fold_.current_plan().tasks.size()) {
  assert(fold_.current_plan().scope.has_value());
}

std::vector<orchestrator_decision> chain_scope::on(const orchestrator_input& in,
                                                   uint64_t now_us) {
  return fold_.on(in, now_us);
}

result<std::vector<orchestrator_decision>>
chain_scope::on(const recorded_delivery& d, uint64_t now_us) {
  if (d.scope != name())
    return error{ec::invalid_argument,
                 "delivery " + std::to_string(d.number) + " is for scope \""
                   + d.scope + "\", not this one (\"" + name() + "\")"};
  if (d.number <= delivered_)
    return std::vector<orchestrator_decision>{};
  delivered_ = d.number;
  return fold_.on_chain(d.input, now_us);
}

std::vector<recorded_report> chain_scope::take_reports() {
  std::vector<recorded_report> out;
  for (auto& r : fold_.take_reports())
    out.push_back({name(), ++reported_, std::move(r)});
  return out;
}

chain_orchestrator::chain_orchestrator(const plan& whole)
  : own_(team_scope(whole, "")), router_(whole) {
}

std::vector<chain_decision> chain_orchestrator::on(const orchestrator_input& in,
                                                   uint64_t now_us) {
  std::vector<chain_decision> out;
  for (auto& d : own_.on(in, now_us))
    out.emplace_back(std::move(d));
  auto reports = own_.take_reports();
  route({reports.begin(), reports.end()}, out, now_us);
  return out;
}

result<std::vector<chain_decision>>
chain_orchestrator::on(const recorded_report& r, uint64_t now_us) {
  auto routed = router_.on(r.scope, r.number, r.report);
  if (!routed)
    return routed.err();
  std::vector<chain_decision> out;
  std::deque<recorded_report> own_reports;
  deliver(*routed, own_reports, out, now_us);
  route(std::move(own_reports), out, now_us);
  return out;
}

void chain_orchestrator::deliver(std::vector<chain_router::delivery>& ds,
                                 std::deque<recorded_report>& own_reports,
                                 std::vector<chain_decision>& out,
                                 uint64_t now_us) {
  for (auto& d : ds) {
    recorded_delivery told{std::move(d.scope), d.number, std::move(d.input)};
    if (told.scope != own_.name()) {
      out.emplace_back(std::move(told));
      continue;
    }
    auto decided = own_.on(told, now_us);
    assert(decided.ok());
    for (auto& x : *decided)
      // Its own finish (on chain_ended) is its scope's; the run's is the
      // router's (route).
      if (!std::holds_alternative<finish_run>(x))
        out.emplace_back(std::move(x));
    for (auto& rep : own_.take_reports())
      own_reports.push_back(std::move(rep));
  }
}

void chain_orchestrator::route(std::deque<recorded_report> own_reports,
                               std::vector<chain_decision>& out,
                               uint64_t now_us) {
  // One queue, in the order the scope numbered them: a report the router
  // took after a later one would be passed over as taken already.
  while (!own_reports.empty()) {
    auto rep = std::move(own_reports.front());
    own_reports.pop_front();
    auto routed = router_.on(rep.scope, rep.number, rep.report);
    assert(routed.ok()); // its own scope is the chain's
    deliver(*routed, own_reports, out, now_us);
  }
  if (router_.finished() && !finish_told_) {
    finish_told_ = true;
    out.emplace_back(*router_.finished());
  }
}

std::vector<frame> not_taken(const std::vector<recorded_report>& sent,
                             uint64_t taken) {
  std::vector<frame> out;
  for (auto& r : sent)
    if (r.number > taken)
      out.push_back(to_event(r));
  return out;
}

std::vector<frame> not_taken(const std::vector<recorded_delivery>& sent,
                             const std::string& scope, uint64_t taken) {
  std::vector<frame> out;
  for (auto& d : sent)
    if (d.scope == scope && d.number > taken)
      out.push_back(to_event(d));
  return out;
}

} // namespace baton::engine
