// The event log on RocksDB. Key layout: key_codec.cpp; value layout:
// event_codec.cpp.
//
// Writes go through a queue of writers (LevelDB's DBImpl::Write shape): the
// writer at the front becomes the leader, takes the writers queued behind it
// (only itself under durability::sync), validates them against the stream
// table, assigns sequences and positions, and commits one WriteBatch with one
// sync. Only then are the new versions published and the writers released, so
// nothing is acknowledged before it is durable, and a failed batch leaves no
// hole: its positions were never published.
#include "storage/event_log.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include "storage/event_codec.hpp"
#include "storage/key_codec.hpp"

namespace fs = std::filesystem;

namespace baton::storage {

namespace {

using namespace detail;

struct stream_state {
  uint32_t id = 0;
  uint64_t highest = 0;
  uint64_t lowest = 1;
};

std::string where(std::string_view stream, uint64_t sequence) {
  return "stream " + std::string{stream} + " sequence "
         + std::to_string(sequence);
}

error from_status(const rocksdb::Status& st, const std::string& context) {
  auto code = st.IsCorruption() ? ec::corruption : ec::io_error;
  return error{code, context + ": " + st.ToString()};
}

std::string_view as_view(const rocksdb::Slice& s) {
  return {s.data(), s.size()};
}

/// An append waiting in the writer queue.
struct writer {
  std::string_view stream;
  expected_version expected;
  std::span<const new_event> events;
  std::optional<result<append_result>> out;
  bool done = false;
  std::condition_variable cv;

  writer(std::string_view s, expected_version e, std::span<const new_event> ev)
    : stream(s), expected(e), events(ev) {
  }
};

/// Where an id already lives.
struct id_location {
  uint32_t stream_id;
  uint64_t sequence;
  uint64_t position;
};

rocksdb::ColumnFamilyOptions events_cf_options() {
  rocksdb::ColumnFamilyOptions cf;
  cf.write_buffer_size = 64 << 20;
  return cf;
}

rocksdb::ColumnFamilyOptions ids_cf_options() {
  rocksdb::ColumnFamilyOptions cf;
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.whole_key_filtering = true;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf.memtable_whole_key_filtering = true;
  cf.memtable_prefix_bloom_size_ratio = 0.1;
  cf.optimize_filters_for_hits = false;
  return cf;
}

std::vector<rocksdb::ColumnFamilyDescriptor> descriptors() {
  return {
    {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions{}},
    {cf_events, events_cf_options()},
    {cf_positions, rocksdb::ColumnFamilyOptions{}},
    {cf_ids, ids_cf_options()},
    {cf_snapshots, rocksdb::ColumnFamilyOptions{}},
  };
}

// True when every entry of `dir` is a file RocksDB creates: what a creation
// interrupted before CURRENT was written leaves behind.
bool only_rocksdb_leftovers(const std::string& dir) {
  std::error_code err;
  for (auto& entry : fs::directory_iterator{dir, err}) {
    auto name = entry.path().filename().string();
    auto starts = [&name](std::string_view p) { return name.rfind(p, 0) == 0; };
    auto ends = [&name](std::string_view x) {
      return name.size() >= x.size()
             && name.compare(name.size() - x.size(), x.size(), x) == 0;
    };
    if (!(name == "LOCK" || name == "IDENTITY" || starts("LOG")
          || starts("OPTIONS-") || starts("MANIFEST-") || ends(".log")
          || ends(".sst") || ends(".dbtmp")))
      return false;
  }
  return !err;
}

std::string format_value() {
  return "baton-log/" + std::to_string(schema::CURRENT_SCHEMA_VERSION);
}

} // namespace

// -- impl --------------------------------------------------------------------

class event_log::impl {
public:
  impl(std::string dir, options opts) : dir_(std::move(dir)), opts_(opts) {
  }
  impl(const impl&) = delete;
  impl& operator=(const impl&) = delete;
  ~impl();

  result<void> open();
  result<append_result> append(std::string_view stream,
                               expected_version expected,
                               std::span<const new_event> events);
  result<uint64_t> read(std::string_view stream, uint64_t from, uint64_t to,
                        uint64_t max, const event_visitor& visit) const;
  result<uint64_t> read_all(uint64_t from, uint64_t max,
                            const event_visitor& visit) const;
  uint64_t highest(std::string_view stream) const;
  std::vector<stream_info> streams() const;
  uint64_t last_position() const {
    return last_position_.load(std::memory_order_acquire);
  }
  uint64_t wait_beyond(uint64_t position, std::chrono::milliseconds timeout);
  result<void> refresh();
  result<void> delete_upto(std::string_view stream, uint64_t to_sequence);
  result<uint64_t> truncate(std::string_view prefix, uint64_t before);
  result<void> save_snapshot(std::string_view stream, const snapshot& snap);
  result<std::optional<snapshot>>
  load_snapshot(std::string_view stream, const snapshot_criteria& c) const;
  result<void> delete_snapshot(std::string_view stream, uint64_t sequence);
  result<void> delete_snapshots(std::string_view stream,
                                const snapshot_criteria& c);

  const std::string& dir() const {
    return dir_;
  }
  durability mode() const {
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
  void commit_group(std::vector<writer*>& group);
  std::optional<stream_state> find_stream(std::string_view name) const;
  rocksdb::WriteOptions write_options() const;
  void put_stream_meta(rocksdb::WriteBatch& batch, std::string_view name,
                       const stream_state& st);
  result<void> write(rocksdb::WriteBatch& batch, const std::string& what);
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

  // Held by whoever commits: the group leader, deletion, snapshots.
  std::mutex commit_mu_;
  bool failed_ = false;
  std::string failure_;

  // Tail waiters.
  std::mutex tail_mu_;
  std::condition_variable tail_cv_;
};

event_log::impl::~impl() {
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

// -- opening -----------------------------------------------------------------

// Returns true when the directory is fresh (missing or empty).
result<bool> event_log::impl::check_directory() const {
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
namespace {

bool subset_of_ours(const std::vector<std::string>& names) {
  auto ours = descriptors();
  for (auto& n : names)
    if (std::none_of(ours.begin(), ours.end(),
                     [&n](auto& d) { return d.name == n; }))
      return false;
  return true;
}

} // namespace

// Opens the existing column families read-only and reports whether every one
// of them is empty: what an interrupted creation leaves behind.
result<bool> event_log::impl::empty_database(
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

result<void> event_log::impl::open_db(bool fresh) {
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

bool event_log::impl::all_empty() const {
  for (auto* h : handles_) {
    std::unique_ptr<rocksdb::Iterator> it{
      db_->NewIterator(rocksdb::ReadOptions{}, h)};
    it->SeekToFirst();
    if (it->Valid() || !it->status().ok())
      return false;
  }
  return true;
}

result<void> event_log::impl::check_format(bool fresh) {
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

result<uint64_t> event_log::impl::last_sequence(uint32_t stream_id) const {
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

result<void> event_log::impl::load_state() {
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

result<void> event_log::impl::open() {
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

// -- writing -----------------------------------------------------------------

result<void> event_log::impl::writable() const {
  if (opts_.read_only)
    return error{ec::closed, "the log in " + dir_ + " is open read-only"};
  if (failed_)
    return error{ec::closed, "the log in " + dir_
                               + " refuses writes after an I/O error ("
                               + failure_ + "); reopen it to recover"};
  return {};
}

std::optional<stream_state>
event_log::impl::find_stream(std::string_view name) const {
  std::shared_lock guard{streams_mu_};
  auto i = streams_.find(name);
  if (i == streams_.end())
    return std::nullopt;
  return i->second;
}

rocksdb::WriteOptions event_log::impl::write_options() const {
  rocksdb::WriteOptions wo;
  wo.sync = opts_.mode != durability::async;
  return wo;
}

void event_log::impl::put_stream_meta(rocksdb::WriteBatch& batch,
                                      std::string_view name,
                                      const stream_state& st) {
  std::string key{stream_key_prefix};
  key += name;
  auto status = batch.Put(meta_, key,
                          stream_meta_value(st.id, st.highest, st.lowest));
  static_cast<void>(status); // WriteBatch::Put fails only on size overflow
}

result<void> event_log::impl::write(rocksdb::WriteBatch& batch,
                                    const std::string& what) {
  auto st = db_->Write(write_options(), &batch);
  if (st.ok())
    return {};
  failed_ = true;
  failure_ = st.ToString();
  return from_status(st, what + " in " + dir_);
}

void event_log::impl::publish(
  const std::map<std::string, stream_state, std::less<>>& touched,
  uint64_t last_position) {
  {
    std::unique_lock guard{streams_mu_};
    for (auto& [name, st] : touched) {
      if (!streams_.contains(name)) {
        names_[st.id] = name;
        next_stream_id_ = std::max(next_stream_id_, st.id + 1);
      }
      streams_[name] = st;
    }
  }
  {
    std::lock_guard guard{tail_mu_};
    last_position_.store(last_position, std::memory_order_release);
  }
  tail_cv_.notify_all();
}

namespace {

/// Validation of one writer against the tentative stream state.
struct group_builder {
  rocksdb::WriteBatch batch;
  std::map<std::string, stream_state, std::less<>> touched;
  std::unordered_map<std::string, id_location> group_ids;
  std::vector<std::optional<id_location>> stored; // per event, from MultiGet
  uint64_t next_position = 0;
  uint32_t next_stream_id = 0;
  std::string value;
};

/// An id that occurs more than once in `events`, if any.
std::optional<event_id> repeated_id(std::span<const new_event> events) {
  if (events.size() < 2)
    return std::nullopt;
  std::vector<event_id> ids;
  ids.reserve(events.size());
  for (auto& e : events)
    ids.push_back(e.id);
  std::sort(ids.begin(), ids.end());
  auto i = std::adjacent_find(ids.begin(), ids.end());
  if (i == ids.end())
    return std::nullopt;
  return *i;
}

std::string id_key(const event_id& id) {
  return {reinterpret_cast<const char*>(id.bytes.data()), id.bytes.size()};
}

} // namespace

void event_log::impl::commit_group(std::vector<writer*>& group) {
  std::lock_guard commit{commit_mu_};
  if (auto ok = writable(); !ok) {
    for (auto* w : group)
      w->out = ok.err();
    return;
  }
  group_builder b;
  b.next_position = last_position() + 1;
  {
    std::shared_lock guard{streams_mu_};
    b.next_stream_id = next_stream_id_;
  }
  // Look up every id of the group in one MultiGet.
  std::vector<std::string> keys;
  for (auto* w : group)
    for (auto& e : w->events)
      keys.push_back(id_key(e.id));
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  db_->MultiGet(rocksdb::ReadOptions{}, ids_, slices.size(), slices.data(),
                values.data(), statuses.data());
  size_t k = 0;
  for (auto* w : group) {
    auto first_key = k;
    k += w->events.size();
    // Classify the writer's ids: stored (in the log or earlier in the group)?
    std::vector<std::optional<id_location>> found(w->events.size());
    size_t n_found = 0;
    for (size_t i = 0; i < w->events.size(); ++i) {
      auto& st = statuses[first_key + i];
      if (st.ok() && values[first_key + i].size() == 20) {
        auto v = as_view(values[first_key + i]);
        found[i] = id_location{get_u32(v.data()), get_u64(v.data() + 4),
                               get_u64(v.data() + 12)};
      } else if (!st.ok() && !st.IsNotFound()) {
        w->out = from_status(st, "cannot look up event ids in " + dir_);
        break;
      } else if (auto g = b.group_ids.find(keys[first_key + i]);
                 g != b.group_ids.end()) {
        found[i] = g->second;
      }
      if (found[i])
        ++n_found;
    }
    if (w->out)
      continue;
    if (auto repeated = repeated_id(w->events)) {
      w->out = error{ec::invalid_argument,
                     "append to stream " + std::string{w->stream}
                       + ": event id " + repeated->to_hex()
                       + " appears twice in one append; nothing was written"};
      continue;
    }
    stream_state st;
    if (auto t = b.touched.find(w->stream); t != b.touched.end())
      st = t->second;
    else if (auto s = find_stream(w->stream))
      st = *s;
    if (n_found == w->events.size()) {
      bool in_order = true;
      for (size_t i = 0; i < found.size(); ++i)
        in_order = in_order && st.id != 0 && found[i]->stream_id == st.id
                   && found[i]->sequence == found[0]->sequence + i;
      if (in_order) {
        append_result r;
        r.first_sequence = found.front()->sequence;
        r.last_sequence = found.back()->sequence;
        r.first_position = found.front()->position;
        r.last_position = found.back()->position;
        r.duplicate = true;
        w->out = r;
        continue;
      }
    }
    if (n_found > 0) {
      w->out = error{ec::invalid_argument,
                     "append to stream " + std::string{w->stream}
                       + ": " + std::to_string(n_found) + " of "
                       + std::to_string(w->events.size())
                       + " event ids are already stored (elsewhere or in "
                         "another order); nothing was written"};
      continue;
    }
    if (!w->expected.admits(st.highest)) {
      w->out = error{ec::wrong_expected_version,
                     "stream " + std::string{w->stream} + " is at version "
                       + std::to_string(st.highest) + ", expected "
                       + std::to_string(w->expected.version())
                       + "; nothing was written"};
      continue;
    }
    auto saved_position = b.next_position;
    auto saved_stream_id = b.next_stream_id;
    bool created = st.id == 0;
    if (created)
      st.id = b.next_stream_id++;
    b.batch.SetSavePoint();
    append_result r;
    r.first_sequence = st.highest + 1;
    r.first_position = b.next_position;
    std::vector<std::pair<std::string, id_location>> added;
    for (auto& e : w->events) {
      auto seq = ++st.highest;
      auto pos = b.next_position++;
      b.value.clear();
      if (auto enc = encode_event(w->stream, seq, pos, e, b.value); !enc) {
        w->out = enc.err();
        break;
      }
      auto key = event_key(st.id, seq);
      static_cast<void>(b.batch.Put(events_, key, b.value));
      static_cast<void>(b.batch.Put(positions_, position_key(pos), key));
      static_cast<void>(b.batch.Put(ids_, id_key(e.id),
                                    id_value(st.id, seq, pos)));
      added.emplace_back(id_key(e.id), id_location{st.id, seq, pos});
    }
    if (w->out) {
      static_cast<void>(b.batch.RollbackToSavePoint());
      b.next_position = saved_position;
      b.next_stream_id = saved_stream_id;
      continue;
    }
    static_cast<void>(b.batch.PopSavePoint());
    // A stream's row is written when it is created and when its events are
    // deleted; its version is otherwise recovered from its last key on open.
    if (created)
      put_stream_meta(b.batch, w->stream, st);
    b.touched[std::string{w->stream}] = st;
    if (group.size() > 1)
      for (auto& [key, loc] : added)
        b.group_ids.emplace(key, loc);
    r.last_sequence = st.highest;
    r.last_position = b.next_position - 1;
    w->out = r;
  }
  if (b.batch.Count() == 0)
    return;
  if (auto ok = write(b.batch, "append failed"); !ok) {
    for (auto* w : group)
      if (w->out->ok())
        w->out = ok.err();
    return;
  }
  publish(b.touched, b.next_position - 1);
}

result<append_result>
event_log::impl::append(std::string_view stream, expected_version expected,
                        std::span<const new_event> events) {
  if (stream.empty())
    return error{ec::invalid_argument, "append needs a stream name"};
  if (events.empty())
    return error{ec::invalid_argument, "append to stream " + std::string{stream}
                                         + " with no events"};
  for (size_t i = 0; i < events.size(); ++i) {
    if (events[i].id.empty() || events[i].payload.empty())
      return error{ec::invalid_argument,
                   "append to stream " + std::string{stream} + ": event "
                     + std::to_string(i) + " has an empty "
                     + (events[i].id.empty() ? "id" : "payload")};
  }
  if (auto ok = writable(); !ok)
    return ok.err();
  writer self{stream, expected, events};
  std::unique_lock lock{queue_mu_};
  writers_.push_back(&self);
  while (!self.done && &self != writers_.front())
    self.cv.wait(lock);
  if (self.done)
    return std::move(*self.out);
  // This writer leads a group.
  std::vector<writer*> group;
  size_t n_events = 0;
  for (auto* w : writers_) {
    if (!group.empty()
        && (opts_.mode == durability::sync
            || n_events + w->events.size() > opts_.max_group_events))
      break;
    group.push_back(w);
    n_events += w->events.size();
  }
  lock.unlock();
  commit_group(group);
  lock.lock();
  for (auto* w : group) {
    writers_.pop_front();
    w->done = true;
    if (w != &self)
      w->cv.notify_one();
  }
  if (!writers_.empty())
    writers_.front()->cv.notify_one();
  return std::move(*self.out);
}

// -- reading -----------------------------------------------------------------

result<uint64_t> event_log::impl::read(std::string_view stream, uint64_t from,
                                       uint64_t to, uint64_t max,
                                       const event_visitor& visit) const {
  auto st = find_stream(stream);
  if (!st || max == 0)
    return uint64_t{0};
  from = std::max({from, st->lowest, uint64_t{1}});
  to = std::min(to, st->highest);
  if (from > to)
    return uint64_t{0};
  auto upper = event_key(st->id, to);
  upper.push_back('\0'); // just past (id, to)
  rocksdb::Slice upper_slice{upper};
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it{db_->NewIterator(ro, events_)};
  uint64_t count = 0;
  uint64_t expect = from;
  for (it->Seek(event_key(st->id, from)); it->Valid() && count < max;
       it->Next()) {
    auto seq = get_u64(it->key().data() + 4);
    if (seq != expect)
      return error{ec::corruption, where(stream, expect) + " is missing (next "
                                     "stored is " + std::to_string(seq) + ")"};
    auto here = where(stream, seq);
    auto bytes = check_value(as_view(it->value()), here);
    if (!bytes)
      return bytes.err();
    auto ev = recorded_event::decode(*bytes, here);
    if (!ev)
      return ev.err();
    if (ev->sequence() != seq || ev->stream() != stream)
      return error{ec::corruption, here + ": stored envelope names "
                                     + std::string{ev->stream()} + " sequence "
                                     + std::to_string(ev->sequence())};
    ++count;
    ++expect;
    if (!visit(std::move(*ev)))
      return count;
  }
  if (!it->status().ok())
    return from_status(it->status(), "cannot read " + where(stream, expect));
  if (count < max && expect <= to)
    return error{ec::corruption, where(stream, expect) + " is missing (the "
                                   "stream's version is "
                                   + std::to_string(st->highest) + ")"};
  return count;
}

namespace {

/// Per-stream iterators for read_all: consecutive positions of one stream
/// are consecutive keys, so each stays sequential and a merge in position
/// order reads at the speed of a scan.
class iterator_cache {
public:
  iterator_cache(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* cf,
                 const rocksdb::ReadOptions& ro)
    : db_(db), cf_(cf), ro_(ro) {
  }

  /// Positions an iterator on `key`; nullptr when the key is absent.
  rocksdb::Iterator* at(uint32_t stream_id, const std::string& key) {
    auto& slot = iterators_[stream_id];
    if (!slot) {
      if (iterators_.size() > max_iterators)
        evict(stream_id);
      slot.reset(db_.NewIterator(ro_, cf_));
    }
    auto* it = slot.get();
    if (!it->Valid() || as_view(it->key()) != key)
      it->Seek(key);
    if (!it->Valid() || as_view(it->key()) != key)
      return nullptr;
    return it;
  }

  rocksdb::Status status(uint32_t stream_id) {
    auto i = iterators_.find(stream_id);
    return i == iterators_.end() ? rocksdb::Status::OK() : i->second->status();
  }

private:
  static constexpr size_t max_iterators = 64;

  void evict(uint32_t keep) {
    for (auto i = iterators_.begin(); i != iterators_.end(); ++i)
      if (i->first != keep) {
        iterators_.erase(i);
        return;
      }
  }

  rocksdb::DB& db_;
  rocksdb::ColumnFamilyHandle* cf_;
  const rocksdb::ReadOptions& ro_;
  std::unordered_map<uint32_t, std::unique_ptr<rocksdb::Iterator>> iterators_;
};

} // namespace

result<uint64_t> event_log::impl::read_all(uint64_t from, uint64_t max,
                                           const event_visitor& visit) const {
  if (max == 0)
    return uint64_t{0};
  from = std::max(from, uint64_t{1});
  // One snapshot for the index and the events, so a concurrent append or
  // deletion cannot make them disagree. A read-only (secondary) instance has
  // no snapshots, but its view only changes in refresh().
  const rocksdb::Snapshot* snap =
    opts_.read_only ? nullptr : db_->GetSnapshot();
  struct release {
    rocksdb::DB& db;
    const rocksdb::Snapshot* s;
    ~release() {
      if (s != nullptr)
        db.ReleaseSnapshot(s);
    }
  } releaser{*db_, snap};
  rocksdb::ReadOptions ro;
  ro.snapshot = snap;
  std::unordered_map<uint32_t, std::pair<std::string, uint64_t>> table;
  {
    std::shared_lock guard{streams_mu_};
    for (auto& [name, st] : streams_)
      table[st.id] = {name, st.lowest};
  }
  std::unique_ptr<rocksdb::Iterator> pit{db_->NewIterator(ro, positions_)};
  iterator_cache events{*db_, events_, ro};
  uint64_t count = 0;
  uint64_t expect = from;
  for (pit->Seek(position_key(from)); pit->Valid() && count < max;
       pit->Next(), ++expect) {
    auto pos = get_u64(pit->key().data());
    if (pos != expect || pit->value().size() != 12)
      return error{ec::corruption, "position " + std::to_string(expect)
                                     + " is missing from the global index"};
    auto loc = decode_stream_seq(as_view(pit->value()));
    auto t = table.find(loc.stream_id);
    if (t == table.end())
      return error{ec::corruption, "position " + std::to_string(pos)
                                     + " names unknown stream id "
                                     + std::to_string(loc.stream_id)};
    auto& [name, lowest] = t->second;
    if (loc.sequence < lowest)
      continue; // deleted or truncated on request
    auto key = std::string{as_view(pit->value())};
    auto here = where(name, loc.sequence);
    auto* it = events.at(loc.stream_id, key);
    if (it == nullptr) {
      auto st = events.status(loc.stream_id);
      if (!st.ok())
        return from_status(st, "cannot read " + here);
      return error{ec::corruption, here + " (position " + std::to_string(pos)
                                     + ") is missing"};
    }
    auto bytes = check_value(as_view(it->value()), here);
    if (!bytes)
      return bytes.err();
    auto ev = recorded_event::decode(*bytes, here);
    if (!ev)
      return ev.err();
    if (ev->position() != pos)
      return error{ec::corruption, here + ": stored envelope has position "
                                     + std::to_string(ev->position())
                                     + ", the index says "
                                     + std::to_string(pos)};
    it->Next();
    ++count;
    if (!visit(std::move(*ev)))
      return count;
  }
  if (!pit->status().ok())
    return from_status(pit->status(), "cannot read the global index at "
                                        "position " + std::to_string(expect));
  return count;
}

uint64_t event_log::impl::highest(std::string_view stream) const {
  auto st = find_stream(stream);
  return st ? st->highest : 0;
}

std::vector<stream_info> event_log::impl::streams() const {
  std::shared_lock guard{streams_mu_};
  std::vector<stream_info> out;
  out.reserve(streams_.size());
  for (auto& [name, st] : streams_)
    out.push_back({name, st.highest, st.lowest});
  return out;
}

uint64_t event_log::impl::wait_beyond(uint64_t position,
                                      std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  if (opts_.read_only) {
    // Another process writes: catch up with it until something new shows.
    for (;;) {
      ignore(refresh());
      if (last_position() > position)
        return last_position();
      auto now = std::chrono::steady_clock::now();
      if (now >= deadline)
        return last_position();
      std::unique_lock lock{tail_mu_};
      tail_cv_.wait_until(lock, std::min(deadline,
                                         now + std::chrono::milliseconds{50}));
    }
  }
  std::unique_lock lock{tail_mu_};
  tail_cv_.wait_until(lock, deadline,
                      [&] { return last_position() > position; });
  return last_position();
}

result<void> event_log::impl::refresh() {
  if (!opts_.read_only)
    return {};
  auto st = db_->TryCatchUpWithPrimary();
  if (!st.ok())
    return from_status(st, "cannot catch up with the writer of " + dir_);
  return load_state();
}

// -- deleting ----------------------------------------------------------------

result<void> event_log::impl::delete_upto(std::string_view stream,
                                          uint64_t to_sequence) {
  std::lock_guard commit{commit_mu_};
  if (auto ok = writable(); !ok)
    return ok;
  auto st = find_stream(stream);
  if (!st)
    return {};
  auto to = std::min(to_sequence, st->highest);
  if (to < st->lowest)
    return {};
  rocksdb::WriteBatch batch;
  static_cast<void>(batch.DeleteRange(events_, event_key(st->id, st->lowest),
                                      event_key(st->id, to + 1)));
  st->lowest = to + 1;
  put_stream_meta(batch, stream, *st);
  if (auto ok = write(batch, "delete from stream " + std::string{stream});
      !ok)
    return ok;
  publish({{std::string{stream}, *st}}, last_position());
  return {};
}

result<uint64_t> event_log::impl::truncate(std::string_view prefix,
                                           uint64_t before) {
  uint64_t deleted = 0;
  for (auto& info : streams()) {
    if (info.name.rfind(prefix, 0) != 0)
      continue;
    uint64_t cut = 0; // last sequence to delete
    auto r = read(info.name, info.lowest, info.highest, UINT64_MAX,
                  [&](recorded_event&& ev) {
                    if (ev.position() >= before)
                      return false;
                    cut = ev.sequence();
                    return true;
                  });
    if (!r)
      return r.err();
    if (cut == 0)
      continue;
    if (auto ok = delete_upto(info.name, cut); !ok)
      return ok.err();
    deleted += cut - info.lowest + 1;
  }
  return deleted;
}

// -- snapshots ---------------------------------------------------------------

result<void> event_log::impl::save_snapshot(std::string_view stream,
                                            const snapshot& snap) {
  std::lock_guard commit{commit_mu_};
  if (auto ok = writable(); !ok)
    return ok;
  auto st = find_stream(stream);
  if (snap.sequence == 0 || !st || snap.sequence > st->highest)
    return error{ec::invalid_argument,
                 "snapshot of stream " + std::string{stream} + " at sequence "
                   + std::to_string(snap.sequence) + ": the stream's version is "
                   + std::to_string(st ? st->highest : 0)};
  rocksdb::WriteBatch batch;
  static_cast<void>(batch.Put(snapshots_, event_key(st->id, snap.sequence),
                              encode_snapshot(snap)));
  return write(batch, "save snapshot of stream " + std::string{stream});
}

result<std::optional<snapshot>>
event_log::impl::load_snapshot(std::string_view stream,
                               const snapshot_criteria& c) const {
  auto st = find_stream(stream);
  if (!st)
    return std::optional<snapshot>{};
  std::unique_ptr<rocksdb::Iterator> it{
    db_->NewIterator(rocksdb::ReadOptions{}, snapshots_)};
  auto top = std::min(c.max_sequence, st->highest);
  for (it->SeekForPrev(event_key(st->id, top)); it->Valid(); it->Prev()) {
    auto loc = decode_stream_seq(as_view(it->key()));
    if (loc.stream_id != st->id || loc.sequence < c.min_sequence)
      break;
    auto snap = decode_snapshot(as_view(it->value()),
                                "snapshot of " + where(stream, loc.sequence));
    if (!snap)
      return snap.err();
    if (c.matches(snap->sequence, snap->logical_time))
      return std::optional<snapshot>{std::move(*snap)};
  }
  if (!it->status().ok())
    return from_status(it->status(), "cannot read snapshots of stream "
                                       + std::string{stream});
  return std::optional<snapshot>{};
}

result<void> event_log::impl::delete_snapshot(std::string_view stream,
                                              uint64_t sequence) {
  std::lock_guard commit{commit_mu_};
  if (auto ok = writable(); !ok)
    return ok;
  auto st = find_stream(stream);
  if (!st)
    return {};
  rocksdb::WriteBatch batch;
  static_cast<void>(batch.Delete(snapshots_, event_key(st->id, sequence)));
  return write(batch, "delete snapshot of stream " + std::string{stream});
}

result<void> event_log::impl::delete_snapshots(std::string_view stream,
                                               const snapshot_criteria& c) {
  auto st = find_stream(stream);
  if (!st)
    return {};
  std::vector<uint64_t> doomed;
  {
    std::unique_ptr<rocksdb::Iterator> it{
      db_->NewIterator(rocksdb::ReadOptions{}, snapshots_)};
    for (it->Seek(event_key(st->id, c.min_sequence)); it->Valid();
         it->Next()) {
      auto loc = decode_stream_seq(as_view(it->key()));
      if (loc.stream_id != st->id || loc.sequence > c.max_sequence)
        break;
      auto snap = decode_snapshot(as_view(it->value()),
                                  "snapshot of "
                                    + where(stream, loc.sequence));
      if (!snap)
        return snap.err();
      if (c.matches(snap->sequence, snap->logical_time))
        doomed.push_back(loc.sequence);
    }
    if (!it->status().ok())
      return from_status(it->status(), "cannot read snapshots of stream "
                                         + std::string{stream});
  }
  for (auto seq : doomed)
    if (auto ok = delete_snapshot(stream, seq); !ok)
      return ok;
  return {};
}

// -- event_log ---------------------------------------------------------------

event_log::event_log(std::unique_ptr<impl> p) : impl_(std::move(p)) {
}

event_log::~event_log() = default;

result<std::unique_ptr<event_log>> event_log::open(const std::string& dir,
                                                   const options& opts) {
  auto p = std::make_unique<impl>(dir, opts);
  if (auto ok = p->open(); !ok)
    return ok.err();
  return std::unique_ptr<event_log>{new event_log{std::move(p)}};
}

result<append_result> event_log::append(std::string_view stream,
                                        expected_version expected,
                                        std::span<const new_event> events) {
  return impl_->append(stream, expected, events);
}

result<uint64_t> event_log::read(std::string_view stream, uint64_t from,
                                 uint64_t to, uint64_t max,
                                 const event_visitor& visit) const {
  return impl_->read(stream, from, to, max, visit);
}

namespace {

template <class Read>
result<std::vector<recorded_event>> collect(Read&& read) {
  std::vector<recorded_event> out;
  auto r = read([&out](recorded_event&& ev) {
    out.push_back(std::move(ev));
    return true;
  });
  if (!r)
    return r.err();
  return out;
}

} // namespace

result<std::vector<recorded_event>>
event_log::read(std::string_view stream, uint64_t from, uint64_t to,
                uint64_t max) const {
  return collect([&](const event_visitor& v) {
    return impl_->read(stream, from, to, max, v);
  });
}

uint64_t event_log::highest(std::string_view stream) const {
  return impl_->highest(stream);
}

std::vector<stream_info> event_log::streams() const {
  return impl_->streams();
}

result<uint64_t> event_log::read_all(uint64_t from_position, uint64_t max,
                                     const event_visitor& visit) const {
  return impl_->read_all(from_position, max, visit);
}

result<std::vector<recorded_event>>
event_log::read_all(uint64_t from_position, uint64_t max) const {
  return collect([&](const event_visitor& v) {
    return impl_->read_all(from_position, max, v);
  });
}

uint64_t event_log::last_position() const {
  return impl_->last_position();
}

uint64_t event_log::wait_beyond(uint64_t position,
                                std::chrono::milliseconds timeout) {
  return impl_->wait_beyond(position, timeout);
}

result<void> event_log::refresh() {
  return impl_->refresh();
}

result<void> event_log::delete_upto(std::string_view stream,
                                    uint64_t to_sequence) {
  return impl_->delete_upto(stream, to_sequence);
}

result<uint64_t> event_log::truncate(std::string_view prefix,
                                     uint64_t before_position) {
  return impl_->truncate(prefix, before_position);
}

result<void> event_log::save_snapshot(std::string_view stream,
                                      const snapshot& snap) {
  return impl_->save_snapshot(stream, snap);
}

result<std::optional<snapshot>>
event_log::load_snapshot(std::string_view stream,
                         const snapshot_criteria& criteria) const {
  return impl_->load_snapshot(stream, criteria);
}

result<void> event_log::delete_snapshot(std::string_view stream,
                                        uint64_t sequence) {
  return impl_->delete_snapshot(stream, sequence);
}

result<void> event_log::delete_snapshots(std::string_view stream,
                                         const snapshot_criteria& criteria) {
  return impl_->delete_snapshots(stream, criteria);
}

const std::string& event_log::dir() const {
  return impl_->dir();
}

durability event_log::mode() const {
  return impl_->mode();
}

} // namespace baton::storage
