// ONNX shape inference, helped where the exporter computed a shape at run time from static
// shapes (Shape -> Gather -> Unsqueeze -> Concat -> Reshape, as PyTorch exports `x.view(x.size(0),
// -1, 2)`): ONNX's inference gives up there, and everything downstream is left without a shape.
// The chain's integer values are folded here (Shape of a tensor with a static shape; Gather,
// Unsqueeze, Squeeze, Concat, Cast, Identity of folded values; Constant nodes and integer
// initializers), the Reshape's output shape is written into value_info, and inference is run
// again, until nothing more is learnt.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace respect {

// The numbers of a small integer tensor (INT64 or INT32, at most 64 elements, its data matching
// its dimensions); nullopt otherwise. Shape operands, Gather indices, Constant shapes.
std::optional<std::vector<int64_t>> SmallIntValues(const onnx::TensorProto& t);

// Runs onnx::shape_inference::InferShapes (data propagation on) and the folding above on the
// model in place. Throws what InferShapes throws.
void InferOnnxShapes(onnx::ModelProto& model);

}  // namespace respect
