#include "actors/detail/file_writer.hpp"

#include <filesystem>
#include <fstream>

namespace baton::actors::detail {

bool write_file_atomically(const std::string& path,
                           const std::string& content) {
  std::error_code ec;
  auto p = std::filesystem::path{path};
  std::filesystem::create_directories(p.parent_path(), ec);
  auto tmp = p;
  tmp += ".tmp";
  {
    std::ofstream out{tmp, std::ios::binary | std::ios::trunc};
    out << content;
    if (!out)
      return false;
  }
  std::filesystem::rename(tmp, p, ec);
  return !ec;
}

file_writer& file_writer::instance() {
  static file_writer w;
  return w;
}

file_writer::file_writer() : thread_([this] { run(); }) {
}

file_writer::~file_writer() {
  {
    std::lock_guard lock{mu_};
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void file_writer::put(std::string path, std::string content) {
  {
    std::lock_guard lock{mu_};
    pending_[std::move(path)] = std::move(content);
  }
  cv_.notify_one();
}

void file_writer::write_now(const std::string& path,
                            const std::string& content) {
  // After what is on its way (an older content of the same file must not
  // land after this one).
  put(path, content);
  flush();
}

void file_writer::flush() {
  std::unique_lock lock{mu_};
  ++flushing_;
  cv_.notify_all();
  idle_.wait(lock, [this] { return pending_.empty() && !writing_; });
  --flushing_;
}

void file_writer::run() {
  std::unique_lock lock{mu_};
  for (;;) {
    cv_.wait(lock, [this] { return stop_ || !pending_.empty(); });
    if (pending_.empty() && stop_)
      return;
    // A file changed now often changes again soon (a task's steps come
    // together): gather a while, and write each once.
    cv_.wait_for(lock, gather, [this] { return stop_ || flushing_ > 0; });
    auto batch = std::move(pending_);
    pending_.clear();
    writing_ = true;
    lock.unlock();
    for (auto& [path, content] : batch)
      write_file_atomically(path, content);
    lock.lock();
    writing_ = false;
    if (pending_.empty())
      idle_.notify_all();
  }
}

} // namespace baton::actors::detail
