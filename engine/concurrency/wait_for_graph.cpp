#include "engine/concurrency/wait_for_graph.hpp"

#include <algorithm>
#include <limits>

namespace baton::engine {

namespace {

constexpr uint32_t unset = std::numeric_limits<uint32_t>::max();

} // namespace

std::string_view to_string(wait_kind k) {
  switch (k) {
    case wait_kind::need: return "need";
    case wait_kind::dependency: return "dependency";
    case wait_kind::blocked: return "blocked";
    case wait_kind::lock: return "lock";
  }
  return "unknown";
}

uint32_t wait_for_graph::intern(std::string_view name) {
  if (auto id = find(name))
    return *id;
  auto id = static_cast<uint32_t>(names_.size());
  ids_.emplace(std::string{name}, id);
  names_.emplace_back(name);
  out_.emplace_back();
  in_.emplace_back();
  seen_.push_back(0);
  parent_.push_back({});
  return id;
}

uint32_t wait_for_graph::intern_what(std::string_view what) {
  auto it = what_ids_.find(what);
  if (it != what_ids_.end())
    return it->second;
  auto id = static_cast<uint32_t>(whats_.size());
  what_ids_.emplace(std::string{what}, id);
  whats_.emplace_back(what);
  return id;
}

const uint32_t* wait_for_graph::find(std::string_view name) const {
  auto it = ids_.find(name);
  return it == ids_.end() ? nullptr : &it->second;
}

size_t wait_for_graph::position(uint32_t from, uint32_t to,
                                wait_kind kind) const {
  // Out-lists are sorted by target name, then kind: by name, not id, so the
  // order does not depend on which agent was seen first.
  const auto& list = out_[from];
  const auto& name = names_[to];
  auto it = std::partition_point(list.begin(), list.end(),
                                 [&](const out_edge& e) {
                                   int c = names_[e.to].compare(name);
                                   return c < 0 || (c == 0 && e.kind < kind);
                                 });
  return static_cast<size_t>(it - list.begin());
}

bool wait_for_graph::has_edge_at(uint32_t from, size_t pos, uint32_t to,
                                 wait_kind kind) const {
  const auto& list = out_[from];
  return pos < list.size() && list[pos].to == to && list[pos].kind == kind;
}

void wait_for_graph::erase_in(uint32_t to, uint32_t from) {
  auto& list = in_[to];
  auto it = std::find(list.begin(), list.end(), from);
  if (it != list.end()) {
    *it = list.back();
    list.pop_back();
  }
}

std::vector<wait_edge> wait_for_graph::add(wait_edge e) {
  auto from = intern(e.from);
  auto to = intern(e.to);
  // Search before inserting: the path is recorded as indices into
  // out-lists, which the insertion would shift.
  std::vector<wait_edge> cycle;
  if (from == to) {
    last_search_edges_ = 0;
    cycle.push_back(e);
  } else if (auto p = path(to, from); !p.empty()) {
    cycle.reserve(p.size() + 1);
    cycle.push_back(e);
    for (auto v : p)
      cycle.push_back(edge_at(v));
  }
  auto pos = position(from, to, e.kind);
  auto& list = out_[from];
  auto what = intern_what(e.what);
  if (has_edge_at(from, pos, to, e.kind)) {
    list[pos].what = what;
  } else {
    list.insert(list.begin() + static_cast<std::ptrdiff_t>(pos),
                out_edge{to, what, e.kind});
    in_[to].push_back(from);
    ++edge_count_;
  }
  return cycle;
}

bool wait_for_graph::remove(std::string_view from, std::string_view to,
                            wait_kind kind) {
  auto f = find(from);
  auto t = find(to);
  if (!f || !t)
    return false;
  auto pos = position(*f, *t, kind);
  if (!has_edge_at(*f, pos, *t, kind))
    return false;
  out_[*f].erase(out_[*f].begin() + static_cast<std::ptrdiff_t>(pos));
  erase_in(*t, *f);
  --edge_count_;
  return true;
}

size_t wait_for_graph::remove_from(std::string_view from) {
  auto f = find(from);
  if (!f)
    return 0;
  auto& list = out_[*f];
  auto n = list.size();
  for (const auto& e : list)
    erase_in(e.to, *f);
  list.clear();
  edge_count_ -= n;
  return n;
}

size_t wait_for_graph::remove_agent(std::string_view agent) {
  auto a = find(agent);
  if (!a)
    return 0;
  auto n = remove_from(agent);
  auto sources = std::move(in_[*a]);
  in_[*a].clear();
  std::sort(sources.begin(), sources.end());
  sources.erase(std::unique(sources.begin(), sources.end()), sources.end());
  for (auto s : sources) {
    auto& list = out_[s];
    auto before = list.size();
    std::erase_if(list, [a](const out_edge& e) { return e.to == *a; });
    n += before - list.size();
    edge_count_ -= before - list.size();
  }
  return n;
}

wait_edge wait_for_graph::edge_at(via v) const {
  const auto& e = out_[v.node][v.edge];
  return {names_[v.node], names_[e.to], e.kind, whats_[e.what]};
}

std::vector<wait_edge> wait_for_graph::edges_from(std::string_view from) const {
  std::vector<wait_edge> out;
  auto f = find(from);
  if (!f)
    return out;
  out.reserve(out_[*f].size());
  for (uint32_t i = 0; i < out_[*f].size(); ++i)
    out.push_back(edge_at({*f, i}));
  return out;
}

std::vector<wait_edge> wait_for_graph::edges() const {
  std::vector<wait_edge> out;
  out.reserve(edge_count_);
  for (const auto& [name, id] : ids_)
    for (uint32_t i = 0; i < out_[id].size(); ++i)
      out.push_back(edge_at({id, i}));
  return out;
}

std::vector<wait_for_graph::via>
wait_for_graph::path(uint32_t start, uint32_t goal,
                     const std::vector<uint32_t>* component_of,
                     uint32_t component) const {
  // Breadth-first, edges in name order: the first time an edge reaches
  // `goal` closes a shortest path, and the same one whatever the insertion
  // order. A wrapped stamp would alias old marks, so clear them then.
  if (++stamp_ == 0) {
    std::fill(seen_.begin(), seen_.end(), 0);
    stamp_ = 1;
  }
  size_t visited = 0;
  auto& queue = queue_;
  queue.assign(1, start);
  seen_[start] = stamp_;
  std::vector<via> found;
  for (size_t head = 0; head < queue.size() && found.empty(); ++head) {
    auto u = queue[head];
    const auto& list = out_[u];
    for (uint32_t i = 0; i < list.size(); ++i) {
      ++visited;
      auto w = list[i].to;
      if (w == goal) {
        found.push_back({u, i});
        break;
      }
      if (seen_[w] == stamp_
          || (component_of && (*component_of)[w] != component))
        continue;
      seen_[w] = stamp_;
      parent_[w] = {u, i};
      queue.push_back(w);
    }
  }
  last_search_edges_ = visited;
  if (found.empty())
    return found;
  for (auto n = found.back().node; n != start; n = parent_[n].node)
    found.push_back(parent_[n]);
  std::reverse(found.begin(), found.end());
  return found;
}

std::vector<uint32_t> wait_for_graph::components() const {
  auto n = static_cast<uint32_t>(names_.size());
  std::vector<uint32_t> comp(n, unset), index(n, unset), low(n, 0);
  std::vector<uint32_t> stack;
  std::vector<bool> on_stack(n, false);
  std::vector<std::pair<uint32_t, uint32_t>> calls; // node, next edge
  uint32_t counter = 0, comps = 0;
  auto enter = [&](uint32_t v) {
    index[v] = low[v] = counter++;
    stack.push_back(v);
    on_stack[v] = true;
    calls.emplace_back(v, 0);
  };
  for (uint32_t root = 0; root < n; ++root) {
    if (index[root] != unset)
      continue;
    enter(root);
    while (!calls.empty()) {
      auto [v, i] = calls.back();
      if (i < out_[v].size()) {
        ++calls.back().second;
        auto w = out_[v][i].to;
        if (index[w] == unset)
          enter(w);
        else if (on_stack[w])
          low[v] = std::min(low[v], index[w]);
        continue;
      }
      if (low[v] == index[v]) {
        uint32_t w;
        do {
          w = stack.back();
          stack.pop_back();
          on_stack[w] = false;
          comp[w] = comps;
        } while (w != v);
        ++comps;
      }
      calls.pop_back();
      if (!calls.empty())
        low[calls.back().first] = std::min(low[calls.back().first], low[v]);
    }
  }
  return comp;
}

std::vector<std::vector<wait_edge>> wait_for_graph::cycles() const {
  std::vector<std::vector<wait_edge>> out;
  if (edge_count_ == 0)
    return out;
  auto comp = components();
  std::vector<bool> done(names_.size(), false);
  // Agents in name order: the first agent met of a component is its
  // smallest, and the cycle starts there.
  for (const auto& [name, id] : ids_) {
    if (done[comp[id]])
      continue;
    done[comp[id]] = true;
    auto p = path(id, id, &comp, comp[id]);
    if (p.empty())
      continue;
    auto& cycle = out.emplace_back();
    cycle.reserve(p.size());
    for (auto v : p)
      cycle.push_back(edge_at(v));
  }
  return out;
}

std::string
pick_stub_maker(const std::vector<wait_edge>& cycle,
                const std::function<uint64_t(std::string_view)>& work) {
  const std::string* best = nullptr;
  uint64_t best_work = 0;
  for (const auto& e : cycle) {
    auto w = work(e.from);
    if (!best || w < best_work || (w == best_work && e.from < *best)) {
      best = &e.from;
      best_work = w;
    }
  }
  return best ? *best : std::string{};
}

std::string describe_cycle(const std::vector<wait_edge>& cycle) {
  std::string out;
  for (const auto& e : cycle) {
    if (!out.empty())
      out += "; ";
    out += e.from;
    out += " waits for ";
    out += e.to;
    out += " (";
    out += to_string(e.kind);
    if (!e.what.empty()) {
      out += ": ";
      out += e.what;
    }
    out += ')';
  }
  return out;
}

} // namespace baton::engine
