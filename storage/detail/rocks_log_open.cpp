#include "storage/detail/rocks_log.hpp"

#include <algorithm>
#include <filesystem>

#include "schema/envelope.capnp.h"
#include "storage/key_codec.hpp"

namespace fs = std::filesystem;

namespace baton::storage::detail {

rocks_log::~rocks_log() {
  if (db_) {
    for (auto* h : handles_)
      static_cast<void>(db_->DestroyColumnFamilyHandle(h));
    static_cast<void>(db_->Close());
    db_.reset();
  }
  if (!secondary_dir_.empty()) {
    std::error_code ignored;
    fs::remove_all(secondary_dir_, ignored);
  }
}

// Returns true when the directory is fresh (missing or empty).
result<bool> rocks_log::check_directory() const {
  std::error_code err;
  auto status = fs::status(dir_, err);
  if (!fs::exists(status)) {
    if (opts_.read_only || !opts_.create_if_missing)
      return error{ec::not_found, "no Baton log at " + dir_};
    return true;
  }
  if (!fs::is_directory(status))
    return error{ec::not_a_log, dir_ + " is not a directory"};
  if (fs::is_empty(dir_, err)) {
    if (opts_.read_only || !opts_.create_if_missing)
      return error{ec::not_found, "no Baton log at " + dir_ + " (empty)"};
    return true;
  }
  if (fs::exists(fs::path{dir_} / "CURRENT"))
    return false;
  if (!only_rocksdb_leftovers(dir_))
    return error{ec::not_a_log,
                 dir_ + " is not a Baton log (it holds other files and no "
                        "database); nothing was changed"};
  // A creation that was interrupted before RocksDB wrote CURRENT.
  if (opts_.read_only || !opts_.create_if_missing)
    return error{ec::not_found, "the creation of the log in " + dir_
                                  + " was interrupted; open it for writing "
                                    "to finish it"};
  return true;
}

// True when `names` is a subset of Baton's column families: a log whose
// creation stopped between two column families, or a foreign database.

// Opens the existing column families read-only and reports whether every one
// of them is empty: what an interrupted creation leaves behind.
result<bool> rocks_log::empty_database(
  const rocksdb::DBOptions& db_opts, const std::vector<std::string>& names) {
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (auto& n : names)
    cfs.emplace_back(n, rocksdb::ColumnFamilyOptions{});
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  auto st = rocksdb::DB::OpenForReadOnly(db_opts, dir_, cfs, &handles, &raw);
  if (!st.ok())
    return from_status(st, "cannot inspect the database in " + dir_);
  std::unique_ptr<rocksdb::DB> db{raw};
  bool empty = true;
  for (auto* h : handles) {
    std::unique_ptr<rocksdb::Iterator> it{
      db->NewIterator(rocksdb::ReadOptions{}, h)};
    it->SeekToFirst();
    empty = empty && !it->Valid();
  }
  for (auto* h : handles)
    static_cast<void>(db->DestroyColumnFamilyHandle(h));
  return empty;
}

result<void> rocks_log::open_db(bool fresh) {
  rocksdb::DBOptions db_opts;
  db_opts.create_if_missing = fresh;
  db_opts.create_missing_column_families = fresh;
  db_opts.max_background_jobs = 2;
  db_opts.bytes_per_sync = 1 << 20;
  if (opts_.env != nullptr)
    db_opts.env = opts_.env;
  auto cfs = descriptors();
  if (!fresh) {
    std::vector<std::string> names;
    auto st = rocksdb::DB::ListColumnFamilies(db_opts, dir_, &names);
    if (!st.ok())
      return from_status(st, "cannot read the database in " + dir_);
    auto missing = std::find_if(cfs.begin(), cfs.end(), [&](auto& d) {
      return std::find(names.begin(), names.end(), d.name) == names.end();
    });
    if (missing != cfs.end()) {
      // Only an interrupted creation is finished; anything else is refused
      // before it is touched.
      auto empty = subset_of_ours(names) && !opts_.read_only
                     ? empty_database(db_opts, names)
                     : result<bool>{false};
      if (!empty)
        return empty.err();
      if (!*empty)
        return error{ec::not_a_log,
                     dir_ + " holds a RocksDB database that is not a Baton "
                            "log (no \"" + missing->name
                       + "\" column family); nothing was changed"};
      db_opts.create_missing_column_families = true;
    }
  }
  rocksdb::DB* raw = nullptr;
  rocksdb::Status st;
  if (opts_.read_only) {
    db_opts.max_open_files = -1;
    auto tmp = fs::temp_directory_path() / "baton-reader-XXXXXX";
    std::string pattern = tmp.string();
    if (mkdtemp(pattern.data()) == nullptr)
      return error{ec::io_error, "cannot create a reader directory in "
                                   + fs::temp_directory_path().string()};
    secondary_dir_ = pattern;
    st = rocksdb::DB::OpenAsSecondary(db_opts, dir_, secondary_dir_, cfs,
                                      &handles_, &raw);
  } else {
    st = rocksdb::DB::Open(db_opts, dir_, cfs, &handles_, &raw);
  }
  if (!st.ok()) {
    if (st.IsIOError() && st.ToString().find("lock") != std::string::npos)
      return error{ec::locked, "the log in " + dir_
                                 + " is open for writing in another process ("
                                 + st.ToString() + ")"};
    return from_status(st, "cannot open the log in " + dir_);
  }
  db_.reset(raw);
  meta_ = handles_[0];
  events_ = handles_[1];
  positions_ = handles_[2];
  ids_ = handles_[3];
  snapshots_ = handles_[4];
  return {};
}

bool rocks_log::all_empty() const {
  for (auto* h : handles_) {
    std::unique_ptr<rocksdb::Iterator> it{
      db_->NewIterator(rocksdb::ReadOptions{}, h)};
    it->SeekToFirst();
    if (it->Valid() || !it->status().ok())
      return false;
  }
  return true;
}

result<void> rocks_log::check_format(bool fresh) {
  std::string value;
  auto st = db_->Get(rocksdb::ReadOptions{}, meta_, format_key, &value);
  if (st.IsNotFound()) {
    // No marker: a fresh log, a creation interrupted before the marker was
    // written (then every column family is empty), or something else.
    if (!fresh && !all_empty())
      return error{ec::not_a_log, dir_ + " holds a RocksDB database without "
                                         "Baton's format marker"};
    if (opts_.read_only)
      return error{ec::not_found, "the creation of the log in " + dir_
                                    + " was interrupted; open it for writing "
                                      "to finish it"};
    rocksdb::WriteOptions wo;
    wo.sync = true;
    st = db_->Put(wo, meta_, format_key, format_value());
    if (!st.ok())
      return from_status(st, "cannot initialise the log in " + dir_);
    return {};
  }
  if (!st.ok())
    return from_status(st, "cannot read the format marker of " + dir_);
  constexpr std::string_view prefix = "baton-log/";
  if (value.rfind(prefix, 0) != 0)
    return error{ec::not_a_log, dir_ + " has an unknown format marker \""
                                  + value + "\""};
  auto version = std::strtoull(value.c_str() + prefix.size(), nullptr, 10);
  if (version > schema::CURRENT_SCHEMA_VERSION)
    return error{ec::newer_schema,
                 dir_ + " was written with schema version "
                   + std::to_string(version) + "; this build reads up to "
                   + std::to_string(schema::CURRENT_SCHEMA_VERSION)
                   + ": upgrade Baton to read it"};
  return {};
}

result<uint64_t> rocks_log::last_sequence(uint32_t stream_id) const {
  std::unique_ptr<rocksdb::Iterator> it{
    db_->NewIterator(rocksdb::ReadOptions{}, events_)};
  it->SeekForPrev(event_key(stream_id, UINT64_MAX));
  if (!it->status().ok())
    return from_status(it->status(), "cannot read the events of stream id "
                                       + std::to_string(stream_id));
  if (!it->Valid() || it->key().size() != 12
      || get_u32(it->key().data()) != stream_id)
    return uint64_t{0};
  return get_u64(it->key().data() + 4);
}

result<void> rocks_log::load_state() {
  std::map<std::string, stream_state, std::less<>> streams;
  std::unordered_map<uint32_t, std::string> names;
  uint32_t next_id = 1;
  std::unique_ptr<rocksdb::Iterator> it{
    db_->NewIterator(rocksdb::ReadOptions{}, meta_)};
  for (it->Seek(stream_key_prefix); it->Valid(); it->Next()) {
    auto key = as_view(it->key());
    if (key.rfind(stream_key_prefix, 0) != 0)
      break;
    auto name = std::string{key.substr(stream_key_prefix.size())};
    auto value = as_view(it->value());
    if (value.size() != 20)
      return error{ec::corruption, "metadata of stream " + name + " in "
                                     + dir_ + " is damaged"};
    stream_state st{get_u32(value.data()), get_u64(value.data() + 4),
                    get_u64(value.data() + 12)};
    if (auto last = last_sequence(st.id); !last)
      return last.err();
    else
      st.highest = std::max(st.highest, *last);
    next_id = std::max(next_id, st.id + 1);
    names[st.id] = name;
    streams.emplace(std::move(name), st);
  }
  if (!it->status().ok())
    return from_status(it->status(), "cannot read stream metadata of " + dir_);
  std::unique_ptr<rocksdb::Iterator> pit{
    db_->NewIterator(rocksdb::ReadOptions{}, positions_)};
  pit->SeekToLast();
  uint64_t last = 0;
  if (pit->Valid())
    last = get_u64(pit->key().data());
  if (!pit->status().ok())
    return from_status(pit->status(), "cannot read the global index of "
                                        + dir_);
  std::unique_lock guard{streams_mu_};
  streams_ = std::move(streams);
  names_ = std::move(names);
  next_stream_id_ = next_id;
  last_position_.store(last, std::memory_order_release);
  return {};
}

result<void> rocks_log::open() {
  auto fresh = check_directory();
  if (!fresh)
    return fresh.err();
  if (*fresh) {
    std::error_code err;
    fs::create_directories(dir_, err);
    if (err)
      return error{ec::io_error, "cannot create " + dir_ + ": "
                                   + err.message()};
  }
  if (auto r = open_db(*fresh); !r)
    return r;
  if (auto r = check_format(*fresh); !r)
    return r;
  return load_state();
}

} // namespace baton::storage::detail
