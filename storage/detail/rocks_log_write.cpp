#include "storage/detail/rocks_log.hpp"

#include <algorithm>

#include "storage/event_codec.hpp"
#include "storage/key_codec.hpp"

namespace baton::storage::detail {

result<void> rocks_log::writable() const {
  if (opts_.read_only)
    return error{ec::closed, "the log in " + dir_ + " is open read-only"};
  if (failed_)
    return error{ec::closed, "the log in " + dir_
                               + " refuses writes after an I/O error ("
                               + failure_ + "); reopen it to recover"};
  return {};
}

std::optional<stream_state>
rocks_log::find_stream(std::string_view name) const {
  std::shared_lock guard{streams_mu_};
  auto i = streams_.find(name);
  if (i == streams_.end())
    return std::nullopt;
  return i->second;
}

rocksdb::WriteOptions rocks_log::write_options(bool relaxed) const {
  rocksdb::WriteOptions wo;
  wo.sync = opts_.mode != durability::async && !relaxed;
  return wo;
}

void rocks_log::put_stream_meta(rocksdb::WriteBatch& batch,
                                      std::string_view name,
                                      const stream_state& st) {
  std::string key{stream_key_prefix};
  key += name;
  auto status = batch.Put(meta_, key,
                          stream_meta_value(st.id, st.highest, st.lowest));
  static_cast<void>(status); // WriteBatch::Put fails only on size overflow
}

result<void> rocks_log::write(rocksdb::WriteBatch& batch,
                              const std::string& what, bool relaxed) {
  auto st = db_->Write(write_options(relaxed), &batch);
  if (st.ok())
    return {};
  failed_ = true;
  failure_ = st.ToString();
  return from_status(st, what + " in " + dir_);
}

void rocks_log::publish(
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

void rocks_log::commit_group(std::vector<writer*>& group) {
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
  bool relaxed = std::all_of(group.begin(), group.end(),
                             [](const writer* w) { return w->relaxed; });
  if (auto ok = write(b.batch, "append failed", relaxed); !ok) {
    for (auto* w : group)
      if (w->out->ok())
        w->out = ok.err();
    return;
  }
  publish(b.touched, b.next_position - 1);
}

result<void> rocks_log::validate(std::string_view stream,
                                 std::span<const new_event> events) const {
  if (stream.empty())
    return error{ec::invalid_argument, "append needs a stream name"};
  if (events.empty())
    return error{ec::invalid_argument, "append to stream " + std::string{stream}
                                         + " with no events"};
  for (size_t i = 0; i < events.size(); ++i)
    if (events[i].id.empty() || events[i].payload.empty())
      return error{ec::invalid_argument,
                   "append to stream " + std::string{stream} + ": event "
                     + std::to_string(i) + " has an empty "
                     + (events[i].id.empty() ? "id" : "payload")};
  return writable();
}

void rocks_log::lead(std::unique_lock<std::mutex>& lock) {
  // Under durability::sync only the appends of one append_many() call share
  // a commit; otherwise everything queued does, up to max_group_events.
  std::vector<writer*> group;
  size_t n_events = 0;
  for (auto* w : writers_) {
    if (!group.empty()
        && ((opts_.mode == durability::sync && w->batch != group[0]->batch)
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
    w->cv.notify_one();
  }
  if (!writers_.empty())
    writers_.front()->cv.notify_one();
}

void rocks_log::run(std::deque<writer>& mine) {
  std::unique_lock lock{queue_mu_};
  for (auto& w : mine)
    writers_.push_back(&w);
  for (auto& w : mine) {
    while (!w.done && &w != writers_.front())
      w.cv.wait(lock);
    if (!w.done)
      lead(lock);
  }
}

std::vector<result<append_result>>
rocks_log::append_many(std::span<const append_request> requests) {
  std::vector<result<append_result>> out;
  std::deque<writer> mine;
  std::vector<size_t> slot; // index into `mine` per request, or npos
  uint64_t batch = next_batch_.fetch_add(1);
  for (auto& r : requests) {
    if (auto ok = validate(r.stream, r.events); !ok) {
      out.emplace_back(ok.err());
      slot.push_back(std::string::npos);
      continue;
    }
    out.emplace_back(append_result{});
    slot.push_back(mine.size());
    mine.emplace_back(r.stream, r.expected, r.events, batch);
    mine.back().relaxed = r.relaxed;
  }
  if (!mine.empty())
    run(mine);
  for (size_t i = 0; i < requests.size(); ++i)
    if (slot[i] != std::string::npos)
      out[i] = std::move(*mine[slot[i]].out);
  return out;
}

result<append_result>
rocks_log::append(std::string_view stream, expected_version expected,
                  std::span<const new_event> events) {
  if (auto ok = validate(stream, events); !ok)
    return ok.err();
  std::deque<writer> mine;
  mine.emplace_back(stream, expected, events, next_batch_.fetch_add(1));
  run(mine);
  return std::move(*mine[0].out);
}

} // namespace baton::storage::detail
