#include "engine/orchestration/task_board.hpp"

#include <algorithm>

namespace baton::engine {

std::string_view to_string(task_status s) {
  switch (s) {
    case task_status::waiting: return "waiting";
    case task_status::ready: return "ready";
    case task_status::dispatched: return "dispatched";
    case task_status::verifying: return "verifying";
    case task_status::passed: return "passed";
    case task_status::failed: return "failed";
  }
  return "unknown";
}

task_board::task_board(const plan& p) {
  views_.reserve(p.tasks.size());
  for (size_t i = 0; i < p.tasks.size(); ++i) {
    auto& t = p.tasks[i];
    auto& v = tasks_[t.id];
    v.id = t.id;
    v.agent = t.agent;
    v.max_attempts = 1 + t.retries.value_or(p.run.retries);
    index_[t.id] = i;
    views_.push_back(&v);
    external_.push_back(t.external);
    externals_ += t.external ? 1 : 0;
  }
  dependents_.resize(p.tasks.size());
  for (size_t i = 0; i < p.tasks.size(); ++i)
    for (auto& d : p.tasks[i].after)
      if (auto j = index_.find(d); j != index_.end())
        dependents_[j->second].push_back(i);
  stage_of_.assign(p.tasks.size(), no_stage);
  for (size_t s = 0; s < p.stages.size(); ++s)
    for (auto& id : p.stages[s].tasks)
      if (auto j = index_.find(id); j != index_.end())
        stage_of_[j->second] = s;
  passed_in_stage_.assign(p.stages.size(), 0);
  failed_in_stage_.assign(p.stages.size(), 0);
}

task_view& task_board::add(const plan_task& pt, uint32_t max_attempts,
                           size_t stage) {
  auto i = views_.size();
  auto& v = tasks_[pt.id];
  v.id = pt.id;
  v.agent = pt.agent;
  v.max_attempts = max_attempts;
  index_[pt.id] = i;
  views_.push_back(&v);
  external_.push_back(pt.external);
  externals_ += pt.external ? 1 : 0;
  dependents_.emplace_back();
  for (auto& d : pt.after)
    if (auto j = index_.find(d); j != index_.end())
      dependents_[j->second].push_back(i);
  stage_of_.push_back(stage);
  return v;
}

task_view* task_board::find(std::string_view id) {
  auto i = index_.find(id);
  return i == index_.end() ? nullptr : views_[i->second];
}

const task_view* task_board::find(std::string_view id) const {
  auto i = index_.find(id);
  return i == index_.end() ? nullptr : views_[i->second];
}

size_t task_board::index_of(std::string_view id) const {
  return index_.find(id)->second;
}

uint64_t task_board::completed_work(std::string_view agent) const {
  uint64_t passed = 0;
  uint64_t progress = 0;
  for (auto* v : views_)
    if (v->agent == agent) {
      if (v->status == task_status::passed)
        ++passed;
      else if (v->status == task_status::dispatched)
        progress = std::max<uint64_t>(progress, v->attempt_progress);
    }
  return passed * 1000 + progress;
}

void task_board::queue_all() {
  for (size_t i = 0; i < views_.size(); ++i)
    worklist_.insert(i);
}

std::optional<size_t> task_board::next_queued() {
  if (worklist_.empty())
    return std::nullopt;
  auto i = *worklist_.begin();
  worklist_.erase(worklist_.begin());
  return i;
}

void task_board::make_ready(size_t i) {
  auto& v = *views_[i];
  v.status = task_status::ready;
  if (v.agent.empty()) {
    ready_any_.insert(i);
  } else {
    ready_for_[v.agent].insert(i);
    dirty_.insert(v.agent);
  }
}

void task_board::unready(size_t i) {
  auto& v = *views_[i];
  if (v.status != task_status::ready)
    return;
  if (v.agent.empty()) {
    ready_any_.erase(i);
  } else if (auto r = ready_for_.find(v.agent); r != ready_for_.end()) {
    r->second.erase(i);
    if (r->second.empty())
      ready_for_.erase(r);
  }
}

void task_board::settle(size_t i, bool passed) {
  unready(i);
  views_[i]->status = passed ? task_status::passed : task_status::failed;
  if (!external_[i])
    ++settled_;
  for (auto d : dependents_[i])
    worklist_.insert(d);
  if (stage_of_[i] != no_stage)
    ++(passed ? passed_in_stage_ : failed_in_stage_)[stage_of_[i]];
}

void task_board::reopen(size_t i, std::string agent) {
  auto& v = *views_[i];
  if (!external_[i])
    --settled_;
  if (stage_of_[i] != no_stage)
    --(v.status == task_status::passed ? passed_in_stage_
                                       : failed_in_stage_)[stage_of_[i]];
  task_view fresh;
  fresh.id = v.id;
  fresh.agent = std::move(agent);
  fresh.max_attempts = v.max_attempts;
  fresh.added_by = v.added_by;
  v = std::move(fresh);
  worklist_.insert(i);
}

bool task_board::advance_stages(const plan& p) {
  if (p.run.pattern != plan_pattern::pipeline)
    return false;
  // Past every stage whose tasks all passed, opening the next; a failed
  // task stops it there, and no later stage starts.
  while (stage_ < p.stages.size()
         && passed_in_stage_[stage_] == p.stages[stage_].tasks.size()) {
    ++stage_;
    if (stage_ < p.stages.size())
      for (auto& id : p.stages[stage_].tasks)
        worklist_.insert(index_of(id));
  }
  bool failed = stage_ < p.stages.size() && failed_in_stage_[stage_] > 0;
  if (failed && !later_stages_closed_) {
    later_stages_closed_ = true;
    for (size_t s = stage_ + 1; s < p.stages.size(); ++s)
      for (auto& id : p.stages[s].tasks)
        worklist_.insert(index_of(id));
  }
  return failed;
}

std::set<size_t> task_board::candidates() {
  std::set<size_t> out(ready_any_.begin(), ready_any_.end());
  for (auto& name : dirty_)
    if (auto r = ready_for_.find(name);
        r != ready_for_.end() && !r->second.empty())
      out.insert(*r->second.begin());
  dirty_.clear();
  return out;
}

std::set<size_t> task_board::ready_for(const std::string& agent) const {
  auto r = ready_for_.find(agent);
  return r == ready_for_.end() ? std::set<size_t>{} : r->second;
}

std::optional<std::pair<uint64_t, size_t>> task_board::take_due(uint64_t now) {
  if (deadlines_.empty() || deadlines_.begin()->first > now)
    return std::nullopt;
  auto d = *deadlines_.begin();
  deadlines_.erase(deadlines_.begin());
  return d;
}

} // namespace baton::engine
