// A log directory opened with plain RocksDB, for tests that damage what
// the event log stored (corruption, a missing event) the way a disk or a
// bug would.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <rocksdb/db.h>

namespace baton::test {

/// The frozen key layout of the events column family (storage/key_codec.cpp):
/// stream id u32 big-endian, then sequence u64 big-endian.
inline std::string event_key(uint32_t stream_id, uint64_t sequence) {
  std::string key;
  for (int shift = 24; shift >= 0; shift -= 8)
    key.push_back(static_cast<char>(stream_id >> shift));
  for (int shift = 56; shift >= 0; shift -= 8)
    key.push_back(static_cast<char>(sequence >> shift));
  return key;
}

/// A log directory opened with plain RocksDB, every column family included.
/// The log must not be open elsewhere.
class raw_log {
public:
  explicit raw_log(const std::string& dir) {
    std::vector<std::string> names;
    REQUIRE(
      rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions{}, dir, &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (auto& name : names)
      cfs.emplace_back(name, rocksdb::ColumnFamilyOptions{});
    rocksdb::DB* raw = nullptr;
    auto st
      = rocksdb::DB::Open(rocksdb::DBOptions{}, dir, cfs, &handles_, &raw);
    INFO(st.ToString());
    REQUIRE(st.ok());
    db_.reset(raw);
    for (size_t i = 0; i < names.size(); ++i)
      by_name_[names[i]] = handles_[i];
  }

  ~raw_log() {
    for (auto* h : handles_)
      static_cast<void>(db_->DestroyColumnFamilyHandle(h));
    static_cast<void>(db_->Close());
  }

  rocksdb::ColumnFamilyHandle* cf(const std::string& name) {
    REQUIRE(by_name_.count(name) == 1);
    return by_name_[name];
  }

  std::string get(const std::string& family, const std::string& key) {
    std::string value;
    auto st = db_->Get(rocksdb::ReadOptions{}, cf(family), key, &value);
    INFO(st.ToString());
    REQUIRE(st.ok());
    return value;
  }

  void put(const std::string& family, const std::string& key,
           const std::string& value) {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    REQUIRE(db_->Put(wo, cf(family), key, value).ok());
  }

  void remove(const std::string& family, const std::string& key) {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    REQUIRE(db_->Delete(wo, cf(family), key).ok());
  }

  /// Writes every memtable to table files.
  void flush() {
    for (auto* h : handles_)
      REQUIRE(db_->Flush(rocksdb::FlushOptions{}, h).ok());
  }

private:
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::map<std::string, rocksdb::ColumnFamilyHandle*> by_name_;
};

/// The id the log gave `stream` (the default column family's
/// "stream/<name>" record starts with it, u32 big-endian).
inline uint32_t stream_id(raw_log& raw, const std::string& stream) {
  auto meta = raw.get("default", "stream/" + stream);
  REQUIRE(meta.size() >= 4);
  uint32_t id = 0;
  for (int i = 0; i < 4; ++i)
    id = (id << 8) | static_cast<uint8_t>(meta[static_cast<size_t>(i)]);
  return id;
}

} // namespace baton::test
