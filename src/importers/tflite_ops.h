// TFLite builtin operator codes: name and cost class of each.
#pragma once

#include <cstdint>
#include <string>

#include "core/graph.h"

namespace respect {

// Name of a builtin code as the format spells it ("CONV_2D"); "BUILTIN_<code>" if unknown.
std::string TfliteBuiltinName(int32_t code);
// Cost class of an operator type name (TFLite or ONNX spelling).
OpClass ClassifyOpType(const std::string& type);

}  // namespace respect
