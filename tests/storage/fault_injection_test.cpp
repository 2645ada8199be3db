// Fault injection (LevelDB's db/fault_injection_test.cc): the log runs on a
// file system that stops working on command and then forgets everything that
// was not synced, as a power loss would. What was acknowledged under sync and
// group must survive; what survives is always a gap-free prefix.
#include "storage/event_log.hpp"

#include <atomic>
#include <condition_variable>
#include <map>
#include <random>
#include <thread>

#include <catch2/catch.hpp>

#include "tests/storage/log_fixture.hpp"
#include "tests/support/fault_fs.hpp"

using namespace baton;
using namespace baton::test;
using storage::durability;

namespace {

constexpr auto deadline_after = std::chrono::seconds{60};

uint64_t seed() {
  static const uint64_t value = []() -> uint64_t {
    if (auto* text = std::getenv("BATON_FAULT_SEED"))
      return std::stoull(text);
    return static_cast<uint64_t>(std::random_device{}());
  }();
  return value;
}

/// Appenders: thread t appends event k = 1, 2, ... (id from_parts(t + 1, k),
/// text "t<t> k<k>") one at a time to stream "s<t>" until an append fails.
class appenders {
public:
  appenders(storage::event_log& log, int threads) : acked_(threads) {
    for (int t = 0; t < threads; ++t)
      pool_.emplace_back([this, &log, t] { run(log, t); });
  }

  ~appenders() {
    stop_ = true;
    join();
  }

  void join() {
    for (auto& th : pool_)
      if (th.joinable())
        th.join();
  }

  /// Blocks until `n` appends were acknowledged in total (or a deadline).
  bool wait_for_acks(uint64_t n) {
    std::unique_lock lock{mu_};
    return cv_.wait_until(lock,
                          std::chrono::steady_clock::now() + deadline_after,
                          [&] { return total_ >= n || finished_ > 0; })
           && total_ >= n;
  }

  /// Waits (with a deadline) until every thread met a failed append, then
  /// joins them. False when appends kept succeeding.
  bool finish() {
    bool all_failed = false;
    {
      std::unique_lock lock{mu_};
      all_failed = cv_.wait_until(
        lock, std::chrono::steady_clock::now() + deadline_after,
        [&] { return finished_ == static_cast<int>(pool_.size()); });
    }
    stop_ = true;
    join();
    return all_failed;
  }

  /// Acknowledged events of thread t: 1 .. acked(t).
  uint64_t acked(int t) const {
    return acked_[static_cast<size_t>(t)];
  }

  uint64_t total() const {
    std::lock_guard lock{mu_};
    return total_;
  }

  /// Error codes of the appends that failed, first per thread.
  std::map<ec, int> errors() const {
    std::lock_guard lock{mu_};
    return errors_;
  }

  /// Appends that succeeded although they began after one had failed.
  uint64_t late_acks() const {
    return late_acks_;
  }

  /// Appends refused after the first failure, per code.
  std::map<ec, int> later_errors() const {
    std::lock_guard lock{mu_};
    return later_errors_;
  }

private:
  void run(storage::event_log& log, int t) {
    auto stream = "s" + std::to_string(t);
    for (uint64_t k = 1; !stop_; ++k) {
      auto began_after_failure = failed_.load();
      auto ev
        = note_event(event_id::from_parts(t + 1, k),
                     "t" + std::to_string(t) + " k" + std::to_string(k), k);
      auto r = log.append(stream, storage::expected_version::any(), {&ev, 1});
      if (r.ok()) {
        if (began_after_failure)
          ++late_acks_;
        std::lock_guard lock{mu_};
        acked_[static_cast<size_t>(t)] = k;
        ++total_;
        cv_.notify_all();
        continue;
      }
      failed_ = true;
      // Once an append failed, the log must refuse the next one too.
      auto again
        = log.append(stream, storage::expected_version::any(), {&ev, 1});
      std::lock_guard lock{mu_};
      ++errors_[r.err().code()];
      ++later_errors_[again.ok() ? ec::none : again.err().code()];
      if (again.ok())
        ++late_acks_;
      ++finished_;
      cv_.notify_all();
      return;
    }
  }

  std::vector<std::thread> pool_;
  std::vector<uint64_t> acked_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> failed_{false};
  std::atomic<uint64_t> late_acks_{0};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  uint64_t total_ = 0;
  int finished_ = 0;
  std::map<ec, int> errors_;
  std::map<ec, int> later_errors_;
};

/// Checks the recovered log in `dir`: gap-free positions and, for each
/// appender thread, a stream holding exactly its first events in order.
/// Returns the number of events per thread.
std::vector<uint64_t> check_prefix(const std::string& dir, int threads) {
  auto log = open_log(dir);
  auto all = read_all_ok(*log);
  CHECK(positions(all) == iota(1, all.size()));
  CHECK(log->last_position() == all.size());
  std::vector<uint64_t> counts;
  for (int t = 0; t < threads; ++t) {
    auto stream = "s" + std::to_string(t);
    auto events = read_ok(*log, stream);
    CHECK(log->highest(stream) == events.size());
    for (uint64_t i = 0; i < events.size(); ++i) {
      auto k = i + 1;
      INFO(stream << " event " << k);
      CHECK(events[i].sequence() == k);
      CHECK(events[i].id() == event_id::from_parts(t + 1, k));
      CHECK(note_text(events[i])
            == "t" + std::to_string(t) + " k" + std::to_string(k));
    }
    counts.push_back(events.size());
  }
  return counts;
}

/// Simulates the power loss (the log must be closed).
void drop(fault_fs& fs) {
  auto st = fs.drop_unsynced_data();
  INFO(st.ToString());
  REQUIRE(st.ok());
}

} // namespace

TEST_CASE("acknowledged appends survive a power loss under sync and group",
          "[storage][fault_injection]") {
  auto mode = GENERATE(durability::sync, durability::group);
  auto round = GENERATE(range(0, 4));
  std::mt19937_64 rng{seed() + static_cast<uint64_t>(round) * 31
                      + static_cast<uint64_t>(mode)};
  const int threads = mode == durability::group ? 4 : 2;
  const uint64_t target = 10 + rng() % 150;
  INFO("seed " << seed() << " (BATON_FAULT_SEED), mode "
               << storage::to_string(mode) << ", round " << round
               << ", power loss after " << target << " acks");
  temp_dir dir;
  auto path = dir / "log";
  auto fs = std::make_shared<fault_fs>();
  auto env = make_env(fs);
  std::vector<uint64_t> acked;
  {
    storage::options opts;
    opts.mode = mode;
    opts.env = env.get();
    auto log = open_log(path, opts);
    appenders writers{*log, threads};
    REQUIRE(writers.wait_for_acks(target));
    fs->deactivate();
    REQUIRE(writers.finish());
    for (int t = 0; t < threads; ++t)
      acked.push_back(writers.acked(t));
    CHECK(writers.late_acks() == 0);
    CHECK(fs->failures() > 0);
  }
  drop(*fs);
  auto recovered = check_prefix(path, threads);
  for (int t = 0; t < threads; ++t) {
    INFO("thread " << t);
    CHECK(recovered[static_cast<size_t>(t)] >= acked[static_cast<size_t>(t)]);
  }
}

TEST_CASE("a power loss under async may lose acknowledged appends but leaves "
          "a gap-free prefix",
          "[storage][fault_injection]") {
  auto round = GENERATE(range(0, 3));
  std::mt19937_64 rng{seed() + static_cast<uint64_t>(round) * 17};
  constexpr int threads = 3;
  const uint64_t target = 20 + rng() % 200;
  INFO("seed " << seed() << " (BATON_FAULT_SEED), round " << round
               << ", power loss after " << target << " acks");
  temp_dir dir;
  auto path = dir / "log";
  // A synced start: these events were acknowledged under group commit.
  {
    auto log = open_log(path);
    for (int t = 0; t < threads; ++t)
      append_ok(*log, "s" + std::to_string(t),
                {note_event(event_id::from_parts(t + 1, 1),
                            "t" + std::to_string(t) + " k1", 1)});
  }
  auto fs = std::make_shared<fault_fs>();
  auto env = make_env(fs);
  uint64_t acked = 0;
  uint64_t unsynced = 0;
  {
    storage::options opts;
    opts.mode = durability::async;
    opts.env = env.get();
    auto log = open_log(path, opts);
    // Appenders start at k = 1 again; those ids are stored already, so their
    // first appends are acknowledged duplicates and the rest follow.
    appenders writers{*log, threads};
    REQUIRE(writers.wait_for_acks(target));
    fs->deactivate();
    REQUIRE(writers.finish());
    for (int t = 0; t < threads; ++t)
      acked += writers.acked(t);
    unsynced = fs->unsynced_bytes();
    CHECK(writers.late_acks() == 0);
  }
  drop(*fs);
  auto recovered = check_prefix(path, threads);
  uint64_t total = 0;
  for (int t = 0; t < threads; ++t) {
    INFO("thread " << t);
    // The synced start survives whatever async lost.
    CHECK(recovered[static_cast<size_t>(t)] >= 1);
    total += recovered[static_cast<size_t>(t)];
  }
  // Async acknowledges before the data is synced, so the power loss had
  // acknowledged bytes to take; how many events that cost is reported.
  CHECK(unsynced > 0);
  WARN("async: " << acked << " acknowledged, " << total << " recovered, "
                 << unsynced << " unsynced bytes dropped");
}

TEST_CASE("a failed write fails its append and the log acknowledges nothing "
          "after it",
          "[storage][fault_injection]") {
  auto mode = GENERATE(durability::sync, durability::group, durability::async);
  auto round = GENERATE(range(0, 3));
  std::mt19937_64 rng{seed() + static_cast<uint64_t>(round) * 7
                      + static_cast<uint64_t>(mode) * 1000};
  constexpr int threads = 3;
  const uint64_t budget = 5 + rng() % 300;
  INFO("seed " << seed() << " (BATON_FAULT_SEED), mode "
               << storage::to_string(mode) << ", round " << round
               << ", writes fail after " << budget << " file operations");
  temp_dir dir;
  auto path = dir / "log";
  auto fs = std::make_shared<fault_fs>();
  auto env = make_env(fs);
  std::vector<uint64_t> acked;
  {
    storage::options opts;
    opts.mode = mode;
    opts.env = env.get();
    auto log = open_log(path, opts);
    fs->fail_after(budget);
    appenders writers{*log, threads};
    REQUIRE(writers.finish());
    CHECK_FALSE(fs->active());
    for (int t = 0; t < threads; ++t)
      acked.push_back(writers.acked(t));
    // The append that met the failure says so; later ones are refused.
    auto errors = writers.errors();
    CHECK(errors[ec::io_error] >= 1);
    for (auto& [code, count] : errors) {
      INFO("code " << to_string(code) << " x" << count);
      CHECK((code == ec::io_error || code == ec::closed));
    }
    for (auto& [code, count] : writers.later_errors()) {
      INFO("later code " << to_string(code) << " x" << count);
      CHECK((code == ec::io_error || code == ec::closed));
    }
    CHECK(writers.late_acks() == 0);
    // A healed disk does not revive the log: it must be reopened.
    fs->activate();
    auto ev = note_event(event_id::from_parts(99, 1), "after healing");
    auto r = log->append("s0", storage::expected_version::any(), {&ev, 1});
    CHECK(code_of(r) == ec::closed);
  }
  // Nothing was lost (the data reached the operating system): reopening
  // recovers every acknowledged event, and the log works again.
  auto recovered = check_prefix(path, threads);
  for (int t = 0; t < threads; ++t)
    CHECK(recovered[static_cast<size_t>(t)] >= acked[static_cast<size_t>(t)]);
  auto log = open_log(path);
  auto next = append_note(*log, "s0", 1, recovered[0] + 1, "again");
  CHECK(next.first_sequence == recovered[0] + 1);
}

TEST_CASE("an append on a dead disk reports io_error and writes nothing",
          "[storage][fault_injection]") {
  auto mode = GENERATE(durability::sync, durability::group, durability::async);
  INFO("mode " << storage::to_string(mode));
  temp_dir dir;
  auto path = dir / "log";
  auto fs = std::make_shared<fault_fs>();
  auto env = make_env(fs);
  {
    storage::options opts;
    opts.mode = mode;
    opts.env = env.get();
    auto log = open_log(path, opts);
    for (uint64_t k = 1; k <= 10; ++k)
      append_note(*log, "s0", 1, k, "t0 k" + std::to_string(k));
    fs->deactivate();
    auto ev = note_event(event_id::from_parts(1, 11), "t0 k11", 11);
    auto r = log->append("s0", storage::expected_version::any(), {&ev, 1});
    CHECK(code_of(r) == ec::io_error);
    CHECK(log->last_position() == 10);
    CHECK(log->highest("s0") == 10);
    auto again = log->append("s0", storage::expected_version::any(), {&ev, 1});
    CHECK(code_of(again) == ec::closed);
    // Reads still work from what is in memory and on disk.
    CHECK(sequences(read_ok(*log, "s0")) == iota(1, 10));
  }
  fs->activate();
  auto recovered = check_prefix(path, 1);
  CHECK(recovered[0] == 10);
}

TEST_CASE("a relaxed append is not synced on its own, the next strict one "
          "syncs it too",
          "[storage][fault_injection]") {
  temp_dir dir;
  auto path = dir / "log";
  auto fs = std::make_shared<fault_fs>();
  auto env = make_env(fs);
  auto relaxed = [](storage::event_log& log, uint64_t k) {
    storage::append_request r;
    r.stream = "worker/a";
    r.relaxed = true;
    r.events.push_back(
      note_event(event_id::from_parts(9, k), "output " + std::to_string(k), k));
    auto out = log.append_many({&r, 1});
    REQUIRE(out.front().ok());
  };
  {
    storage::options opts;
    opts.mode = durability::sync;
    opts.env = env.get();
    auto log = open_log(path, opts);
    relaxed(*log, 1);
    CHECK(fs->unsynced_bytes() > 0); // written, not fsync'd
    append_ok(*log, "worker/a",
              {note_event(event_id::from_parts(9, 2), "decision", 2)});
    CHECK(fs->unsynced_bytes() == 0); // the strict append synced both
    relaxed(*log, 3);
    CHECK(fs->unsynced_bytes() > 0);
    fs->deactivate();
  }
  drop(*fs); // power loss: the last relaxed event is gone, nothing before it
  auto log = open_log(path);
  auto events = log->read("worker/a");
  REQUIRE(events.ok());
  CHECK(events->size() == 2);
}
