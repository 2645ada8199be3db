#include "replay/detail/inputs.hpp"

#include <vector>

namespace baton::replay::detail {

result<uint64_t> read_orchestrator_inputs(
  const storage::event_log& log, uint64_t until,
  const std::function<bool(storage::recorded_event&&)>& fn, uint64_t from,
  uint64_t operator_from) {
  // Operator commands are few (people type them): held in memory.
  std::vector<storage::recorded_event> commands;
  if (log.highest(operator_stream) >= operator_from) {
    auto n = log.read(operator_stream, operator_from, UINT64_MAX, UINT64_MAX,
                      [&](storage::recorded_event&& e) {
                        commands.push_back(std::move(e));
                        return true;
                      });
    if (!n)
      return n.err();
  }
  size_t next = 0;
  uint64_t given = 0;
  bool stopped = false;
  auto n = log.read("orchestrator", from, until, UINT64_MAX,
                    [&](storage::recorded_event&& e) {
                      while (next < commands.size()
                             && commands[next].position() < e.position()) {
                        ++given;
                        if (!fn(std::move(commands[next++]))) {
                          stopped = true;
                          return false;
                        }
                      }
                      ++given;
                      if (!fn(std::move(e))) {
                        stopped = true;
                        return false;
                      }
                      return true;
                    });
  if (!n)
    return n.err();
  if (!stopped && until == UINT64_MAX)
    while (next < commands.size()) {
      ++given;
      if (!fn(std::move(commands[next++])))
        break;
    }
  return given;
}

} // namespace baton::replay::detail
