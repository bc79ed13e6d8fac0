// JSON graphs: the project's own lossless format (docs/graph-format.md) and the RESPECT authors'
// dumps (../shared/data/respect_paper_graphs), told apart by their fields.
#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "core/file_io.h"
#include "importers/importers.h"

namespace respect {
namespace {

using nlohmann::json;
constexpr const char* kFormatTag = "respect-graph";
constexpr int kFormatVersion = 1;

const std::map<std::string, OpClass>& ClassByName() {
  static const std::map<std::string, OpClass> m = [] {
    std::map<std::string, OpClass> r;
    for (OpClass c : {OpClass::kConv, OpClass::kDepthwiseConv, OpClass::kFullyConnected,
                      OpClass::kPool, OpClass::kElementwise, OpClass::kReduce,
                      OpClass::kDataMovement, OpClass::kCustom, OpClass::kOther})
      r[OpClassName(c)] = c;
    return r;
  }();
  return m;
}

Result<Graph> FromOwnFormat(const std::string& name, const json& j) {
  if (j.value("version", 0) != kFormatVersion)
    return Error{fmt::format("unsupported respect-graph version {}", j.value("version", 0))};
  GraphBuilder b(j.value("name", FileStem(name)));
  for (const auto& jt : j.at("tensors")) {
    Tensor t;
    t.name = jt.at("name").get<std::string>();
    t.shape = jt.value("shape", std::vector<int64_t>{});
    t.dtype = DTypeFromName(jt.value("dtype", std::string("unknown")));
    t.bytes = jt.value("bytes", int64_t{0});
    t.is_constant = jt.value("constant", false);
    b.AddTensor(std::move(t));
  }
  for (const auto& jo : j.at("ops")) {
    Operator op;
    op.name = jo.at("name").get<std::string>();
    op.type = jo.at("type").get<std::string>();
    auto cls = ClassByName().find(jo.value("class", std::string("other")));
    if (cls == ClassByName().end())
      return Error{fmt::format("operator '{}': unknown class", op.name)};
    op.op_class = cls->second;
    op.inputs = jo.value("inputs", std::vector<int>{});
    op.outputs = jo.value("outputs", std::vector<int>{});
    op.attrs = jo.value("attrs", std::map<std::string, int64_t>{});
    op.param_bytes = jo.value("param_bytes", int64_t{0});
    op.macs = jo.value("macs", int64_t{0});
    op.custom_data_bytes = jo.value("custom_data_bytes", int64_t{0});
    if (op.param_bytes < 0 || op.macs < 0)
      return Error{fmt::format("operator '{}': negative cost", op.name)};
    b.AddOp(std::move(op));
  }
  for (int t : j.value("inputs", std::vector<int>{})) b.AddInput(t);
  for (int t : j.value("outputs", std::vector<int>{})) b.AddOutput(t);
  return std::move(b).Build(/*keep_costs=*/true);
}

// A RESPECT dump: nodes {id, name, bytes}, edges [producer, consumer]. Each node becomes an
// operator with one output tensor of unknown size (the dumps record no activation sizes).
Result<Graph> FromRespectDump(const std::string& name, const json& j) {
  GraphBuilder b(j.value("name", FileStem(name)));
  std::map<int64_t, int> ids;
  for (const auto& jn : j.at("nodes")) {
    const auto id = jn.at("id").get<int64_t>();
    if (ids.count(id)) return Error{fmt::format("duplicate node id {}", id)};
    Operator op;
    op.name = jn.at("name").get<std::string>();
    op.type = (op.name == "source" || op.name == "sink") ? "virtual" : "layer";
    const int64_t bytes = jn.value("bytes", int64_t{0});
    if (bytes < 0) return Error{fmt::format("node '{}' has negative bytes", op.name)};
    Tensor out;
    out.name = op.name + ":0";
    op.outputs = {b.AddTensor(std::move(out))};
    ids[id] = b.AddOp(std::move(op));
    b.AddParameter(ids[id], bytes);
  }
  std::set<std::pair<int, int>> seen;
  for (const auto& je : j.at("edges")) {
    if (!je.is_array() || je.size() != 2) return Error{"edge is not a [producer, consumer] pair"};
    auto u = ids.find(je[0].get<int64_t>());
    auto v = ids.find(je[1].get<int64_t>());
    if (u == ids.end() || v == ids.end())
      return Error{fmt::format("edge {} refers to a missing node", je.dump())};
    if (!seen.insert({u->second, v->second}).second) continue;
    b.op(v->second).inputs.push_back(b.op(u->second).outputs[0]);
  }
  return std::move(b).Build();
}

Result<json> ParseJson(const std::string& name, const std::string& text) {
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    return Error{fmt::format("{}: invalid JSON: {}", name, e.what())};
  }
}

}  // namespace

Result<Graph> ImportJsonGraphText(const std::string& name, const std::string& text) {
  auto j = ParseJson(name, text);
  if (!j) return j.error();
  try {
    Result<Graph> g = Error{
        "unrecognised JSON graph: expected \"format\": \"respect-graph\" or a "
        "RESPECT dump with \"nodes\" and \"edges\""};
    if (j->is_object() && j->value("format", std::string()) == kFormatTag)
      g = FromOwnFormat(name, *j);
    else if (j->is_object() && j->contains("nodes") && j->contains("edges"))
      g = FromRespectDump(name, *j);
    if (!g) return Error{fmt::format("{}: {}", name, g.error().message)};
    return g;
  } catch (const json::exception& e) {
    return Error{fmt::format("{}: malformed graph JSON: {}", name, e.what())};
  }
}

Result<Graph> ImportJsonGraph(const std::string& path) {
  auto text = ReadFileBytes(path, 1ull << 30);
  if (!text) return text.error();
  return ImportJsonGraphText(path, *text);
}

Result<PublishedStages> ReadPublishedStages(const std::string& path) {
  auto text = ReadFileBytes(path, 1ull << 30);
  if (!text) return text.error();
  auto j = ParseJson(path, *text);
  if (!j) return j.error();
  try {
    PublishedStages out;
    if (!j->contains("published_stages"))
      return Error{fmt::format("{}: no published_stages", path)};
    for (const auto& [variant, by_k] : j->at("published_stages").items())
      for (const auto& [k, stages] : by_k.items())
        out[variant][std::stoi(k)] = stages.get<std::map<std::string, int>>();
    return out;
  } catch (const std::exception& e) {
    return Error{fmt::format("{}: malformed published_stages: {}", path, e.what())};
  }
}

std::string GraphToJson(const Graph& g) {
  json j;
  j["format"] = kFormatTag;
  j["version"] = kFormatVersion;
  j["name"] = g.name;
  json tensors = json::array();
  for (const Tensor& t : g.tensors)
    tensors.push_back({{"name", t.name},
                       {"shape", t.shape},
                       {"dtype", DTypeName(t.dtype)},
                       {"bytes", t.bytes},
                       {"constant", t.is_constant}});
  j["tensors"] = std::move(tensors);
  json ops = json::array();
  for (const Operator& op : g.ops) {
    json jo = {{"name", op.name},     {"type", op.type},       {"class", OpClassName(op.op_class)},
               {"inputs", op.inputs}, {"outputs", op.outputs}, {"param_bytes", op.param_bytes},
               {"macs", op.macs}};
    if (!op.attrs.empty()) jo["attrs"] = op.attrs;
    if (op.custom_data_bytes) jo["custom_data_bytes"] = op.custom_data_bytes;
    ops.push_back(std::move(jo));
  }
  j["ops"] = std::move(ops);
  j["inputs"] = g.inputs;
  j["outputs"] = g.outputs;
  return j.dump(1) + "\n";
}

}  // namespace respect
