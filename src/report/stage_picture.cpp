#include "report/stage_picture.h"

#include <fmt/format.h>
#include <graphviz/gvc.h>

#include <algorithm>
#include <cmath>

#include "report/markup.h"
#include "report/units.h"

namespace respect {

namespace {

std::string Short(const std::string& name) {
  std::string s = name.substr(0, name.find(';'));
  return s.size() > 32 ? "..." + s.substr(s.size() - 29) : s;
}

double Mib(int64_t b) { return b / 1048576.0; }

}  // namespace

StageTimeParts SplitStageTime(const StageCost& st, const DeviceProfile& p) {
  const double streamed =
      p.link_in_bytes_per_s > 0 ? LinkSeconds(p, 0, static_cast<double>(st.streamed_bytes), 0) : 0;
  return {st.overhead_s + st.compute_s, std::max(0.0, st.transfer_s - streamed), streamed,
          st.cpu_s};
}

std::string StageClusterDot(const Graph& g, const Schedule& s, const PipelineCost& cost,
                            const DeviceProfile& p, const StagePictureOptions& o) {
  const int n = g.num_ops(), K = s.num_stages;
  // Collapse: v joins its predecessor's box when it is that predecessor's only successor, has
  // it as its only predecessor, and both sit in the same stage.
  std::vector<int> box(n, -1);
  std::vector<std::vector<int>> members;
  // Visit in a topological order so a chain's head gets its box first.
  std::vector<int> topo;
  {
    std::vector<int> pending(n);
    for (int v = 0; v < n; ++v) pending[v] = static_cast<int>(g.preds(v).size());
    for (int v = 0; v < n; ++v)
      if (!pending[v]) topo.push_back(v);
    for (size_t i = 0; i < topo.size(); ++i)
      for (int w : g.succs(topo[i]))
        if (--pending[w] == 0) topo.push_back(w);
  }
  for (int v : topo) {
    if (o.collapse_chains && g.preds(v).size() == 1) {
      const int u = g.preds(v)[0];
      if (g.succs(u).size() == 1 && s.stage_of[u] == s.stage_of[v] && box[u] >= 0) {
        box[v] = box[u];
        members[box[v]].push_back(v);
        continue;
      }
    }
    box[v] = static_cast<int>(members.size());
    members.push_back({v});
  }
  // Stages side by side, left to right in pipeline order; inside a stage, data flows down.
  // A box's row is its depth among the boxes of its stage (longest path from the stage's
  // entry); a deep stage wraps into several columns of `rows` rows, chosen so that the whole
  // picture comes out about as wide as it is tall. Edges between columns do not constrain the
  // layout, and an invisible anchor at the top of each column, chained left to right, keeps the
  // columns in order.
  const int B = static_cast<int>(members.size());
  std::vector<int> depth(B, 0);
  for (int v : topo)
    for (int w : g.succs(v))
      if (box[w] != box[v] && s.stage_of[w] == s.stage_of[v])
        depth[box[w]] = std::max(depth[box[w]], depth[box[v]] + 1);
  std::vector<int> stage_depth(K, 0);
  for (int b = 0; b < B; ++b)
    stage_depth[s.stage_of[members[b].front()]] =
        std::max(stage_depth[s.stage_of[members[b].front()]], depth[b] + 1);
  // Width and height in points for `rows` rows: boxes are about 140 x 40 points; a column is as
  // wide as its widest row.
  auto aspect = [&](int rows) {
    std::vector<std::vector<int>> count(K);
    for (int k = 0; k < K; ++k) count[k].assign(stage_depth[k], 0);
    for (int b = 0; b < B; ++b) ++count[s.stage_of[members[b].front()]][depth[b]];
    double width = 0;
    int tallest = 0;
    for (int k = 0; k < K; ++k) {
      for (int c = 0; c * rows < std::max(stage_depth[k], 1); ++c) {
        int widest = 1;
        for (int d = c * rows; d < std::min(stage_depth[k], (c + 1) * rows); ++d)
          widest = std::max(widest, count[k][d]);
        width += 150.0 * widest + 20;
      }
      tallest = std::max(tallest, std::min(rows, stage_depth[k]));
    }
    return width / (45.0 * std::max(tallest, 1) + 40);
  };
  int max_depth = 1;
  for (int d : stage_depth) max_depth = std::max(max_depth, d);
  int rows = max_depth;
  double best = std::abs(std::log(aspect(rows) / 1.4));
  for (int r = std::min(max_depth, 6); r < max_depth; ++r) {
    const double e = std::abs(std::log(aspect(r) / 1.4));
    if (e < best - 1e-9) {
      best = e;
      rows = r;
    }
  }
  auto column = [&](int b) { return depth[b] / rows; };
  std::string dot = fmt::format(
      "digraph \"{}\" {{\n  rankdir=TB; newrank=true; compound=true; nodesep=0.15; ranksep=0.25;\n"
      "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=9, "
      "margin=\"0.05,0.02\"];\n"
      "  edge [color=\"#999999\", arrowsize=0.5];\n",
      DotEscape(g.name));
  std::vector<std::string> anchors;
  for (int k = 0; k < K; ++k) {
    const StageCost& st = cost.stages[k];
    const StageTimeParts parts = SplitStageTime(st, p);
    const bool bottleneck = k == cost.bottleneck && cost.limit == PipelineLimit::kStage;
    const int r = cost.Replicas(k);
    const std::string copies =
        r > 1 ? fmt::format(" x {} replicas ({:.3f} ms per replica)", r, st.latency_s * 1e3 / r)
              : "";
    dot += fmt::format(
        "  subgraph cluster_s{} {{\n    label=\"stage {}{}: {:.3f} ms{}\\n(compute {:.3f}, link "
        "{:.3f}, streamed {:.3f}, "
        "cpu {:.3f})\\ncached {:.2f} MiB  streamed {:.2f} MiB  {} operators\";\n    "
        "fontname=\"Helvetica\"; "
        "fontsize=11; style=\"filled,rounded\"; fillcolor=\"{}40\"; color=\"{}\"; penwidth={};\n",
        k, k, bottleneck ? " (BOTTLENECK)" : "", st.latency_s * 1e3, copies, parts.compute * 1e3,
        parts.link * 1e3, parts.streamed * 1e3, parts.cpu * 1e3, Mib(st.cached_bytes),
        Mib(st.streamed_bytes), st.ops, kStageColours[k % 10], bottleneck ? "#d00000" : "#666666",
        bottleneck ? 3 : (r > 1 ? 2 : 1));
    for (int c = 0; c * rows < std::max(stage_depth[k], 1); ++c)
      anchors.push_back(fmt::format("a{}_{}", k, c));
    for (int b = 0; b < B; ++b) {
      const std::vector<int>& m = members[b];
      if (s.stage_of[m.front()] != k) continue;
      std::string label;
      if (m.size() == 1) {
        label =
            fmt::format("{}\\n{}", DotEscape(Short(g.ops[m[0]].name)), DotEscape(g.ops[m[0]].type));
      } else {
        label =
            fmt::format("{}\\n... {} operators ...\\n{}", DotEscape(Short(g.ops[m.front()].name)),
                        m.size(), DotEscape(Short(g.ops[m.back()].name)));
      }
      dot += fmt::format("    b{} [label=\"{}\", fillcolor=\"{}\"];\n", b, label,
                         kStageColours[k % 10]);
    }
    dot += "  }\n";
  }
  // The anchors: a row of invisible points above the columns, chained left to right, each
  // pulling the top boxes of its column under it.
  dot += "  { rank=min; ";
  for (const std::string& a : anchors)
    dot += a + " [shape=point, style=invis, width=0, height=0]; ";
  dot += "}\n";
  if (anchors.size() > 1) {
    dot += "  ";
    for (size_t i = 0; i < anchors.size(); ++i) dot += (i ? " -> " : "") + anchors[i];
    dot += " [style=invis, weight=100];\n";
  }
  for (int b = 0; b < B; ++b)
    if (depth[b] % rows == 0)
      dot += fmt::format("  a{}_{} -> b{} [style=invis, weight=10];\n",
                         s.stage_of[members[b].front()], column(b), b);
  // Edges between boxes: inside a column plain; across stages the tensor's size, bold; neither
  // kind across columns constrains the layout.
  for (int v = 0; v < n; ++v)
    for (int w : g.succs(v)) {
      if (box[v] == box[w]) continue;
      const bool same_stage = s.stage_of[v] == s.stage_of[w];
      const bool same_column = same_stage && column(box[v]) == column(box[w]);
      if (same_stage) {
        dot += fmt::format("  b{} -> b{}{};\n", box[v], box[w],
                           same_column ? "" : " [constraint=false, style=dashed]");
        continue;
      }
      int64_t bytes = 0;
      for (int t : g.ops[v].outputs)
        for (int c : g.tensors[t].consumers)
          if (c == w) bytes += g.tensors[t].bytes;
      dot += fmt::format(
          "  b{} -> b{} [color=\"#d00000\", penwidth=2, fontcolor=\"#d00000\", fontsize=9, "
          "constraint=false, label=\"{}\"];\n",
          box[v], box[w], HumanBytes(bytes, 1, 0));
    }
  dot += "}\n";
  return dot;
}

Result<std::string> RenderDotSvg(const std::string& dot, int nodes, int max_nodes) {
  if (nodes > max_nodes)
    return Error{fmt::format("graph too large to draw ({} boxes; limit {})", nodes, max_nodes)};
  GVC_t* gvc = gvContext();
  Agraph_t* graph = agmemread(dot.c_str());
  if (!graph) {
    gvFreeContext(gvc);
    return Error{"Graphviz could not parse the generated graph"};
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
  if (svg.empty()) return Error{"Graphviz layout failed"};
  return svg;
}

std::string StageBalanceSvg(const std::vector<BalanceSeries>& series, const DeviceProfile& p) {
  int K = 0;
  double top = 0;
  for (const auto& s : series) {
    K = std::max(K, static_cast<int>(s.cost.stages.size()));
    for (size_t k = 0; k < s.cost.stages.size(); ++k)
      top = std::max(top, s.cost.stages[k].latency_s / s.cost.Replicas(k));
    top = std::max(top, s.cost.period_s);
  }
  top = std::max(top, 1e-9) * 1.15;
  const int groups = std::max(1, K), per = static_cast<int>(series.size());
  const int bar = 34, gap = 22, left = 70, top_px = 56, bottom = 300;
  const int w = std::max(left + groups * (per * bar + gap) + 170, left + 470), h = bottom + 50;
  auto Y = [&](double t) { return bottom - t / top * (bottom - top_px); };
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
      "font-family=\"sans-serif\" "
      "font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"{}\" "
      "y=\"20\" "
      "font-size=\"14\">Stage balance: time per stage and replica (ms); the slowest, or the "
      "host, sets the period</text>\n",
      w, h, left);
  for (int i = 0; i <= 4; ++i) {
    const double t = top * i / 4;
    svg += fmt::format(
        "<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#e5e5e5\"/><text x=\"{}\" "
        "y=\"{:.1f}\" "
        "text-anchor=\"end\">{:.3g}</text>\n",
        left, w - 170, Y(t), Y(t), left - 4, Y(t) + 4, t * 1e3);
  }
  const char* part_colours[] = {"#1b9e77", "#7570b3", "#d95f02", "#e7298a"};
  const char* part_names[] = {"compute", "link transfer", "streamed parameters", "host CPU"};
  // The legend, in a row under the title (the right margin holds the period labels).
  const int legend_x[] = {0, 100, 215, 370};
  for (int i = 0; i < 4; ++i)
    svg += fmt::format(
        "<rect x=\"{}\" y=\"30\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{}\" "
        "y=\"39\">{}</text>\n",
        left + legend_x[i], part_colours[i], left + 14 + legend_x[i], part_names[i]);
  for (int si = 0; si < per; ++si) {
    const PipelineCost& c = series[si].cost;
    for (size_t k = 0; k < c.stages.size(); ++k) {
      const StageTimeParts parts = SplitStageTime(c.stages[k], p);
      const double r = c.Replicas(k);  // replicas share the stage's inferences
      const double vals[4] = {parts.compute / r, parts.link / r, parts.streamed / r, parts.cpu / r};
      const int x = left + gap / 2 + static_cast<int>(k) * (per * bar + gap) + si * bar;
      double acc = 0;
      for (int i = 0; i < 4; ++i) {
        if (vals[i] <= 0) continue;
        svg += fmt::format(
            "<rect x=\"{}\" y=\"{:.1f}\" width=\"{}\" height=\"{:.1f}\" fill=\"{}\" "
            "fill-opacity=\"{}\">"
            "<title>{} stage {}: {} {:.3f} ms</title></rect>\n",
            x, Y(acc + vals[i]), bar - 4, Y(acc) - Y(acc + vals[i]), part_colours[i],
            si == 0 ? 1.0 : 0.45, XmlEscape(series[si].label), k, part_names[i], vals[i] * 1e3);
        acc += vals[i];
      }
      if (static_cast<int>(k) == c.bottleneck && c.limit == PipelineLimit::kStage)
        svg += fmt::format(
            "<rect x=\"{}\" y=\"{:.1f}\" width=\"{}\" height=\"{:.1f}\" fill=\"none\" "
            "stroke=\"#d00000\" "
            "stroke-width=\"2\"/><text x=\"{}\" y=\"{:.1f}\" fill=\"#d00000\" "
            "text-anchor=\"middle\" "
            "font-size=\"10\">bottleneck</text>\n",
            x - 1, Y(acc) - 1, bar - 2, Y(0) - Y(acc) + 2, x + (bar - 4) / 2, Y(acc) - 5);
      if (per > 1)
        svg += fmt::format(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"9\">{}</text>\n",
            x + (bar - 4) / 2, bottom + 12, XmlEscape(series[si].label.substr(0, 8)));
    }
    // The period of this schedule.
    svg += fmt::format(
        "<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" stroke-dasharray=\"6 "
        "3\"/>"
        "<text x=\"{}\" y=\"{:.1f}\" fill=\"{}\">{} period {:.3f} ms</text>\n",
        left, w - 170, Y(c.period_s), Y(c.period_s), si == 0 ? "#d00000" : "#888888", w - 165,
        Y(c.period_s) + 4 + 12 * si, si == 0 ? "#d00000" : "#888888", XmlEscape(series[si].label),
        c.period_s * 1e3);
  }
  for (int k = 0; k < groups; ++k)
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">stage {}</text>\n",
                       left + gap / 2 + k * (per * bar + gap) + (per * bar) / 2,
                       bottom + (per > 1 ? 26 : 16), k);
  svg += "</svg>\n";
  return svg;
}

}  // namespace respect
