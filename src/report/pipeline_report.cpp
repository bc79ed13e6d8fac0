#include "report/pipeline_report.h"

#include <fmt/format.h>

namespace respect {

nlohmann::json PipelineCostJson(const PipelineCost& c) {
  nlohmann::json stages = nlohmann::json::array();
  for (const auto& s : c.stages)
    stages.push_back({{"ops", s.ops},
                      {"tpu_ops", s.tpu_ops},
                      {"cpu_ops", s.cpu_ops},
                      {"macs", s.macs},
                      {"param_bytes", s.param_bytes},
                      {"cached_bytes", s.cached_bytes},
                      {"streamed_bytes", s.streamed_bytes},
                      {"in_bytes", s.in_bytes},
                      {"out_bytes", s.out_bytes},
                      {"overhead_ms", s.overhead_s * 1e3},
                      {"compute_ms", s.compute_s * 1e3},
                      {"transfer_ms", s.transfer_s * 1e3},
                      {"cpu_ms", s.cpu_s * 1e3},
                      {"latency_ms", s.latency_s * 1e3},
                      {"host_cpu_ms", s.host_cpu_s * 1e3},
                      {"controller_ms", s.controller_s * 1e3}});
  for (size_t k = 0; k < stages.size() && k < c.replicas.size(); ++k)
    stages[k]["replicas"] = c.replicas[k];
  return {{"stages", stages},
          {"period_ms", c.period_s * 1e3},
          {"latency_ms", c.latency_s * 1e3},
          {"throughput_ips", c.throughput_ips},
          {"bottleneck_stage", c.bottleneck},
          {"tpus", c.tpus},
          {"stage_period_ms", c.stage_period_s * 1e3},
          {"host_cpu_ms", c.host_cpu_s * 1e3},
          {"controller_ms", c.controller_s * 1e3},
          {"host_period_ms", c.host_period_s * 1e3},
          {"limit", PipelineLimitName(c.limit)}};
}

nlohmann::json SimulationJson(const PipelineSimulation& sim) {
  return {{"inferences", sim.inferences},
          {"period_ms", sim.period_s * 1e3},
          {"first_latency_ms", sim.first_latency_s * 1e3},
          {"mean_latency_ms", sim.mean_latency_s * 1e3},
          {"makespan_ms", sim.makespan_s * 1e3}};
}

std::string PipelineLimitText(const PipelineCost& c, const DeviceProfile& p) {
  switch (c.limit) {
    case PipelineLimit::kStage:
      return c.stages.size() > 1 || c.tpus > 1
                 ? fmt::format("stage {} ({:.3f} ms on {} TPU{})", c.bottleneck,
                               c.stages[c.bottleneck].latency_s * 1e3, c.replicas[c.bottleneck],
                               c.replicas[c.bottleneck] > 1 ? "s" : "")
                 : std::string("the one stage");
    case PipelineLimit::kHostCpu:
      return fmt::format("the host CPU ({:.3f} ms of CPU per inference on {} cores)",
                         c.host_cpu_s * 1e3, p.host_cores);
    case PipelineLimit::kController:
      return fmt::format(
          "the host controller ({:.3f} ms of transfers per inference shared by {} controller{})",
          c.controller_s * 1e3, p.Controllers(c.tpus), p.Controllers(c.tpus) > 1 ? "s" : "");
  }
  return "";
}

std::string PipelineCostTable(const PipelineCost& c, const DeviceProfile* p) {
  const bool replicas = c.tpus > static_cast<int>(c.stages.size());
  std::string out =
      fmt::format("{:>5} {:>5} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>8} {:>9}{}\n", "stage",
                  "ops", "param MiB", "cached", "streamed", "in KiB", "out KiB", "compute",
                  "transfer", "cpu", "stage ms", replicas ? "  replicas" : "");
  for (size_t k = 0; k < c.stages.size(); ++k) {
    const StageCost& s = c.stages[k];
    out += fmt::format(
        "{:>5} {:>5} {:>9.2f} {:>9.2f} {:>9.2f} {:>9.1f} {:>9.1f} {:>9.3f} {:>9.3f} {:>8.3f} "
        "{:>9.3f}{}{}\n",
        k, s.ops, s.param_bytes / 1048576.0, s.cached_bytes / 1048576.0,
        s.streamed_bytes / 1048576.0, s.in_bytes / 1024.0, s.out_bytes / 1024.0, s.compute_s * 1e3,
        s.transfer_s * 1e3, s.cpu_s * 1e3, s.latency_s * 1e3,
        replicas ? fmt::format(" {:>9}", c.Replicas(k)) : "",
        static_cast<int>(k) == c.bottleneck && c.stages.size() > 1 &&
                c.limit == PipelineLimit::kStage
            ? "  <- bottleneck"
            : "");
  }
  out += fmt::format(
      "period {:.3f} ms   throughput {:.1f} inferences/s   latency {:.3f} ms   {} TPU{}\n",
      c.period_s * 1e3, c.throughput_ips, c.latency_s * 1e3, c.tpus, c.tpus == 1 ? "" : "s");
  if (p)
    out += fmt::format(
        "bottleneck: {}; host per inference: {:.3f} ms CPU ({} cores), {:.3f} ms controller\n",
        PipelineLimitText(c, *p), c.host_cpu_s * 1e3, p->host_cores, c.controller_s * 1e3);
  return out;
}

}  // namespace respect
