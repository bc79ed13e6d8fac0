#include "exporters/reorder.h"

#include <flatbuffers/flatbuffers.h>
#include <fmt/format.h>
#include <onnx/onnx_pb.h>

#include <cstring>
#include <filesystem>
#include <unordered_map>

#include "core/analysis.h"
#include "core/file_io.h"
#include "exporters/tflite_segment.h"
#include "tflite_subset_generated.h"

namespace respect {

namespace {

std::string Ext(const std::string& path) {
  return std::filesystem::path(path).extension().string();
}

Status ReorderTflite(const std::string& in_path, const Graph& g, const std::vector<int>& order,
                     const std::string& out_path) {
  auto bytes = ReadFileBytes(in_path);
  if (!bytes) return bytes.error();
  std::string out = *bytes;
  const auto* data = reinterpret_cast<const uint8_t*>(bytes->data());
  flatbuffers::Verifier verifier(data, bytes->size());
  if (!tflite_subset::VerifyModelBuffer(verifier))
    return Error{fmt::format("{}: corrupt TFLite file", in_path)};
  const auto* model = tflite_subset::GetModel(data);
  if (!model->subgraphs() || model->subgraphs()->size() == 0)
    return Error{fmt::format("{}: no subgraph", in_path)};
  const auto* ops = model->subgraphs()->Get(0)->operators();
  const int nf = ops ? static_cast<int>(ops->size()) : 0;
  // The file's operators in their new order: those the importer folded into constants first (in
  // their order: they read constants alone), then the graph's in `order`.
  auto graph_op_of = GraphOpsOfTfliteFile(g, nf);
  if (!graph_op_of)
    return Error{fmt::format("{}: the file's operators do not match the graph", in_path)};
  std::vector<int> file_order;
  for (int f = 0; f < nf; ++f)
    if ((*graph_op_of)[f] < 0) file_order.push_back(f);
  for (int v : order) file_order.push_back(g.ops[v].source_index);
  // Slot i sits at file position base + 4 i and holds the distance to its operator table.
  const size_t base = static_cast<size_t>(reinterpret_cast<const uint8_t*>(ops->Data()) - data);
  std::vector<uint64_t> target(nf);
  for (int i = 0; i < nf; ++i) {
    uint32_t rel = 0;
    std::memcpy(&rel, data + base + 4 * static_cast<size_t>(i), 4);
    rel = flatbuffers::EndianScalar(rel);
    target[i] = base + 4 * static_cast<uint64_t>(i) + rel;
  }
  for (int i = 0; i < nf; ++i) {
    const uint64_t slot = base + 4 * static_cast<uint64_t>(i);
    const uint64_t to = target[file_order[i]];
    // Offsets are unsigned: every table lies after the vector that points at it.
    if (to <= slot)
      return Error{
          fmt::format("{}: unexpected operator layout (a table before its vector)", in_path)};
    const uint32_t rel = flatbuffers::EndianScalar(static_cast<uint32_t>(to - slot));
    std::memcpy(&out[slot], &rel, 4);
  }
  flatbuffers::Verifier check(reinterpret_cast<const uint8_t*>(out.data()), out.size());
  if (!tflite_subset::VerifyModelBuffer(check))
    return Error{"the reordered TFLite file failed verification"};
  return WriteFileAtomic(out_path, out);
}

Status ReorderOnnx(const std::string& in_path, const Graph& g, const std::vector<int>& order,
                   const std::string& out_path) {
  auto bytes = ReadFileBytes(in_path);
  if (!bytes) return bytes.error();
  onnx::ModelProto model;
  if (!model.ParseFromString(*bytes) || !model.has_graph())
    return Error{fmt::format("{}: not an ONNX model", in_path)};
  auto* nodes = model.mutable_graph()->mutable_node();
  // Each operator is the node that produces its first output (ONNX values are assigned once).
  std::unordered_map<std::string, int> node_of;
  for (int i = 0; i < nodes->size(); ++i)
    for (const auto& o : nodes->Get(i).output())
      if (!o.empty()) node_of.emplace(o, i);
  std::vector<char> placed(nodes->size(), 0);
  std::vector<int> op_node(g.num_ops());
  for (int v = 0; v < g.num_ops(); ++v) {
    auto it = node_of.find(g.tensors[g.ops[v].outputs[0]].name);
    if (it == node_of.end())
      return Error{fmt::format("{}: no node produces '{}'", in_path, g.ops[v].name)};
    op_node[v] = it->second;
  }
  google::protobuf::RepeatedPtrField<onnx::NodeProto> reordered;
  for (int v : op_node) placed[v] = 1;
  for (int i = 0; i < nodes->size(); ++i)  // folded constants first, as they were
    if (!placed[i]) *reordered.Add() = nodes->Get(i);
  for (int v : order) *reordered.Add() = nodes->Get(op_node[v]);
  if (reordered.size() != nodes->size())
    return Error{fmt::format("{}: operators and nodes do not match", in_path)};
  nodes->Swap(&reordered);
  std::string out;
  if (!model.SerializeToString(&out)) return Error{"could not serialise the reordered ONNX model"};
  return WriteFileAtomic(out_path, out);
}

}  // namespace

Status WriteReorderedModel(const std::string& in_path, const Graph& g,
                           const std::vector<int>& order, const std::string& out_path) {
  if (!IsTopologicalOrder(g, order))
    return Error{"the order is not a topological order of the graph"};
  const std::string in_ext = Ext(in_path), out_ext = Ext(out_path);
  if (in_ext != ".tflite" && in_ext != ".onnx")
    return Error{fmt::format(
        "--out {}: only a .tflite or .onnx model file can be written in a new order (the "
        "model came from '{}')",
        out_path, in_path)};
  if (out_ext != in_ext)
    return Error{fmt::format("--out {}: a {} model is written as {} (the extension must match)",
                             out_path, in_ext, in_ext)};
  if (!std::filesystem::is_regular_file(in_path))
    return Error{fmt::format("{}: not a model file", in_path)};
  return in_ext == ".tflite" ? ReorderTflite(in_path, g, order, out_path)
                             : ReorderOnnx(in_path, g, order, out_path);
}

}  // namespace respect
