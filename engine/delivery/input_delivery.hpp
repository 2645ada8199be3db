// input_delivery: typing into an agent as a queued, acknowledged operation.
//
// Text is delivered when the agent can take input (the detector pack says
// which states accept it), as a bracketed paste when the CLI supports it
// (Gemini CLI drops characters typed in a burst), followed by the submit key.
// It counts as delivered only when the agent is then seen to leave the
// input-ready state (idle -> working, or -> waiting_approval) within a
// deadline of logical time; otherwise it is retried and finally reported
// failed. Nothing is ever reported delivered while it may sit unsubmitted.
//
// Retries: the second attempt sends only the submit key (the paste probably
// arrived and the submit was lost); later attempts clear the input line and
// paste again.
//
// Pure and deterministic: time arrives as logical microseconds in observe();
// the caller arms a timer for next_deadline(). Value type.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace baton::engine {

/// How an agent CLI takes typed input; from its detector pack.
struct input_style {
  /// Wrap the text in ESC[200~ ... ESC[201~. Default: true.
  bool bracketed_paste = true;
  /// The key that submits the input. Default: "\r".
  std::string submit = "\r";
  /// Bytes that clear the input line before a re-paste. Default: Ctrl-U.
  std::string clear_line = "\x15";
  /// Logical microseconds within which the agent must leave the input-ready
  /// state for a write to count as delivered. Default: 10 s.
  uint64_t confirm_within = 10'000'000;
  /// Writes before giving up. Default: 3.
  uint32_t max_attempts = 3;
};

/// Something the caller must do, or learn, after an observation.
struct delivery_action {
  enum class kind : uint8_t {
    /// Write `bytes` to the agent's terminal.
    write,
    /// The delivery ended: `delivered` says how, `reason` why.
    finished,
  };
  kind what = kind::write;
  uint64_t delivery_id = 0;
  /// 1 for the first write of a delivery.
  uint32_t attempt = 0;
  std::string bytes;
  bool delivered = false;
  std::string reason;
  /// The operator command the delivery carries out (set by the session).
  std::string ref = {};

  friend bool operator==(const delivery_action&, const delivery_action&)
    = default;
};

class input_delivery {
public:
  explicit input_delivery(input_style style = {});

  /// Queues `text` (without the submit key) for delivery after everything
  /// queued before it. `id` names it in the actions.
  void enqueue(uint64_t id, std::string text);

  /// Feeds what the agent looks like now: whether its detected state takes
  /// input, the state's name (for the record), whether it has exited, and the
  /// logical time. Returns the writes to perform and deliveries that ended,
  /// in order. Call it on every state change and when next_deadline() passes.
  std::vector<delivery_action> observe(bool input_ready, std::string_view state,
                                       bool exited, uint64_t now);

  /// The agent answered the input in flight (a protocol line appeared after
  /// it was written): it is delivered, even when its state was never seen
  /// to leave input-ready (an agent faster than the detector's quiet
  /// period). Returns the `finished` action, or nothing when no input is in
  /// flight.
  std::vector<delivery_action> answered(std::string_view evidence);

  /// Gives up every delivery not written yet (the one in flight stays):
  /// each ends, not delivered, with `reason`.
  std::vector<delivery_action> drop_unwritten(const std::string& reason);

  /// The logical time by which observe() must be called again even if
  /// nothing changes (a confirmation deadline); 0 when there is none.
  uint64_t next_deadline() const;

  /// Deliveries queued or in flight.
  size_t pending() const {
    return queue_.size();
  }

private:
  struct item {
    uint64_t id;
    std::string text;
  };

  std::string bytes_for(const item& it, uint32_t attempt) const;
  void write(std::vector<delivery_action>& out, std::string_view state,
             uint64_t now);
  void finish(std::vector<delivery_action>& out, bool delivered,
              std::string reason);

  input_style style_;
  std::deque<item> queue_;
  /// Attempts made for queue_.front(); 0 = not written yet.
  uint32_t attempts_ = 0;
  /// When the last write happened, and the state the agent was in then.
  uint64_t written_at_ = 0;
  std::string written_in_;
};

} // namespace baton::engine
