// wait_for_graph: who waits for whom among a run's agents, and the cycles
// (deadlocks) those waits form. An edge `from -> to` says agent `from`
// cannot go on until agent `to` does something: answers a NEED, finishes a
// task `from` depends on, unblocks it, or releases a lock.
//
// Invariants: at most one edge per (from, to, kind); agent names are
// interned once to dense ids and never forgotten (an agent with no edges
// left costs one name). Every query orders agents by name and a node's
// edges by (target name, kind), so results depend only on the edges
// present, never on the order they were added in. The `what`s are interned
// too and kept. Pure and single-threaded: callers serialise access, const
// calls included (searches share scratch space).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace baton::engine {

/// Why an agent waits.
enum class wait_kind : uint8_t {
  /// It raised a NEED the other agent must answer (a contract, a file).
  need,
  /// Its task depends on a task the other agent runs.
  dependency,
  /// It reported STATUS: BLOCKED on the other agent.
  blocked,
  /// It is queued for a lock the other agent holds (lock_table::waits()).
  lock,
};

/// "need", "dependency", "blocked" or "lock".
std::string_view to_string(wait_kind k);

struct wait_edge {
  std::string from;
  std::string to;
  wait_kind kind = wait_kind::need;
  /// What `from` waits for, e.g. "api/openapi.json"; may be empty.
  std::string what;

  friend bool operator==(const wait_edge&, const wait_edge&) = default;
};

class wait_for_graph {
public:
  /// Adds `from -> to` (replacing the `what` of an edge with the same from,
  /// to and kind). The edge is kept whether or not it closes a cycle.
  /// Returns the cycle this edge closes, if any: the edges in order starting
  /// with `e` (from -> to -> ... -> from), the shortest such path (ties by
  /// name order); empty when none. An edge from an agent to itself is a
  /// cycle of one edge. Re-adding an edge that is on a cycle returns the
  /// cycle again.
  /// Cost: linear in the edges reachable from `to` (a breadth-first search
  /// that stops when it reaches `from`), plus O(log agents) to intern names
  /// and O(out-degree of `from`) to insert.
  std::vector<wait_edge> add(wait_edge e);

  /// Removes the edge (from, to, kind). Returns whether there was one.
  bool remove(std::string_view from, std::string_view to, wait_kind kind);

  /// Removes every edge leaving `from` (its wait ended). Returns how many.
  size_t remove_from(std::string_view from);

  /// Removes every edge into and out of `agent` (it finished or died).
  /// Returns how many.
  size_t remove_agent(std::string_view agent);

  /// The edges leaving `from`, by (target name, kind).
  std::vector<wait_edge> edges_from(std::string_view from) const;

  /// Every edge, by (source name, target name, kind).
  std::vector<wait_edge> edges() const;

  /// One cycle per strongly connected component that has one (not every
  /// elementary cycle): the shortest cycle through the component's agent
  /// with the smallest name, starting at that agent, ties broken by name.
  /// Components are ordered by that agent's name. Cost: linear in the graph.
  std::vector<std::vector<wait_edge>> cycles() const;

  size_t edge_count() const {
    return edge_count_;
  }

  /// Edges the last add() examined in its search (for benchmarks).
  size_t last_search_edges() const {
    return last_search_edges_;
  }

private:
  /// 12 bytes, so a search touches little memory per edge; `what` is an
  /// index into whats_.
  struct out_edge {
    uint32_t to;
    uint32_t what;
    wait_kind kind;
  };
  /// Where a search reached a node from: the node and the index of the edge
  /// in its out-list.
  struct via {
    uint32_t node;
    uint32_t edge;
  };

  uint32_t intern(std::string_view name);
  uint32_t intern_what(std::string_view what);
  const uint32_t* find(std::string_view name) const;
  /// Index in out_[from] where an edge (to, kind) is or would go.
  size_t position(uint32_t from, uint32_t to, wait_kind kind) const;
  bool has_edge_at(uint32_t from, size_t pos, uint32_t to,
                   wait_kind kind) const;
  void erase_in(uint32_t to, uint32_t from);
  /// The shortest path of edges from `start` to `goal` (ties by name
  /// order), at least one edge long, so start == goal finds a cycle. When
  /// `component_of` is given, only nodes `n` with component_of[n] ==
  /// `component` are entered. Empty when there is none.
  std::vector<via> path(uint32_t start, uint32_t goal,
                        const std::vector<uint32_t>* component_of = nullptr,
                        uint32_t component = 0) const;
  wait_edge edge_at(via v) const;
  /// The strongly connected component of every node (Tarjan's algorithm,
  /// iterative), numbered from 0.
  std::vector<uint32_t> components() const;

  std::map<std::string, uint32_t, std::less<>> ids_;
  std::vector<std::string> names_;
  /// Distinct `what`s; index 0 is "".
  std::map<std::string, uint32_t, std::less<>> what_ids_{{"", 0}};
  std::vector<std::string> whats_{""};
  /// Out-edges per node, sorted by (names_[to], kind).
  std::vector<std::vector<out_edge>> out_;
  /// Sources of in-edges per node, one entry per edge, unordered.
  std::vector<std::vector<uint32_t>> in_;
  size_t edge_count_ = 0;
  /// Search scratch: a node is seen in the current search when its stamp
  /// equals stamp_, so starting a search costs nothing per node.
  mutable std::vector<uint32_t> seen_;
  mutable std::vector<via> parent_;
  mutable std::vector<uint32_t> queue_;
  mutable uint32_t stamp_ = 0;
  mutable size_t last_search_edges_ = 0;
};

/// The member of `cycle` to ask for a stub: the one with the least
/// completed work (`work(agent)` gives a count), ties broken by name.
/// Members are the edges' `from` agents. Empty when `cycle` is empty.
std::string
pick_stub_maker(const std::vector<wait_edge>& cycle,
                const std::function<uint64_t(std::string_view)>& work);

/// One line describing the cycle: "frontend waits for backend (need:
/// api/openapi.json); backend waits for frontend (need: web/schema.json)".
/// An edge with no `what` reads "(need)".
std::string describe_cycle(const std::vector<wait_edge>& cycle);

} // namespace baton::engine
