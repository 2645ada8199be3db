// The writer of the agents' checkpoint files: what is handed over is on
// disk after a flush, each file with its latest content; a file written at
// once (write_now) is never overwritten by an older content still pending.
#include "actors/detail/file_writer.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/temp_dir.hpp"

using namespace baton;

namespace {

std::string read(const std::string& path) {
  std::ifstream in{path};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

} // namespace

TEST_CASE("file writer: each file ends with its latest content, written in "
          "place, its directory made",
          "[actors][file_writer]") {
  test::temp_dir dir;
  actors::detail::file_writer w;
  for (int round = 0; round < 5; ++round)
    for (int i = 0; i < 50; ++i)
      w.put(dir / ("a" + std::to_string(i) + "/.baton/checkpoint.md"),
            "round " + std::to_string(round) + " of agent "
              + std::to_string(i) + std::string(round == 4 ? 3 : 900, '.'));
  w.flush();
  for (int i = 0; i < 50; ++i)
    CHECK(read(dir / ("a" + std::to_string(i) + "/.baton/checkpoint.md"))
          == "round 4 of agent " + std::to_string(i) + "...");
}

TEST_CASE("file writer: a file written at once is not overwritten by an "
          "older content handed over before",
          "[actors][file_writer]") {
  test::temp_dir dir;
  actors::detail::file_writer w;
  auto path = dir / "x/checkpoint.md";
  // Many older contents in flight on the writer's thread while the newest
  // is written at once from another thread.
  for (int i = 0; i < 200; ++i)
    w.put(dir / ("other" + std::to_string(i)), "filler");
  w.put(path, "older, handed over first");
  std::thread t{[&] { w.write_now(path, "newest"); }};
  t.join();
  CHECK(read(path) == "newest");
  w.flush();
  CHECK(read(path) == "newest");
  // And content handed over after it wins again.
  w.put(path, "later still");
  w.flush();
  CHECK(read(path) == "later still");
}

TEST_CASE("file writer: a file put whole is read as one content or another, "
          "never a mix, and leaves no temporary file",
          "[actors][file_writer]") {
  test::temp_dir dir;
  actors::detail::file_writer w;
  std::string path = dir / "state/status.json";
  // Contents of different lengths, so that a rewrite in place would show a
  // longer one's tail after a shorter one's head.
  std::vector<std::string> contents;
  for (int i = 0; i < 40; ++i)
    contents.push_back(std::string(1000 + 997 * (i % 7), 'a' + i % 26));
  w.put(path, contents[0], true);
  w.flush();
  std::atomic<bool> done{false};
  size_t reads = 0, mixed = 0;
  std::thread reader{[&] {
    while (!done) {
      auto text = read(path);
      ++reads;
      if (std::find(contents.begin(), contents.end(), text) == contents.end())
        ++mixed;
    }
  }};
  for (int round = 0; round < 20; ++round) {
    for (auto& c : contents) {
      w.put(path, c, true);
      w.flush(); // each content reaches the disk
    }
  }
  done = true;
  reader.join();
  CHECK(reads > 0);
  CHECK(mixed == 0);
  CHECK(read(path) == contents.back());
  CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
}

TEST_CASE("file writer: a file that cannot be written whole says which",
          "[actors][file_writer]") {
  test::temp_dir dir;
  // A directory where the temporary file would go.
  std::string path = dir / "blocked/status.json";
  std::filesystem::create_directories(path + ".tmp");
  auto problem = actors::detail::write_file_whole(path, "{}");
  CHECK_THAT(problem, Catch::Contains("status.json.tmp"));
  CHECK_FALSE(std::filesystem::exists(path));
  CHECK(actors::detail::write_file_whole(dir / "ok/status.json", "{}").empty());
  CHECK(read(dir / "ok/status.json") == "{}");
}
