#include "actors/detail/journal.hpp"

#include <chrono>

#include "actors/log_codec.hpp"

namespace baton::actors::detail {

journal::journal(std::string stream, uint64_t id_high, append_fn append)
  : stream_(std::move(stream)), id_high_(id_high), append_(std::move(append)) {
}

void journal::record(std::vector<entry> entries, bool relaxed,
                     std::function<void()> then) {
  if (failed_)
    return;
  queue_.push_back(step{std::move(entries), relaxed, std::move(then)});
  pump();
}

void journal::pump() {
  if (in_flight_ || failed_ || queue_.empty())
    return;
  // Everything queued goes in one request; it is relaxed only when every
  // step is.
  std::vector<storage::new_event> events;
  bool relaxed = true;
  auto wall = std::chrono::duration_cast<std::chrono::nanoseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  std::vector<std::function<void()>> thens;
  // Events the observer wants, by index in the request.
  struct seen_event {
    size_t index;
    uint64_t logical_time;
    frame payload;
  };
  std::vector<seen_event> watched;
  for (auto& s : queue_) {
    relaxed = relaxed && s.relaxed;
    for (auto& e : s.entries) {
      if (wants_ && wants_(e.payload))
        watched.push_back({events.size(), e.logical_time, e.payload});
      storage::new_event ev;
      ev.id = event_id::from_parts(id_high_, ++counter_);
      ev.logical_time = e.logical_time;
      ev.wall_time = wall;
      ev.payload = std::move(e.payload);
      events.push_back(std::move(ev));
    }
    thens.push_back(std::move(s.then));
  }
  queue_.clear();
  auto run_all = [thens = std::move(thens)] {
    for (auto& t : thens)
      if (t)
        t();
  };
  if (events.empty()) {
    run_all();
    pump();
    return;
  }
  in_flight_ = true;
  auto request = encode_append_request(
    stream_,
    version_ ? storage::expected_version::exact(*version_)
             : storage::expected_version::any(),
    events, relaxed);
  append_(std::move(request), [this, run_all = std::move(run_all),
                                watched = std::move(watched)](
                                result<storage::append_result> r) mutable {
    in_flight_ = false;
    if (!r) {
      failed_ = true;
      queue_.clear();
      if (failure_)
        failure_(r.err());
      return;
    }
    if (version_)
      version_ = r->last_sequence;
    for (auto& w : watched)
      seen_(r->first_sequence + w.index, w.logical_time, w.payload);
    run_all();
    pump();
  });
}

} // namespace baton::actors::detail
