#include "report/training_curve.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "report/markup.h"

namespace respect {

namespace {

// One panel: x = epoch, two series, y axis from the data's range with 5 ticks.
// Reference lines (dashed, labelled at their right end) widen the y range to include them.
std::string Panel(const std::vector<CurvePoint>& pts, double x0, double y0, double w, double h,
                  const std::string& label, const std::function<double(const CurvePoint&)>& a,
                  const std::function<double(const CurvePoint&)>& b,
                  const std::vector<CurveReference>& references = {}) {
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& p : pts) lo = std::min({lo, a(p), b(p)}), hi = std::max({hi, a(p), b(p)});
  for (const auto& r : references) lo = std::min(lo, r.mismatch), hi = std::max(hi, r.mismatch);
  if (!(hi > lo)) hi = lo + 1;
  const double pad = 0.05 * (hi - lo);
  lo = lo >= 0 ? std::max(0.0, lo - pad) : lo - pad;  // rewards and mismatches are never negative
  hi += pad;
  const int e_max = std::max(1, pts.back().epoch), e_min = pts.front().epoch;
  auto X = [&](double e) { return x0 + w * (e - e_min) / std::max(1, e_max - e_min); };
  auto Y = [&](double v) { return y0 + h - h * (v - lo) / (hi - lo); };
  std::string s = fmt::format(
      "<rect x='{}' y='{}' width='{}' height='{}' fill='none' stroke='#888'/>\n", x0, y0, w, h);
  s += fmt::format("<text x='{}' y='{}' font-size='13' font-weight='bold'>{}</text>\n", x0, y0 - 8,
                   label);
  for (int i = 0; i <= 4; ++i) {
    const double v = lo + (hi - lo) * i / 4;
    s += fmt::format("<line x1='{}' x2='{}' y1='{:.1f}' y2='{:.1f}' stroke='#eee'/>", x0, x0 + w,
                     Y(v), Y(v));
    s += fmt::format("<text x='{}' y='{:.1f}' font-size='10' text-anchor='end'>{:.3g}</text>\n",
                     x0 - 4, Y(v) + 3, v);
  }
  s += fmt::format("<text x='{}' y='{}' font-size='10' text-anchor='middle'>epoch</text>\n",
                   x0 + w / 2, y0 + h + 28);
  for (int e : {e_min, (e_min + e_max) / 2, e_max})
    s += fmt::format("<text x='{:.1f}' y='{}' font-size='10' text-anchor='middle'>{}</text>\n",
                     X(e), y0 + h + 14, e);
  auto line = [&](const std::function<double(const CurvePoint&)>& f, const char* colour) {
    std::string d;
    for (const auto& p : pts)
      d += fmt::format("{}{:.1f},{:.1f} ", d.empty() ? "M" : "L", X(p.epoch), Y(f(p)));
    return fmt::format("<path d='{}' fill='none' stroke='{}' stroke-width='2'/>\n", d, colour);
  };
  s += line(a, "#1f77b4") + line(b, "#d62728");
  for (const auto& r : references) {
    s += fmt::format(
        "<line x1='{}' x2='{}' y1='{:.1f}' y2='{:.1f}' stroke='#555' stroke-dasharray='5,4'/>", x0,
        x0 + w, Y(r.mismatch), Y(r.mismatch));
    s += fmt::format("<text x='{}' y='{:.1f}' font-size='10' fill='#555'>{} {:.2f}</text>\n",
                     x0 + w + 4, Y(r.mismatch) + 3, XmlEscape(r.label), r.mismatch);
  }
  return s;
}

}  // namespace

std::string TrainingCurveSvg(const std::vector<CurvePoint>& points, const std::string& title,
                             const std::vector<CurveReference>& eval_references) {
  const double w = 360, h = 220;
  const double label_room = eval_references.empty() ? 0 : 190;
  std::string s = fmt::format(
      "<svg xmlns='http://www.w3.org/2000/svg' width='{}' height='{}' font-family='sans-serif'>\n"
      "<rect width='100%' height='100%' fill='white'/>\n"
      "<text x='20' y='22' font-size='15' font-weight='bold'>{}</text>\n",
      2 * w + 140 + label_room, h + 110, XmlEscape(title));
  if (points.empty()) return s + "<text x='20' y='60'>no epochs</text>\n</svg>\n";
  s += Panel(
      points, 60, 50, w, h, "reward (cosine similarity)",
      [](const CurvePoint& p) { return p.train_reward; },
      [](const CurvePoint& p) { return p.eval_reward; });
  s += Panel(
      points, 120 + w, 50, w, h, "mismatch (positions)",
      [](const CurvePoint& p) { return p.train_mismatch; },
      [](const CurvePoint& p) { return p.eval_mismatch; }, eval_references);
  s += fmt::format(
      "<text x='60' y='{}' font-size='11' fill='#1f77b4'>&#9632; training (sampled, n = training "
      "size)</text>\n",
      h + 100);
  s += fmt::format(
      "<text x='330' y='{}' font-size='11' fill='#d62728'>&#9632; evaluation graphs "
      "(greedy)</text>\n",
      h + 100);
  if (!eval_references.empty())
    s += fmt::format(
        "<text x='560' y='{}' font-size='11' fill='#555'>- - reference orders on the evaluation "
        "graphs (no network)</text>\n",
        h + 100);
  return s + "</svg>\n";
}

}  // namespace respect
