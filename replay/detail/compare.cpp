#include "replay/detail/compare.hpp"

#include <algorithm>

#include <capnp/compat/json.h>
#include <capnp/message.h>
#include <capnp/serialize.h>

namespace baton::replay::detail {

std::string as_text(const frame& f) {
  capnp::FlatArrayMessageReader r{f.words(), frame_reader_options()};
  capnp::JsonCodec codec;
  return codec.encode(r.getRoot<schema::Event>()).cStr();
}

frame canonical(const storage::recorded_event& e) {
  capnp::MallocMessageBuilder b;
  b.setRoot(e.event());
  return frame::from(b);
}

namespace {

bool same_bytes(const frame& a, const frame& b) {
  auto x = a.bytes();
  auto y = b.bytes();
  return x.size() == y.size() && std::equal(x.begin(), x.end(), y.begin());
}

} // namespace

bool derived_matcher::recorded(const storage::recorded_event& e) {
  auto found = canonical(e);
  if (pending_.empty()) {
    divergence_
      = divergence{stream_, e.sequence(), "(nothing derived)", as_text(found)};
    return false;
  }
  if (!same_bytes(pending_.front(), found)) {
    divergence_ = divergence{stream_, e.sequence(), as_text(pending_.front()),
                             as_text(found)};
    return false;
  }
  pending_.pop_front();
  return true;
}

} // namespace baton::replay::detail
