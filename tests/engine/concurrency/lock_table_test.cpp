// The lock table grants, queues, renews, releases, expires and frees the
// mesh's locks in logical time, and reports two agents writing one file.
#include "engine/concurrency/lock_table.hpp"

#include <catch2/catch.hpp>

using namespace baton::engine;
using kind = lock_event::kind;

namespace {

constexpr uint64_t lease = 1000;

lock_event ev(kind k, std::string path, std::string agent, std::string holder,
              uint64_t expires, std::string why) {
  return {k, std::move(path), std::move(agent), std::move(holder), expires,
          std::move(why)};
}

} // namespace

TEST_CASE("a free lock is granted for the lease", "[engine][lock_table]") {
  lock_table t{lease};
  CHECK(t.next_expiry() == 0);
  CHECK(t.acquire("api/openapi.json", "backend", 10)
        == std::vector{ev(kind::granted, "api/openapi.json", "backend",
                          "backend", 1010, "free")});
  CHECK(t.holder("api/openapi.json")
        == lock_grant{"api/openapi.json", "backend", 1010});
  CHECK_FALSE(t.holder("web/schema.json"));
  CHECK(t.next_expiry() == 1010);
  // An explicit lease.
  auto e = t.acquire("web/schema.json", "frontend", 20, 50);
  REQUIRE(e.size() == 1);
  CHECK(e[0].expires_us == 70);
  CHECK(t.next_expiry() == 70);
  CHECK(t.held()
        == std::vector{lock_grant{"api/openapi.json", "backend", 1010},
                       lock_grant{"web/schema.json", "frontend", 70}});
}

TEST_CASE("a held lock queues other agents first come first served",
          "[engine][lock_table]") {
  lock_table t{lease};
  t.acquire("db.sql", "a", 0);
  CHECK(t.acquire("db.sql", "b", 5)
        == std::vector{ev(kind::queued, "db.sql", "b", "a", 1000,
                          "held by a until 1000us")});
  t.acquire("db.sql", "c", 6);
  t.acquire("db.sql", "b", 7); // asking again keeps b's place
  CHECK(t.waits()
        == std::vector<std::pair<std::string, std::string>>{{"b", "a"},
                                                            {"c", "a"}});
  CHECK(t.wait_edges()
        == std::vector{wait_edge{"b", "a", wait_kind::lock, "db.sql"},
                       wait_edge{"c", "a", wait_kind::lock, "db.sql"}});
}

TEST_CASE("the holder acquiring again renews its lease",
          "[engine][lock_table]") {
  lock_table t{lease};
  t.acquire("db.sql", "a", 0);
  CHECK(t.acquire("db.sql", "a", 400)
        == std::vector{ev(kind::renewed, "db.sql", "a", "a", 1400,
                          "lease renewed until 1400us")});
  CHECK(t.next_expiry() == 1400);
  CHECK(t.expire(1000).empty());
  CHECK(t.holder("db.sql")->owner == "a");
}

TEST_CASE("releasing a lock grants it to the next waiter",
          "[engine][lock_table]") {
  lock_table t{lease};
  t.acquire("db.sql", "a", 0);
  t.acquire("db.sql", "b", 1, 300);
  t.acquire("db.sql", "c", 2);
  CHECK(t.release("db.sql", "a", 100)
        == std::vector{ev(kind::released, "db.sql", "a", "", 0, ""),
                       ev(kind::granted, "db.sql", "b", "b", 400,
                          "after a released it")});
  CHECK(t.waits()
        == std::vector<std::pair<std::string, std::string>>{{"c", "b"}});
  t.release("db.sql", "b", 200);
  t.release("db.sql", "c", 300);
  CHECK_FALSE(t.holder("db.sql"));
  CHECK(t.held().empty());
  CHECK(t.next_expiry() == 0);
}

TEST_CASE("releasing a lock one does not hold is refused",
          "[engine][lock_table]") {
  lock_table t{lease};
  CHECK(t.release("db.sql", "a", 0)
        == std::vector{ev(kind::refused, "db.sql", "a", "", 0, "not locked")});
  t.acquire("db.sql", "a", 0);
  t.acquire("db.sql", "b", 0);
  CHECK(t.release("db.sql", "b", 10)
        == std::vector{ev(kind::refused, "db.sql", "b", "a", 0, "held by a")});
  CHECK(t.holder("db.sql")->owner == "a");
  // After its lease ended, the former holder is told so.
  auto late = t.release("db.sql", "a", 1000);
  REQUIRE(late.size() == 3);
  CHECK(late[0].what == kind::expired);
  CHECK(late[1] == ev(kind::granted, "db.sql", "b", "b", 2000,
                      "after a's lease ended"));
  CHECK(late[2]
        == ev(kind::refused, "db.sql", "a", "b", 0,
              "its lease ended at 1000us"));
}

TEST_CASE("a lease expires at exactly its end", "[engine][lock_table]") {
  lock_table t{lease};
  t.acquire("db.sql", "a", 100);
  t.acquire("db.sql", "b", 200);
  t.acquire("other.txt", "c", 50);
  CHECK(t.next_expiry() == 1050);
  CHECK(t.expire(1049).empty());
  CHECK(t.expire(1050)
        == std::vector{ev(kind::expired, "other.txt", "c", "", 1050,
                          "lease ended at 1050us")});
  CHECK(t.expire(1099).empty());
  CHECK(t.expire(1100)
        == std::vector{ev(kind::expired, "db.sql", "a", "", 1100,
                          "lease ended at 1100us"),
                       ev(kind::granted, "db.sql", "b", "b", 2100,
                          "after a's lease ended")});
  CHECK(t.next_expiry() == 2100);
  // Any call with a later time expires first.
  auto e = t.acquire("db.sql", "d", 2100);
  REQUIRE(e.size() == 2);
  CHECK(e[0].what == kind::expired);
  CHECK(e[1] == ev(kind::granted, "db.sql", "d", "d", 3100, "free"));
}

TEST_CASE("a dead agent's locks go to their next waiters and it leaves "
          "every queue",
          "[engine][lock_table]") {
  lock_table t{lease};
  t.acquire("a.txt", "dead", 0);
  t.acquire("a.txt", "x", 1);
  t.acquire("b.txt", "y", 2);
  t.acquire("b.txt", "dead", 3);
  t.acquire("b.txt", "z", 4);
  t.acquire("c.txt", "dead", 5);
  CHECK(t.free_agent("dead", 10)
        == std::vector{
          ev(kind::freed, "a.txt", "dead", "", 1000, "holder died"),
          ev(kind::granted, "a.txt", "x", "x", 1010, "after dead died"),
          ev(kind::withdrawn, "b.txt", "dead", "y", 1002, "agent died"),
          ev(kind::freed, "c.txt", "dead", "", 1005, "holder died")});
  CHECK(t.held()
        == std::vector{lock_grant{"a.txt", "x", 1010},
                       lock_grant{"b.txt", "y", 1002}});
  CHECK(t.waits()
        == std::vector<std::pair<std::string, std::string>>{{"z", "y"}});
  CHECK(t.free_agent("dead", 11).empty());
}

TEST_CASE("an agent can stop waiting", "[engine][lock_table]") {
  lock_table t{lease};
  t.acquire("a.txt", "x", 0);
  t.acquire("a.txt", "y", 0);
  CHECK(t.withdraw("a.txt", "y", 5)
        == std::vector{ev(kind::withdrawn, "a.txt", "y", "x", 1000,
                          "stopped waiting")});
  CHECK(t.withdraw("a.txt", "y", 5).empty());
  CHECK(t.waits().empty());
  auto r = t.release("a.txt", "x", 6);
  CHECK(r.size() == 1);
  CHECK_FALSE(t.holder("a.txt"));
}

TEST_CASE("waits() gives each (waiter, holder) pair once",
          "[engine][lock_table]") {
  lock_table t{lease};
  t.acquire("a.txt", "x", 0);
  t.acquire("b.txt", "x", 0);
  t.acquire("c.txt", "z", 0);
  t.acquire("a.txt", "y", 1);
  t.acquire("b.txt", "y", 1);
  t.acquire("c.txt", "y", 1);
  CHECK(t.waits()
        == std::vector<std::pair<std::string, std::string>>{{"y", "x"},
                                                            {"y", "z"}});
  CHECK(t.wait_edges().size() == 3);
}

TEST_CASE("writing a file another agent has locked is a conflict",
          "[engine][lock_table]") {
  lock_table t{lease};
  t.acquire("api.json", "backend", 0);
  CHECK_FALSE(t.modified("api.json", "backend", 10));
  CHECK(t.modified("api.json", "frontend", 20)
        == write_conflict{"api.json", "frontend", "backend",
                          "locked by backend until 1000us"});
  // Once the lease has passed, the lock no longer counts, but the two
  // writes do.
  CHECK(t.modified("api.json", "frontend", 1000)
        == write_conflict{"api.json", "frontend", "backend",
                          "backend modified it too and neither holds its "
                          "lock"});
}

TEST_CASE("two agents writing one file without a lock is a conflict",
          "[engine][lock_table]") {
  lock_table t{lease};
  CHECK_FALSE(t.modified("notes.md", "a", 0));
  CHECK_FALSE(t.modified("notes.md", "a", 1)); // the same agent again
  CHECK_FALSE(t.modified("other.md", "b", 2)); // another file
  CHECK(t.modified("notes.md", "b", 3)
        == write_conflict{"notes.md", "b", "a",
                          "a modified it too and neither holds its lock"});
  // The latest other writer is named.
  CHECK(t.modified("notes.md", "c", 4)->other == "b");
  CHECK(t.modified("notes.md", "a", 5)->other == "c");
}

TEST_CASE("writing a file under its own lock is no conflict",
          "[engine][lock_table]") {
  lock_table t{lease};
  CHECK_FALSE(t.modified("notes.md", "a", 0));
  t.acquire("notes.md", "b", 1);
  CHECK_FALSE(t.modified("notes.md", "b", 2));
  t.release("notes.md", "b", 3);
  t.acquire("notes.md", "a", 4);
  CHECK_FALSE(t.modified("notes.md", "a", 5));
}
