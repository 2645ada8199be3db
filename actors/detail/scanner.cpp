#include "actors/detail/scanner.hpp"

namespace baton::actors::detail {

scanner::scanner() : thread_([this] { loop(); }) {
}

scanner::~scanner() {
  {
    std::lock_guard lock{mu_};
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

uint64_t scanner::scan(std::vector<std::string> dirs,
                       std::function<void(uint64_t)> done) {
  uint64_t id;
  {
    std::lock_guard lock{mu_};
    id = ++next_id_;
    jobs_.push_back({id, std::move(dirs), std::move(done)});
  }
  wake_.notify_one();
  return id;
}

uint64_t scanner::run(std::function<void()> work,
                      std::function<void(uint64_t)> done) {
  uint64_t id;
  {
    std::lock_guard lock{mu_};
    id = ++next_id_;
    jobs_.push_back({id, {}, std::move(done), std::move(work)});
  }
  wake_.notify_one();
  return id;
}

std::vector<file_snapshot> scanner::take(uint64_t id) {
  std::lock_guard lock{mu_};
  auto r = results_.find(id);
  if (r == results_.end())
    return {};
  auto out = std::move(r->second);
  results_.erase(r);
  return out;
}

void scanner::loop() {
  std::unique_lock lock{mu_};
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
    if (jobs_.empty())
      return; // stopping, and nothing left
    auto j = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    if (j.work) {
      j.work();
    } else {
      std::vector<file_snapshot> snapshots;
      snapshots.reserve(j.dirs.size());
      for (auto& d : j.dirs)
        snapshots.push_back(scan_files(d));
      lock.lock();
      results_[j.id] = std::move(snapshots);
      lock.unlock();
    }
    if (j.done)
      j.done(j.id);
    lock.lock();
  }
}

} // namespace baton::actors::detail
