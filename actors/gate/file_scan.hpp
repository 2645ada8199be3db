// file_scan: what files a worker changed during an attempt, where there is no
// version control to ask — a before/after scan of its directory (sizes and
// modification times of regular files). Blocking file-system reads: call it
// off the actor threads, or on small directories only.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace baton::actors {

/// Path (relative to the scanned directory) -> (size, mtime in ns).
using file_snapshot = std::map<std::string, std::pair<uint64_t, int64_t>>;

/// The regular files under `dir`, recursively; skips `.git` and Baton's own
/// files (`.baton*`). At most `limit` files; a missing directory is empty.
file_snapshot scan_files(const std::string& dir, size_t limit = 100'000);

/// Files added, modified or removed between `before` and `after`, sorted.
std::vector<std::string> changed_files(const file_snapshot& before,
                                       const file_snapshot& after);

} // namespace baton::actors
