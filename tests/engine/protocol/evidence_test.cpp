#include "engine/protocol/evidence.hpp"

#include <catch2/catch.hpp>

using namespace baton::engine::protocol;

TEST_CASE("test counts are read in the common forms",
          "[engine][protocol][evidence]") {
  auto a = extract_evidence("tests pass (23/23)");
  CHECK(a.tests.passed == 23u);
  CHECK(a.tests.total == 23u);
  CHECK_FALSE(a.tests.failed);

  auto b = extract_evidence("23 passed");
  CHECK(b.tests.passed == 23u);
  CHECK_FALSE(b.tests.total);

  auto c = extract_evidence("5 passed, 0 failed");
  CHECK(c.tests.passed == 5u);
  CHECK(c.tests.failed == 0u);
  CHECK(c.tests.total == 5u);

  auto d = extract_evidence("ran 12 tests, 2 failures");
  CHECK(d.tests.failed == 2u);
  CHECK(d.tests.total == 12u);

  auto e = extract_evidence("all 40 tests pass");
  CHECK(e.tests.passed == 40u);
  CHECK(e.tests.total == 40u);

  auto f = extract_evidence("18/20 tests passing");
  CHECK(f.tests.passed == 18u);
  CHECK(f.tests.total == 20u);
}

TEST_CASE("text without counts has no test counts",
          "[engine][protocol][evidence]") {
  CHECK(extract_evidence("added the login form").tests.empty());
  CHECK(extract_evidence("").empty());
}

TEST_CASE("file paths are found, URLs and fractions are not",
          "[engine][protocol][evidence]") {
  auto e = extract_evidence(
    "wrote src/auth/login.cpp and README.md; see https://x.io/a/b, "
    "(3/4) e.g. done. Also ./build/out and `api/openapi.json`, "
    "src/auth/login.cpp:42");
  REQUIRE(e.paths.size() == 4);
  CHECK(e.paths[0] == "src/auth/login.cpp");
  CHECK(e.paths[1] == "README.md");
  CHECK(e.paths[2] == "./build/out");
  CHECK(e.paths[3] == "api/openapi.json");
}

TEST_CASE("ports are found, times and file lines are not",
          "[engine][protocol][evidence]") {
  auto e = extract_evidence("serving on :8080 and http://localhost:3000/api, "
                            "db at 127.0.0.1:5432, port 9000; at 12:30, "
                            "see main.cpp:42");
  REQUIRE(e.ports.size() == 4);
  CHECK(e.ports[0] == 8080);
  CHECK(e.ports[1] == 3000);
  CHECK(e.ports[2] == 5432);
  CHECK(e.ports[3] == 9000);
}

TEST_CASE("impossible ports are ignored", "[engine][protocol][evidence]") {
  CHECK(extract_evidence("port 99999").ports.empty());
}

TEST_CASE("a DONE is judged by what it states, not by its punctuation",
          "[engine][protocol][evidence]") {
  // The protocol's own example, without " + ".
  CHECK(states_checkable("Built REST API with 6 endpoints, all tests pass "
                         "(23/23), server running on port 3001"));
  CHECK(states_checkable("wrote notes.md"));
  CHECK(states_checkable("added the parser, 3 files changed"));
  CHECK(states_checkable("`make check` exits 0"));
  CHECK(states_checkable("all tests pass"));
  CHECK(states_checkable("the build passes"));
  // Nothing a person could check.
  CHECK_FALSE(states_checkable("I think the API is working"));
  CHECK_FALSE(states_checkable("Everything looks good"));
  CHECK_FALSE(states_checkable("done"));
  CHECK_FALSE(states_checkable("did two"));
  CHECK_FALSE(states_checkable(""));
}

TEST_CASE("a number states a quantity only with a unit or a noun after it",
          "[engine][protocol][evidence]") {
  CHECK(states_checkable("served 40% faster"));
  CHECK(states_checkable("startup takes 3 s"));
  CHECK(states_checkable("2 migrations applied"));
  CHECK(states_checkable("all tests passing"));
  CHECK_FALSE(states_checkable("finished part 2 of the task"));
  CHECK_FALSE(states_checkable("step 1 done"));
  CHECK_FALSE(states_checkable("on the 2nd try it works"));
}

TEST_CASE("the checkable statements of a line are kept, the rest is not",
          "[engine][protocol][evidence]") {
  // All of it is checkable: the line itself.
  auto example = "Built REST API with 6 endpoints, all tests pass (23/23), "
                 "server running on port 3001";
  CHECK(checkable_statements(example) == example);
  CHECK(checkable_statements("  wrote notes.md ") == "wrote notes.md");
  // Vague clauses go; brackets and backquotes are never cut.
  CHECK(checkable_statements("I think it works now, 12 tests pass (12/12). "
                             "Everything looks good.")
        == "12 tests pass (12/12)");
  CHECK(checkable_statements("refactored it; looks fine; `make check, lint` "
                             "exits 0")
        == "`make check, lint` exits 0");
  CHECK(checkable_statements("the parser is done — 5 passed, 0 failed")
        == "5 passed, 0 failed");
  // Nothing checkable: nothing.
  CHECK(checkable_statements("I think the API is working").empty());
  CHECK(checkable_statements("Everything looks good. Done!").empty());
  CHECK(checkable_statements("").empty());
}

TEST_CASE("a DONE's evidence is what it cites after \" + \", or else what it "
          "states that can be checked",
          "[engine][protocol][evidence]") {
  // Cited after " + ": the worker's own, taken as written.
  CHECK(judge_done("login form + tests pass (23/23)", "tests pass (23/23)")
        == done_evidence{true, "tests pass (23/23)"});
  CHECK(judge_done("login form + ok", " ok ") == done_evidence{true, "ok"});
  // The protocol's own example, without " + ".
  auto example = "Built REST API with 6 endpoints, all tests pass (23/23), "
                 "server running on port 3001";
  CHECK(judge_done(example, "") == done_evidence{true, example});
  CHECK(judge_done("Added the cache, it seems fine, 3 files changed", "")
        == done_evidence{true, "3 files changed"});
  // Nothing a person could check.
  for (auto vague : {"I think the API is working", "Everything looks good",
                     "done", "finished part 2 of the task", ""}) {
    INFO(vague);
    CHECK(judge_done(vague, "") == done_evidence{false, ""});
  }
}
