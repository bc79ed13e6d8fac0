// TFLite builtin operator codes: name and cost class of each.
#pragma once

#include <cstdint>
#include <string>

#include "core/graph.h"
#include "core/op_classes.h"

namespace respect {

// Name of a builtin code as the format spells it ("CONV_2D"); "BUILTIN_<code>" if unknown.
std::string TfliteBuiltinName(int32_t code);

}  // namespace respect
