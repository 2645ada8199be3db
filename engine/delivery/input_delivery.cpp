#include "engine/delivery/input_delivery.hpp"

#include <optional>
#include <utility>

namespace baton::engine {

namespace {

constexpr std::string_view paste_begin = "\x1b[200~";
constexpr std::string_view paste_end = "\x1b[201~";

std::string seconds(uint64_t micros) {
  auto tenths = micros / 100'000;
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + "s";
}

} // namespace

input_delivery::input_delivery(input_style style) : style_(std::move(style)) {
}

void input_delivery::enqueue(uint64_t id, std::string text) {
  queue_.push_back({id, std::move(text)});
}

std::string input_delivery::bytes_for(const item& it, uint32_t attempt) const {
  if (attempt == 2)
    return style_.submit;
  std::string out = attempt > 2 ? style_.clear_line : std::string{};
  if (style_.bracketed_paste) {
    out += paste_begin;
    out += it.text;
    out += paste_end;
  } else {
    out += it.text;
  }
  out += style_.submit;
  return out;
}

void input_delivery::write(std::vector<delivery_action>& out,
                           std::string_view state, uint64_t now) {
  ++attempts_;
  written_at_ = now;
  written_in_ = std::string{state};
  delivery_action a;
  a.what = delivery_action::kind::write;
  a.delivery_id = queue_.front().id;
  a.attempt = attempts_;
  a.bytes = bytes_for(queue_.front(), attempts_);
  out.push_back(std::move(a));
}

void input_delivery::finish(std::vector<delivery_action>& out, bool delivered,
                            std::string reason) {
  delivery_action a;
  a.what = delivery_action::kind::finished;
  a.delivery_id = queue_.front().id;
  a.attempt = attempts_;
  a.delivered = delivered;
  a.reason = std::move(reason);
  out.push_back(std::move(a));
  queue_.pop_front();
  attempts_ = 0;
}

std::vector<delivery_action> input_delivery::observe(bool input_ready,
                                                     std::string_view state,
                                                     bool exited,
                                                     uint64_t now) {
  std::vector<delivery_action> out;
  while (!queue_.empty()) {
    if (exited) {
      finish(out, false, "the agent exited before it took the input");
      continue;
    }
    if (attempts_ == 0) {
      if (input_ready)
        write(out, state, now);
      return out;
    }
    if (!input_ready) {
      finish(out, true,
             "confirmed: " + written_in_ + " -> " + std::string{state}
               + " after attempt " + std::to_string(attempts_));
      continue; // the next one waits for input-ready again
    }
    if (now < written_at_ + style_.confirm_within)
      return out;
    if (attempts_ < style_.max_attempts) {
      write(out, state, now);
      return out;
    }
    finish(out, false,
           "not confirmed: still " + std::string{state} + " "
             + seconds(style_.confirm_within) + " after each of "
             + std::to_string(attempts_) + " attempts");
  }
  return out;
}

std::vector<delivery_action>
input_delivery::drop_unwritten(const std::string& reason) {
  std::vector<delivery_action> out;
  std::optional<item> in_flight;
  if (attempts_ > 0 && !queue_.empty()) {
    in_flight = std::move(queue_.front());
    queue_.pop_front();
  }
  auto attempts = std::exchange(attempts_, 0);
  while (!queue_.empty())
    finish(out, false, reason);
  if (in_flight) {
    queue_.push_front(std::move(*in_flight));
    attempts_ = attempts;
  }
  return out;
}

std::vector<delivery_action>
input_delivery::answered(std::string_view evidence) {
  std::vector<delivery_action> out;
  if (!queue_.empty() && attempts_ > 0)
    finish(out, true,
           "confirmed: the agent answered (" + std::string{evidence}
             + ") after attempt " + std::to_string(attempts_));
  return out;
}

uint64_t input_delivery::next_deadline() const {
  if (queue_.empty() || attempts_ == 0)
    return 0;
  return written_at_ + style_.confirm_within;
}

} // namespace baton::engine
