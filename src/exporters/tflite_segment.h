// Writes one pipeline segment of a .tflite model as a .tflite file of its own: the segment's
// operators in execution order, the tensors they touch (names, shapes, types, quantisation kept),
// each constant buffer they read carried once, the operator codes they use, and the model's
// version, description and metadata (except TFLITE_METADATA, which describes the whole model's
// inputs and outputs). Signatures are not kept (their inputs and outputs are the whole model's).
//
// Operator options: a table the format declares with scalar fields only is copied byte for byte
// (its vtable and inline bytes, at the same alignment), so every field, known or not, keeps its
// value; ReshapeOptions and SqueezeOptions are rebuilt from the schema subset. Anything else (an
// options type not known to hold only scalars, builtin_options_2, large custom options, sparse
// tensors, custom quantisation, several subgraphs) is refused with an error naming it, never
// written wrongly.
#pragma once

#include <string>

#include "core/graph.h"
#include "core/status.h"
#include "exporters/segment_plan.h"

namespace respect {

// `bytes`: the original file; `g` its import. Returns the segment file's bytes.
Result<std::string> TfliteSegmentBytes(const std::string& bytes, const Graph& g, const SegmentPlan& seg);

}  // namespace respect
