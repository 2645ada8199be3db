#include "replay/detail/compare.hpp"

#include <algorithm>
#include <cstring>

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
  baton::frame_builder b;
  b.setRoot(e.event());
  return frame::from(b);
}

namespace {

kj::Array<capnp::word> canonical_words(const frame& f) {
  capnp::FlatArrayMessageReader r{f.words(), frame_reader_options()};
  return capnp::canonicalize(r.getRoot<schema::Event>());
}

/// The same event: the same bytes, or the same canonical form (an event
/// recorded before fields were added to its struct is shorter than one
/// built now, and equal when the new fields are unset).
bool same_bytes(const frame& a, const frame& b) {
  auto x = a.bytes();
  auto y = b.bytes();
  if (x.size() == y.size() && std::equal(x.begin(), x.end(), y.begin()))
    return true;
  auto cx = canonical_words(a);
  auto cy = canonical_words(b);
  return cx.size() == cy.size()
         && std::equal(cx.begin(), cx.end(), cy.begin(),
                       [](const capnp::word& p, const capnp::word& q) {
                         return std::memcmp(&p, &q, sizeof p) == 0;
                       });
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
