#include "tests/support/fault_fs.hpp"

#include <algorithm>
#include <filesystem>

namespace baton::test {

namespace {

using rocksdb::IODebugContext;
using rocksdb::IOOptions;
using rocksdb::IOStatus;
using rocksdb::Slice;

/// A writable file that reports its writes and syncs to its fault_fs.
class fault_writable_file : public rocksdb::FSWritableFileOwnerWrapper {
public:
  fault_writable_file(std::unique_ptr<rocksdb::FSWritableFile> target,
                      fault_fs* fs, std::string fname)
    : FSWritableFileOwnerWrapper(std::move(target)), fs_(fs),
      fname_(std::move(fname)) {
  }

  IOStatus Append(const Slice& data, const IOOptions& opts,
                  IODebugContext* dbg) override {
    return append(data, [&] {
      return FSWritableFileOwnerWrapper::Append(data, opts, dbg);
    });
  }

  IOStatus Append(const Slice& data, const IOOptions& opts,
                  const rocksdb::DataVerificationInfo& info,
                  IODebugContext* dbg) override {
    return append(data, [&] {
      return FSWritableFileOwnerWrapper::Append(data, opts, info, dbg);
    });
  }

  IOStatus PositionedAppend(const Slice& data, uint64_t offset,
                            const IOOptions& opts,
                            IODebugContext* dbg) override {
    return positioned(data, offset, [&] {
      return FSWritableFileOwnerWrapper::PositionedAppend(data, offset, opts,
                                                          dbg);
    });
  }

  IOStatus PositionedAppend(const Slice& data, uint64_t offset,
                            const IOOptions& opts,
                            const rocksdb::DataVerificationInfo& info,
                            IODebugContext* dbg) override {
    return positioned(data, offset, [&] {
      return FSWritableFileOwnerWrapper::PositionedAppend(data, offset, opts,
                                                          info, dbg);
    });
  }

  IOStatus Truncate(uint64_t size, const IOOptions& opts,
                    IODebugContext* dbg) override {
    if (auto st = fs_->admit("truncate", fname_, true); !st.ok())
      return st;
    auto st = FSWritableFileOwnerWrapper::Truncate(size, opts, dbg);
    if (st.ok())
      fs_->truncated(fname_, size);
    return st;
  }

  IOStatus Flush(const IOOptions& opts, IODebugContext* dbg) override {
    if (auto st = fs_->admit("flush", fname_); !st.ok())
      return st;
    return FSWritableFileOwnerWrapper::Flush(opts, dbg);
  }

  IOStatus Sync(const IOOptions& opts, IODebugContext* dbg) override {
    return sync([&] { return FSWritableFileOwnerWrapper::Sync(opts, dbg); });
  }

  IOStatus Fsync(const IOOptions& opts, IODebugContext* dbg) override {
    return sync([&] { return FSWritableFileOwnerWrapper::Fsync(opts, dbg); });
  }

  IOStatus RangeSync(uint64_t offset, uint64_t nbytes, const IOOptions& opts,
                     IODebugContext* dbg) override {
    // sync_file_range(2) makes no promise about durability: not a sync.
    if (auto st = fs_->admit("range sync", fname_); !st.ok())
      return st;
    return FSWritableFileOwnerWrapper::RangeSync(offset, nbytes, opts, dbg);
  }

private:
  template<class F>
  IOStatus append(const Slice& data, F&& forward) {
    if (auto st = fs_->admit("append", fname_, true); !st.ok())
      return st;
    // Appends to one file are not concurrent in RocksDB; size_of + data is
    // where this write ends.
    auto end = fs_->size_of(fname_) + data.size();
    auto st = forward();
    if (st.ok())
      fs_->written(fname_, end);
    return st;
  }

  template<class F>
  IOStatus positioned(const Slice& data, uint64_t offset, F&& forward) {
    if (auto st = fs_->admit("append", fname_, true); !st.ok())
      return st;
    auto st = forward();
    if (st.ok())
      fs_->written(fname_, offset + data.size());
    return st;
  }

  template<class F>
  IOStatus sync(F&& forward) {
    if (auto st = fs_->admit("sync", fname_, true); !st.ok())
      return st;
    // What was written before the sync started is what it makes durable.
    auto size = fs_->size_of(fname_);
    auto st = forward();
    if (st.ok())
      fs_->synced(fname_, size);
    return st;
  }

  fault_fs* fs_;
  std::string fname_;
};

/// A directory whose fsync fails while the file system is inactive.
class fault_directory : public rocksdb::FSDirectory {
public:
  fault_directory(std::unique_ptr<rocksdb::FSDirectory> target, fault_fs* fs,
                  std::string name)
    : target_(std::move(target)), fs_(fs), name_(std::move(name)) {
  }

  IOStatus Fsync(const IOOptions& opts, IODebugContext* dbg) override {
    if (auto st = fs_->admit("directory sync", name_); !st.ok())
      return st;
    return target_->Fsync(opts, dbg);
  }

  IOStatus
  FsyncWithDirOptions(const IOOptions& opts, IODebugContext* dbg,
                      const rocksdb::DirFsyncOptions& dir_opts) override {
    if (auto st = fs_->admit("directory sync", name_); !st.ok())
      return st;
    return target_->FsyncWithDirOptions(opts, dbg, dir_opts);
  }

  IOStatus Close(const IOOptions& opts, IODebugContext* dbg) override {
    return target_->Close(opts, dbg);
  }

  size_t GetUniqueId(char* id, size_t max_size) const override {
    return target_->GetUniqueId(id, max_size);
  }

private:
  std::unique_ptr<rocksdb::FSDirectory> target_;
  fault_fs* fs_;
  std::string name_;
};

} // namespace

fault_fs::fault_fs(std::shared_ptr<rocksdb::FileSystem> base)
  : FileSystemWrapper(base) {
}

// -- control -----------------------------------------------------------------

void fault_fs::deactivate() {
  active_ = false;
}

void fault_fs::activate() {
  budget_ = -1;
  active_ = true;
}

void fault_fs::fail_after(uint64_t n) {
  budget_ = static_cast<int64_t>(n);
}

uint64_t fault_fs::unsynced_bytes() const {
  std::lock_guard guard{mu_};
  uint64_t total = 0;
  for (auto& [name, st] : files_)
    total += st.size > st.synced ? st.size - st.synced : 0;
  return total;
}

rocksdb::Status fault_fs::drop_unsynced_data() {
  std::lock_guard guard{mu_};
  for (auto& [name, st] : files_) {
    // RocksDB's POSIX file system does not implement Truncate: go direct.
    std::error_code err;
    if (!std::filesystem::exists(name, err))
      continue;
    std::filesystem::resize_file(name, st.synced, err);
    if (err)
      return rocksdb::Status::IOError("fault_fs: cannot truncate " + name,
                                      err.message());
    st.size = st.synced;
  }
  return rocksdb::Status::OK();
}

IOStatus fault_fs::admit(const char* what, const std::string& fname,
                         bool counts) {
  if (active_ && counts && budget_.load() >= 0) {
    // The write that finds the budget empty is the first to fail.
    if (budget_.fetch_sub(1) <= 0)
      active_ = false;
  }
  if (active_)
    return IOStatus::OK();
  ++failures_;
  return IOStatus::IOError(std::string{"fault_fs: "} + what + " " + fname
                           + " refused: the file system is deactivated");
}

void fault_fs::written(const std::string& fname, uint64_t end) {
  std::lock_guard guard{mu_};
  auto& st = files_[fname];
  st.size = std::max(st.size, end);
}

uint64_t fault_fs::size_of(const std::string& fname) const {
  std::lock_guard guard{mu_};
  auto i = files_.find(fname);
  return i == files_.end() ? 0 : i->second.size;
}

void fault_fs::synced(const std::string& fname, uint64_t size) {
  std::lock_guard guard{mu_};
  auto& st = files_[fname];
  st.synced = std::max(st.synced, std::min(size, st.size));
}

void fault_fs::truncated(const std::string& fname, uint64_t size) {
  std::lock_guard guard{mu_};
  auto i = files_.find(fname);
  if (i == files_.end())
    return;
  i->second.size = size;
  i->second.synced = std::min(i->second.synced, size);
}

void fault_fs::track(const std::string& fname, uint64_t size, uint64_t synced) {
  std::lock_guard guard{mu_};
  files_[fname] = file_state{size, synced};
}

// -- file system -------------------------------------------------------------

IOStatus fault_fs::NewWritableFile(const std::string& fname,
                                   const rocksdb::FileOptions& opts,
                                   std::unique_ptr<rocksdb::FSWritableFile>* r,
                                   IODebugContext* dbg) {
  if (auto st = admit("create", fname); !st.ok())
    return st;
  std::unique_ptr<rocksdb::FSWritableFile> file;
  auto st = target()->NewWritableFile(fname, opts, &file, dbg);
  if (!st.ok())
    return st;
  track(fname, 0, 0);
  *r = std::make_unique<fault_writable_file>(std::move(file), this, fname);
  return st;
}

IOStatus fault_fs::ReopenWritableFile(
  const std::string& fname, const rocksdb::FileOptions& opts,
  std::unique_ptr<rocksdb::FSWritableFile>* r, IODebugContext* dbg) {
  if (auto st = admit("reopen", fname); !st.ok())
    return st;
  bool known = false;
  {
    std::lock_guard guard{mu_};
    known = files_.count(fname) > 0;
  }
  std::unique_ptr<rocksdb::FSWritableFile> file;
  auto st = target()->ReopenWritableFile(fname, opts, &file, dbg);
  if (!st.ok())
    return st;
  if (!known) {
    // What was there before this file system saw it counts as durable.
    uint64_t size = 0;
    target()
      ->GetFileSize(fname, IOOptions{}, &size, dbg)
      .PermitUncheckedError();
    track(fname, size, size);
  }
  *r = std::make_unique<fault_writable_file>(std::move(file), this, fname);
  return st;
}

IOStatus fault_fs::ReuseWritableFile(
  const std::string& fname, const std::string& old_fname,
  const rocksdb::FileOptions& opts, std::unique_ptr<rocksdb::FSWritableFile>* r,
  IODebugContext* dbg) {
  if (auto st = admit("reuse", fname); !st.ok())
    return st;
  std::unique_ptr<rocksdb::FSWritableFile> file;
  auto st = target()->ReuseWritableFile(fname, old_fname, opts, &file, dbg);
  if (!st.ok())
    return st;
  {
    std::lock_guard guard{mu_};
    files_.erase(old_fname);
  }
  track(fname, 0, 0);
  *r = std::make_unique<fault_writable_file>(std::move(file), this, fname);
  return st;
}

IOStatus fault_fs::NewRandomRWFile(const std::string& fname,
                                   const rocksdb::FileOptions& opts,
                                   std::unique_ptr<rocksdb::FSRandomRWFile>* r,
                                   IODebugContext* dbg) {
  if (auto st = admit("create", fname); !st.ok())
    return st;
  return target()->NewRandomRWFile(fname, opts, r, dbg);
}

IOStatus fault_fs::NewDirectory(const std::string& name, const IOOptions& opts,
                                std::unique_ptr<rocksdb::FSDirectory>* r,
                                IODebugContext* dbg) {
  std::unique_ptr<rocksdb::FSDirectory> dir;
  auto st = target()->NewDirectory(name, opts, &dir, dbg);
  if (!st.ok())
    return st;
  *r = std::make_unique<fault_directory>(std::move(dir), this, name);
  return st;
}

IOStatus fault_fs::DeleteFile(const std::string& fname, const IOOptions& opts,
                              IODebugContext* dbg) {
  if (auto st = admit("delete", fname); !st.ok())
    return st;
  auto st = target()->DeleteFile(fname, opts, dbg);
  if (st.ok()) {
    std::lock_guard guard{mu_};
    files_.erase(fname);
  }
  return st;
}

IOStatus fault_fs::Truncate(const std::string& fname, size_t size,
                            const IOOptions& opts, IODebugContext* dbg) {
  if (auto st = admit("truncate", fname); !st.ok())
    return st;
  auto st = target()->Truncate(fname, size, opts, dbg);
  if (st.ok())
    truncated(fname, size);
  return st;
}

IOStatus fault_fs::CreateDir(const std::string& dirname, const IOOptions& opts,
                             IODebugContext* dbg) {
  if (auto st = admit("create directory", dirname); !st.ok())
    return st;
  return target()->CreateDir(dirname, opts, dbg);
}

IOStatus fault_fs::CreateDirIfMissing(const std::string& dirname,
                                      const IOOptions& opts,
                                      IODebugContext* dbg) {
  if (auto st = admit("create directory", dirname); !st.ok())
    return st;
  return target()->CreateDirIfMissing(dirname, opts, dbg);
}

IOStatus fault_fs::DeleteDir(const std::string& dirname, const IOOptions& opts,
                             IODebugContext* dbg) {
  if (auto st = admit("delete directory", dirname); !st.ok())
    return st;
  return target()->DeleteDir(dirname, opts, dbg);
}

IOStatus fault_fs::RenameFile(const std::string& src, const std::string& dst,
                              const IOOptions& opts, IODebugContext* dbg) {
  if (auto st = admit("rename", src); !st.ok())
    return st;
  auto st = target()->RenameFile(src, dst, opts, dbg);
  if (st.ok()) {
    std::lock_guard guard{mu_};
    auto i = files_.find(src);
    if (i != files_.end()) {
      files_[dst] = i->second;
      files_.erase(src);
    } else {
      files_.erase(dst);
    }
  }
  return st;
}

IOStatus fault_fs::LinkFile(const std::string& src, const std::string& dst,
                            const IOOptions& opts, IODebugContext* dbg) {
  if (auto st = admit("link", src); !st.ok())
    return st;
  return target()->LinkFile(src, dst, opts, dbg);
}

std::unique_ptr<rocksdb::Env> make_env(const std::shared_ptr<fault_fs>& fs) {
  return rocksdb::NewCompositeEnv(fs);
}

} // namespace baton::test
