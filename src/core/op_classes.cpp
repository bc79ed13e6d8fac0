#include "core/op_classes.h"

#include <unordered_map>

namespace respect {
namespace {

const std::unordered_map<std::string, OpClass>& ClassTable() {
  static const std::unordered_map<std::string, OpClass> table = [] {
    std::unordered_map<std::string, OpClass> t;
    for (const char* s : {"CONV_2D", "TRANSPOSE_CONV", "CONV_3D", "CONV_3D_TRANSPOSE", "Conv",
                          "ConvTranspose", "Conv2D", "Conv2DTranspose"})
      t[s] = OpClass::kConv;
    for (const char* s : {"DEPTHWISE_CONV_2D", "DepthwiseConv2D"}) t[s] = OpClass::kDepthwiseConv;
    for (const char* s : {"FULLY_CONNECTED", "BATCH_MATMUL", "UNIDIRECTIONAL_SEQUENCE_LSTM",
                          "LSTM", "BIDIRECTIONAL_SEQUENCE_LSTM", "UNIDIRECTIONAL_SEQUENCE_RNN",
                          "RNN", "SVDF", "Gemm", "MatMul", "Dense", "LSTMCell"})
      t[s] = OpClass::kFullyConnected;
    for (const char* s : {"AVERAGE_POOL_2D", "MAX_POOL_2D", "L2_POOL_2D", "MaxPool", "AveragePool",
                          "LpPool", "MaxPooling2D", "AveragePooling2D"})
      t[s] = OpClass::kPool;
    for (const char* s : {"MEAN", "SUM", "REDUCE_PROD", "REDUCE_MAX", "REDUCE_MIN", "REDUCE_ANY",
                          "REDUCE_ALL", "GlobalAveragePool", "GlobalMaxPool", "ReduceMean",
                          "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd",
                          "GlobalAveragePooling2D", "GlobalMaxPooling2D"})
      t[s] = OpClass::kReduce;
    for (const char* s :
         {"ADD", "SUB", "MUL", "DIV", "RELU", "RELU6", "RELU_N1_TO_1", "RELU_0_TO_1", "LOGISTIC",
          "TANH", "HARD_SWISH", "LEAKY_RELU", "PRELU", "ELU", "GELU", "SOFTMAX", "LOG_SOFTMAX",
          "MAXIMUM", "MINIMUM", "SQUARED_DIFFERENCE", "ABS", "EXP", "LOG", "SQRT", "RSQRT", "POW",
          "NEG", "SQUARE", "SIN", "COS", "FLOOR", "CEIL", "ROUND", "FLOOR_DIV", "FLOOR_MOD",
          "ADD_N", "L2_NORMALIZATION", "LOCAL_RESPONSE_NORMALIZATION", "RESIZE_BILINEAR",
          "RESIZE_NEAREST_NEIGHBOR", "SELECT", "SELECT_V2", "LESS", "GREATER", "EQUAL",
          "NOT_EQUAL", "LESS_EQUAL", "GREATER_EQUAL", "LOGICAL_AND", "LOGICAL_OR", "LOGICAL_NOT",
          "CUMSUM", "SIGN", "Add", "Sub", "Mul", "Div", "Relu", "LeakyRelu", "PRelu", "Sigmoid",
          "Tanh", "Softmax", "LogSoftmax", "Max", "Min", "Sum", "Exp", "Log", "Sqrt", "Pow",
          "Neg", "Abs", "Clip", "BatchNormalization", "InstanceNormalization", "LRN", "Dropout",
          "HardSigmoid", "HardSwish", "Elu", "Selu", "Softplus", "Resize", "Upsample",
          "Activation", "ReLU", "BatchNormalization", "Rescaling", "Normalization", "Multiply",
          "Identity", "Erf", "Where", "Equal", "Less", "Greater", "Not", "And", "Or",
          "Reciprocal", "Floor", "Ceil", "Round", "Sin", "Cos", "Mean", "Softsign",
          "ThresholdedRelu", "Shrink", "LayerNormalization", "UpSampling2D"})
      t[s] = OpClass::kElementwise;
    for (const char* s :
         {"RESHAPE", "CONCATENATION", "PAD", "PADV2", "MIRROR_PAD", "SQUEEZE", "EXPAND_DIMS",
          "TRANSPOSE", "STRIDED_SLICE", "SLICE", "SPLIT", "SPLIT_V", "PACK", "UNPACK", "GATHER",
          "GATHER_ND", "QUANTIZE", "DEQUANTIZE", "CAST", "SPACE_TO_DEPTH", "DEPTH_TO_SPACE",
          "BATCH_TO_SPACE_ND", "SPACE_TO_BATCH_ND", "TILE", "SHAPE", "BROADCAST_TO", "FILL",
          "ZEROS_LIKE", "REVERSE_V2", "FAKE_QUANT", "ARG_MAX", "ARG_MIN", "Reshape", "Concat",
          "Pad", "Squeeze", "Unsqueeze", "Transpose", "Slice", "Split", "Gather", "Flatten",
          "Cast", "Shape", "Expand", "Tile", "ConstantOfShape", "Constant", "QuantizeLinear",
          "DequantizeLinear", "DepthToSpace", "SpaceToDepth", "ArgMax", "ArgMin", "Size",
          "InputLayer", "ZeroPadding2D", "Concatenate", "Flatten", "Reshape", "Cropping2D"})
      t[s] = OpClass::kDataMovement;
    return t;
  }();
  return table;
}

}  // namespace

OpClass ClassifyOpType(const std::string& type) {
  const auto& table = ClassTable();
  auto it = table.find(type);
  return it == table.end() ? OpClass::kOther : it->second;
}

}  // namespace respect
