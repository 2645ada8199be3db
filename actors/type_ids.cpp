// Anchors the type-ID block in the actors library; see type_ids.hpp.
#include "actors/type_ids.hpp"
