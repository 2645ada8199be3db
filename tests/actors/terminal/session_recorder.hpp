// Test helper: keeps every event an agent_session reports and lets a test
// wait for a condition on them with a deadline (never a fixed sleep).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "actors/terminal/agent_session.hpp"
#include "engine/detect/state.hpp"
#include "engine/protocol/message.hpp"

namespace baton::test {

class session_recorder {
public:
  using event = actors::terminal::session_event;

  /// The callback to put in session_options::on_event.
  std::function<void(const event&)> callback() {
    return [this](const event& e) {
      {
        std::lock_guard<std::mutex> guard{mutex_};
        events_.push_back(e);
      }
      changed_.notify_all();
    };
  }

  /// Waits up to `timeout` for `done(events)`; returns whether it held.
  bool wait(const std::function<bool(const std::vector<event>&)>& done,
            std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock{mutex_};
    return changed_.wait_for(lock, timeout,
                             [&] { return done(events_); });
  }

  /// Waits for a state change to `s` (the `nth` one, counting from 1).
  bool wait_state(engine::detect::state s, std::chrono::milliseconds timeout,
                  int nth = 1) {
    return wait(
      [s, nth](const std::vector<event>& es) {
        int n = 0;
        for (auto& e : es)
          if (e.what == event::kind::state && e.observation.change.to == s)
            ++n;
        return n >= nth;
      },
      timeout);
  }

  /// Waits for the delivery `id` to finish; true when it was delivered.
  bool wait_delivered(uint64_t id, std::chrono::milliseconds timeout) {
    bool finished = wait(
      [id](const std::vector<event>& es) {
        for (auto& e : es)
          if (e.what == event::kind::delivery && e.delivery.delivery_id == id)
            return true;
        return false;
      },
      timeout);
    if (!finished)
      return false;
    for (auto& e : snapshot())
      if (e.what == event::kind::delivery && e.delivery.delivery_id == id)
        return e.delivery.delivered;
    return false;
  }

  std::vector<event> snapshot() const {
    std::lock_guard<std::mutex> guard{mutex_};
    return events_;
  }

  /// The states, in order, without repeats.
  std::vector<std::string> states() const {
    std::vector<std::string> out;
    for (auto& e : snapshot())
      if (e.what == event::kind::state)
        out.emplace_back(engine::detect::to_string(e.observation.change.to));
    return out;
  }

  /// The protocol lines, in order (message::line).
  std::vector<std::string> protocol_lines() const {
    std::vector<std::string> out;
    for (auto& e : snapshot())
      if (e.what == event::kind::protocol)
        out.push_back(e.observation.message.message.line);
    return out;
  }

  /// Every event as one line, for failure messages.
  std::string describe() const {
    std::string out;
    for (auto& e : snapshot()) {
      switch (e.what) {
        case event::kind::state:
          out += "state " + std::string{engine::detect::to_string(
                   e.observation.change.to)}
                 + " (rule '" + e.observation.change.evidence.rule + "': "
                 + e.observation.change.evidence.matched + ")\n";
          break;
        case event::kind::protocol:
          out += "protocol " + e.observation.message.message.line + "\n";
          break;
        case event::kind::compaction: out += "compaction\n"; break;
        case event::kind::delivery:
          out += "delivery " + std::to_string(e.delivery.delivery_id)
                 + (e.delivery.delivered ? " delivered: " : " failed: ")
                 + e.delivery.reason + "\n";
          break;
        case event::kind::exited:
          out += "exited " + e.status.to_string() + "\n";
          break;
      }
    }
    return out;
  }

private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<event> events_;
};

/// Keeps only the subsequence of `states` that `want` needs, in order:
/// true when `want` is a subsequence of `states`.
inline bool has_subsequence(const std::vector<std::string>& states,
                            const std::vector<std::string>& want) {
  size_t i = 0;
  for (auto& s : states)
    if (i < want.size() && s == want[i])
      ++i;
  return i == want.size();
}

} // namespace baton::test
