#include "storage/detail/rocks_log.hpp"

#include <algorithm>

#include "storage/event_codec.hpp"
#include "storage/key_codec.hpp"

namespace baton::storage::detail {

result<uint64_t> rocks_log::read(std::string_view stream, uint64_t from,
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

result<uint64_t> rocks_log::read_all(uint64_t from, uint64_t max,
                                           const event_visitor& visit) const {
  if (max == 0)
    return uint64_t{0};
  from = std::max(from, uint64_t{1});
  // What is read ends at the last published position, as read() ends at a
  // stream's published version: a write is published after RocksDB has it,
  // so a snapshot can hold a batch whose new stream is not in streams_ yet.
  // publish() stores streams_ before last_position_, so every stream up to
  // `published` is in the table read below.
  const uint64_t published = last_position();
  if (from > published)
    return uint64_t{0};
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
  for (pit->Seek(position_key(from));
       pit->Valid() && count < max && expect <= published;
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

uint64_t rocks_log::highest(std::string_view stream) const {
  auto st = find_stream(stream);
  return st ? st->highest : 0;
}

std::vector<stream_info> rocks_log::streams() const {
  std::shared_lock guard{streams_mu_};
  std::vector<stream_info> out;
  out.reserve(streams_.size());
  for (auto& [name, st] : streams_)
    out.push_back({name, st.highest, st.lowest});
  return out;
}

uint64_t rocks_log::wait_beyond(uint64_t position,
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

result<void> rocks_log::refresh() {
  if (!opts_.read_only)
    return {};
  auto st = db_->TryCatchUpWithPrimary();
  if (!st.ok())
    return from_status(st, "cannot catch up with the writer of " + dir_);
  return load_state();
}

} // namespace baton::storage::detail
