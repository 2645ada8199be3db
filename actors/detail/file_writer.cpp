#include "actors/detail/file_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace baton::actors::detail {

bool write_file_in_place(const std::string& path,
                         const std::string& content) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0 && errno == ENOENT) {
    std::error_code ec;
    std::filesystem::create_directories(
      std::filesystem::path{path}.parent_path(), ec);
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  }
  if (fd < 0)
    return false;
  bool ok = true;
  size_t done = 0;
  while (ok && done < content.size()) {
    auto n = ::pwrite(fd, content.data() + done, content.size() - done,
                      static_cast<off_t>(done));
    if (n < 0 && errno == EINTR)
      continue;
    ok = n > 0;
    if (ok)
      done += static_cast<size_t>(n);
  }
  ok = ok && ::ftruncate(fd, static_cast<off_t>(content.size())) == 0;
  ::close(fd);
  return ok;
}

std::string write_file_whole(const std::string& path,
                             const std::string& content) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(fs::path{path}.parent_path(), ec);
  auto tmp = path + ".tmp";
  if (!write_file_in_place(tmp, content))
    return "cannot write " + tmp + ": " + std::strerror(errno);
  fs::rename(tmp, path, ec);
  if (ec)
    return "cannot write " + path + ": " + ec.message();
  return {};
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

void file_writer::put(std::string path, std::string content, bool whole) {
  {
    std::lock_guard lock{mu_};
    pending_[std::move(path)] = {++generation_, std::move(content), whole};
  }
  cv_.notify_one();
}

void file_writer::write_one(const std::string& path, const version& v) {
  std::lock_guard stripe{stripe_[std::hash<std::string>{}(path) % stripes]};
  {
    std::lock_guard lock{mu_};
    auto& on_disk = written_[path];
    if (on_disk > v.generation)
      return; // a later content was written meanwhile (write_now)
    on_disk = v.generation;
  }
  std::string problem;
  if (!v.whole) {
    if (!write_file_in_place(path, v.content))
      problem = "cannot write " + path + ": " + std::strerror(errno);
  } else {
    problem = write_file_whole(path, v.content);
  }
  // Said once per file until it can be written again.
  std::lock_guard lock{mu_};
  if (problem.empty())
    failing_.erase(path);
  else if (failing_.insert(path).second)
    std::fprintf(stderr, "baton: %s\n", problem.c_str());
}

void file_writer::write_now(const std::string& path,
                            const std::string& content) {
  version v;
  {
    // What was pending for it is superseded.
    std::lock_guard lock{mu_};
    pending_.erase(path);
    v.generation = ++generation_;
  }
  v.content = content;
  write_one(path, v);
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
    for (auto& [path, v] : batch)
      write_one(path, v);
    lock.lock();
    writing_ = false;
    idle_.notify_all();
  }
}

} // namespace baton::actors::detail
