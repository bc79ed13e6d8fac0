#include "report/graphviz_export.h"

#include <graphviz/gvc.h>

#include <fmt/format.h>

#include "core/file_io.h"
#include "report/units.h"

namespace respect {
namespace {

std::string Escape(const std::string& s) {
  std::string r;
  for (char c : s) {
    if (c == '"' || c == '\\') r += '\\';
    r += c;
  }
  return r;
}

// TFLite names fused ops "a;b;c" after every op they absorbed; the first part is enough to
// recognise a box, and long names are cut from the front so the distinctive tail stays.
std::string DisplayName(const std::string& name) {
  std::string s = name.substr(0, name.find(';'));
  return s.size() > 40 ? "..." + s.substr(s.size() - 37) : s;
}

constexpr const char* kStageColours[] = {"#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3",
                                         "#fdb462", "#b3de69", "#fccde5", "#d9d9d9", "#bc80bd"};

}  // namespace

std::string GraphToDot(const Graph& g, const std::vector<int>* stage) {
  std::string s = fmt::format("digraph \"{}\" {{\n  rankdir=TB;\n  node [shape=box, style=\"rounded,filled\", "
                              "fillcolor=\"#eeeeee\", fontname=\"Helvetica\", fontsize=10];\n",
                              Escape(g.name));
  for (int v = 0; v < g.num_ops(); ++v) {
    const Operator& op = g.ops[v];
    std::string label = fmt::format("{}\\n{}", Escape(DisplayName(op.name)), Escape(op.type));
    if (op.param_bytes) label += "\\nparams " + HumanBytes(op.param_bytes, 1, 0);
    if (op.macs) label += "  MACs " + HumanCount(op.macs, 1, 1, 0);
    std::string fill;
    if (stage && v < static_cast<int>(stage->size()) && (*stage)[v] >= 0) {
      fill = fmt::format(", fillcolor=\"{}\"", kStageColours[(*stage)[v] % 10]);
      label += fmt::format("\\nstage {}", (*stage)[v]);
    }
    s += fmt::format("  n{} [label=\"{}\"{}];\n", v, label, fill);
  }
  for (int v = 0; v < g.num_ops(); ++v)
    for (int w : g.succs(v)) s += fmt::format("  n{} -> n{};\n", v, w);
  s += "}\n";
  return s;
}

Status WriteSvg(const Graph& g, const std::string& path, const std::vector<int>* stage, int max_nodes) {
  if (g.num_ops() > max_nodes)
    return Error{fmt::format("{}: graph too large to draw ({} operators; limit {})", path, g.num_ops(), max_nodes)};
  const std::string dot = GraphToDot(g, stage);
  GVC_t* gvc = gvContext();
  Agraph_t* graph = agmemread(dot.c_str());
  if (!graph) {
    gvFreeContext(gvc);
    return Error{fmt::format("{}: Graphviz could not parse the generated graph", path)};
  }
  std::string svg;
  if (gvLayout(gvc, graph, "dot") == 0) {
    char* data = nullptr;
    unsigned int length = 0;
    if (gvRenderData(gvc, graph, "svg", &data, &length) == 0 && data) svg.assign(data, length);
    gvFreeRenderData(data);
    gvFreeLayout(gvc, graph);
  }
  agclose(graph);
  gvFreeContext(gvc);
  if (svg.empty()) return Error{fmt::format("{}: Graphviz layout failed", path)};
  return WriteFileAtomic(path, svg);
}

}  // namespace respect
