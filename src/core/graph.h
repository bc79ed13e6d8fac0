// The graph IR every part of respect works on: operators connected by tensors.
//
// A Graph is plain data. Importers build one through GraphBuilder, whose Build() resolves every
// reference, derives producers/consumers and the operator-level DAG, computes per-operator
// parameter bytes and MACs, and rejects graphs that are not valid DAGs. Algorithms use integer
// operator ids (0..num_ops-1) and the adjacency lists; they know nothing of file formats.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/status.h"

namespace respect {

enum class DType : uint8_t {
  kUnknown,
  kFloat32,
  kFloat16,
  kBFloat16,
  kFloat64,
  kInt4,
  kInt8,
  kUInt8,
  kInt16,
  kUInt16,
  kInt32,
  kUInt32,
  kInt64,
  kUInt64,
  kBool,
  kString,
  kComplex64,
  kComplex128,
  kResource,
  kVariant
};

// Storage bits of one element (0 where the size is not fixed: strings, resources, unknown).
int DTypeBits(DType t);
const char* DTypeName(DType t);
DType DTypeFromName(const std::string& name);  // inverse of DTypeName; kUnknown otherwise

// Cost-relevant family of an operator, shared by every source format.
enum class OpClass : uint8_t {
  kConv,           // dense convolution (incl. transposed): MACs = out_elems * weight_elems / out_ch
  kDepthwiseConv,  // one filter per channel: same formula, the filter has one input channel
  kFullyConnected,  // FULLY_CONNECTED, Gemm, MatMul, BATCH_MATMUL: MACs = out_elems * K
  kPool,            // MACs = out_elems * window
  kElementwise,     // activations, arithmetic, normalisation: MACs = out_elems
  kReduce,          // MEAN, SUM, global pooling: MACs = in_elems
  kDataMovement,    // reshape, concat, pad, slice, quantize...: no arithmetic, MACs = 0
  kCustom,          // opaque (TFLite CUSTOM ops such as edgetpu-custom-op): MACs unknown = 0
  kOther            // known to exist but without a MAC rule: 0
};
const char* OpClassName(OpClass c);

struct Tensor {
  std::string name;
  std::vector<int64_t> shape;  // -1 marks a dimension that is not known statically
  DType dtype = DType::kUnknown;
  int64_t bytes = 0;           // storage bytes; for constants the bytes stored in the file
  bool is_constant = false;    // parameter (weights, bias) rather than an activation
  int producer = -1;           // operator id; -1 for graph inputs and constants
  std::vector<int> consumers;  // operator ids, ascending, each once
  // Constants the file stores once for several tensors (a TFLite buffer several tensors point
  // at, as converters de-duplicate identical constants) carry the same storage id; -1: its own.
  int storage = -1;

  int64_t NumElements() const;  // -1 when a dimension is unknown
};

struct Operator {
  std::string name;
  std::string type;  // as the source format spells it (CONV_2D, Conv, ...)
  OpClass op_class = OpClass::kOther;
  std::vector<int> inputs;               // tensor ids; -1 = an omitted optional input
  std::vector<int> outputs;              // tensor ids
  std::map<std::string, int64_t> attrs;  // e.g. kernel_h, kernel_w, group, k
  int64_t param_bytes = 0;               // bytes of the constant tensors it reads
  int64_t macs = 0;
  int64_t custom_data_bytes = 0;  // opaque payload of custom ops (Edge TPU executable)
  int64_t output_bytes = 0;       // bytes of its output tensors
  // Position in the source file's operator list (.tflite) or node list (.onnx); -1 when the
  // graph was not read from a model file. Files may hold more operators than the graph: the
  // importers fold operators computed from constants alone into parameters.
  int source_index = -1;
};

class Graph {
 public:
  std::string name;
  std::vector<Tensor> tensors;
  std::vector<Operator> ops;
  std::vector<int> inputs;   // activation tensors fed from outside
  std::vector<int> outputs;  // tensors read after the graph runs

  int num_ops() const { return static_cast<int>(ops.size()); }
  int num_edges() const { return num_edges_; }
  // Operator-level DAG: u -> v when v reads an activation tensor that u produces.
  // Lists are ascending and free of duplicates.
  const std::vector<int>& preds(int op) const { return preds_[op]; }
  const std::vector<int>& succs(int op) const { return succs_[op]; }

  // Bytes of every distinct stored constant: a weight read by two operators counts once, and so
  // does one buffer several tensors share (as the file stores it).
  int64_t TotalParamBytes() const;
  // A constant's storage, named by its first tensor (activations: the tensor itself).
  int StorageOf(int tensor) const {
    return static_cast<size_t>(tensor) < storage_of_.size() ? storage_of_[tensor] : tensor;
  }
  // Is a constant's storage read more than once (by several operators, or through several
  // tensors)? The evaluator then charges it once per stage (cost_model.cpp); otherwise it
  // belongs to its one reader.
  bool StorageShared(int tensor) const;
  // The operators reading a constant's storage, ascending (for a storage's first tensor).
  const std::vector<int>& StorageReaders(int tensor) const;
  int64_t TotalMacs() const;
  int FindOp(const std::string& op_name) const;  // -1 when absent

 private:
  friend class GraphBuilder;
  std::vector<std::vector<int>> preds_, succs_;
  std::vector<int> storage_of_;
  std::vector<char> storage_shared_;
  std::vector<std::vector<int>> storage_readers_;
  int num_edges_ = 0;
};

// Builds a Graph and checks it. Typical use:
//   GraphBuilder b("net");
//   int x = b.AddTensor({"x", {1, 8}, DType::kFloat32});
//   ...
//   Result<Graph> g = std::move(b).Build();
class GraphBuilder {
 public:
  explicit GraphBuilder(std::string name);

  // Adds a tensor; bytes are derived from shape and dtype when left at 0 and computable.
  int AddTensor(Tensor t);
  int AddOp(Operator op);
  // Gives an operator a constant input of `bytes` (for formats that record only a per-node
  // parameter size: GML, RESPECT dumps, synthetic graphs).
  void AddParameter(int op, int64_t bytes);
  void AddInput(int tensor) { graph_.inputs.push_back(tensor); }
  void AddOutput(int tensor) { graph_.outputs.push_back(tensor); }
  int num_tensors() const { return static_cast<int>(graph_.tensors.size()); }
  Tensor& tensor(int id) { return graph_.tensors[id]; }
  const Tensor& tensor(int id) const { return graph_.tensors[id]; }
  Operator& op(int id) { return graph_.ops[id]; }

  // Validates references, single producers and acyclicity; derives the DAG, param bytes and
  // MACs (unless keep_costs: the caller recorded param_bytes/macs itself, as the project's
  // JSON format does).
  Result<Graph> Build(bool keep_costs = false) &&;

 private:
  Graph graph_;
};

// Computes an operator's MACs from its class, attributes and tensor shapes (rules in OpClass).
int64_t ComputeMacs(const Graph& g, const Operator& op);

}  // namespace respect
