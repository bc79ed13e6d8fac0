#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "core/file_io.h"
#include "models/model_source.h"
#include "report/graph_report.h"
#include "report/graphviz_export.h"

namespace respect::cli {

Runner AddInspect(CLI::App& app) {
  struct Options {
    std::string model, dot, svg;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  app.add_option("MODEL", o->model, "model file, zoo:NAME[:k=v,...] or synth:...")->required();
  app.add_flag("--json", o->json,
               "print one JSON object (name, num_nodes, num_edges, depth, "
               "max_in_degree, max_out_degree, downsets (null over 500000), width, width_exact, "
               "param_bytes, macs, ops[...])");
  app.add_option("--dot", o->dot, "write the graph as Graphviz DOT to FILE");
  app.add_option("--svg", o->svg, "draw the graph to FILE as SVG (Graphviz dot layout)");
  app.footer(
      "Examples:\n  respect inspect ../shared/models/tflite/vww_96_int8.tflite\n"
      "  respect inspect zoo:resnet50:input=299 --json\n"
      "  respect inspect zoo:densenet121:granularity=keras --svg densenet.svg");
  return [o] {
    auto g = LoadModel(o->model);
    if (!g) return Fail(g.error().message);
    if (!o->dot.empty())
      if (auto st = WriteFileAtomic(o->dot, GraphToDot(*g)); !st) return Fail(st.error().message);
    if (!o->svg.empty())
      if (auto st = WriteSvg(*g, o->svg); !st) return Fail(st.error().message);
    const std::string out = o->json ? InspectJson(*g) : InspectText(*g);
    std::fwrite(out.data(), 1, out.size(), stdout);
    return 0;
  };
}

}  // namespace respect::cli
