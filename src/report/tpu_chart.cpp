#include "report/tpu_chart.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "report/markup.h"

namespace respect {

std::string TpuChartSvg(const std::vector<TpuSeries>& series, const TpuChartOptions& o) {
  static const char* kColours[] = {"#d62728", "#1f77b4", "#7f7f7f", "#2ca02c", "#9467bd"};
  const double W = 640, H = 400, x0 = 70, y0 = 40, w = 400, h = 300;
  int t_max = 1;
  double hi = 0;
  for (const auto& s : series)
    for (const auto& [t, v] : s.points) {
      t_max = std::max(t_max, t);
      if (std::isfinite(v)) hi = std::max(hi, v);
    }
  if (o.ceiling > 0 && std::isfinite(o.ceiling)) hi = std::max(hi, o.ceiling);
  if (o.target > 0) hi = std::max(hi, o.target);
  if (!(hi > 0)) hi = 1;
  hi *= 1.08;
  auto X = [&](double t) { return x0 + w * (t - 1) / std::max(1, t_max - 1); };
  auto Y = [&](double v) { return y0 + h - h * v / hi; };
  std::string s = fmt::format(
      "<svg xmlns='http://www.w3.org/2000/svg' width='{}' height='{}' viewBox='0 0 {} {}' "
      "font-family='sans-serif'>\n<rect width='100%' height='100%' fill='white'/>\n",
      W, H, W, H);
  s += fmt::format("<text x='{}' y='22' font-size='14' font-weight='bold'>{}</text>\n", x0,
                   XmlEscape(o.title));
  s += fmt::format("<rect x='{}' y='{}' width='{}' height='{}' fill='none' stroke='#888'/>\n", x0,
                   y0, w, h);
  for (int i = 0; i <= 5; ++i) {
    const double v = hi * i / 5;
    s += fmt::format("<line x1='{}' x2='{}' y1='{:.1f}' y2='{:.1f}' stroke='#eee'/>", x0, x0 + w,
                     Y(v), Y(v));
    s += fmt::format("<text x='{}' y='{:.1f}' font-size='10' text-anchor='end'>{:.4g}</text>\n",
                     x0 - 4, Y(v) + 3, v);
  }
  for (int t = 1; t <= t_max; ++t)
    s += fmt::format("<text x='{:.1f}' y='{}' font-size='10' text-anchor='middle'>{}</text>\n",
                     X(t), y0 + h + 14, t);
  s += fmt::format("<text x='{}' y='{}' font-size='11' text-anchor='middle'>TPUs</text>\n",
                   x0 + w / 2, y0 + h + 32);
  s += fmt::format(
      "<text x='16' y='{}' font-size='11' text-anchor='middle' transform='rotate(-90 16 {})'>{}"
      "</text>\n",
      y0 + h / 2, y0 + h / 2, XmlEscape(o.y_label));
  double ly = y0 + 10;
  auto legend = [&](const std::string& label, const std::string& stroke, const char* dash) {
    s += fmt::format(
        "<line x1='{}' x2='{}' y1='{:.1f}' y2='{:.1f}' stroke='{}' stroke-width='2' "
        "stroke-dasharray='{}'/><text x='{}' y='{:.1f}' font-size='11'>{}</text>\n",
        x0 + w + 14, x0 + w + 40, ly, ly, stroke, dash, x0 + w + 46, ly + 4, XmlEscape(label));
    ly += 18;
  };
  for (size_t i = 0; i < series.size(); ++i) {
    const char* c = kColours[i % 5];
    std::string d;
    for (const auto& [t, v] : series[i].points) {
      if (!std::isfinite(v)) continue;
      d += fmt::format("{}{:.1f},{:.1f} ", d.empty() ? "M" : "L", X(t), Y(v));
      s += fmt::format("<circle cx='{:.1f}' cy='{:.1f}' r='3' fill='{}'/>", X(t), Y(v), c);
    }
    if (!d.empty())
      s += fmt::format("<path d='{}' fill='none' stroke='{}' stroke-width='2'/>\n", d, c);
    legend(series[i].label, c, "none");
  }
  if (o.ceiling > 0 && std::isfinite(o.ceiling)) {
    s += fmt::format(
        "<line x1='{}' x2='{}' y1='{:.1f}' y2='{:.1f}' stroke='#555' stroke-dasharray='6,4'/>\n",
        x0, x0 + w, Y(o.ceiling), Y(o.ceiling));
    legend(fmt::format("host limit {:.4g}/s", o.ceiling), "#555", "6,4");
  }
  if (o.target > 0) {
    s += fmt::format(
        "<line x1='{}' x2='{}' y1='{:.1f}' y2='{:.1f}' stroke='#2ca02c' stroke-dasharray='2,3'/>\n",
        x0, x0 + w, Y(o.target), Y(o.target));
    legend(fmt::format("target {:.4g}/s", o.target), "#2ca02c", "2,3");
  }
  s += "</svg>\n";
  return s;
}

std::string DeploymentSvg(const Deployment& d, const std::string& title) {
  static const char* kColours[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                                   "#9467bd", "#8c564b", "#e377c2", "#17becf"};
  const double x0 = 90, w = 480, lane = 30;
  const int lanes = static_cast<int>(d.tpus.size()) + 2;
  const double H = 60 + lane * lanes + 24 * d.models.size() + 20, W = 760;
  std::string s = fmt::format(
      "<svg xmlns='http://www.w3.org/2000/svg' width='{}' height='{}' viewBox='0 0 {} {}' "
      "font-family='sans-serif'>\n<rect width='100%' height='100%' fill='white'/>\n",
      W, H, W, H);
  s += fmt::format("<text x='10' y='22' font-size='14' font-weight='bold'>{}</text>\n",
                   XmlEscape(title));
  s += fmt::format(
      "<text x='10' y='40' font-size='11'>every model at {:.3g} x its rate (limited by {}); bar "
      "length: share of each second the TPU computes it</text>\n",
      d.ratio, XmlEscape(d.limit));
  auto lane_y = [&](int i) { return 56 + lane * i; };
  auto row = [&](int i, const std::string& label, double used, const std::string& right) {
    const double y = lane_y(i);
    s += fmt::format("<text x='{}' y='{:.1f}' font-size='11' text-anchor='end'>{}</text>", x0 - 6,
                     y + 17, XmlEscape(label));
    s +=
        fmt::format("<rect x='{}' y='{:.1f}' width='{}' height='{}' fill='#f4f4f4' stroke='#bbb'/>",
                    x0, y + 4, w, lane - 8);
    s += fmt::format("<text x='{}' y='{:.1f}' font-size='10'>{:.0f}% {}</text>\n", x0 + w + 8,
                     y + 17, 100 * used, XmlEscape(right));
  };
  for (size_t t = 0; t < d.tpus.size(); ++t) {
    const DeployedTpu& tpu = d.tpus[t];
    row(static_cast<int>(t), fmt::format("TPU {}", t), tpu.busy,
        fmt::format("cache {:.1f} MiB{}", tpu.cached_bytes / 1048576.0,
                    tpu.streamed_bytes > 0
                        ? fmt::format(", streams {:.1f} MiB", tpu.streamed_bytes / 1048576.0)
                        : std::string()));
    double x = x0;
    for (const auto& seg : tpu.segments) {
      const DeployedModel& dm = d.models[seg.model];
      const int r = dm.cost.Replicas(seg.stage);
      const double frac = dm.rate_ips * dm.cost.stages[seg.stage].latency_s / r;
      const double bw = std::max(1.0, w * std::min(frac, 1.0));
      s += fmt::format(
          "<rect x='{:.1f}' y='{:.1f}' width='{:.1f}' height='{}' fill='{}'><title>{} stage {}: "
          "{:.0f}%</title></rect>",
          x, lane_y(static_cast<int>(t)) + 4, bw, lane - 8, kColours[seg.model % 8],
          XmlEscape(dm.name), seg.stage, 100 * frac);
      if (bw > 40)
        s += fmt::format("<text x='{:.1f}' y='{:.1f}' font-size='10' fill='white'>{} s{}</text>",
                         x + 3, lane_y(static_cast<int>(t)) + 17, XmlEscape(dm.name.substr(0, 18)),
                         seg.stage);
      x += bw;
    }
    s += "\n";
  }
  const int host = static_cast<int>(d.tpus.size());
  row(host, "host CPU", d.host_cpu_load, "");
  s += fmt::format("<rect x='{}' y='{:.1f}' width='{:.1f}' height='{}' fill='#777'/>\n", x0,
                   lane_y(host) + 4, w * std::min(d.host_cpu_load, 1.0), lane - 8);
  row(host + 1, "controller", d.controller_load, "");
  s += fmt::format("<rect x='{}' y='{:.1f}' width='{:.1f}' height='{}' fill='#777'/>\n", x0,
                   lane_y(host + 1) + 4, w * std::min(d.controller_load, 1.0), lane - 8);
  double ly = lane_y(lanes) + 10;
  for (size_t m = 0; m < d.models.size(); ++m) {
    const DeployedModel& dm = d.models[m];
    s += fmt::format(
        "<rect x='{}' y='{:.1f}' width='14' height='14' fill='{}'/><text x='{}' y='{:.1f}' "
        "font-size='11'>{}: {:.1f}/s planned (needs {:g}), {} stage{} on TPU{} {}</text>\n",
        x0, ly, kColours[m % 8], x0 + 20, ly + 11, XmlEscape(dm.name), dm.rate_ips, dm.fps,
        dm.schedule.num_stages, dm.schedule.num_stages == 1 ? "" : "s",
        dm.tpus.size() == 1 ? "" : "s", fmt::join(dm.tpus, ","));
    ly += 24;
  }
  s += "</svg>\n";
  return s;
}

}  // namespace respect
