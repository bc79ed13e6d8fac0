// Writes a model file with its operators stored in a new order and nothing else changed, so
// every runtime that follows the stored order (TFLite's interpreter and arena planner, ONNX
// runtimes that run nodes in graph order) runs the new one.
//
// .tflite: the main subgraph's operator vector holds one 32-bit offset per operator, relative to
// the slot; the slots are rewritten in place to point at the operators in the new order. The file
// keeps its size and every other byte (buffers, tensors, names, metadata, other subgraphs).
// .onnx: the graph's nodes are stored in the new order (folded Constant nodes first, in their
// original order); every other field is kept as parsed.
#pragma once

#include <string>
#include <vector>

#include "core/graph.h"
#include "core/status.h"

namespace respect {

// `g` must be the import of `in_path` (operator i of g is the file's operator i, or for ONNX the
// node whose first output is g's operator's first output); `order` a topological order of g.
// The output's extension must match the input's. Written atomically.
Status WriteReorderedModel(const std::string& in_path, const Graph& g,
                           const std::vector<int>& order, const std::string& out_path);

}  // namespace respect
