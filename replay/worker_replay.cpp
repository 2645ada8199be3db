#include "replay/worker_replay.hpp"

#include <memory>

#include "engine/session/session_record.hpp"
#include "replay/detail/compare.hpp"

namespace baton::replay {

namespace {

/// True for the events a worker derives from its inputs.
bool derived(schema::Event::Reader e) {
  switch (e.which()) {
    case schema::Event::STATE_CHANGED:
    case schema::Event::PROTOCOL_MESSAGE:
    case schema::Event::COMPACTION_SEEN:
    case schema::Event::INPUT_FINISHED:
    case schema::Event::PTY_INPUT: return true;
    default: return false;
  }
}

} // namespace

result<replay_report> replay_worker(const storage::event_log& log,
                                    std::string_view agent,
                                    const replay_options& opts) {
  auto stream = "worker/" + std::string{agent};
  if (log.highest(stream) == 0)
    return error{ec::not_found, "the log holds no stream " + stream};
  replay_report report;
  detail::derived_matcher matcher{stream};
  std::unique_ptr<engine::session_core> core;
  // The record format of the session being replayed (its sessionOpened).
  uint16_t version = 0;
  std::string failure;
  auto n = log.read(
    stream, 1, opts.until, UINT64_MAX, [&](storage::recorded_event&& e) {
      if (e.logical_time() > opts.until_time)
        return false;
      auto ev = e.event();
      auto now = e.logical_time();
      if (derived(ev)) {
        ++report.decisions;
        return matcher.recorded(e);
      }
      auto where = stream + "@" + std::to_string(e.sequence());
      engine::session_effects fx;
      switch (ev.which()) {
        case schema::Event::SESSION_OPENED: {
          auto cfg = engine::session_config_of(ev.getSessionOpened(),
                                               opts.packs.get());
          if (!cfg) {
            failure = where + ": " + cfg.err().message();
            return false;
          }
          if (cfg->resumed)
            matcher.drop_pending();
          version = cfg->version;
          cfg->options.typed_memo = opts.typed;
          core = std::make_unique<engine::session_core>(cfg->pack,
                                                        cfg->options);
          break;
        }
        default: {
          auto in = engine::session_input_of(ev);
          if (!in)
            return true; // processStarted, restarts, stops, notes
          if (!core && engine::needs_core(*in)) {
            failure = where
                      + ": an input before any sessionOpened (a log "
                        "recorded before sessions were, or a damaged stream)";
            return false;
          }
          engine::apply_input(core.get(), *in, now, fx);
          break;
        }
      }
      ++report.inputs;
      for (auto& f : engine::session_records(fx, version))
        matcher.derived(std::move(f));
      return true;
    });
  if (!n)
    return n.err();
  if (!failure.empty())
    return error{ec::invalid_argument, failure};
  // What the replay derived and the run never recorded is not a divergence:
  // a worker's last steps may have been on their way to the log when the
  // engine ended (stopped, or killed).
  report.first_divergence = matcher.first_divergence();
  return report;
}

} // namespace baton::replay
