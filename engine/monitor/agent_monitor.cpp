#include "engine/monitor/agent_monitor.hpp"

#include <algorithm>

namespace baton::engine {

agent_monitor::agent_monitor(std::shared_ptr<const detect::pack> pack,
                             screen_options opts, uint64_t coalesce_us,
                             protocol::tracker_options tracking)
  : coalesce_us_(coalesce_us), screen_(opts), detector_(std::move(pack)),
    tracker_(std::move(tracking)) {
}

namespace {

/// Whether `bytes` (after `tail`, the end of the previous feed) hold a
/// sequence that clears the screen or the scrollback: ED 2, ED 3, RIS.
bool clears(std::string_view tail, std::string_view bytes) {
  std::string text;
  text.reserve(tail.size() + bytes.size());
  text.append(tail);
  text.append(bytes);
  for (std::string_view seq : {"\033[2J", "\033[3J", "\033c"})
    if (text.find(seq) != std::string::npos)
      return true;
  return false;
}

} // namespace

std::vector<observation> agent_monitor::feed(std::string_view bytes,
                                             uint64_t now) {
  screen_.feed(bytes);
  if (bytes.find('\x1b') != std::string_view::npos || !tail_.empty()) {
    if (clears(tail_, bytes))
      tracker_.screen_cleared();
    // Enough to finish a sequence cut at the end of this feed.
    auto keep = std::min<size_t>(bytes.size(), 3);
    auto from = bytes.substr(bytes.size() - keep);
    tail_ = from.find('\x1b') != std::string_view::npos
              ? std::string{from.substr(from.find('\x1b'))}
              : std::string{};
  }
  if (coalesce_us_ == 0 || !evaluated_once_
      || now >= evaluated_at_ + coalesce_us_)
    return evaluate(now);
  pending_ = true; // evaluated recently: this waits for the window to close
  return {};
}

std::vector<observation> agent_monitor::tick(uint64_t now) {
  return evaluate(now);
}

uint64_t agent_monitor::next_deadline() const noexcept {
  auto earliest = [](uint64_t a, uint64_t b) {
    return a == 0 ? b : b == 0 ? a : std::min(a, b);
  };
  // A step on screen that will have stood long enough to count.
  auto quiet = earliest(detector_.next_deadline(), tracker_.next_due());
  if (!pending_)
    return quiet;
  return earliest(quiet, evaluated_at_ + coalesce_us_);
}

namespace {

/// What was typed, as text: bracketed-paste markers and control keys
/// (Enter, Ctrl-C, ...) removed, so echoes are recognised however the text
/// was delivered.
std::string typed_text(std::string_view bytes) {
  std::string out;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (bytes.substr(i, 6) == "\x1b[200~"
        || bytes.substr(i, 6) == "\x1b[201~") {
      i += 5;
      continue;
    }
    auto c = static_cast<unsigned char>(bytes[i]);
    if (c == '\r' || c == '\n')
      out += '\n';
    else if (c >= 0x20 || c == '\t')
      out += static_cast<char>(c);
  }
  return out;
}

} // namespace

void agent_monitor::typed(std::string_view bytes) {
  auto text = typed_text(bytes);
  if (text.find_first_not_of("\n") != std::string::npos) {
    tracker_.register_input(text);
    // A new turn: how the last one ended no longer decides.
    worked_ = false;
    turn_status_.reset();
  }
  screen_.mark_input();
}

std::pair<detect::state, detect::evidence> agent_monitor::judged() const {
  auto s = detector_.state();
  auto ev = detector_.evidence();
  bool turn_ended
    = s == detect::state::done || (s == detect::state::idle && worked_);
  if (!turn_ended || !turn_status_)
    return {s, std::move(ev)};
  auto status = turn_status_->status;
  if (status != protocol::status::blocked && status != protocol::status::error)
    return {s, std::move(ev)};
  return {status == protocol::status::blocked ? detect::state::blocked
                                              : detect::state::error,
          {ev.rule + " + STATUS line", ev.region, turn_status_->line}};
}

std::optional<observation> agent_monitor::report_state(uint64_t now) {
  auto [to, ev] = judged();
  if (to == state_) {
    evidence_ = std::move(ev);
    return std::nullopt;
  }
  observation o;
  o.what = observation::kind::state;
  o.at = now;
  o.change = {state_, to, ev, now};
  state_ = to;
  evidence_ = std::move(ev);
  return o;
}

void agent_monitor::take(std::vector<protocol::occurrence> found, uint64_t now,
                         std::vector<observation>& out) {
  for (auto& occ : found) {
    if (occ.message.kind == protocol::kind::status)
      turn_status_ = occ.message;
    observation o;
    o.what = observation::kind::protocol;
    o.at = now;
    o.message = std::move(occ);
    out.push_back(std::move(o));
  }
}

std::vector<observation> agent_monitor::exited(uint64_t now,
                                               std::string description) {
  // What was on screen is final now: report what is left, then the exit.
  auto out = pending_ ? evaluate(now) : std::vector<observation>{};
  take(tracker_.observe(screen_.history(tracker_.scan_from()), true), now, out);
  detector_.process_exited(now, std::move(description));
  if (auto change = report_state(now))
    out.push_back(std::move(*change));
  return out;
}

std::vector<observation> agent_monitor::evaluate(uint64_t now) {
  pending_ = false;
  evaluated_once_ = true;
  evaluated_at_ = now;
  std::vector<observation> out;
  auto view = screen_.view();
  detector_.evaluate(view, now);
  if (detector_.state() == detect::state::working)
    worked_ = true;
  if (auto marker = detector_.compaction(view)) {
    observation o;
    o.what = observation::kind::compaction;
    o.at = now;
    o.marker = std::move(*marker);
    out.push_back(std::move(o));
  }
  // Lines still on screen count once the agent has stopped working on them.
  auto s = detector_.state();
  bool settled = s != detect::state::working && s != detect::state::starting;
  auto history = screen_.history(tracker_.scan_from());
  // A line-oriented CLI never goes back to a line it moved past: the lines
  // above the cursor's are complete.
  uint64_t complete_end = 0;
  if (!detector_.pack().redraws_in_place) {
    complete_end = history.final_end;
    for (int r = 1; r <= view.cursor.row && r < static_cast<int>(view.rows);
         ++r)
      if (!view.wrapped[static_cast<size_t>(r - 1)])
        ++complete_end;
  }
  take(tracker_.observe(history, settled, now, complete_end), now, out);
  // The state first: what the screen says, then what was on it.
  if (auto change = report_state(now))
    out.insert(out.begin(), std::move(*change));
  return out;
}

} // namespace baton::engine
