#include "actors/gate/file_scan.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <system_error>

namespace fs = std::filesystem;

namespace baton::actors {

file_snapshot scan_files(const std::string& dir, size_t limit) {
  file_snapshot out;
  std::error_code ec;
  fs::recursive_directory_iterator it{
    dir, fs::directory_options::skip_permission_denied, ec};
  for (; !ec && it != fs::recursive_directory_iterator{}; it.increment(ec)) {
    auto name = it->path().filename().string();
    if (name == ".git" || name.starts_with(".baton")) {
      if (it->is_directory(ec))
        it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(ec))
      continue;
    auto size = it->file_size(ec);
    auto mtime = it->last_write_time(ec);
    if (ec) {
      ec.clear();
      continue;
    }
    auto rel = it->path().lexically_relative(dir).generic_string();
    out[rel] = {size, static_cast<int64_t>(
                        std::chrono::duration_cast<std::chrono::nanoseconds>(
                          mtime.time_since_epoch())
                          .count())};
    if (out.size() >= limit)
      break;
  }
  return out;
}

std::vector<std::string> changed_files(const file_snapshot& before,
                                       const file_snapshot& after) {
  std::vector<std::string> out;
  for (auto& [path, meta] : after)
    if (auto b = before.find(path); b == before.end() || b->second != meta)
      out.push_back(path);
  for (auto& [path, meta] : before)
    if (!after.contains(path))
      out.push_back(path);
  std::sort(out.begin(), out.end());
  return out;
}

} // namespace baton::actors
