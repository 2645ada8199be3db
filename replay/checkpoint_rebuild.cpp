#include "replay/checkpoint_rebuild.hpp"

namespace baton::replay {

std::string worker_stream(const std::string& agent) {
  return "worker/" + agent;
}

namespace {

result<checkpoint_rebuild> rebuild(const storage::event_log& log,
                                   const std::string& stream, uint64_t at,
                                   bool use_snapshots,
                                   uint64_t& logical_time) {
  checkpoint_rebuild out;
  fold_options opts;
  opts.until = at;
  opts.use_snapshots = use_snapshots;
  auto r = fold_stream(
    log, stream, opts,
    [&out, &logical_time](const storage::snapshot& snap) -> result<void> {
      auto f = engine::checkpoint_fold::restore(snap.state);
      if (!f)
        return f.err();
      out.fold = std::move(*f);
      logical_time = snap.logical_time;
      return {};
    },
    [&out, &logical_time](const storage::recorded_event& e) {
      out.fold.apply(e.sequence(), e.event());
      logical_time = e.logical_time();
    });
  if (!r)
    return r.err();
  out.stats = *r;
  return out;
}

/// rebuild(), and when the snapshot it started from is not a checkpoint
/// state this build can read, the same from the first event.
result<checkpoint_rebuild> rebuild_or_refold(const storage::event_log& log,
                                             const std::string& stream,
                                             uint64_t at, bool use_snapshots,
                                             uint64_t& logical_time) {
  auto r = rebuild(log, stream, at, use_snapshots, logical_time);
  if (!r && use_snapshots && r.err().code() == ec::corruption
      && r.err().message().rfind("checkpoint snapshot: ", 0) == 0)
    r = rebuild(log, stream, at, false, logical_time);
  return r;
}

} // namespace

result<checkpoint_rebuild> rebuild_checkpoint(const storage::event_log& log,
                                              const std::string& agent,
                                              uint64_t at, bool use_snapshots) {
  auto stream = worker_stream(agent);
  if (log.highest(stream) == 0)
    return error{ec::not_found, log.dir() + " has no stream " + stream};
  uint64_t logical_time = 0;
  return rebuild_or_refold(log, stream, at, use_snapshots, logical_time);
}

result<uint64_t> save_checkpoint_snapshot(storage::event_log& log,
                                          const std::string& agent) {
  auto stream = worker_stream(agent);
  if (log.highest(stream) == 0)
    return error{ec::not_found, log.dir() + " has no stream " + stream};
  uint64_t logical_time = 0;
  auto r = rebuild_or_refold(log, stream, UINT64_MAX, true, logical_time);
  if (!r)
    return r.err();
  auto seq = r->fold.summary().sequence;
  if (seq == 0)
    return error{ec::not_found, "stream " + stream
                                  + " holds no event to snapshot (its events "
                                    "were deleted)"};
  if (r->stats.events_applied == 0)
    return seq; // a snapshot at the end is already there
  storage::snapshot snap{seq, logical_time, r->fold.save()};
  if (auto ok = log.save_snapshot(stream, snap); !ok)
    return ok.err();
  return seq;
}

} // namespace baton::replay
