#include "report/graph_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>

#include "core/analysis.h"
#include "core/downset_lattice.h"
#include "report/units.h"

namespace respect {
namespace {

std::vector<std::string> ProducerNames(const Graph& g, int v) {
  std::vector<std::string> names;
  for (int u : g.preds(v)) names.push_back(g.ops[u].name);
  return names;
}

// As `respect schedule`'s default --lattice-cap.
constexpr int64_t kInspectLatticeCap = 500'000;

}  // namespace

std::string InspectJson(const Graph& g) {
  using nlohmann::json;
  const std::vector<int> asap = AsapLevels(g), alap = AlapLevels(g);
  json j;
  j["name"] = g.name;
  j["num_nodes"] = g.num_ops();
  j["num_edges"] = g.num_edges();
  j["depth"] = Depth(g);
  j["max_in_degree"] = MaxInDegree(g);
  j["max_out_degree"] = MaxOutDegree(g);
  // The downset lattice `exact` searches (null when over the cap) and the width.
  const int64_t downsets = CountDownsets(g, kInspectLatticeCap);
  j["downsets"] = downsets > kInspectLatticeCap ? json(nullptr) : json(downsets);
  const WidthBounds width = GraphWidth(g);
  j["width"] = width.upper;
  j["width_exact"] = width.exact();
  j["param_bytes"] = g.TotalParamBytes();
  j["macs"] = g.TotalMacs();
  int64_t input_bytes = 0, output_bytes = 0;
  for (int t : g.inputs) input_bytes += g.tensors[t].bytes;
  for (int t : g.outputs) output_bytes += g.tensors[t].bytes;
  j["input_bytes"] = input_bytes;
  j["output_bytes"] = output_bytes;
  json ops = json::array();
  for (int v = 0; v < g.num_ops(); ++v) {
    const Operator& op = g.ops[v];
    json jo = {{"name", op.name},
               {"type", op.type},
               {"class", OpClassName(op.op_class)},
               {"param_bytes", op.param_bytes},
               {"macs", op.macs},
               {"output_bytes", op.output_bytes},
               {"inputs", ProducerNames(g, v)},
               {"asap", asap[v]},
               {"alap", alap[v]}};
    if (op.custom_data_bytes) jo["custom_data_bytes"] = op.custom_data_bytes;
    ops.push_back(std::move(jo));
  }
  j["ops"] = std::move(ops);
  return j.dump(2) + "\n";
}

std::string InspectText(const Graph& g) {
  std::string s;
  s += fmt::format("model        {}\n", g.name);
  s += fmt::format("operators    {}   edges {}   depth {}   max in-degree {}\n", g.num_ops(),
                   g.num_edges(), Depth(g), MaxInDegree(g));
  const int64_t downsets = CountDownsets(g, kInspectLatticeCap);
  const WidthBounds width = GraphWidth(g);
  s += fmt::format("lattice      {} downsets   width {}{}   (exact scheduling {})\n",
                   downsets > kInspectLatticeCap ? fmt::format("more than {}", kInspectLatticeCap)
                                                 : std::to_string(downsets),
                   width.exact() ? "" : "<= ", width.upper,
                   downsets > kInspectLatticeCap ? "hands over to the ilp" : "uses the lattice DP");
  s += fmt::format("parameters   {} ({} bytes)\n", HumanBytes(g.TotalParamBytes()),
                   g.TotalParamBytes());
  s += fmt::format("MACs         {} ({})\n", HumanCount(g.TotalMacs()), g.TotalMacs());
  std::map<std::string, int> by_type;
  for (const Operator& op : g.ops) ++by_type[op.type];
  std::vector<std::pair<std::string, int>> types(by_type.begin(), by_type.end());
  std::stable_sort(types.begin(), types.end(),
                   [](auto& a, auto& b) { return a.second > b.second; });
  s += "op types    ";
  for (size_t i = 0; i < types.size() && i < 10; ++i)
    s += fmt::format(" {} x{}", types[i].first, types[i].second);
  if (types.size() > 10) s += fmt::format(" (+{} more)", types.size() - 10);
  s += "\n";

  auto top = [&](const char* title, auto key) {
    std::vector<int> idx(g.num_ops());
    std::iota(idx.begin(), idx.end(), 0);
    std::stable_sort(idx.begin(), idx.end(),
                     [&](int a, int b) { return key(g.ops[a]) > key(g.ops[b]); });
    if (idx.empty() || key(g.ops[idx[0]]) == 0) return;
    s += fmt::format("\n{}\n", title);
    for (size_t i = 0; i < idx.size() && i < 5 && key(g.ops[idx[i]]) > 0; ++i) {
      const Operator& op = g.ops[idx[i]];
      s += fmt::format("  {:<40} {:<22} params {:>11}  MACs {:>9}\n",
                       op.name.size() > 40 ? op.name.substr(0, 37) + "..." : op.name, op.type,
                       HumanBytes(op.param_bytes), HumanCount(op.macs));
    }
  };
  top("largest layers by parameters:", [](const Operator& op) { return op.param_bytes; });
  top("largest layers by MACs:", [](const Operator& op) { return op.macs; });
  return s;
}

}  // namespace respect
