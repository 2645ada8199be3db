// Moved to the public headers: include/baton/ec.hpp.
#pragma once

#include "baton/ec.hpp"
