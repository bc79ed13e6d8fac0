// Pictures and tables of memory-aware ordering: the live-memory curve over the steps of an
// order (with the lower bound and the peak marked).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "memory/orderers.h"

namespace respect {

// A step chart of the bytes live at each step (KiB or MiB by size), the peak and the bound.
std::string MemoryCurveSvg(const Graph& g, const OrderResult& r, const std::string& title);

// What `respect order --json` prints (and the Python module's order() returns): model, method,
// conventions, inplace, peak_bytes, lower_bound_bytes, gap, proven_optimal, peak_step,
// live_at_peak[], order[], footprint_bytes, solve_seconds, note.
nlohmann::json OrderResultJson(const Graph& g, const OrderRequest& request, const OrderResult& r);

}  // namespace respect
