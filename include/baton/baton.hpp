// Baton's public API, all of it. See runtime.hpp to start.
//
// The public interface is in include/baton/*.hpp; everything else in the
// source tree is internal and may change without warning.
#pragma once

#include "baton/ec.hpp"
#include "baton/event_cursor.hpp"
#include "baton/options.hpp"
#include "baton/result.hpp"
#include "baton/run.hpp"
#include "baton/runtime.hpp"
#include "baton/status.hpp"
