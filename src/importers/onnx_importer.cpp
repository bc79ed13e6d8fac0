// .onnx importer through libonnx: parse, infer shapes (with data propagation, so shapes computed
// from constants resolve), check, then turn nodes into operators. Weights that a model computes
// from constants (Constant and ConstantOfShape nodes not fed by graph inputs, as the ONNX
// "light" model-zoo files do, and any deterministic node whose inputs are all constants) are
// folded into parameters, exactly like initializers.
#include <fmt/format.h>
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <algorithm>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "core/file_io.h"
#include "importers/importers.h"
#include "importers/onnx_shapes.h"
#include "importers/tflite_ops.h"

namespace respect {
namespace {

DType ToDType(int32_t t) {
  using TP = onnx::TensorProto;
  switch (t) {
    case TP::FLOAT:
      return DType::kFloat32;
    case TP::UINT8:
      return DType::kUInt8;
    case TP::INT8:
      return DType::kInt8;
    case TP::UINT16:
      return DType::kUInt16;
    case TP::INT16:
      return DType::kInt16;
    case TP::INT32:
      return DType::kInt32;
    case TP::INT64:
      return DType::kInt64;
    case TP::STRING:
      return DType::kString;
    case TP::BOOL:
      return DType::kBool;
    case TP::FLOAT16:
      return DType::kFloat16;
    case TP::DOUBLE:
      return DType::kFloat64;
    case TP::UINT32:
      return DType::kUInt32;
    case TP::UINT64:
      return DType::kUInt64;
    case TP::COMPLEX64:
      return DType::kComplex64;
    case TP::COMPLEX128:
      return DType::kComplex128;
    case TP::BFLOAT16:
      return DType::kBFloat16;
    default:
      return DType::kUnknown;
  }
}

struct TensorInfo {
  std::vector<int64_t> shape;
  DType dtype = DType::kUnknown;
  bool known = false;
};

TensorInfo FromTypeProto(const onnx::TypeProto& type) {
  TensorInfo info;
  if (!type.has_tensor_type()) return info;
  const auto& tt = type.tensor_type();
  info.dtype = ToDType(tt.elem_type());
  if (!tt.has_shape()) return info;
  info.known = true;
  for (const auto& d : tt.shape().dim()) {
    // A symbolic dimension (the batch "N") is taken as 1: respect schedules single inferences.
    if (d.has_dim_value())
      info.shape.push_back(d.dim_value());
    else if (d.has_dim_param())
      info.shape.push_back(1);
    else
      info.shape.push_back(-1);
  }
  return info;
}

int64_t TensorProtoBytes(const onnx::TensorProto& t) {
  int64_t elems = 1;
  for (int64_t d : t.dims()) {
    if (d < 0 || (d > 0 && elems > (int64_t{1} << 50) / d)) return -1;
    elems *= d;
  }
  if (!t.raw_data().empty()) return static_cast<int64_t>(t.raw_data().size());
  const int bits = DTypeBits(ToDType(t.data_type()));
  return bits > 0 ? (elems * bits + 7) / 8 : 0;
}

const onnx::AttributeProto* FindAttr(const onnx::NodeProto& n, const char* name) {
  for (const auto& a : n.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

Result<Graph> Convert(const std::string& name, onnx::ModelProto& model) {
  auto fail = [&](const std::string& what) { return Error{fmt::format("{}: {}", name, what)}; };
  const onnx::GraphProto& graph = model.graph();
  if (graph.node_size() == 0) return fail("ONNX graph has no nodes");

  std::unordered_map<std::string, TensorInfo> infos;
  for (const auto* list : {&graph.input(), &graph.output(), &graph.value_info()})
    for (const auto& vi : *list) infos[vi.name()] = FromTypeProto(vi.type());

  GraphBuilder b(graph.name().empty() ? FileStem(name) : graph.name());
  std::unordered_map<std::string, int> tensor_ids;
  auto tensor_id = [&](const std::string& tname) {
    auto it = tensor_ids.find(tname);
    if (it != tensor_ids.end()) return it->second;
    Tensor t;
    t.name = tname;
    if (auto inf = infos.find(tname); inf != infos.end()) {
      t.dtype = inf->second.dtype;
      if (inf->second.known) t.shape = inf->second.shape;
    }
    int id = b.AddTensor(std::move(t));
    tensor_ids[tname] = id;
    return id;
  };

  // Constants: initializers, then Constant / ConstantOfShape outputs computed from constants.
  std::unordered_map<std::string, const onnx::TensorProto*> constant_values;
  for (const auto& init : graph.initializer()) {
    int id = tensor_id(init.name());
    Tensor& t = b.tensor(id);
    t.is_constant = true;
    t.dtype = ToDType(init.data_type());
    t.shape.assign(init.dims().begin(), init.dims().end());
    t.bytes = TensorProtoBytes(init);
    if (t.bytes < 0) return fail(fmt::format("initializer '{}' has an invalid shape", init.name()));
    constant_values[init.name()] = &init;
  }
  std::unordered_set<int> folded_nodes;
  for (int i = 0; i < graph.node_size(); ++i) {
    const auto& node = graph.node(i);
    const bool is_const = node.op_type() == "Constant";
    const bool is_fill = node.op_type() == "ConstantOfShape";
    if (!(is_const || is_fill) || node.output_size() != 1) continue;
    if (is_fill && (node.input_size() != 1 || !constant_values.count(node.input(0)))) continue;
    int id = tensor_id(node.output(0));
    Tensor& t = b.tensor(id);
    if (is_const) {
      const auto* value = FindAttr(node, "value");
      if (value && value->has_t()) {
        t.dtype = ToDType(value->t().data_type());
        t.shape.assign(value->t().dims().begin(), value->t().dims().end());
        t.bytes = TensorProtoBytes(value->t());
        constant_values[node.output(0)] = &value->t();
      }
    } else {
      const auto* value = FindAttr(node, "value");
      t.dtype = value && value->has_t() ? ToDType(value->t().data_type()) : DType::kFloat32;
      std::vector<int64_t> dims =
          SmallIntValues(*constant_values[node.input(0)]).value_or(std::vector<int64_t>{});
      if (!dims.empty() || t.shape.empty()) t.shape = dims;
    }
    if (t.bytes == 0) {
      const int64_t elems = t.NumElements();
      if (elems < 0) return fail(fmt::format("constant '{}' has an invalid shape", t.name));
      t.bytes = (elems * DTypeBits(t.dtype) + 7) / 8;
    }
    t.is_constant = true;
    folded_nodes.insert(i);
  }

  // Nodes computed from constants alone (the Unsqueeze of a batch norm's scale, a Reshape of a
  // weight) are folded too, as a converter's constant folding does before a model reaches the
  // TPU: their outputs become parameters. Only deterministic nodes with at least one input, whose
  // outputs have a static size and are not graph outputs; nodes come in topological order, so a
  // chain folds whole.
  std::unordered_set<std::string> graph_outputs;
  for (const auto& out : graph.output()) graph_outputs.insert(out.name());
  for (int i = 0; i < graph.node_size(); ++i) {
    if (folded_nodes.count(i)) continue;
    const auto& node = graph.node(i);
    const std::string& type = node.op_type();
    if (node.input_size() == 0 || type.rfind("Random", 0) == 0 || type == "Bernoulli" ||
        type == "Multinomial" || !node.domain().empty())
      continue;
    bool from_constants = true;
    for (const auto& in : node.input())
      if (!in.empty()) {
        auto it = tensor_ids.find(in);
        from_constants &= it != tensor_ids.end() && b.tensor(it->second).is_constant;
      }
    if (!from_constants) continue;
    bool sized = node.output_size() > 0;
    for (const auto& out : node.output()) {
      if (out.empty()) continue;
      auto inf = infos.find(out);
      if (graph_outputs.count(out) || inf == infos.end() || !inf->second.known) {
        sized = false;
        break;
      }
      const Tensor& t = b.tensor(tensor_id(out));  // typed and shaped from `infos`
      sized &= t.NumElements() >= 0 && DTypeBits(t.dtype) > 0;
    }
    if (!sized) continue;
    for (const auto& out : node.output()) {
      if (out.empty()) continue;
      Tensor& t = b.tensor(tensor_id(out));
      t.is_constant = true;
      t.bytes = (t.NumElements() * DTypeBits(t.dtype) + 7) / 8;
    }
    folded_nodes.insert(i);
  }

  for (const auto& in : graph.input())
    if (!b.tensor(tensor_id(in.name())).is_constant) b.AddInput(tensor_id(in.name()));
  for (const auto& out : graph.output()) b.AddOutput(tensor_id(out.name()));

  std::unordered_map<std::string, int> name_uses;
  for (int i = 0; i < graph.node_size(); ++i) {
    if (folded_nodes.count(i)) continue;
    const auto& node = graph.node(i);
    Operator op;
    op.type = node.op_type();
    op.source_index = i;
    op.op_class = ClassifyOpType(op.type);
    std::string base = !node.name().empty() ? node.name()
                       : node.output_size() > 0 && !node.output(0).empty()
                           ? node.output(0)
                           : fmt::format("{}_{}", op.type, i);
    const int uses = name_uses[base]++;
    op.name = uses == 0 ? base : fmt::format("{}#{}", base, uses);
    for (const auto& in : node.input()) op.inputs.push_back(in.empty() ? -1 : tensor_id(in));
    for (const auto& out : node.output())
      if (!out.empty()) op.outputs.push_back(tensor_id(out));
    if (op.outputs.empty()) return fail(fmt::format("node '{}' has no output", op.name));

    auto input_shape = [&](size_t k) -> const std::vector<int64_t>* {
      if (k >= op.inputs.size() || op.inputs[k] < 0) return nullptr;
      return &b.tensor(op.inputs[k]).shape;
    };
    if (op.type == "Conv") {
      op.attrs = {{"weight_input", 1}, {"weight_channel_axis", 0}};
      if (const auto* w = input_shape(1); w && w->size() == 4 && w->at(1) == 1 &&
                                          FindAttr(node, "group") &&
                                          FindAttr(node, "group")->i() > 1)
        op.op_class = OpClass::kDepthwiseConv;
    } else if (op.type == "ConvTranspose") {
      // weight [in_ch, out_ch / group, kh, kw]: each input element feeds weight_elems / in_ch.
      op.attrs = {
          {"weight_input", 1}, {"weight_channel_axis", 0}, {"transposed", 1}, {"data_input", 0}};
    } else if (op.type == "Gemm") {
      const auto* ta = FindAttr(node, "transA");
      if (const auto* a = input_shape(0); a && a->size() == 2)
        op.attrs["k"] = (ta && ta->i()) ? a->at(0) : a->at(1);
    } else if (op.type == "MatMul") {
      if (const auto* a = input_shape(0); a && !a->empty()) op.attrs["k"] = a->back();
    } else if (op.op_class == OpClass::kPool) {
      if (const auto* ks = FindAttr(node, "kernel_shape"); ks && ks->ints_size() >= 1) {
        double rest = 1;  // in double: corrupt attributes must not overflow
        for (int k = 1; k < ks->ints_size(); ++k) rest *= static_cast<double>(ks->ints(k));
        op.attrs["kernel_h"] = ks->ints(0);
        op.attrs["kernel_w"] = static_cast<int64_t>(std::clamp(rest, -1.0, 1e12));
      }
    }
    b.AddOp(std::move(op));
  }
  auto g = std::move(b).Build();
  if (!g) return fail(g.error().message);
  return g;
}

}  // namespace

Result<Graph> ImportOnnxBuffer(const std::string& name, const std::string& bytes) {
  onnx::ModelProto model;
  if (bytes.empty() || !model.ParseFromString(bytes))
    return Error{fmt::format("{}: not a valid ONNX model (protobuf parse failed)", name)};
  if (!model.has_graph()) return Error{fmt::format("{}: ONNX model has no graph", name)};
  // libonnx reports problems by exception; they stop here, as one-line errors.
  try {
    InferOnnxShapes(model);
  } catch (const std::exception& e) {
    return Error{fmt::format("{}: ONNX shape inference failed: {}", name, e.what())};
  }
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    std::string what = e.what();
    if (auto nl = what.find('\n'); nl != std::string::npos) what.resize(nl);
    return Error{fmt::format("{}: ONNX checker rejected the model: {}", name, what)};
  }
  return Convert(name, model);
}

Result<Graph> ImportOnnx(const std::string& path) {
  auto bytes = ReadFileBytes(path, 2ull << 30);
  if (!bytes) return bytes.error();
  return ImportOnnxBuffer(path, *bytes);
}

}  // namespace respect
