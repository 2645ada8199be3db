// The wait-for graph finds the cycle an edge closes, one cycle per
// component on demand, and describes a cycle for people.
#include "engine/concurrency/wait_for_graph.hpp"

#include <map>

#include <catch2/catch.hpp>

using namespace baton::engine;

namespace {

wait_edge need(std::string from, std::string to, std::string what = {}) {
  return {std::move(from), std::move(to), wait_kind::need, std::move(what)};
}

wait_edge edge(std::string from, std::string to, wait_kind kind,
               std::string what = {}) {
  return {std::move(from), std::move(to), kind, std::move(what)};
}

} // namespace

TEST_CASE("two agents waiting for each other close a cycle",
          "[engine][wait_for_graph]") {
  wait_for_graph g;
  CHECK(g.add(need("frontend", "backend", "api/openapi.json")).empty());
  auto cycle = g.add(need("backend", "frontend", "web/schema.json"));
  REQUIRE(cycle.size() == 2);
  CHECK(cycle[0] == need("backend", "frontend", "web/schema.json"));
  CHECK(cycle[1] == need("frontend", "backend", "api/openapi.json"));
  CHECK(g.edge_count() == 2);
  auto all = g.cycles();
  REQUIRE(all.size() == 1);
  CHECK(all[0][0].from == "backend");
  CHECK(all[0][1].from == "frontend");
}

TEST_CASE("three agents waiting through different kinds close a cycle",
          "[engine][wait_for_graph]") {
  wait_for_graph g;
  CHECK(g.add(edge("a", "b", wait_kind::dependency, "task api")).empty());
  CHECK(g.add(edge("b", "c", wait_kind::lock, "db/schema.sql")).empty());
  auto cycle = g.add(edge("c", "a", wait_kind::blocked));
  REQUIRE(cycle.size() == 3);
  CHECK(cycle[0] == edge("c", "a", wait_kind::blocked));
  CHECK(cycle[1] == edge("a", "b", wait_kind::dependency, "task api"));
  CHECK(cycle[2] == edge("b", "c", wait_kind::lock, "db/schema.sql"));
  CHECK(describe_cycle(cycle)
        == "c waits for a (blocked); a waits for b (dependency: task api); "
           "b waits for c (lock: db/schema.sql)");
}

TEST_CASE("an agent waiting for itself is a cycle of one edge",
          "[engine][wait_for_graph]") {
  wait_for_graph g;
  auto cycle = g.add(need("a", "a", "x"));
  REQUIRE(cycle.size() == 1);
  CHECK(cycle[0] == need("a", "a", "x"));
  REQUIRE(g.cycles().size() == 1);
  CHECK(g.cycles()[0] == cycle);
}

TEST_CASE("a chain and a diamond have no cycle", "[engine][wait_for_graph]") {
  wait_for_graph g;
  for (auto [f, t] : {std::pair{"a", "b"}, {"b", "c"}, {"c", "d"}})
    CHECK(g.add(need(f, t)).empty());
  // Diamond: a -> x, a -> y, x -> z, y -> z, and z into the chain's end.
  for (auto [f, t] :
       {std::pair{"a", "x"}, {"a", "y"}, {"x", "z"}, {"y", "z"}, {"z", "d"}})
    CHECK(g.add(need(f, t)).empty());
  // Two kinds between the same agents are two edges, still no cycle.
  CHECK(g.add(edge("a", "b", wait_kind::dependency)).empty());
  CHECK(g.edge_count() == 9);
  CHECK(g.cycles().empty());
}

TEST_CASE("adding the same edge again replaces what it waits for",
          "[engine][wait_for_graph]") {
  wait_for_graph g;
  CHECK(g.add(need("a", "b", "old.json")).empty());
  CHECK(g.add(need("a", "b", "new.json")).empty());
  CHECK(g.edge_count() == 1);
  CHECK(g.edges_from("a") == std::vector{need("a", "b", "new.json")});
  // Re-adding an edge on a cycle reports the cycle again.
  CHECK(g.add(need("b", "a")).size() == 2);
  CHECK(g.add(need("b", "a", "again")).size() == 2);
  CHECK(g.edge_count() == 2);
}

TEST_CASE("a removed edge no longer closes a cycle until it is re-added",
          "[engine][wait_for_graph]") {
  wait_for_graph g;
  g.add(need("a", "b"));
  g.add(need("b", "c"));
  CHECK(g.add(need("c", "a")).size() == 3);
  CHECK_FALSE(g.remove("b", "c", wait_kind::lock)); // other kind: no edge
  CHECK_FALSE(g.remove("b", "nobody", wait_kind::need));
  CHECK(g.remove("b", "c", wait_kind::need));
  CHECK_FALSE(g.remove("b", "c", wait_kind::need));
  CHECK(g.edge_count() == 2);
  CHECK(g.cycles().empty());
  CHECK(g.add(need("b", "c")) == std::vector{need("b", "c"), need("c", "a"),
                                             need("a", "b")});
  CHECK(g.cycles().size() == 1);
}

TEST_CASE("an agent's wait ending removes only its outgoing edges",
          "[engine][wait_for_graph]") {
  wait_for_graph g;
  g.add(need("a", "b"));
  g.add(edge("a", "c", wait_kind::blocked));
  g.add(need("b", "a"));
  CHECK(g.remove_from("a") == 2);
  CHECK(g.remove_from("a") == 0);
  CHECK(g.remove_from("nobody") == 0);
  CHECK(g.edges() == std::vector{need("b", "a")});
  CHECK(g.cycles().empty());
}

TEST_CASE("removing an agent breaks the cycles through it",
          "[engine][wait_for_graph]") {
  wait_for_graph g;
  g.add(need("a", "b"));
  g.add(need("b", "c"));
  g.add(need("c", "a"));
  g.add(edge("c", "b", wait_kind::dependency)); // b <-> c stays a cycle
  g.add(need("d", "b"));
  CHECK(g.cycles().size() == 1);
  CHECK(g.remove_agent("c") == 3);
  CHECK(g.edges() == std::vector{need("a", "b"), need("d", "b")});
  CHECK(g.cycles().empty());
  CHECK(g.remove_agent("c") == 0);
  // The agent can come back.
  CHECK(g.add(need("b", "a")).size() == 2);
}

TEST_CASE("cycles() gives one cycle per component, by smallest name",
          "[engine][wait_for_graph]") {
  wait_for_graph g;
  // Component {m, n, o} with two cycles through m; the shortest is kept.
  g.add(need("m", "n"));
  g.add(need("n", "o"));
  g.add(need("o", "m"));
  g.add(need("n", "m"));
  // Component {b, c}, plus a tail into it that is no part of a cycle.
  g.add(need("c", "b"));
  g.add(need("b", "c"));
  g.add(need("z", "c"));
  auto all = g.cycles();
  REQUIRE(all.size() == 2);
  CHECK(all[0] == std::vector{need("b", "c"), need("c", "b")});
  CHECK(all[1] == std::vector{need("m", "n"), need("n", "m")});
}

TEST_CASE("the same edges in another order give the same cycles",
          "[engine][wait_for_graph]") {
  std::vector<wait_edge> edges = {
    need("fe", "be", "api.json"), need("be", "db", "schema.sql"),
    edge("db", "fe", wait_kind::blocked), edge("db", "be", wait_kind::lock),
    need("docs", "fe"), need("qa", "docs"), need("ops", "qa"),
    edge("qa", "ops", wait_kind::dependency), need("x", "y"), need("y", "z"),
  };
  wait_for_graph forward, backward, shuffled;
  for (const auto& e : edges)
    forward.add(e);
  for (auto it = edges.rbegin(); it != edges.rend(); ++it)
    backward.add(*it);
  for (size_t i : {7, 2, 9, 0, 5, 3, 8, 1, 6, 4})
    shuffled.add(edges[i]);
  auto expected = forward.cycles();
  REQUIRE(expected.size() == 2);
  CHECK(backward.cycles() == expected);
  CHECK(shuffled.cycles() == expected);
  CHECK(backward.edges() == forward.edges());
  CHECK(shuffled.edges_from("db") == forward.edges_from("db"));
  // The cycle add() reports depends on the edges present, not their order.
  wait_for_graph a, b;
  a.add(need("p", "q"));
  a.add(need("p", "r"));
  a.add(need("q", "s"));
  a.add(need("r", "s"));
  b.add(need("r", "s"));
  b.add(need("q", "s"));
  b.add(need("p", "r"));
  b.add(need("p", "q"));
  CHECK(a.add(need("s", "p")) == b.add(need("s", "p")));
}

TEST_CASE("describe_cycle is one line for people", "[engine][wait_for_graph]") {
  CHECK(describe_cycle({need("frontend", "backend", "api/openapi.json"),
                        need("backend", "frontend", "web/schema.json")})
        == "frontend waits for backend (need: api/openapi.json); backend "
           "waits for frontend (need: web/schema.json)");
  CHECK(describe_cycle({}).empty());
  CHECK(to_string(wait_kind::dependency) == "dependency");
}

TEST_CASE("the stub maker is the member with the least work, then by name",
          "[engine][wait_for_graph]") {
  std::vector cycle{need("frontend", "backend"), need("backend", "docs"),
                    need("docs", "frontend")};
  std::map<std::string, uint64_t, std::less<>> work{
    {"frontend", 5}, {"backend", 2}, {"docs", 3}};
  auto by_work = [&](std::string_view a) { return work.find(a)->second; };
  CHECK(pick_stub_maker(cycle, by_work) == "backend");
  work["docs"] = 2;
  CHECK(pick_stub_maker(cycle, by_work) == "backend");
  work["backend"] = 7;
  CHECK(pick_stub_maker(cycle, by_work) == "docs");
  CHECK(pick_stub_maker({}, by_work).empty());
}
