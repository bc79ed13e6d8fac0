#include "core/graph.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>
#include <queue>
#include <set>

namespace respect {
namespace {

struct DTypeInfo {
  DType type;
  const char* name;
  int bits;
};

constexpr DTypeInfo kDTypes[] = {
    {DType::kUnknown, "unknown", 0},
    {DType::kFloat32, "float32", 32},
    {DType::kFloat16, "float16", 16},
    {DType::kBFloat16, "bfloat16", 16},
    {DType::kFloat64, "float64", 64},
    {DType::kInt4, "int4", 4},
    {DType::kInt8, "int8", 8},
    {DType::kUInt8, "uint8", 8},
    {DType::kInt16, "int16", 16},
    {DType::kUInt16, "uint16", 16},
    {DType::kInt32, "int32", 32},
    {DType::kUInt32, "uint32", 32},
    {DType::kInt64, "int64", 64},
    {DType::kUInt64, "uint64", 64},
    {DType::kBool, "bool", 8},
    {DType::kString, "string", 0},
    {DType::kComplex64, "complex64", 64},
    {DType::kComplex128, "complex128", 128},
    {DType::kResource, "resource", 0},
    {DType::kVariant, "variant", 0},
};

// Plausibility limits. Real tensors are far smaller (the largest weights of today's models are
// ~2^31 elements) and real operators far cheaper (~2^40 MACs); anything beyond comes from a
// corrupt file, and keeping sums of these well inside int64 means no arithmetic can overflow.
constexpr int64_t kMaxTensorElements = int64_t{1} << 40;
constexpr int64_t kMaxTensorBytes = int64_t{1} << 44;
constexpr int64_t kMaxOpMacs = int64_t{1} << 50;

// Elements of a shape, or -1 if a dimension is unknown or the product is implausibly large.
int64_t CheckedElements(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) return -1;
    if (d != 0 && n > kMaxTensorElements / d) return -1;
    n *= d;
  }
  return n;
}

// a * b, or kMaxOpMacs + 1 when the product exceeds kMaxOpMacs (Build then rejects it).
int64_t CappedProduct(int64_t a, int64_t b) {
  if (a <= 0 || b <= 0) return 0;
  return a > kMaxOpMacs / b ? kMaxOpMacs + 1 : a * b;
}

const Tensor* InputTensor(const Graph& g, const Operator& op, size_t i) {
  if (i >= op.inputs.size() || op.inputs[i] < 0) return nullptr;
  return &g.tensors[op.inputs[i]];
}

int64_t Attr(const Operator& op, const char* key, int64_t fallback) {
  auto it = op.attrs.find(key);
  return it == op.attrs.end() ? fallback : it->second;
}

}  // namespace

int DTypeBits(DType t) {
  for (const auto& d : kDTypes)
    if (d.type == t) return d.bits;
  return 0;
}

const char* DTypeName(DType t) {
  for (const auto& d : kDTypes)
    if (d.type == t) return d.name;
  return "unknown";
}

DType DTypeFromName(const std::string& name) {
  for (const auto& d : kDTypes)
    if (name == d.name) return d.type;
  return DType::kUnknown;
}

const char* OpClassName(OpClass c) {
  switch (c) {
    case OpClass::kConv:
      return "conv";
    case OpClass::kDepthwiseConv:
      return "depthwise_conv";
    case OpClass::kFullyConnected:
      return "fully_connected";
    case OpClass::kPool:
      return "pool";
    case OpClass::kElementwise:
      return "elementwise";
    case OpClass::kReduce:
      return "reduce";
    case OpClass::kDataMovement:
      return "data_movement";
    case OpClass::kCustom:
      return "custom";
    case OpClass::kOther:
      return "other";
  }
  return "other";
}

int64_t Tensor::NumElements() const { return CheckedElements(shape); }

int64_t Graph::TotalParamBytes() const {
  int64_t total = 0;
  for (size_t t = 0; t < tensors.size(); ++t)
    if (tensors[t].is_constant && StorageOf(static_cast<int>(t)) == static_cast<int>(t) &&
        !StorageReaders(static_cast<int>(t)).empty())
      total += tensors[t].bytes;
  return total;
}

// Graphs not made by GraphBuilder::Build have no storage tables: each constant is its own.
bool Graph::StorageShared(int tensor) const {
  if (static_cast<size_t>(tensor) >= storage_shared_.size())
    return tensors[tensor].consumers.size() > 1;
  return storage_shared_[storage_of_[tensor]] != 0;
}

const std::vector<int>& Graph::StorageReaders(int tensor) const {
  if (static_cast<size_t>(tensor) >= storage_readers_.size()) return tensors[tensor].consumers;
  return storage_readers_[storage_of_[tensor]];
}

int64_t Graph::TotalMacs() const {
  int64_t total = 0;
  for (const Operator& op : ops) total += op.macs;
  return total;
}

int Graph::FindOp(const std::string& op_name) const {
  for (int i = 0; i < num_ops(); ++i)
    if (ops[i].name == op_name) return i;
  return -1;
}

int64_t ComputeMacs(const Graph& g, const Operator& op) {
  // Importers that know better (recurrent cells, opaque ops with a known cost) say so directly.
  if (auto it = op.attrs.find("macs"); it != op.attrs.end()) return it->second;
  if (op.outputs.empty() || op.outputs[0] < 0) return 0;
  const int64_t out_elems = g.tensors[op.outputs[0]].NumElements();
  const Tensor* in0 = InputTensor(g, op, 0);
  const int64_t in_elems = in0 ? in0->NumElements() : -1;
  switch (op.op_class) {
    case OpClass::kConv:
    case OpClass::kDepthwiseConv: {
      // The importer names the weight input and the axis of the weight that indexes output
      // channels (TFLite conv: 0, TFLite depthwise: 3, ONNX: 0). Each output element then costs
      // weight_elems / out_channels MACs. A transposed conv scatters every input element over
      // weight_elems / in_channels outputs instead.
      const Tensor* w = InputTensor(g, op, static_cast<size_t>(Attr(op, "weight_input", 1)));
      if (!w) return 0;
      const int64_t w_elems = w->NumElements();
      const int64_t axis = Attr(op, "weight_channel_axis", 0);
      if (w_elems <= 0 || axis < 0 || axis >= static_cast<int64_t>(w->shape.size())) return 0;
      const int64_t ch = w->shape[axis];
      if (ch <= 0) return 0;
      int64_t base = out_elems;
      if (Attr(op, "transposed", 0)) {
        const Tensor* data = InputTensor(g, op, static_cast<size_t>(Attr(op, "data_input", 0)));
        base = data ? data->NumElements() : -1;
      }
      return CappedProduct(base, w_elems / ch);
    }
    case OpClass::kFullyConnected: {
      const int64_t k = Attr(op, "k", -1);
      return CappedProduct(out_elems, k);
    }
    case OpClass::kPool: {
      const int64_t window = CappedProduct(Attr(op, "kernel_h", 0), Attr(op, "kernel_w", 0));
      if (window > 0) return CappedProduct(out_elems, window);
      return in_elems > 0 ? in_elems : 0;  // global pooling reads each input once
    }
    case OpClass::kElementwise:
      return out_elems > 0 ? out_elems : 0;
    case OpClass::kReduce:
      return in_elems > 0 ? in_elems : 0;
    default:
      return 0;
  }
}

GraphBuilder::GraphBuilder(std::string name) { graph_.name = std::move(name); }

int GraphBuilder::AddTensor(Tensor t) {
  graph_.tensors.push_back(std::move(t));
  return static_cast<int>(graph_.tensors.size()) - 1;
}

int GraphBuilder::AddOp(Operator op) {
  graph_.ops.push_back(std::move(op));
  return static_cast<int>(graph_.ops.size()) - 1;
}

void GraphBuilder::AddParameter(int op, int64_t bytes) {
  if (bytes == 0) return;
  Tensor t;
  t.name = graph_.ops[op].name + "/params";
  t.bytes = bytes;
  t.is_constant = true;
  graph_.ops[op].inputs.push_back(AddTensor(std::move(t)));
}

Result<Graph> GraphBuilder::Build(bool keep_costs) && {
  Graph& g = graph_;
  const int num_tensors = static_cast<int>(g.tensors.size());
  const int n = g.num_ops();
  if (n == 0) return Error{"graph has no operators"};

  auto bad_tensor = [&](int t) { return t < 0 || t >= num_tensors; };
  for (int t : g.inputs)
    if (bad_tensor(t)) return Error{fmt::format("graph input refers to missing tensor {}", t)};
  for (int t : g.outputs)
    if (bad_tensor(t)) return Error{fmt::format("graph output refers to missing tensor {}", t)};

  for (Tensor& t : g.tensors) {
    t.producer = -1;
    t.consumers.clear();
    for (int64_t d : t.shape) {
      if (d < -1) return Error{fmt::format("tensor '{}' has invalid dimension {}", t.name, d)};
    }
    const int64_t elems = t.NumElements();
    if (elems < 0 && std::none_of(t.shape.begin(), t.shape.end(), [](int64_t d) { return d < 0; }))
      return Error{fmt::format("tensor '{}' has an implausibly large shape", t.name)};
    if (t.bytes == 0 && elems > 0 && DTypeBits(t.dtype) > 0)
      t.bytes = (elems * DTypeBits(t.dtype) + 7) / 8;
    if (t.bytes < 0) return Error{fmt::format("tensor '{}' has negative size", t.name)};
    if (t.bytes > kMaxTensorBytes)
      return Error{fmt::format("tensor '{}' has an implausible size of {} bytes", t.name, t.bytes)};
  }

  for (int v = 0; v < n; ++v) {
    Operator& op = g.ops[v];
    for (int t : op.inputs) {
      if (t == -1) continue;
      if (bad_tensor(t))
        return Error{fmt::format("operator '{}' reads missing tensor {}", op.name, t)};
    }
    for (int t : op.outputs) {
      if (bad_tensor(t))
        return Error{fmt::format("operator '{}' writes missing tensor {}", op.name, t)};
      Tensor& out = g.tensors[t];
      if (out.producer != -1)
        return Error{fmt::format("tensor '{}' is written by both '{}' and '{}'", out.name,
                                 g.ops[out.producer].name, op.name)};
      if (out.is_constant)
        return Error{fmt::format("operator '{}' writes constant tensor '{}'", op.name, out.name)};
      out.producer = v;
    }
  }
  for (int t : g.inputs)
    if (g.tensors[t].producer != -1)
      return Error{fmt::format("graph input '{}' is also produced by operator '{}'",
                               g.tensors[t].name, g.ops[g.tensors[t].producer].name)};

  g.preds_.assign(n, {});
  g.succs_.assign(n, {});
  for (int v = 0; v < n; ++v) {
    std::set<int> seen, pred_set;
    for (int t : g.ops[v].inputs) {
      if (t < 0 || !seen.insert(t).second) continue;
      Tensor& in = g.tensors[t];
      in.consumers.push_back(v);
      if (in.is_constant) continue;
      if (in.NumElements() == 0)
        return Error{
            fmt::format("tensor '{}' read by '{}' has a zero-sized shape", in.name, g.ops[v].name)};
      if (in.producer == v)
        return Error{
            fmt::format("operator '{}' reads its own output '{}' (cycle)", g.ops[v].name, in.name)};
      if (in.producer >= 0) pred_set.insert(in.producer);
    }
    g.preds_[v].assign(pred_set.begin(), pred_set.end());
  }
  // Constant storage: tensors naming the same storage id share the first one's.
  const int nt = static_cast<int>(g.tensors.size());
  g.storage_of_.resize(nt);
  g.storage_shared_.assign(nt, 0);
  g.storage_readers_.assign(nt, {});
  std::map<int, int> first_of_storage;
  std::vector<int> pairs(nt, 0);
  for (int t = 0; t < nt; ++t) {
    const Tensor& x = g.tensors[t];
    g.storage_of_[t] = t;
    if (x.is_constant && x.storage >= 0)
      g.storage_of_[t] = first_of_storage.emplace(x.storage, t).first->second;
    if (!x.is_constant) continue;
    const int s = g.storage_of_[t];
    if (g.tensors[s].bytes != x.bytes)
      return Error{fmt::format("constants '{}' and '{}' share stored data of different sizes",
                               g.tensors[s].name, x.name)};
    pairs[s] += static_cast<int>(x.consumers.size());
    auto& r = g.storage_readers_[s];
    r.insert(r.end(), x.consumers.begin(), x.consumers.end());
  }
  for (int t = 0; t < nt; ++t) {
    auto& r = g.storage_readers_[t];
    std::sort(r.begin(), r.end());
    r.erase(std::unique(r.begin(), r.end()), r.end());
    g.storage_shared_[t] = pairs[t] > 1;
  }
  g.num_edges_ = 0;
  for (int v = 0; v < n; ++v) {
    for (int u : g.preds_[v]) g.succs_[u].push_back(v);
    g.num_edges_ += static_cast<int>(g.preds_[v].size());
  }
  for (auto& s : g.succs_) std::sort(s.begin(), s.end());

  // Acyclicity (Kahn). On failure name one operator that lies on or behind a cycle.
  std::vector<int> indeg(n);
  std::queue<int> ready;
  for (int v = 0; v < n; ++v)
    if ((indeg[v] = static_cast<int>(g.preds_[v].size())) == 0) ready.push(v);
  int visited = 0;
  while (!ready.empty()) {
    int u = ready.front();
    ready.pop();
    ++visited;
    for (int v : g.succs_[u])
      if (--indeg[v] == 0) ready.push(v);
  }
  if (visited != n) {
    int stuck = 0;
    while (indeg[stuck] == 0) ++stuck;
    return Error{fmt::format("graph has a cycle through operator '{}'", g.ops[stuck].name)};
  }

  for (Operator& op : g.ops) {
    op.output_bytes = 0;
    for (int t : op.outputs) op.output_bytes += g.tensors[t].bytes;
    if (!keep_costs) {
      std::set<int> constants;
      for (int t : op.inputs)
        if (t >= 0 && g.tensors[t].is_constant) constants.insert(t);
      op.param_bytes = 0;
      for (int t : constants) op.param_bytes += g.tensors[t].bytes;
      op.macs = ComputeMacs(g, op);
    }
    if (op.macs > kMaxOpMacs || op.macs < 0 || op.param_bytes > kMaxTensorBytes ||
        op.param_bytes < 0)
      return Error{fmt::format("operator '{}' has an implausible cost (corrupt shapes?)", op.name)};
  }
  return std::move(g);
}

}  // namespace respect
