// Pictures of a graph: DOT text, and SVG rendered in-process by Graphviz (libgvc).
#pragma once

#include <string>
#include <vector>

#include "core/graph.h"
#include "core/status.h"

namespace respect {

// DOT with one box per operator (name, type, parameters). If stage is given (one entry per
// operator), operators are coloured and clustered by stage.
std::string GraphToDot(const Graph& g, const std::vector<int>* stage = nullptr);
// Lays the graph out with `dot` and writes an SVG atomically. Graphs above max_nodes are refused
// (layout time grows super-linearly) with an error that says so.
Status WriteSvg(const Graph& g, const std::string& path, const std::vector<int>* stage = nullptr,
                int max_nodes = 3000);

}  // namespace respect
