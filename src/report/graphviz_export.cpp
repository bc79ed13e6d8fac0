#include "report/graphviz_export.h"

#include <fmt/format.h>

#include "core/file_io.h"
#include "report/markup.h"
#include "report/stage_picture.h"
#include "report/units.h"

namespace respect {
namespace {

// TFLite names fused ops "a;b;c" after every op they absorbed; the first part is enough to
// recognise a box, and long names are cut from the front so the distinctive tail stays.
std::string DisplayName(const std::string& name) {
  std::string s = name.substr(0, name.find(';'));
  return s.size() > 40 ? "..." + s.substr(s.size() - 37) : s;
}

}  // namespace

std::string GraphToDot(const Graph& g, const std::vector<int>* stage) {
  std::string s = fmt::format(
      "digraph \"{}\" {{\n  rankdir=TB;\n  node [shape=box, style=\"rounded,filled\", "
      "fillcolor=\"#eeeeee\", fontname=\"Helvetica\", fontsize=10];\n",
      DotEscape(g.name));
  for (int v = 0; v < g.num_ops(); ++v) {
    const Operator& op = g.ops[v];
    std::string label = fmt::format("{}\\n{}", DotEscape(DisplayName(op.name)), DotEscape(op.type));
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

Status WriteSvg(const Graph& g, const std::string& path, const std::vector<int>* stage,
                int max_nodes) {
  auto svg = RenderDotSvg(GraphToDot(g, stage), g.num_ops(), max_nodes);
  if (!svg) return Error{fmt::format("{}: {}", path, svg.error().message)};
  return WriteFileAtomic(path, *svg);
}

}  // namespace respect
