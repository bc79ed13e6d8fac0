// The per-stage table and JSON of a pipeline's cost, shared by `respect simulate`,
// `respect schedule` and the benchmarks, so every command reports a pipeline the same way.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "cost/cost_model.h"
#include "cost/pipeline_sim.h"

namespace respect {

// {"stages": [{ops, tpu_ops, cpu_ops, macs, param_bytes, cached_bytes, streamed_bytes,
//   in_bytes, out_bytes, overhead_ms, compute_ms, transfer_ms, cpu_ms, latency_ms, host_cpu_ms,
//   controller_ms, replicas}, ...], "period_ms", "latency_ms", "throughput_ips",
//  "bottleneck_stage", "tpus", "stage_period_ms", "host_cpu_ms", "controller_ms",
//  "host_period_ms", "limit" (stage, host-cpu or controller)}
nlohmann::json PipelineCostJson(const PipelineCost& c);
// {inferences, period_ms, first_latency_ms, mean_latency_ms, makespan_ms}: `simulation` in
// `respect simulate --json` and the Python module's simulate().
nlohmann::json SimulationJson(const PipelineSimulation& sim);
// Human table: one row per stage (with replicas where any stage has more than one), then
// period, throughput, latency and TPUs; with the profile, what limits the period and the host's
// share per inference.
std::string PipelineCostTable(const PipelineCost& c, const DeviceProfile* p = nullptr);
// What sets the period, for people: "stage 2 (3.1 ms on 2 TPUs)", "the host controller (...)".
std::string PipelineLimitText(const PipelineCost& c, const DeviceProfile& p);

}  // namespace respect
