#include "storage/detail/rocks_log.hpp"

#include <algorithm>

#include "storage/event_codec.hpp"
#include "storage/key_codec.hpp"

namespace baton::storage::detail {

result<void> rocks_log::delete_upto(std::string_view stream,
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

result<uint64_t> rocks_log::truncate(std::string_view prefix,
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

result<void> rocks_log::save_snapshot(std::string_view stream,
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
rocks_log::load_snapshot(std::string_view stream,
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

result<void> rocks_log::delete_snapshot(std::string_view stream,
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

result<void> rocks_log::delete_snapshots(std::string_view stream,
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
  return delete_snapshot_keys(*st, stream, doomed);
}

result<void>
rocks_log::delete_snapshot_keys(const stream_state& st, std::string_view stream,
                                const std::vector<uint64_t>& seqs) {
  if (seqs.empty())
    return {};
  std::lock_guard commit{commit_mu_};
  if (auto ok = writable(); !ok)
    return ok;
  // One write for all of them: each write is a sync under `sync`.
  rocksdb::WriteBatch batch;
  for (auto seq : seqs)
    static_cast<void>(batch.Delete(snapshots_, event_key(st.id, seq)));
  return write(batch, "delete snapshots of stream " + std::string{stream});
}

result<uint64_t> rocks_log::keep_snapshots(std::string_view stream,
                                           size_t keep) {
  auto st = find_stream(stream);
  if (!st)
    return uint64_t{0};
  std::vector<uint64_t> doomed;
  {
    std::unique_ptr<rocksdb::Iterator> it{
      db_->NewIterator(rocksdb::ReadOptions{}, snapshots_)};
    size_t seen = 0;
    for (it->SeekForPrev(event_key(st->id, UINT64_MAX)); it->Valid();
         it->Prev()) {
      auto loc = decode_stream_seq(as_view(it->key()));
      if (loc.stream_id != st->id)
        break;
      if (++seen > keep)
        doomed.push_back(loc.sequence);
    }
    if (!it->status().ok())
      return from_status(it->status(), "cannot read snapshots of stream "
                                         + std::string{stream});
  }
  if (auto ok = delete_snapshot_keys(*st, stream, doomed); !ok)
    return ok.err();
  return uint64_t{doomed.size()};
}

} // namespace baton::storage::detail
