// Crash safety (LevelDB's recovery_test, with a real process kill): a child
// process appends from several threads and records each acknowledgement in a
// side file; the test SIGKILLs it at a random moment, reopens the log and
// checks that every acknowledged event is there, that streams and the global
// order have no holes, and that every event holds what the child wrote.
//
// BATON_CRASH_CYCLES=N sets the number of kill cycles (default 99, split over
// sync, group and async); BATON_CRASH_SEED=S replays a run.
#include "storage/event_log.hpp"

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include <catch2/catch.hpp>
#include <sys/wait.h>

#include "tests/storage/child_process.hpp"
#include "tests/storage/log_fixture.hpp"

using namespace baton;
using namespace baton::test;
using storage::durability;

namespace {

/// Cycles that share one log before it is replaced by a fresh one.
constexpr int cycles_per_log = 20;
/// Most acknowledgements to wait for before killing.
constexpr uint64_t max_acks = 300;
constexpr auto cycle_deadline = std::chrono::seconds{60};

uint64_t env_number(const char* name, uint64_t fallback) {
  auto* text = std::getenv(name);
  return text && *text ? std::stoull(text) : fallback;
}

std::string read_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

/// The acknowledged appends listed in `path`: complete lines only.
std::set<uint64_t> read_acks(const std::string& path) {
  auto text = read_file(path);
  std::set<uint64_t> out;
  size_t begin = 0;
  for (auto nl = text.find('\n'); nl != std::string::npos;
       nl = text.find('\n', begin)) {
    out.insert(std::stoull(text.substr(begin, nl - begin)));
    begin = nl + 1;
  }
  return out;
}

size_t count_lines(const std::string& path) {
  auto text = read_file(path);
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

/// One kill cycle's plan.
struct cycle_plan {
  uint64_t id;     // the child's <cycle>: the high half of its event ids
  int threads;     // appending threads in the child
  uint64_t target; // acknowledgements to wait for before the kill
};

/// Runs the child until it acknowledged `plan.target` appends, then kills it.
/// Returns the acknowledged appends.
std::set<uint64_t> run_and_kill(const std::string& work,
                                const std::string& log_dir, durability mode,
                                const cycle_plan& plan) {
  auto acks = work + "/acks-" + std::to_string(plan.id);
  auto errors = work + "/child-" + std::to_string(plan.id) + ".err";
  child_process child{
    {BATON_LOG_CHILD, "write", log_dir, std::string{storage::to_string(mode)},
     std::to_string(plan.threads), std::to_string(plan.id), acks},
    errors};
  // Poll the side file until enough appends were acknowledged.
  auto deadline = std::chrono::steady_clock::now() + cycle_deadline;
  while (plan.target > 0 && count_lines(acks) < plan.target) {
    if (auto status = child.try_wait())
      FAIL("the child ended before it was killed ("
           << describe_wait_status(*status) << "): " << read_file(errors));
    if (std::chrono::steady_clock::now() > deadline)
      FAIL("no " << plan.target << " acknowledgements within the deadline; "
                 << count_lines(acks) << " so far");
    std::this_thread::sleep_for(std::chrono::microseconds{200});
  }
  auto status = child.kill(SIGKILL);
  INFO("child: " << read_file(errors));
  REQUIRE(describe_wait_status(status) == "signal 9");
  return read_acks(acks);
}

/// Checks the reopened log against what the children acknowledged: `acked`
/// maps each cycle id to its acknowledged appends.
void check_recovered(const std::string& log_dir, durability mode,
                     const std::map<uint64_t, std::set<uint64_t>>& acked) {
  storage::options opts;
  opts.mode = mode;
  auto log = open_log(log_dir, opts);
  auto all = read_all_ok(*log);
  REQUIRE(positions(all) == iota(1, all.size()));
  REQUIRE(log->last_position() == all.size());
  // Every event is what a child wrote for it, and is stored once.
  std::map<uint64_t, std::set<uint64_t>> found;
  for (auto& ev : all) {
    auto id = ev.id().to_hex();
    auto cycle = std::stoull(id.substr(0, 16), nullptr, 16);
    auto i = std::stoull(id.substr(16), nullptr, 16);
    INFO("position " << ev.position() << ": cycle " << cycle << " append "
                     << i);
    REQUIRE(acked.count(cycle) == 1);
    CHECK(ev.stream() == "s" + std::to_string(i % 4));
    CHECK(note_text(ev) == "event " + std::to_string(i));
    CHECK(ev.logical_time() == i);
    CHECK(found[cycle].insert(i).second);
  }
  // Every acknowledged event is there.
  for (auto& [cycle, acks] : acked)
    for (auto i : acks) {
      INFO("cycle " << cycle << " acknowledged append " << i);
      CHECK(found[cycle].count(i) == 1);
    }
  // Each stream is numbered 1..n without holes, in global order.
  uint64_t total = 0;
  for (int s = 0; s < 4; ++s) {
    auto name = "s" + std::to_string(s);
    auto events = read_ok(*log, name);
    INFO("stream " << name);
    CHECK(sequences(events) == iota(1, events.size()));
    CHECK(log->highest(name) == events.size());
    for (size_t k = 1; k < events.size(); ++k)
      CHECK(events[k - 1].position() < events[k].position());
    total += events.size();
  }
  CHECK(total == all.size());
}

void run_cycles(durability mode, int cycles) {
  auto seed = env_number("BATON_CRASH_SEED", std::random_device{}());
  WARN("crash cycles: " << cycles << " under " << storage::to_string(mode)
                        << ", seed " << seed
                        << " (set BATON_CRASH_SEED to repeat)");
  std::mt19937_64 rng{seed};
  temp_dir work;
  std::string log_dir;
  std::map<uint64_t, std::set<uint64_t>> acked;
  for (int c = 0; c < cycles; ++c) {
    if (c % cycles_per_log == 0) {
      log_dir = work / ("log-" + std::to_string(c));
      acked.clear();
    }
    bool fresh = acked.empty();
    cycle_plan plan{static_cast<uint64_t>(c) + 1,
                    2 + static_cast<int>(rng() % 3), rng() % (max_acks + 1)};
    // A kill before the log exists is a different test: see below.
    if (fresh && plan.target == 0)
      plan.target = 1;
    INFO("seed " << seed << ", cycle " << c << ", " << storage::to_string(mode)
                 << ", " << plan.threads << " threads, kill after "
                 << plan.target << " acks");
    acked[plan.id] = run_and_kill(work.path(), log_dir, mode, plan);
    CHECK(acked[plan.id].size() >= plan.target);
    check_recovered(log_dir, mode, acked);
  }
}

int cycles_per_mode() {
  auto total = env_number("BATON_CRASH_CYCLES", 99);
  return static_cast<int>((total + 2) / 3);
}

} // namespace

TEST_CASE("acknowledged appends survive SIGKILL under sync",
          "[storage][crash]") {
  run_cycles(durability::sync, cycles_per_mode());
}

TEST_CASE("acknowledged appends survive SIGKILL under group",
          "[storage][crash]") {
  run_cycles(durability::group, cycles_per_mode());
}

TEST_CASE("acknowledged appends survive SIGKILL under async",
          "[storage][crash]") {
  run_cycles(durability::async, cycles_per_mode());
}

TEST_CASE("a writer killed while creating the log leaves a log that opens",
          "[storage][crash]") {
  // Kill the child at increasing delays after it starts, so that some kills
  // land inside the creation of the log. Whatever was left must open as a
  // log (or be absent or empty); it must never be taken for a foreign
  // directory.
  temp_dir work;
  for (int attempt = 0; attempt < 20; ++attempt) {
    auto log_dir = work / ("log-" + std::to_string(attempt));
    auto acks = work / ("acks-" + std::to_string(attempt));
    {
      child_process child{
        {BATON_LOG_CHILD, "write", log_dir, "group", "1", "1", acks}};
      // Wait for a number of the child's own steps: its ack file grows only
      // after the log exists, so poll for the directory's files instead.
      auto deadline = std::chrono::steady_clock::now() + cycle_deadline;
      size_t wanted = static_cast<size_t>(attempt) / 2;
      for (;;) {
        std::error_code err;
        size_t files = 0;
        for (auto it = std::filesystem::directory_iterator(log_dir, err);
             !err && it != std::filesystem::directory_iterator(); ++it)
          ++files;
        if (files >= wanted || child.try_wait()
            || std::chrono::steady_clock::now() > deadline)
          break;
        std::this_thread::yield();
      }
      child.kill(SIGKILL);
    }
    std::string listing;
    std::error_code err;
    for (auto it = std::filesystem::directory_iterator(log_dir, err);
         !err && it != std::filesystem::directory_iterator(); ++it)
      listing += " " + it->path().filename().string();
    INFO("attempt " << attempt << ", files:" << listing);
    auto log = storage::event_log::open(log_dir);
    INFO((log ? std::string{"opened"} : log.err().to_string()));
    CHECK(log.ok());
    if (!log)
      continue;
    auto all = (*log)->read_all();
    REQUIRE(all.ok());
    CHECK(positions(*all) == iota(1, all->size()));
  }
}
