#include "baton/event_cursor.hpp"

#include <algorithm>

#include <capnp/dynamic.h>
#include <capnp/schema.h>

#include "api/detail/cursor_impl.hpp"
#include "api/event_format.hpp"

namespace baton {

namespace {

const storage::recorded_event& rec(const void* p) {
  return *static_cast<const storage::recorded_event*>(p);
}

} // namespace

uint64_t event::position() const {
  return rec(rec_).position();
}

std::string_view event::stream() const {
  return rec(rec_).stream();
}

uint64_t event::sequence() const {
  return rec(rec_).sequence();
}

uint64_t event::logical_time() const {
  return rec(rec_).logical_time();
}

std::string_view event::kind() const {
  // The name lives in the compiled-in schema: the view stays valid.
  KJ_IF_MAYBE (field, capnp::toDynamic(rec(rec_).event()).which()) {
    auto name = field->getProto().getName();
    return {name.begin(), name.size()};
  }
  return "unknown";
}

std::string event::json() const {
  return api::format_json(rec(rec_));
}

std::string_view event::payload() const {
  auto f = rec(rec_).payload();
  auto bytes = f.bytes();
  payload_.assign(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return payload_;
}

event_cursor::event_cursor(std::unique_ptr<impl> p) : impl_(std::move(p)) {
}

event_cursor::~event_cursor() = default;

const event* event_cursor::next(std::chrono::milliseconds wait) {
  auto* r = impl_->next(wait);
  if (r == nullptr)
    return nullptr;
  current_.rec_ = r;
  return &current_;
}

uint64_t event_cursor::position() const {
  return impl_->next_position;
}

bool event_cursor::at_end() const {
  return impl_->at_end();
}

const result<void>& event_cursor::error() const {
  return impl_->failure;
}

result<std::unique_ptr<event_cursor>> open_events(const std::string& log_dir,
                                                  uint64_t from_position) {
  storage::options opts;
  opts.read_only = true;
  opts.create_if_missing = false;
  auto log = storage::event_log::open(log_dir, opts);
  if (!log)
    return log.err();
  auto p = std::make_unique<event_cursor::impl>(
    std::shared_ptr<storage::event_log>{std::move(*log)}, from_position,
    nullptr);
  return std::unique_ptr<event_cursor>{new event_cursor{std::move(p)}};
}

// -- impl --------------------------------------------------------------------

event_cursor::impl::impl(std::shared_ptr<storage::event_log> l, uint64_t from,
                         std::function<bool()> done)
  : log(std::move(l)), next_position(from == 0 ? 1 : from),
    finished(std::move(done)) {
}

bool event_cursor::impl::fill() {
  batch.clear();
  at = 0;
  std::string failure_text;
  auto n = log->read_all(next_position, batch_size,
                         [&](storage::recorded_event&& e) {
                           if (e.event().isRunFinished())
                             saw_finish = true;
                           batch.push_back(std::move(e));
                           return true;
                         });
  if (!n) {
    failure = n.err();
    return false;
  }
  return !batch.empty();
}

const storage::recorded_event*
event_cursor::impl::next(std::chrono::milliseconds wait) {
  if (!failure)
    return nullptr;
  if (at >= batch.size() && !fill() && failure && wait.count() > 0) {
    // Until the deadline: the log's last position may move a moment before
    // its events can be read.
    auto deadline = std::chrono::steady_clock::now() + wait;
    while (failure) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0)
        break;
      if (!finished)
        ignore(log->refresh());
      log->wait_beyond(next_position - 1,
                       std::min(left, std::chrono::milliseconds{100}));
      if (fill() || (finished && finished()))
        break;
    }
  }
  if (!failure || at >= batch.size())
    return nullptr;
  auto* r = &batch[at++];
  next_position = r->position() + 1;
  return r;
}

bool event_cursor::impl::at_end() const {
  if (at < batch.size())
    return false;
  if (finished)
    return finished() && next_position > log->last_position();
  // A stored log: over once its run finished and nothing more came.
  return saw_finish && next_position > log->last_position();
}

} // namespace baton
