#include "storage/event_log.hpp"

#include "storage/detail/rocks_log.hpp"

namespace baton::storage {

event_log::~event_log() = default;

result<std::unique_ptr<event_log>> event_log::open(const std::string& dir,
                                                   const options& opts) {
  auto log = std::make_unique<detail::rocks_log>(dir, opts);
  if (auto ok = log->open(); !ok)
    return ok.err();
  return std::unique_ptr<event_log>{std::move(log)};
}

namespace {

template <class Read>
result<std::vector<recorded_event>> collect(Read&& read) {
  std::vector<recorded_event> out;
  auto r = read([&out](recorded_event&& ev) {
    out.push_back(std::move(ev));
    return true;
  });
  if (!r)
    return r.err();
  return out;
}

} // namespace

result<std::vector<recorded_event>>
event_log::read(std::string_view stream, uint64_t from, uint64_t to,
                uint64_t max) const {
  return collect([&](const event_visitor& v) {
    return read(stream, from, to, max, v);
  });
}

result<std::vector<recorded_event>>
event_log::read_all(uint64_t from_position, uint64_t max) const {
  return collect([&](const event_visitor& v) {
    return read_all(from_position, max, v);
  });
}

} // namespace baton::storage
