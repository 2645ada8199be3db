// scanner: directory scans off the actors' threads. A scan of an agent's
// directory (actors/gate/file_scan) reads every file's size and time: on a
// real project (a node_modules, a build tree) that takes long enough to
// hold an actor's thread, and with it every message behind it. The
// orchestrator hands scans here and goes on; one thread runs them in the
// order they were handed over, keeps each result under an id, and calls
// back (the orchestrator's callback sends itself the id). What a scan
// shows is acted on only once it is back on the actor, in a message, and
// anything it changes in the run is recorded there first.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "actors/gate/file_scan.hpp"

namespace baton::actors::detail {

class scanner {
public:
  scanner();
  /// Runs what was handed over, then stops its thread.
  ~scanner();
  scanner(const scanner&) = delete;
  scanner& operator=(const scanner&) = delete;

  /// Scans each of `dirs` on the scanner's thread, after every scan handed
  /// over before, keeps the snapshots (in the order of `dirs`) under the id
  /// returned, then calls `done(id)` there. Thread-safe.
  uint64_t scan(std::vector<std::string> dirs,
                std::function<void(uint64_t)> done);

  /// Runs `work` on the scanner's thread, after every job handed over
  /// before, then calls `done(id)` there: other reads of the disk a run
  /// makes (a swarm's or mesh's state/ folder). What `work` finds it keeps
  /// itself. Thread-safe.
  uint64_t run(std::function<void()> work, std::function<void(uint64_t)> done);

  /// The snapshots of scan `id`, taken off; empty when it is not done (or
  /// was taken). Thread-safe.
  std::vector<file_snapshot> take(uint64_t id);

private:
  struct job {
    uint64_t id;
    std::vector<std::string> dirs;
    std::function<void(uint64_t)> done;
    std::function<void()> work = {};
  };

  void loop();

  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<job> jobs_;
  std::map<uint64_t, std::vector<file_snapshot>> results_;
  uint64_t next_id_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

} // namespace baton::actors::detail
