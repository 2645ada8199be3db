// Moved to the public headers: include/baton/result.hpp.
#pragma once

#include "baton/result.hpp"
