// The cost family of an operator type, by name: TFLite (CONV_2D), ONNX (Conv) and Keras-like
// (Conv2D) spellings, shared by every importer and the zoo. Unknown names are OpClass::kOther.
#pragma once

#include <string>

#include "core/graph.h"

namespace respect {

OpClass ClassifyOpType(const std::string& type);

}  // namespace respect
