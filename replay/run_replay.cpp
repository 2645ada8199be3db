#include "replay/run_replay.hpp"

#include <algorithm>
#include <map>

#include "replay/lead_replay.hpp"
#include "replay/worker_replay.hpp"

namespace baton::replay {

namespace {

constexpr std::string_view worker_prefix = "worker/";
constexpr std::string_view lead_prefix = "lead/";

bool replayable(std::string_view stream) {
  return stream == "orchestrator" || stream.starts_with(worker_prefix)
         || stream.starts_with(lead_prefix);
}

} // namespace

result<std::vector<stream_report>> replay_run(const storage::event_log& log,
                                              const run_replay_options& opts) {
  std::vector<std::string> streams;
  if (!opts.stream.empty()) {
    if (!replayable(opts.stream))
      return error{ec::invalid_argument,
                   "stream " + opts.stream
                     + " is not replayed (orchestrator, lead/<team> or "
                       "worker/<name>)"};
    if (log.highest(opts.stream) == 0)
      return error{ec::not_found, "the log holds no stream " + opts.stream};
    streams.push_back(opts.stream);
  } else {
    if (log.highest("orchestrator") != 0)
      streams.push_back("orchestrator");
    for (auto& s : log.streams())
      if (s.name.starts_with(lead_prefix))
        streams.push_back(s.name);
    for (auto& s : log.streams())
      if (s.name.starts_with(worker_prefix))
        streams.push_back(s.name);
    if (streams.empty())
      return error{ec::not_found,
                   "the log holds no orchestrator or worker stream"};
  }
  // A global position becomes each stream's last sequence at or before it.
  std::map<std::string, uint64_t, std::less<>> limit;
  if (opts.until_position != UINT64_MAX) {
    auto n = log.read_all(1, opts.until_position,
                          [&](storage::recorded_event&& e) {
                            limit[std::string{e.stream()}] = e.sequence();
                            return true;
                          });
    if (!n)
      return n.err();
  }
  // The plan is parsed once for every stream that starts from it (a
  // chain's leads each would otherwise parse it again).
  auto shared = opts;
  if (!shared.plan
      && std::any_of(streams.begin(), streams.end(), [](auto& s) {
           return s.starts_with(lead_prefix);
         })) {
    auto plan = recorded_plan(log, opts.plan_text);
    if (!plan)
      return error{plan.err().code(),
                   "orchestrator: " + plan.err().message()};
    shared.plan = std::move(*plan);
  }
  if (!shared.packs)
    shared.packs = std::make_shared<engine::pack_cache>();
  if (!shared.typed)
    shared.typed = std::make_shared<engine::protocol::typed_memo>();
  std::vector<stream_report> out;
  for (auto& s : streams) {
    replay_options o = shared;
    if (!opts.stream.empty() && s != opts.stream)
      o.until = UINT64_MAX;
    if (opts.until_position != UINT64_MAX) {
      auto i = limit.find(s);
      if (i == limit.end())
        continue; // nothing of it by then
      o.until = std::min(o.until, i->second);
    }
    auto r = s == "orchestrator" ? replay_orchestrator(log, o)
             : s.starts_with(lead_prefix)
               ? replay_lead(log, s.substr(lead_prefix.size()), o)
               : replay_worker(log, s.substr(worker_prefix.size()), o);
    if (!r)
      return error{r.err().code(), s + ": " + r.err().message()};
    out.push_back({s, std::move(*r)});
    if (out.back().report.first_divergence)
      break;
  }
  return out;
}

} // namespace baton::replay
