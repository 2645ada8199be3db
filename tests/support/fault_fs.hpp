// fault_fs: a RocksDB file system that fails on command and can forget what
// was never synced, for fault-injection tests (LevelDB's
// db/fault_injection_test.cc, done through RocksDB's public FileSystemWrapper).
//
// It tracks, for every file written through it, the size written so far and
// the size at its last successful Sync/Fsync. Then:
// - deactivate(): every later write, sync, create, rename, link, truncate and
//   delete fails with an IOError, as if the disk had gone away;
// - fail_after(n): the same, but only after `n` more writes or syncs have
//   succeeded, so that the failure lands inside whatever runs next;
// - drop_unsynced_data(): truncates every tracked file to its last synced
//   size, as a power loss would. Call it only while no database is open on
//   the files.
//
// Use it through rocksdb::NewCompositeEnv(fs); see make_env(). Directory
// entries are not simulated: a file created and never synced keeps its name
// and loses its contents.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

namespace baton::test {

class fault_fs : public rocksdb::FileSystemWrapper {
public:
  explicit fault_fs(std::shared_ptr<rocksdb::FileSystem> base
                    = rocksdb::FileSystem::Default());

  static const char* kClassName() {
    return "baton_fault_fs";
  }
  const char* Name() const override {
    return kClassName();
  }

  // -- control ---------------------------------------------------------------

  /// Makes every later mutation fail with an IOError.
  void deactivate();

  /// Undoes deactivate() and fail_after().
  void activate();

  bool active() const {
    return active_.load();
  }

  /// Lets `n` more writes or syncs succeed, then deactivates.
  void fail_after(uint64_t n);

  /// How many mutations failed because the file system was inactive.
  uint64_t failures() const {
    return failures_.load();
  }

  /// Bytes written to tracked files and not synced since.
  uint64_t unsynced_bytes() const;

  /// Truncates every tracked file to its size at its last sync.
  rocksdb::Status drop_unsynced_data();

  // -- file system -----------------------------------------------------------

  rocksdb::IOStatus NewWritableFile(const std::string& fname,
                                    const rocksdb::FileOptions& opts,
                                    std::unique_ptr<rocksdb::FSWritableFile>* r,
                                    rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus
  ReopenWritableFile(const std::string& fname, const rocksdb::FileOptions& opts,
                     std::unique_ptr<rocksdb::FSWritableFile>* r,
                     rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus
  ReuseWritableFile(const std::string& fname, const std::string& old_fname,
                    const rocksdb::FileOptions& opts,
                    std::unique_ptr<rocksdb::FSWritableFile>* r,
                    rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus NewRandomRWFile(const std::string& fname,
                                    const rocksdb::FileOptions& opts,
                                    std::unique_ptr<rocksdb::FSRandomRWFile>* r,
                                    rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus NewDirectory(const std::string& name,
                                 const rocksdb::IOOptions& opts,
                                 std::unique_ptr<rocksdb::FSDirectory>* r,
                                 rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus DeleteFile(const std::string& fname,
                               const rocksdb::IOOptions& opts,
                               rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus Truncate(const std::string& fname, size_t size,
                             const rocksdb::IOOptions& opts,
                             rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus CreateDir(const std::string& dirname,
                              const rocksdb::IOOptions& opts,
                              rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus CreateDirIfMissing(const std::string& dirname,
                                       const rocksdb::IOOptions& opts,
                                       rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus DeleteDir(const std::string& dirname,
                              const rocksdb::IOOptions& opts,
                              rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus RenameFile(const std::string& src, const std::string& dst,
                               const rocksdb::IOOptions& opts,
                               rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus LinkFile(const std::string& src, const std::string& dst,
                             const rocksdb::IOOptions& opts,
                             rocksdb::IODebugContext* dbg) override;

  // -- used by the files it hands out ----------------------------------------

  /// OK while active; else an IOError naming `what`. Counts a write or sync
  /// towards fail_after() when `counts` is true.
  rocksdb::IOStatus admit(const char* what, const std::string& fname,
                          bool counts = false);
  void written(const std::string& fname, uint64_t end);
  uint64_t size_of(const std::string& fname) const;
  void synced(const std::string& fname, uint64_t size);
  void truncated(const std::string& fname, uint64_t size);

private:
  struct file_state {
    uint64_t size = 0;
    uint64_t synced = 0;
  };

  void track(const std::string& fname, uint64_t size, uint64_t synced);

  std::atomic<bool> active_{true};
  std::atomic<int64_t> budget_{-1}; // writes left before failing; -1: off
  std::atomic<uint64_t> failures_{0};
  mutable std::mutex mu_;
  std::map<std::string, file_state> files_;
};

/// An Env that runs on `fs` (rocksdb::NewCompositeEnv). It must outlive every
/// database opened with it; `fs` lives at least as long.
std::unique_ptr<rocksdb::Env> make_env(const std::shared_ptr<fault_fs>& fs);

} // namespace baton::test
