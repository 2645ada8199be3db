// How CAF carries a baton::frame: as one inspectable byte buffer, so the bytes
// an actor sends are the Cap'n Proto bytes the log stores. Lives here, not in
// engine/, to keep engine value types free of CAF.
#pragma once

#include <caf/meta/type_name.hpp>

#include "engine/frame.hpp"

namespace baton {

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, frame& x) {
  return f(caf::meta::type_name("baton.frame"), x.raw_words());
}

} // namespace baton
