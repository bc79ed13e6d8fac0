#include "importers/tflite_ops.h"

#include <array>
#include <unordered_map>

namespace respect {
namespace {

// Indexed by the BuiltinOperator value of the format (code 127 is a placeholder that marks
// where the enum outgrew the deprecated one-byte field).
constexpr std::array<const char*, 162> kBuiltinNames = {
    "ADD", "AVERAGE_POOL_2D", "CONCATENATION", "CONV_2D", "DEPTHWISE_CONV_2D", "DEPTH_TO_SPACE",
    "DEQUANTIZE", "EMBEDDING_LOOKUP", "FLOOR", "FULLY_CONNECTED", "HASHTABLE_LOOKUP",
    "L2_NORMALIZATION", "L2_POOL_2D", "LOCAL_RESPONSE_NORMALIZATION", "LOGISTIC",
    "LSH_PROJECTION", "LSTM", "MAX_POOL_2D", "MUL", "RELU", "RELU_N1_TO_1", "RELU6", "RESHAPE",
    "RESIZE_BILINEAR", "RNN", "SOFTMAX", "SPACE_TO_DEPTH", "SVDF", "TANH", "CONCAT_EMBEDDINGS",
    "SKIP_GRAM", "CALL", "CUSTOM", "EMBEDDING_LOOKUP_SPARSE", "PAD",
    "UNIDIRECTIONAL_SEQUENCE_RNN", "GATHER", "BATCH_TO_SPACE_ND", "SPACE_TO_BATCH_ND",
    "TRANSPOSE", "MEAN", "SUB", "DIV", "SQUEEZE", "UNIDIRECTIONAL_SEQUENCE_LSTM",
    "STRIDED_SLICE", "BIDIRECTIONAL_SEQUENCE_RNN", "EXP", "TOPK_V2", "SPLIT", "LOG_SOFTMAX",
    "DELEGATE", "BIDIRECTIONAL_SEQUENCE_LSTM", "CAST", "PRELU", "MAXIMUM", "ARG_MAX", "MINIMUM",
    "LESS", "NEG", "PADV2", "GREATER", "GREATER_EQUAL", "LESS_EQUAL", "SELECT", "SLICE", "SIN",
    "TRANSPOSE_CONV", "SPARSE_TO_DENSE", "TILE", "EXPAND_DIMS", "EQUAL", "NOT_EQUAL", "LOG",
    "SUM", "SQRT", "RSQRT", "SHAPE", "POW", "ARG_MIN", "FAKE_QUANT", "REDUCE_PROD",
    "REDUCE_MAX", "PACK", "LOGICAL_OR", "ONE_HOT", "LOGICAL_AND", "LOGICAL_NOT", "UNPACK",
    "REDUCE_MIN", "FLOOR_DIV", "REDUCE_ANY", "SQUARE", "ZEROS_LIKE", "FILL", "FLOOR_MOD",
    "RANGE", "RESIZE_NEAREST_NEIGHBOR", "LEAKY_RELU", "SQUARED_DIFFERENCE", "MIRROR_PAD", "ABS",
    "SPLIT_V", "UNIQUE", "CEIL", "REVERSE_V2", "ADD_N", "GATHER_ND", "COS", "WHERE", "RANK",
    "ELU", "REVERSE_SEQUENCE", "MATRIX_DIAG", "QUANTIZE", "MATRIX_SET_DIAG", "ROUND",
    "HARD_SWISH", "IF", "WHILE", "NON_MAX_SUPPRESSION_V4", "NON_MAX_SUPPRESSION_V5",
    "SCATTER_ND", "SELECT_V2", "DENSIFY", "SEGMENT_SUM", "BATCH_MATMUL",
    "PLACEHOLDER_FOR_GREATER_OP_CODES", "CUMSUM", "CALL_ONCE", "BROADCAST_TO", "RFFT2D",
    "CONV_3D", "IMAG", "REAL", "COMPLEX_ABS", "HASHTABLE", "HASHTABLE_FIND", "HASHTABLE_IMPORT",
    "HASHTABLE_SIZE", "REDUCE_ALL", "CONV_3D_TRANSPOSE", "VAR_HANDLE", "READ_VARIABLE",
    "ASSIGN_VARIABLE", "BROADCAST_ARGS", "RANDOM_STANDARD_NORMAL", "BUCKETIZE", "RANDOM_UNIFORM",
    "MULTINOMIAL", "GELU", "DYNAMIC_UPDATE_SLICE", "RELU_0_TO_1", "UNSORTED_SEGMENT_PROD",
    "UNSORTED_SEGMENT_MAX", "UNSORTED_SEGMENT_SUM", "ATAN2", "UNSORTED_SEGMENT_MIN", "SIGN",
    "BITCAST", "BITWISE_XOR", "RIGHT_SHIFT"};

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

std::string TfliteBuiltinName(int32_t code) {
  if (code >= 0 && code < static_cast<int32_t>(kBuiltinNames.size())) return kBuiltinNames[code];
  return "BUILTIN_" + std::to_string(code);
}

OpClass ClassifyOpType(const std::string& type) {
  const auto& table = ClassTable();
  auto it = table.find(type);
  return it == table.end() ? OpClass::kOther : it->second;
}

}  // namespace respect
