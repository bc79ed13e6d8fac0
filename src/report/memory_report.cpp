#include "report/memory_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace respect {

std::string MemoryCurveSvg(const Graph& g, const OrderResult& r, const std::string& title) {
  const auto& f = r.profile.footprint;
  const int n = static_cast<int>(f.size());
  const double top_bytes = std::max<double>(1.0, static_cast<double>(r.profile.peak));
  const bool mib = top_bytes >= 4 * 1048576.0;
  const double unit = mib ? 1048576.0 : 1024.0;
  const char* uname = mib ? "MiB" : "KiB";
  const int w = 760, h = 360, left = 70, right = 20, top = 40, bottom = 310;
  auto X = [&](double step) { return left + step / std::max(1, n) * (w - left - right); };
  auto Y = [&](double bytes) { return bottom - bytes / (top_bytes * 1.08) * (bottom - top); };
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
      "font-family=\"sans-serif\" "
      "font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"{}\" "
      "y=\"20\" "
      "font-size=\"14\">{}</text>\n",
      w, h, left, title);
  // Axes with five gridlines.
  for (int i = 0; i <= 5; ++i) {
    const double b = top_bytes * 1.08 * i / 5;
    svg += fmt::format(
        "<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#ddd\"/><text x=\"{}\" "
        "y=\"{:.1f}\" text-anchor=\"end\">{:.4g} {}</text>\n",
        left, w - right, Y(b), Y(b), left - 4, Y(b) + 4, b / unit, uname);
  }
  svg += fmt::format(
      "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">step (operators in order, {} in "
      "all)</text>\n",
      (left + w - right) / 2, bottom + 30, n);
  std::string points =
      fmt::format("{:.1f},{:.1f} ", X(0), Y(static_cast<double>(r.profile.initial)));
  for (int i = 0; i < n; ++i) {
    points += fmt::format("{:.1f},{:.1f} {:.1f},{:.1f} ", X(i), Y(static_cast<double>(f[i])),
                          X(i + 1), Y(static_cast<double>(f[i])));
  }
  svg += fmt::format(
      "<polyline points=\"{}\" fill=\"none\" stroke=\"#1b9e77\" stroke-width=\"1.5\"/>\n", points);
  // Bound and peak.
  svg += fmt::format(
      "<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#7570b3\" "
      "stroke-dasharray=\"5 3\"/>"
      "<text x=\"{}\" y=\"{:.1f}\" fill=\"#7570b3\" text-anchor=\"end\">lower bound {:.4g} "
      "{}</text>\n",
      left, w - right, Y(static_cast<double>(r.lower_bound)), Y(static_cast<double>(r.lower_bound)),
      w - right - 2, Y(static_cast<double>(r.lower_bound)) + 14, r.lower_bound / unit, uname);
  if (r.profile.peak_step >= 0) {
    const int s = r.profile.peak_step;
    svg += fmt::format(
        "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"4\" fill=\"#d95f02\"><title>{}</title></circle>"
        "<text x=\"{:.1f}\" y=\"{:.1f}\" fill=\"#d95f02\">peak {:.4g} {} at {}</text>\n",
        X(s + 0.5), Y(static_cast<double>(r.profile.peak)), g.ops[r.order[s]].name,
        std::min<double>(X(s + 0.5) + 6, w - right - 200),
        Y(static_cast<double>(r.profile.peak)) - 6, r.profile.peak / unit, uname,
        g.ops[r.order[s]].name);
  }
  svg += "</svg>\n";
  return svg;
}

nlohmann::json OrderResultJson(const Graph& g, const OrderRequest& request, const OrderResult& r) {
  nlohmann::json j;
  j["model"] = g.name;
  j["method"] = r.method;
  j["conventions"] = ConventionsText(request.memory);
  j["inplace"] = request.memory.inplace;
  j["peak_bytes"] = r.profile.peak;
  j["lower_bound_bytes"] = r.lower_bound;
  j["gap"] = r.gap;
  j["proven_optimal"] = r.proven_optimal;
  j["peak_step"] = r.profile.peak_step;
  nlohmann::json live = nlohmann::json::array(), order = nlohmann::json::array();
  for (int t : r.profile.live_at_peak)
    live.push_back({{"tensor", g.tensors[t].name}, {"bytes", g.tensors[t].bytes}});
  for (int v : r.order) order.push_back(g.ops[v].name);
  j["live_at_peak"] = live;
  j["order"] = order;
  j["footprint_bytes"] = r.profile.footprint;
  j["solve_seconds"] = r.seconds;
  j["note"] = r.note;
  return j;
}

}  // namespace respect
