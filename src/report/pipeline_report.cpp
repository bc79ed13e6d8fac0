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
                      {"latency_ms", s.latency_s * 1e3}});
  return {{"stages", stages},
          {"period_ms", c.period_s * 1e3},
          {"latency_ms", c.latency_s * 1e3},
          {"throughput_ips", c.throughput_ips},
          {"bottleneck_stage", c.bottleneck}};
}

nlohmann::json SimulationJson(const PipelineSimulation& sim) {
  return {{"inferences", sim.inferences},
          {"period_ms", sim.period_s * 1e3},
          {"first_latency_ms", sim.first_latency_s * 1e3},
          {"mean_latency_ms", sim.mean_latency_s * 1e3},
          {"makespan_ms", sim.makespan_s * 1e3}};
}

std::string PipelineCostTable(const PipelineCost& c) {
  std::string out =
      fmt::format("{:>5} {:>5} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>8} {:>9}\n", "stage",
                  "ops", "param MiB", "cached", "streamed", "in KiB", "out KiB", "compute",
                  "transfer", "cpu", "stage ms");
  for (size_t k = 0; k < c.stages.size(); ++k) {
    const StageCost& s = c.stages[k];
    out += fmt::format(
        "{:>5} {:>5} {:>9.2f} {:>9.2f} {:>9.2f} {:>9.1f} {:>9.1f} {:>9.3f} {:>9.3f} {:>8.3f} "
        "{:>9.3f}{}\n",
        k, s.ops, s.param_bytes / 1048576.0, s.cached_bytes / 1048576.0,
        s.streamed_bytes / 1048576.0, s.in_bytes / 1024.0, s.out_bytes / 1024.0, s.compute_s * 1e3,
        s.transfer_s * 1e3, s.cpu_s * 1e3, s.latency_s * 1e3,
        static_cast<int>(k) == c.bottleneck && c.stages.size() > 1 ? "  <- bottleneck" : "");
  }
  out += fmt::format("period {:.3f} ms   throughput {:.1f} inferences/s   latency {:.3f} ms\n",
                     c.period_s * 1e3, c.throughput_ips, c.latency_s * 1e3);
  return out;
}

}  // namespace respect
