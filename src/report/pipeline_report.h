// The per-stage table and JSON of a pipeline's cost, shared by `respect simulate`,
// `respect schedule` and the benchmarks, so every command reports a pipeline the same way.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "cost/cost_model.h"
#include "cost/pipeline_sim.h"

namespace respect {

// {"stages": [{ops, tpu_ops, cpu_ops, macs, param_bytes, cached_bytes, streamed_bytes,
//   in_bytes, out_bytes, overhead_ms, compute_ms, transfer_ms, cpu_ms, latency_ms}, ...],
//  "period_ms", "latency_ms", "throughput_ips", "bottleneck_stage"}
nlohmann::json PipelineCostJson(const PipelineCost& c);
// {inferences, period_ms, first_latency_ms, mean_latency_ms, makespan_ms}: `simulation` in
// `respect simulate --json` and the Python module's simulate().
nlohmann::json SimulationJson(const PipelineSimulation& sim);
// Human table: one row per stage, then period, throughput and latency.
std::string PipelineCostTable(const PipelineCost& c);

}  // namespace respect
