#include "replay/stream_fold.hpp"

namespace baton::replay {

result<fold_stats>
fold_stream(const storage::event_log& log, std::string_view stream,
            const fold_options& opts,
            const std::function<result<void>(const storage::snapshot&)>& restore,
            const std::function<void(const storage::recorded_event&)>& apply) {
  fold_stats stats;
  if (opts.use_snapshots) {
    storage::snapshot_criteria criteria;
    criteria.max_sequence = opts.until;
    auto snap = log.load_snapshot(stream, criteria);
    if (!snap)
      return snap.err();
    if (*snap) {
      if (auto ok = restore(**snap); !ok)
        return ok.err();
      stats.snapshot_sequence = (*snap)->sequence;
    }
  }
  auto n = log.read(stream, stats.snapshot_sequence + 1, opts.until,
                    UINT64_MAX, [&apply](storage::recorded_event&& ev) {
                      apply(ev);
                      return true;
                    });
  if (!n)
    return n.err();
  stats.events_applied = *n;
  return stats;
}

} // namespace baton::replay
