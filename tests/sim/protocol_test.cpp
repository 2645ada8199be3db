// The protocol lines as the sim prints them (DESIGN.md §4).
#include "sim/protocol.hpp"

#include <catch2/catch.hpp>

using namespace baton::sim;

TEST_CASE("status lines name their kind and carry the text after a dash",
          "[sim][protocol]") {
  CHECK(status_line(status_kind::done, "api added + 12 passed")
        == "STATUS: DONE — api added + 12 passed");
  CHECK(status_line(status_kind::blocked, "need the schema")
        == "STATUS: BLOCKED — need the schema");
  CHECK(status_line(status_kind::error, "x, y, z")
        == "STATUS: ERROR — x, y, z");
  CHECK(status_line(status_kind::done, "") == "STATUS: DONE");
}

TEST_CASE("progress, build, need, contract and task lines", "[sim][protocol]") {
  CHECK(progress_line(2, 5, "parser written")
        == "PROGRESS: 2/5 — parser written");
  CHECK(build_line("") == "BUILD: PASS");
  CHECK(build_line("a.cpp:3: error") == "BUILD: FAIL — a.cpp:3: error");
  CHECK(need_line("api/openapi.json", "the shapes")
        == "NEED: api/openapi.json — the shapes");
  CHECK(contract_line("todo API v1") == "CONTRACT: todo API v1");
  CHECK(task_line("fix it", {"a", "b"}, "it is broken")
        == "TASK: fix it [requires: a, b] — it is broken");
  CHECK(task_line("fix it", {}, "") == "TASK: fix it");
}

TEST_CASE("status kinds parse in any case", "[sim][protocol]") {
  status_kind k = status_kind::done;
  CHECK(parse_status_kind("Blocked", k));
  CHECK(k == status_kind::blocked);
  CHECK(parse_status_kind("ERROR", k));
  CHECK(k == status_kind::error);
  CHECK_FALSE(parse_status_kind("finished", k));
}
