// The scanner of agents' directories off the actors' threads: scans run in
// the order they were handed over, each result is kept under its id until
// taken once, and what was handed over before the scanner is destroyed is
// still scanned.
#include "actors/detail/scanner.hpp"

#include <catch2/catch.hpp>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <vector>

#include "tests/support/temp_dir.hpp"

using namespace baton;

namespace {

void write(const std::string& path, const std::string& text) {
  std::ofstream{path} << text;
}

} // namespace

TEST_CASE("scanner: scans in order, each result taken once, the callback "
          "after the result is kept",
          "[actors][scanner]") {
  test::temp_dir dir;
  auto a = dir / "a";
  auto b = dir / "b";
  std::filesystem::create_directories(a);
  std::filesystem::create_directories(b);
  write(a + "/one.txt", "1");
  write(b + "/two.txt", "22");
  write(b + "/three.txt", "333");

  std::mutex mu;
  std::condition_variable cv;
  std::vector<uint64_t> done;
  actors::detail::scanner s;
  auto on_done = [&](uint64_t id) {
    std::lock_guard lock{mu};
    done.push_back(id);
    cv.notify_all();
  };
  auto first = s.scan({a, b}, on_done);
  auto second = s.scan({b}, on_done);
  {
    std::unique_lock lock{mu};
    REQUIRE(cv.wait_for(lock, std::chrono::seconds{30},
                        [&] { return done.size() == 2; }));
  }
  CHECK(done == std::vector<uint64_t>{first, second});
  auto r1 = s.take(first);
  REQUIRE(r1.size() == 2);
  CHECK(r1[0].size() == 1);
  CHECK(r1[0].contains("one.txt"));
  CHECK(r1[1].size() == 2);
  CHECK(r1[1].at("three.txt").first == 3);
  CHECK(s.take(first).empty()); // taken once
  auto r2 = s.take(second);
  REQUIRE(r2.size() == 1);
  CHECK(r2[0].size() == 2);
  CHECK(s.take(9999).empty());
}

TEST_CASE("scanner: what was handed over before it is destroyed is scanned",
          "[actors][scanner]") {
  test::temp_dir dir;
  write(dir / "f.txt", "x");
  std::vector<uint64_t> done;
  {
    actors::detail::scanner s;
    for (int i = 0; i < 20; ++i)
      s.scan({dir.path()}, [&](uint64_t id) { done.push_back(id); });
  }
  REQUIRE(done.size() == 20);
  for (size_t i = 1; i < done.size(); ++i)
    CHECK(done[i] == done[i - 1] + 1);
}
