#include "exporters/onnx_segment.h"

#include <fmt/format.h>
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <set>
#include <unordered_map>

#include "importers/onnx_shapes.h"

namespace respect {

struct OnnxSegmenter::Impl {
  onnx::ModelProto model;
  const Graph* g = nullptr;
  std::vector<int> op_node;                            // graph operator -> node index
  std::vector<char> folded;                            // node not an operator (a folded constant)
  std::unordered_map<std::string, int> producer_node;  // value name -> node index
  std::unordered_map<std::string, int> initializer;    // name -> index
  std::unordered_map<std::string, onnx::ValueInfoProto> info;  // declared or inferred types
  std::set<std::string> initializer_inputs;  // initializers also listed as graph inputs
};

OnnxSegmenter::OnnxSegmenter() : impl_(std::make_unique<Impl>()) {}
OnnxSegmenter::~OnnxSegmenter() = default;

Result<std::unique_ptr<OnnxSegmenter>> OnnxSegmenter::Create(const std::string& bytes,
                                                             const Graph& g) {
  std::unique_ptr<OnnxSegmenter> s(new OnnxSegmenter());
  Impl& m = *s->impl_;
  m.g = &g;
  if (!m.model.ParseFromString(bytes) || !m.model.has_graph()) return Error{"not an ONNX model"};
  const onnx::GraphProto& graph = m.model.graph();
  for (const auto& sp : graph.sparse_initializer())
    return Error{
        fmt::format("sparse initializer '{}': models with sparse initializers cannot be cut yet",
                    sp.values().name())};
  for (int i = 0; i < graph.node_size(); ++i) {
    for (const auto& o : graph.node(i).output())
      if (!o.empty()) m.producer_node.emplace(o, i);
    for (const auto& a : graph.node(i).attribute())
      if (a.has_g() || a.graphs_size() > 0)
        return Error{fmt::format(
            "node '{}' ({}) has a subgraph: control flow cannot be cut into segments yet",
            graph.node(i).name(), graph.node(i).op_type())};
  }
  for (int i = 0; i < graph.initializer_size(); ++i)
    m.initializer.emplace(graph.initializer(i).name(), i);
  for (const auto& in : graph.input())
    if (m.initializer.count(in.name())) m.initializer_inputs.insert(in.name());
  m.folded.assign(graph.node_size(), 1);
  m.op_node.resize(g.num_ops());
  for (int v = 0; v < g.num_ops(); ++v) {
    auto it = m.producer_node.find(g.tensors[g.ops[v].outputs[0]].name);
    if (it == m.producer_node.end())
      return Error{fmt::format("no node produces '{}'", g.ops[v].name)};
    m.op_node[v] = it->second;
    m.folded[it->second] = 0;
  }
  // Types of every value: the declarations, then what shape inference adds.
  onnx::ModelProto inferred = m.model;
  try {
    InferOnnxShapes(inferred);
  } catch (const std::exception& e) {
    return Error{fmt::format("ONNX shape inference failed on the model: {}", e.what())};
  }
  for (const auto* list : {&inferred.graph().value_info(), &graph.output(), &graph.input()})
    for (const auto& vi : *list) m.info[vi.name()] = vi;
  return s;
}

Result<std::string> OnnxSegmenter::SegmentBytes(const SegmentPlan& seg, int index) const {
  const Impl& m = *impl_;
  const Graph& g = *m.g;
  const onnx::GraphProto& graph = m.model.graph();
  onnx::ModelProto out = m.model;
  out.clear_graph();
  onnx::GraphProto* og = out.mutable_graph();
  og->set_name(fmt::format("{}_segment_{}", graph.name().empty() ? g.name : graph.name(), index));
  if (!graph.doc_string().empty()) og->set_doc_string(graph.doc_string());
  // The folded constant nodes and the initializers the segment's nodes read, transitively.
  std::vector<char> node_in(graph.node_size(), 0), init_in(graph.initializer_size(), 0);
  std::vector<std::string> work;
  for (int v : seg.ops)
    for (const auto& in : graph.node(m.op_node[v]).input()) work.push_back(in);
  while (!work.empty()) {
    const std::string name = work.back();
    work.pop_back();
    if (name.empty()) continue;
    if (auto it = m.initializer.find(name); it != m.initializer.end()) {
      init_in[it->second] = 1;
      continue;
    }
    auto p = m.producer_node.find(name);
    if (p == m.producer_node.end() || !m.folded[p->second] || node_in[p->second]) continue;
    node_in[p->second] = 1;
    for (const auto& in : graph.node(p->second).input()) work.push_back(in);
  }
  for (int i = 0; i < graph.node_size(); ++i)
    if (node_in[i]) *og->add_node() = graph.node(i);
  for (int v : seg.ops) *og->add_node() = graph.node(m.op_node[v]);
  for (int i = 0; i < graph.initializer_size(); ++i)
    if (init_in[i]) *og->add_initializer() = graph.initializer(i);
  auto value_info = [&](int t) -> Result<onnx::ValueInfoProto> {
    const std::string& name = g.tensors[t].name;
    auto it = m.info.find(name);
    if (it == m.info.end() || !it->second.has_type())
      return Error{fmt::format(
          "no type is known for '{}' (declare it in value_info or make it inferable)", name)};
    onnx::ValueInfoProto vi = it->second;
    // A segment's inputs and outputs need a shape; where inference left none, the importer's.
    if (vi.type().has_tensor_type() && !vi.type().tensor_type().has_shape()) {
      const Tensor& ten = g.tensors[t];
      if (ten.shape.empty())
        return Error{fmt::format(
            "the stage boundary crosses '{}', whose shape is not static (it depends on "
            "data) and which ONNX segment inputs and outputs must declare: cut elsewhere",
            name)};
      auto* shape = vi.mutable_type()->mutable_tensor_type()->mutable_shape();
      for (int64_t d : ten.shape) {
        auto* dim = shape->add_dim();
        if (d >= 0) dim->set_dim_value(d);
      }
    }
    return vi;
  };
  for (int t : seg.inputs) {
    auto vi = value_info(t);
    if (!vi) return vi.error();
    *og->add_input() = *vi;
  }
  // Models of IR version < 4 list initializers among the inputs too: keep that for the ones
  // carried.
  for (int i = 0; i < graph.initializer_size(); ++i)
    if (init_in[i] && m.initializer_inputs.count(graph.initializer(i).name())) {
      auto it = m.info.find(graph.initializer(i).name());
      if (it != m.info.end()) *og->add_input() = it->second;
    }
  for (int t : seg.outputs) {
    auto vi = value_info(t);
    if (!vi) return vi.error();
    *og->add_output() = *vi;
  }
  // The types of the segment's inner values as the whole model's inference found them (a segment
  // alone may lose what was inferred from operators in other segments).
  std::set<std::string> boundary;
  for (const auto& v : og->input()) boundary.insert(v.name());
  for (const auto& v : og->output()) boundary.insert(v.name());
  for (const auto& node : og->node())
    for (const auto& o : node.output())
      if (!o.empty() && !boundary.count(o))
        if (auto it = m.info.find(o); it != m.info.end() && it->second.has_type())
          *og->add_value_info() = it->second;
  std::string bytes;
  if (!out.SerializeToString(&bytes)) return Error{"could not serialise an ONNX segment"};
  return bytes;
}

Status CheckOnnxModel(const std::string& bytes) {
  onnx::ModelProto model;
  if (!model.ParseFromString(bytes)) return Error{"not an ONNX model"};
  try {
    onnx::checker::check_model(model);
    onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(),
                                       onnx::ShapeInferenceOptions(true, 1));
  } catch (const std::exception& e) {
    std::string what = e.what();
    for (char& c : what)
      if (c == '\n') c = ' ';
    return Error{"ONNX checker: " + what};
  }
  return {};
}

}  // namespace respect
