// session_core: the logic of one agent session, with no threads and no I/O.
//
// It joins the agent monitor (screen + detector + protocol tracker) with two
// acknowledged input queues:
//
//  - prompts: typed when the pack says the agent takes input (idle), as a
//    bracketed paste plus the submit key when the pack says so, confirmed
//    when the agent leaves the input-ready state (idle -> working);
//  - answers: keys that answer a permission prompt (`y`, `\r`, `1`), typed
//    as they are (no paste, no submit key) only while the agent is in
//    waiting_approval, confirmed when it leaves waiting_approval.
//
// A prompt's submit key is written submit_delay_us after its paste. While
// the state is `unknown` (a screen no rule explains, such as an input box
// holding text a CLI did not submit) nothing is confirmed: only the
// delivery's deadline moves it on (to a retry, which sends the submit key
// again).
//
// Every call takes the logical time `now` (microseconds, not decreasing) and
// appends what the caller must do or learn to a session_effects: bytes to
// write to the agent's terminal (deliveries, terminal query replies, the
// user's keys) and events to report. Whoever owns the core performs the
// writes in order and calls tick() when next_deadline() passes. The
// threaded driver (agent_session) does this with a reactor; a CAF actor can
// do it with messages and delayed sends.
//
// Resource type (owns a screen); not thread-safe: one owner at a time.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/delivery/input_delivery.hpp"
#include "engine/detect/pack.hpp"
#include "engine/monitor/agent_monitor.hpp"
#include "engine/session/exit_status.hpp"
#include "engine/session/session_event.hpp"

namespace baton::engine {

/// One write to the agent's terminal, and why it happens.
struct session_write {
  enum class source : uint8_t {
    /// An acknowledged delivery (prompt or answer).
    delivery,
    /// Answers to the agent's terminal queries (DA1, cursor position...).
    reply,
    /// Keys passed through from a person (baton watch).
    user,
  };
  session_write::source from = source::delivery;
  std::string bytes;
};

/// What the owner of a session_core must do, in order.
struct session_effects {
  std::vector<session_write> writes;
  std::vector<session_event> events;
};

struct session_core_options {
  /// The screen's size and limits. Default: 120x30 (engine defaults).
  engine::screen_options screen;
  /// Coalescing window of the monitor. Default: 2 ms of logical time.
  uint64_t coalesce_us = engine::agent_monitor::default_coalesce_us;
  /// Write the screen model's answers to terminal queries back to the
  /// agent. Turn off when a real terminal answers them (baton watch on a
  /// tty). Default: true.
  bool answer_queries = true;
  /// Logical microseconds within which an answer must take the agent out of
  /// waiting_approval. Default: 10 s.
  uint64_t answer_confirm_within = 10'000'000;
  /// Logical microseconds between a pasted prompt and its submit key. Some
  /// CLIs take a submit key that arrives in the same burst as the paste for
  /// part of it (Gemini CLI leaves the text in its input box). Default:
  /// 250 ms.
  uint64_t submit_delay_us = 250'000;
  /// Typed rows read once for all sessions that share it (one thread
  /// only; see protocol::typed_memo). Null: none. Not recorded: it changes
  /// no result.
  std::shared_ptr<protocol::typed_memo> typed_memo = nullptr;
};

class session_core {
public:
  /// @pre pack != nullptr
  session_core(std::shared_ptr<const engine::detect::pack> pack,
               session_core_options opts = {});

  session_core(const session_core&) = delete;
  session_core& operator=(const session_core&) = delete;

  /// Bytes the agent wrote, arriving at `now`.
  void output(std::string_view bytes, uint64_t now, session_effects& out);

  /// Call when next_deadline() has passed (quiet periods, coalescing
  /// windows, delivery confirmations).
  void tick(uint64_t now, session_effects& out);

  /// The process has exited with `status`: final protocol lines, the
  /// `exited` state, deliveries still queued fail, then an `exited` event.
  /// Later calls do nothing.
  void exited(const exit_status& status, uint64_t now,
              session_effects& out);

  /// Queues `text` to be typed as a prompt; returns its delivery id. The
  /// write happens in this call when the agent takes input now. `ref` (an
  /// operator command's id) is carried by the delivery's finished event.
  uint64_t prompt(std::string text, uint64_t now, session_effects& out,
                  std::string ref = {});

  /// Queues `keys` to answer a permission prompt; returns its delivery id.
  /// Typed once the agent is (or is now) in waiting_approval.
  uint64_t answer(std::string keys, uint64_t now, session_effects& out,
                  std::string ref = {});

  /// Keys from a person, passed through at once. A line they submit (CR or
  /// LF) is registered as typed text, so its echo is not taken for the
  /// agent's own protocol lines.
  void user_input(std::string_view keys, session_effects& out);

  /// When tick() must be called; 0 when never.
  uint64_t next_deadline() const;

  /// True once exited() was called.
  bool finished() const noexcept {
    return finished_;
  }

  engine::detect::state state() const noexcept {
    return monitor_.state();
  }

  /// The terminal changed size: the screen model follows.
  void resize(uint16_t cols, uint16_t rows) {
    monitor_.resize(cols, rows);
  }

  const engine::agent_monitor& monitor() const noexcept {
    return monitor_;
  }

  /// The visible screen as text, one row per line (for messages).
  std::string screen_text() const;

private:
  void report(std::vector<engine::observation> obs, session_effects& out);
  void deliver(uint64_t now, session_effects& out);
  void run(engine::input_delivery& queue, bool ready, uint64_t now,
           session_effects& out);
  void write_delivery(std::string bytes, uint64_t now, session_effects& out);
  /// A delivery's end as an event, with its ref.
  void push_delivery(engine::delivery_action a, uint64_t at,
                     session_effects& out);

  session_core_options opts_;
  engine::agent_monitor monitor_;
  engine::input_delivery prompts_;
  engine::input_delivery answers_;
  uint64_t next_id_ = 1;
  /// Deliveries that carry out an operator command: id -> its ref.
  std::map<uint64_t, std::string> refs_;
  bool finished_ = false;
  /// Keys a person typed since the last submitted line.
  std::string user_line_;
  /// A submit key waiting for submit_due_ (0: none).
  std::string submit_;
  uint64_t submit_due_ = 0;
};

} // namespace baton::engine
