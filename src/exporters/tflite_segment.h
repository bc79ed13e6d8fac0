// Writes one pipeline segment of a .tflite model as a .tflite file of its own: the segment's
// operators in execution order, the tensors they touch (names, shapes, types, quantisation kept),
// each constant buffer they read carried once, the operator codes they use, and the model's
// version, description and metadata (except TFLITE_METADATA, which describes the whole model's
// inputs and outputs). Signatures are not kept (their inputs and outputs are the whole model's).
//
// Operator options: a table the format declares with scalar fields only is copied byte for byte
// (its vtable and inline bytes, at the same alignment), so every field, known or not, keeps its
// value; ReshapeOptions and SqueezeOptions are rebuilt from the schema subset, and so are sparse
// constants' sparsity parameters. Anything else (an options type not known to hold only scalars,
// builtin_options_2, large custom options, custom quantisation, several subgraphs) is refused
// with an error naming it, never written wrongly.
//
// Operators the importer folded into constants (computed from constants alone: a DEQUANTIZE of
// fp16 weights, a DENSIFY of a sparse weight) are not graph operators: each segment that reads
// one of their outputs carries its own copy of them and of their constants, ahead of its own
// operators, so no such tensor ever crosses a segment boundary.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/graph.h"
#include "core/status.h"
#include "exporters/segment_plan.h"

namespace respect {

// `bytes`: the original file; `g` its import. Returns the segment file's bytes.
Result<std::string> TfliteSegmentBytes(const std::string& bytes, const Graph& g,
                                       const SegmentPlan& seg);

// Per operator of a .tflite file with `file_operators` operators: the graph operator it became
// (Operator::source_index), or -1 where the importer folded it into a constant (the segment
// writer carries those, the reorder writer keeps them first). Errors when `g` is not that file's
// import.
Result<std::vector<int>> GraphOpsOfTfliteFile(const Graph& g, int file_operators);

// The model's first signature over its main subgraph, as pipeline.json records it:
// {"key": "serving_default", "inputs": {signature name: tensor name}, "outputs": {...}}; null when
// the file has none. A whole model with a signature exposes these names to a runtime, while its
// segments (which keep no signature) expose tensor names: the map lets a runner feed either.
nlohmann::json TfliteSignatureJson(const std::string& bytes);

}  // namespace respect
