// No leaks across many agents: spawning and stopping 1000 agents leaves this
// process with the file descriptors and the children it started with.
#include "actors/pty/reactor.hpp"

#include <catch2/catch.hpp>

#include <condition_variable>
#include <csignal>
#include <iostream>
#include <mutex>

#include "actors/pty/pty_process.hpp"
#include "tests/actors/pty/pty_test_support.hpp"

using namespace baton;
using namespace baton::actors::pty;
using namespace std::chrono_literals;

namespace {

constexpr int total_agents = 1000;
constexpr int batch_size = 50;

/// Counts exits reported by any number of agents.
class exit_counter {
public:
  sink make_sink(reactor& r) {
    sink out;
    out.on_output
      = [&r](agent_id id, std::string bytes) { r.consumed(id, bytes.size()); };
    out.on_exit = [this](agent_id, exit_status s) {
      std::lock_guard guard{mu_};
      ++exits_;
      if (s.signal == SIGTERM)
        ++terminated_;
      cv_.notify_all();
    };
    return out;
  }

  bool wait_for(int n) {
    std::unique_lock lock{mu_};
    return cv_.wait_for(lock, test::deadline, [&] { return exits_ >= n; });
  }

  int terminated() const {
    std::lock_guard guard{mu_};
    return terminated_;
  }

private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int exits_ = 0;
  int terminated_ = 0;
};

spawn_options agent(int i) {
  spawn_options opts;
  if (i % 2 == 0)
    opts.argv = {"cat"};
  else
    opts.argv = {"sleep", "1000"};
  return opts;
}

std::string children_now() {
  return test::child_list().value_or("(no /proc/self/task/*/children)");
}

} // namespace

TEST_CASE("1000 agents spawned and stopped through the reactor leak no fd "
          "and no process",
          "[actors][pty][reactor][churn]") {
  REQUIRE(test::no_children());
  auto fds_before = test::open_fd_count();
  auto children_before = test::child_list();
  size_t fds_with_reactor = 0;
  {
    exit_counter exits;
    auto made = reactor::make();
    REQUIRE(made.ok());
    auto& r = **made;
    auto fds_idle = test::open_fd_count();
    for (int done = 0; done < total_agents; done += batch_size) {
      std::vector<agent_id> ids;
      for (int i = 0; i < batch_size; ++i) {
        auto id = r.spawn(agent(done + i), exits.make_sink(r));
        REQUIRE(id.ok());
        ids.push_back(*id);
      }
      CHECK(r.stats().agents == batch_size);
      for (auto id : ids)
        REQUIRE(r.stop(id, 10s).ok());
      REQUIRE(exits.wait_for(done + batch_size));
    }
    CHECK(exits.terminated() == total_agents);
    REQUIRE(test::eventually([&] { return r.stats().agents == 0; }));
    fds_with_reactor = test::open_fd_count();
    CHECK(fds_with_reactor == fds_idle);
    CHECK(test::no_children());
  }
  auto fds_after = test::open_fd_count();
  std::cout << "churn (reactor): " << total_agents << " agents; fds before "
            << fds_before << ", with the idle reactor " << fds_with_reactor
            << ", after " << fds_after << "; children before '"
            << children_before.value_or("n/a") << "', after '" << children_now()
            << "'\n";
  CHECK(fds_after == fds_before);
  CHECK(test::no_children());
  if (children_before)
    CHECK(test::child_list() == children_before);
}

TEST_CASE("1000 processes spawned and stopped directly leak no fd and no "
          "process",
          "[actors][pty][pty_process][churn]") {
  REQUIRE(test::no_children());
  auto fds_before = test::open_fd_count();
  for (int done = 0; done < total_agents; done += batch_size) {
    std::vector<pty_process> batch;
    for (int i = 0; i < batch_size; ++i) {
      auto p = pty_process::spawn(agent(done + i));
      REQUIRE(p.ok());
      batch.push_back(std::move(p).value());
    }
    for (size_t i = 0; i < batch.size(); ++i) {
      if (i % 5 == 0)
        continue; // left to the destructor: SIGKILL and reap
      CHECK(batch[i].stop(10s).signal == SIGTERM);
    }
  }
  auto fds_after = test::open_fd_count();
  std::cout << "churn (pty_process): " << total_agents
            << " processes; fds before " << fds_before << ", after "
            << fds_after << "; children after '" << children_now() << "'\n";
  CHECK(fds_after == fds_before);
  CHECK(test::no_children());
  if (auto kids = test::child_list())
    CHECK(kids->find_first_not_of(" \n") == std::string::npos);
}
