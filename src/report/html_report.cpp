#include "report/html_report.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "report/markup.h"
#include "report/pipeline_report.h"
#include "report/stage_picture.h"
#include "report/tpu_chart.h"
#include "report/units.h"

namespace respect {

namespace {

// Graphviz's SVG starts with an XML declaration, a DOCTYPE and comments: inline, only <svg...>.
std::string InlineSvg(const std::string& svg) {
  const size_t at = svg.find("<svg");
  return at == std::string::npos ? std::string() : svg.substr(at);
}

std::string HtmlHead(const std::string& title) {
  std::string h =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<meta "
      "name=\"viewport\" "
      "content=\"width=device-width, initial-scale=1\"/>\n";
  h += fmt::format("<title>{}</title>\n", XmlEscape(title));
  h += "<style>\nbody{font-family:Helvetica,Arial,sans-serif;max-width:1200px;margin:1.5em "
       "auto;padding:0 1em;"
       "color:#222}\nh1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em}\ncode{background:#"
       "f3f3f3;padding:2px "
       "4px;border-radius:3px}\ntable{border-collapse:collapse;font-size:0.9em}\nth,td{border:1px "
       "solid #ccc;"
       "padding:3px 8px;text-align:right}\nth{background:#f0f0f0}\ntr.bottleneck "
       "td{background:#ffe5e5;font-weight:"
       "bold}\n.verdict{font-size:1.1em;background:#fff6e0;border-left:4px solid "
       "#d95f02;padding:0.6em}\n.proven"
       "{color:#1b7e3b;font-weight:bold}.unproven{color:#a05000;font-weight:bold}\n.picture{"
       "overflow:auto;border:"
       "1px solid #ddd;max-height:900px}\n@media "
       "print{.picture{max-height:none;overflow:visible}}\n</style>\n"
       "</head>\n<body>\n";
  return h;
}

}  // namespace

std::string BottleneckVerdict(const PipelineCost& cost, const DeviceProfile& p) {
  if (cost.stages.empty()) return "no stages";
  if (cost.limit != PipelineLimit::kStage)
    return fmt::format(
        "The host limits the pipeline ({:.3f} ms, the period), not a stage: {}. The slowest "
        "stage per replica needs {:.3f} ms; more TPUs will not help unless the host gets "
        "faster.",
        cost.period_s * 1e3, PipelineLimitText(cost, p), cost.stage_period_s * 1e3);
  const int k = cost.bottleneck;
  const StageCost& st = cost.stages[k];
  const StageTimeParts t = SplitStageTime(st, p);
  struct Part {
    double s;
    std::string why;
  };
  std::vector<Part> parts = {
      {t.compute, fmt::format("on-chip compute ({} MACs in {} operators)",
                              HumanCount(st.macs, 1, 1, 0), st.tpu_ops)},
      {t.link, fmt::format("moving activations over the link ({} in, {} out)",
                           HumanBytes(st.in_bytes, 1, 0), HumanBytes(st.out_bytes, 1, 0))},
      {t.streamed,
       fmt::format("streaming {} of parameters that do not fit the {} cache",
                   HumanBytes(st.streamed_bytes, 1, 0), HumanBytes(p.param_cache_bytes, 1, 0))},
      {t.cpu, fmt::format("{} operators on the host CPU", st.cpu_ops)}};
  const Part& top = *std::max_element(parts.begin(), parts.end(),
                                      [](const Part& a, const Part& b) { return a.s < b.s; });
  const int r = cost.Replicas(k);
  return fmt::format(
      "Stage {} limits the pipeline ({:.3f} ms{}, the period): {:.0f}% of its time is {}.", k,
      st.latency_s * 1e3,
      r > 1 ? fmt::format(" on {} replicas: {:.3f} ms per replica", r, st.latency_s * 1e3 / r) : "",
      st.latency_s > 0 ? 100 * top.s / st.latency_s : 0.0, top.why);
}

std::string HtmlReport(const HtmlReportInput& in) {
  const Graph& g = *in.graph;
  const DeviceProfile& p = *in.device;
  std::string h = HtmlHead(fmt::format("respect: {} on {} stages", g.name, in.cost.stages.size()));
  h += fmt::format("<h1>{}: a {}-stage pipeline on {} {} TPU{}</h1>\n", XmlEscape(g.name),
                   in.cost.stages.size(), in.cost.tpus, XmlEscape(p.name),
                   in.cost.tpus == 1 ? "" : "s");
  h += fmt::format("<p>Produced by <code>{}</code></p>\n", XmlEscape(in.command));
  h += fmt::format("<p class=\"verdict\" id=\"verdict\">{}</p>\n",
                   XmlEscape(BottleneckVerdict(in.cost, p)));
  // Summary.
  h += "<h2>Summary</h2>\n<table id=\"summary\">\n";
  auto row = [&h](const std::string& k, const std::string& v) {
    h +=
        fmt::format("<tr><th>{}</th><td style=\"text-align:left\">{}</td></tr>\n", XmlEscape(k), v);
  };
  row("model",
      fmt::format("{} operators, {} parameters, {} MACs", g.num_ops(),
                  HumanBytes(g.TotalParamBytes(), 1, 0), HumanCount(g.TotalMacs(), 1, 1, 0)));
  row("period", fmt::format("{:.3f} ms ({:.1f} inferences/s)", in.cost.period_s * 1e3,
                            in.cost.throughput_ips));
  row("latency", fmt::format("{:.3f} ms", in.cost.latency_s * 1e3));
  row("TPUs", fmt::format("{} ({} stages; replicas {})", in.cost.tpus, in.cost.stages.size(),
                          fmt::join(in.cost.replicas, ", ")));
  row("host",
      fmt::format("{:.3f} ms CPU per inference on {} cores, {:.3f} ms on {} "
                  "controller{}; limits the period at {:.3f} ms{}",
                  in.cost.host_cpu_s * 1e3, p.host_cores, in.cost.controller_s * 1e3,
                  p.Controllers(in.cost.tpus), p.Controllers(in.cost.tpus) > 1 ? "s" : "",
                  in.cost.host_period_s * 1e3,
                  in.cost.limit == PipelineLimit::kStage ? " (not binding)" : " (binding)"));
  if (in.baseline)
    row("against " + in.baseline_label,
        fmt::format("{:.2f}x faster ({} period {:.3f} ms)",
                    in.cost.period_s > 0 ? in.baseline->period_s / in.cost.period_s : 0.0,
                    XmlEscape(in.baseline_label), in.baseline->period_s * 1e3));
  if (in.has_solve) {
    const bool paper = in.objective == "paper";
    auto val = [paper](double v) {
      return paper ? fmt::format("{:.4f}", v) : fmt::format("{:.4f} ms", v * 1e3);
    };
    row("method", XmlEscape(in.method) + ", objective " + XmlEscape(in.objective));
    row("objective",
        fmt::format(
            "{}; lower bound {}{}; gap {:.1f}%; <span class=\"{}\">{}</span>; solved in {:.3f} s",
            val(in.objective_value), val(in.lower_bound),
            in.bound_from.empty() ? "" : " (" + XmlEscape(in.bound_from) + ")", 100 * in.gap,
            in.proven ? "proven" : "unproven", in.proven ? "proven optimal" : "not proven optimal",
            in.solve_seconds));
    for (const PhaseReport& ph : in.phases)
      row("phase " + ph.name,
          fmt::format("{:.3f} s, value {}: {}", ph.seconds, val(ph.value), XmlEscape(ph.status)));
    row("note", XmlEscape(in.note));
  }
  h += "</table>\n";
  // Stage table.
  h += "<h2>Stages</h2>\n<table class=\"stages\" "
       "id=\"stages\">\n<tr><th>stage</th><th>replicas</th><th>operators</th><th>time ms</th>"
       "<th>per replica ms</th>"
       "<th>compute ms</th><th>transfer ms</th><th>host ms</th><th>cached MiB</th><th>streamed "
       "MiB</th><th>in</th>"
       "<th>out</th></tr>\n";
  for (size_t k = 0; k < in.cost.stages.size(); ++k) {
    const StageCost& st = in.cost.stages[k];
    const int r = in.cost.Replicas(k);
    h += fmt::format(
        "<tr{}><td>{}</td><td>{}</td><td>{}</td><td>{:.3f}</td><td>{:.3f}</td><td>{:.3f}</td><td>"
        "{:.3f}</td><td>{:.3f}</"
        "td><td>{:.2f}"
        "</td><td>{:.2f}</td><td>{}</td><td>{}</td></tr>\n",
        static_cast<int>(k) == in.cost.bottleneck && in.cost.limit == PipelineLimit::kStage
            ? " class=\"bottleneck\""
            : "",
        k, r, st.ops, st.latency_s * 1e3, st.latency_s * 1e3 / r,
        (st.overhead_s + st.compute_s) * 1e3, st.transfer_s * 1e3, st.cpu_s * 1e3,
        st.cached_bytes / 1048576.0, st.streamed_bytes / 1048576.0, HumanBytes(st.in_bytes, 1, 0),
        HumanBytes(st.out_bytes, 1, 0));
  }
  h += "</table>\n";
  // Pictures.
  std::vector<BalanceSeries> series = {{in.method, in.cost}};
  if (in.baseline) series.push_back({in.baseline_label, *in.baseline});
  h +=
      "<h2>Stage balance</h2>\n<div class=\"picture\">\n" + StageBalanceSvg(series, p) + "</div>\n";
  h += std::string("<h2>Stages on the graph</h2>\n<p>") +
       (in.picture.collapse_chains
            ? "One box per chain of operators inside a stage (--expand-chains: one per operator)"
            : "One box per operator") +
       "; red edges are the tensors that cross between stages, with their size.</p>\n";
  const std::string dot = StageClusterDot(g, in.schedule, in.cost, p, in.picture);
  auto svg = RenderDotSvg(dot, g.num_ops());
  if (svg)
    h += "<div class=\"picture\">\n" + InlineSvg(*svg) + "</div>\n";
  else
    h += fmt::format("<p>(picture left out: {})</p>\n", XmlEscape(svg.error().message));
  h += "<p style=\"color:#777;font-size:0.8em\">Every figure comes from respect's cost model (one "
       "evaluator).</p>\n"
       "</body>\n</html>\n";
  return h;
}

std::string DeploymentHtmlReport(const Deployment& d, const std::string& device,
                                 const std::string& command) {
  std::string h =
      HtmlHead(fmt::format("respect: {} models on {} TPUs", d.models.size(), d.tpus.size()));
  h += fmt::format("<h1>{} models on {} {} TPUs</h1>\n", d.models.size(), d.tpus.size(),
                   XmlEscape(device));
  h += fmt::format("<p>Produced by <code>{}</code></p>\n", XmlEscape(command));
  h += fmt::format(
      "<p class=\"verdict\" id=\"verdict\">Every model runs at {:.3g} x its rate; {} caps it. "
      "<span class=\"{}\">{}</span> ({}).</p>\n",
      d.ratio, XmlEscape(d.limit), d.proven ? "proven" : "unproven",
      d.proven ? "proven optimal" : "not proven optimal", XmlEscape(d.note));
  h += "<h2>Models</h2>\n<table id=\"models\">\n<tr><th>model</th><th>needs /s</th><th>planned "
       "/s</th><th>capacity /s</th><th>latency ms</th><th>stages</th><th>replicas</th><th>TPUs</"
       "th><th>shared</th></tr>\n";
  for (const DeployedModel& m : d.models) {
    h += fmt::format(
        "<tr><td>{}</td><td>{:g}</td><td>{:.1f}</td><td>{:.1f}</td><td>{:.3f}</td><td>{}</td><td>{}"
        "</td><td>{}</td><td>{}</td></tr>\n",
        XmlEscape(m.name), m.fps, m.rate_ips, m.capacity_ips, m.cost.latency_s * 1e3,
        m.schedule.num_stages, fmt::join(m.schedule.ReplicaCounts(), ","), fmt::join(m.tpus, ","),
        m.shared ? "yes" : "no");
  }
  h += "</table>\n<h2>TPUs</h2>\n<table id=\"tpus\">\n<tr><th>TPU</th><th>busy</th><th>cache "
       "MiB</th><th>streams MiB</th><th style=\"text-align:left\">segments (co-compile "
       "order)</th></tr>\n";
  for (size_t t = 0; t < d.tpus.size(); ++t) {
    const DeployedTpu& tpu = d.tpus[t];
    std::string segs;
    for (const auto& seg : tpu.segments)
      segs += fmt::format("{}{} stage {}", segs.empty() ? "" : ", ",
                          XmlEscape(d.models[seg.model].name), seg.stage);
    h += fmt::format(
        "<tr><td>{}</td><td>{:.0f}%</td><td>{:.2f}</td><td>{:.2f}</td><td "
        "style=\"text-align:left\">{}</td></tr>\n",
        t, 100 * tpu.busy, tpu.cached_bytes / 1048576.0, tpu.streamed_bytes / 1048576.0, segs);
  }
  h += fmt::format(
      "</table>\n<p>Host: CPU {:.0f}% busy, controller {:.0f}%.</p>\n<h2>Which TPU does "
      "what</h2>\n<div class=\"picture\">\n{}</div>\n",
      100 * d.host_cpu_load, 100 * d.controller_load,
      DeploymentSvg(d, fmt::format("{} models on {} TPUs", d.models.size(), d.tpus.size())));
  h += "<p style=\"color:#777;font-size:0.8em\">Every figure comes from respect's cost model (one "
       "evaluator).</p>\n</body>\n</html>\n";
  return h;
}

}  // namespace respect
