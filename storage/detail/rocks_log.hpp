// rocks_log: the event log on RocksDB. Key layout: storage/key_codec.cpp;
// value layout: storage/event_codec.cpp.
//
// Writes go through a queue of writers (LevelDB's DBImpl::Write shape): the
// writer at the front becomes the leader, takes the writers queued behind it
// (only itself under durability::sync), validates them against the stream
// table, assigns sequences and positions, and commits one WriteBatch with one
// sync. Only then are the new versions published and the writers released, so
// nothing is acknowledged before it is durable, and a failed batch leaves no
// hole: its positions were never published.
//
// The member functions are defined by concern: rocks_log_open.cpp,
// rocks_log_write.cpp, rocks_log_read.cpp, rocks_log_maintenance.cpp.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "storage/detail/rocks_util.hpp"
#include "storage/event_log.hpp"

namespace baton::storage::detail {

class rocks_log final : public event_log {
public:
  rocks_log(std::string dir, options opts)
    : dir_(std::move(dir)), opts_(opts) {
  }
  ~rocks_log() override;

  /// Opens or creates the log; called once, by event_log::open.
  result<void> open();
  result<append_result> append(std::string_view stream,
                               expected_version expected,
                               std::span<const new_event> events) override;
  std::vector<result<append_result>>
  append_many(std::span<const append_request> requests) override;
  using event_log::read;
  result<uint64_t> read(std::string_view stream, uint64_t from, uint64_t to,
                        uint64_t max,
                        const event_visitor& visit) const override;
  using event_log::read_all;
  result<uint64_t> read_all(uint64_t from, uint64_t max,
                            const event_visitor& visit) const override;
  uint64_t highest(std::string_view stream) const override;
  std::vector<stream_info> streams() const override;
  uint64_t last_position() const override {
    return last_position_.load(std::memory_order_acquire);
  }
  uint64_t wait_beyond(uint64_t position,
                       std::chrono::milliseconds timeout) override;
  result<void> refresh() override;
  result<void> delete_upto(std::string_view stream,
                           uint64_t to_sequence) override;
  result<uint64_t> truncate(std::string_view prefix,
                            uint64_t before) override;
  result<void> save_snapshot(std::string_view stream,
                             const snapshot& snap) override;
  result<std::optional<snapshot>>
  load_snapshot(std::string_view stream,
                const snapshot_criteria& c) const override;
  result<void> delete_snapshot(std::string_view stream,
                               uint64_t sequence) override;
  result<void> delete_snapshots(std::string_view stream,
                                const snapshot_criteria& c) override;
  result<uint64_t> keep_snapshots(std::string_view stream,
                                  size_t keep) override;

  const std::string& dir() const override {
    return dir_;
  }
  durability mode() const override {
    return opts_.mode;
  }

private:
  // -- opening ---------------------------------------------------------------
  result<bool> check_directory() const;
  result<void> open_db(bool fresh);
  result<void> check_format(bool fresh);
  bool all_empty() const;
  result<void> load_state();
  result<bool> empty_database(const rocksdb::DBOptions& db_opts,
                              const std::vector<std::string>& names);
  result<uint64_t> last_sequence(uint32_t stream_id) const;

  // -- writing ---------------------------------------------------------------
  result<void> writable() const;
  result<void> validate(std::string_view stream,
                        std::span<const new_event> events) const;
  void run(std::deque<writer>& mine);
  void lead(std::unique_lock<std::mutex>& lock);
  void commit_group(std::vector<writer*>& group);
  std::optional<stream_state> find_stream(std::string_view name) const;
  /// Deletes the snapshots of `stream` (whose state is `st`) at `seqs`,
  /// in one write.
  result<void> delete_snapshot_keys(const stream_state& st,
                                    std::string_view stream,
                                    const std::vector<uint64_t>& seqs);
  rocksdb::WriteOptions write_options(bool relaxed = false) const;
  void put_stream_meta(rocksdb::WriteBatch& batch, std::string_view name,
                       const stream_state& st);
  result<void> write(rocksdb::WriteBatch& batch, const std::string& what,
                     bool relaxed = false);
  void publish(const std::map<std::string, stream_state, std::less<>>& touched,
               uint64_t last_position);

  std::string dir_;
  options opts_;
  std::string secondary_dir_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::ColumnFamilyHandle* meta_ = nullptr;
  rocksdb::ColumnFamilyHandle* events_ = nullptr;
  rocksdb::ColumnFamilyHandle* positions_ = nullptr;
  rocksdb::ColumnFamilyHandle* ids_ = nullptr;
  rocksdb::ColumnFamilyHandle* snapshots_ = nullptr;

  // The stream table; readers take it shared, the leader exclusively.
  mutable std::shared_mutex streams_mu_;
  std::map<std::string, stream_state, std::less<>> streams_;
  std::unordered_map<uint32_t, std::string> names_;
  uint32_t next_stream_id_ = 1;
  std::atomic<uint64_t> last_position_{0};

  // The writer queue.
  std::mutex queue_mu_;
  std::deque<writer*> writers_;
  std::atomic<uint64_t> next_batch_{1};

  // Held by whoever commits: the group leader, deletion, snapshots.
  std::mutex commit_mu_;
  bool failed_ = false;
  std::string failure_;

  // Tail waiters.
  std::mutex tail_mu_;
  std::condition_variable tail_cv_;
};

} // namespace baton::storage::detail
