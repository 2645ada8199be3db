// Flow control: an agent writing as fast as it can costs Baton at most its
// budget in memory and does not starve a quiet agent served by the same
// reactor thread.
#include "actors/pty/reactor.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <deque>
#include <iostream>
#include <thread>

#include "actors/pty/byte_counter.hpp"
#include "tests/actors/pty/pty_test_support.hpp"

using namespace baton;
using namespace baton::actors::pty;
using namespace std::chrono_literals;
using test::collector;
using test::sh;

namespace {

std::unique_ptr<reactor> make_reactor(reactor_options opts = {}) {
  auto r = reactor::make(opts);
  REQUIRE(r.ok());
  return std::move(r).value();
}

/// Prints a line every 20 ms, forever.
spawn_options quiet_agent() {
  return sh("i=0; while :; do i=$((i+1)); echo \"tick $i\"; sleep 0.02; done");
}

spawn_options flood_agent() {
  spawn_options opts;
  opts.argv = {"cat", "/dev/zero"};
  return opts;
}

size_t count(const std::string& text, std::string_view word) {
  size_t n = 0;
  for (auto i = text.find(word); i != std::string::npos;
       i = text.find(word, i + 1))
    ++n;
  return n;
}

/// The consumer side of a flooding agent: holds what it is handed until it is
/// told to acknowledge, then acknowledges everything from its own thread.
/// Checks on every chunk that what it holds never exceeds the budget.
class slow_consumer {
public:
  explicit slow_consumer(reactor& r) : r_(r) {
  }

  ~slow_consumer() {
    {
      std::lock_guard guard{mu_};
      done_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable())
      thread_.join();
  }

  sink make_sink() {
    sink out;
    out.on_output = [this](agent_id id, std::string bytes) {
      std::lock_guard guard{mu_};
      id_ = id;
      held_ += bytes.size();
      max_held_ = std::max(max_held_, held_);
      total_ += bytes.size();
      cv_.notify_all();
    };
    return out;
  }

  /// From now on, acknowledge everything as soon as it arrives.
  void start_acknowledging() {
    thread_ = std::thread{[this] { run(); }};
  }

  uint64_t total() const {
    std::lock_guard guard{mu_};
    return total_;
  }

  size_t max_held() const {
    std::lock_guard guard{mu_};
    return max_held_;
  }

private:
  void run() {
    std::unique_lock lock{mu_};
    for (;;) {
      cv_.wait(lock, [this] { return done_ || held_ > 0; });
      if (done_)
        return;
      auto n = held_;
      auto id = id_;
      // Count the bytes as handed back before the reactor learns of it: it
      // may deliver more the moment consumed() returns, and those must not
      // be added to bytes it no longer counts.
      held_ -= n;
      lock.unlock();
      r_.consumed(id, n); // the bytes are processed (dropped) here
      lock.lock();
    }
  }

  reactor& r_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  agent_id id_ = 0;
  size_t held_ = 0;
  size_t max_held_ = 0;
  uint64_t total_ = 0;
  bool done_ = false;
  std::thread thread_;
};

} // namespace

TEST_CASE("a flooding agent stays within its budget and a quiet agent is "
          "still served",
          "[actors][pty][reactor][flood]") {
  reactor_options opts; // 1 MiB budget, 64 KiB chunks
  collector quiet_out;  // sinks' owners outlive the reactor
  auto r = make_reactor(opts);
  slow_consumer flood_out{*r}; // its destructor joins its own thread only
  auto flood = r->spawn(flood_agent(), flood_out.make_sink());
  REQUIRE(flood.ok());
  auto quiet = r->spawn(quiet_agent(), quiet_out.make_sink(*r));
  REQUIRE(quiet.ok());
  auto ticks = [&](size_t n) {
    return quiet_out.wait([n](const std::string& out, const auto&) {
      return count(out, "tick ") >= n;
    });
  };

  // Nobody consumes the flood: it fills its budget and is paused there, with
  // the program blocked in write(), while the quiet agent goes on.
  REQUIRE(test::eventually([&] { return r->stats(*flood)->paused; }));
  auto paused = r->stats(*flood).value();
  CHECK(paused.unconsumed == opts.budget);
  auto before = count(quiet_out.output(), "tick ");
  REQUIRE(ticks(before + 5));
  CHECK(r->stats(*flood)->bytes_read == paused.bytes_read);
  CHECK(flood_out.total() == opts.budget);

  // Now the flood is consumed as fast as possible: it runs at full speed
  // beside the quiet agent, whose lines still arrive.
  flood_out.start_acknowledging();
  before = count(quiet_out.output(), "tick ");
  REQUIRE(ticks(before + 20));
  REQUIRE(test::eventually(
    [&] { return flood_out.total() >= paused.bytes_read + (64 << 20); }));
  REQUIRE(ticks(before + 25));
  auto flooded = r->stats(*flood).value();
  CHECK(flooded.max_unconsumed <= opts.budget);
  CHECK(flood_out.max_held() <= opts.budget);
  std::cout << "flood: " << flooded.bytes_read << " bytes in " << flooded.chunks
            << " chunks, " << flooded.pauses << " pauses, most held "
            << flood_out.max_held() << " (budget " << opts.budget
            << "); quiet: " << count(quiet_out.output(), "tick ") << " lines\n";
  REQUIRE(r->stop(*quiet, 5s).ok());
  REQUIRE(r->stop(*flood, 5s).ok());
  CHECK(quiet_out.wait_exit().has_value());
  CHECK(test::eventually([&] { return r->stats().agents == 0; }));
}

TEST_CASE("several flooding agents share the thread with a quiet one",
          "[actors][pty][reactor][flood]") {
  reactor_options opts;
  opts.budget = 256 << 10;
  std::vector<std::unique_ptr<byte_counter>> floods;
  collector quiet_out;
  auto r = make_reactor(opts);
  std::vector<agent_id> ids;
  for (int i = 0; i < 4; ++i) {
    floods.push_back(std::make_unique<byte_counter>());
    auto id = r->spawn(flood_agent(), floods.back()->make_sink(*r));
    REQUIRE(id.ok());
    ids.push_back(*id);
  }
  auto quiet = r->spawn(quiet_agent(), quiet_out.make_sink(*r));
  REQUIRE(quiet.ok());
  REQUIRE(quiet_out.wait([](const std::string& out, const auto&) {
    return count(out, "tick ") >= 20;
  }));
  for (auto& f : floods) // every flooder got its share too
    CHECK(test::eventually([&] { return f->bytes() >= (4 << 20); }));
  for (auto id : ids) {
    CHECK(r->stats(id)->max_unconsumed <= opts.budget);
    REQUIRE(r->stop(id, 5s).ok());
  }
  REQUIRE(r->stop(*quiet, 5s).ok());
  for (auto& f : floods)
    CHECK(f->wait_exit(test::deadline).has_value());
  CHECK(quiet_out.wait_exit().has_value());
}
