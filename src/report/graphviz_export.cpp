#include "report/graphviz_export.h"

#include <graphviz/gvc.h>

#include <fmt/format.h>

#include "core/file_io.h"

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

std::string ShortBytes(int64_t b) {
  if (b >= (int64_t{1} << 20)) return fmt::format("{:.1f} MiB", b / 1048576.0);
  if (b >= 1024) return fmt::format("{:.0f} KiB", b / 1024.0);
  return fmt::format("{} B", b);
}

// TFLite names fused ops "a;b;c" after every op they absorbed; the first part is enough to
// recognise a box, and long names are cut from the front so the distinctive tail stays.
std::string DisplayName(const std::string& name) {
  std::string s = name.substr(0, name.find(';'));
  return s.size() > 40 ? "..." + s.substr(s.size() - 37) : s;
}

std::string ShortCount(int64_t n) {
  if (n >= 1'000'000'000) return fmt::format("{:.1f} G", n / 1e9);
  if (n >= 1'000'000) return fmt::format("{:.1f} M", n / 1e6);
  if (n >= 1'000) return fmt::format("{:.0f} k", n / 1e3);
  return std::to_string(n);
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
    if (op.param_bytes) label += "\\nparams " + ShortBytes(op.param_bytes);
    if (op.macs) label += "  MACs " + ShortCount(op.macs);
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
