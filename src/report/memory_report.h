// Pictures and tables of memory-aware ordering: the live-memory curve over the steps of an
// order (with the lower bound and the peak marked).
#pragma once

#include <string>

#include "memory/orderers.h"

namespace respect {

// A step chart of the bytes live at each step (KiB or MiB by size), the peak and the bound.
std::string MemoryCurveSvg(const Graph& g, const OrderResult& r, const std::string& title);

}  // namespace respect
