// Discrete-event simulation of N inferences flowing through a pipeline of K stages, as Coral's
// pipelined runner runs them: every stage is one TPU serving one inference at a time, stages
// are connected by queues of one slot, and a stage whose output slot is still full blocks until
// the next stage takes the item (back-pressure). Inferences are all waiting at the start.
//
// With d_k(i) the time stage k hands inference i on and s_k(i) the time it starts it:
//   s_k(i) = max(d_{k-1}(i), d_k(i-1))          (input ready, stage free)
//   d_k(i) = max(s_k(i) + T_k, s_{k+1}(i-1))    (output slot free once the next stage took i-1)
// The steady-state interval between completions equals max_k T_k (the analytical period).
//
// Hybrid pipelines: stage k has r_k replicas that take inferences round-robin (inference i goes
// to replica i mod r_k), the queue between two stages still holds one inference, and results
// leave every stage in order. With e_k(i) the time stage k puts i into its output slot:
//   s_k(i) = max(e_{k-1}(i), e_k(i - r_k))       (input ready, its replica has handed off)
//   e_k(i) = max(s_k(i) + T_k, s_{k+1}(i-1))     (the slot is free once the next stage took i-1)
// The shared host (PipelineCost::host_period_s) admits one inference per host period, the rate
// its CPU and controllers sustain: s_0(i) >= i x host period. The steady-state interval is then
// max(max_k T_k / r_k, host period), the evaluator's period.
#pragma once

#include <vector>

#include "cost/cost_model.h"

namespace respect {

struct PipelineSimulation {
  int inferences = 0;
  double makespan_s = 0;             // last inference leaves the last stage
  double period_s = 0;               // mean completion interval over the second half of the run
  double first_latency_s = 0;        // first inference, through an empty pipeline
  double mean_latency_s = 0;         // enter stage 0 -> leave the last stage, all inferences
  std::vector<double> completion_s;  // per inference
};

// stage_latency_s: T_k per stage (empty stages may be 0). inferences >= 1. replicas: r_k per
// stage (empty: one each); host_period_s: the host's admission interval (0: none).
PipelineSimulation SimulatePipeline(const std::vector<double>& stage_latency_s, int inferences,
                                    const std::vector<int>& replicas = {},
                                    double host_period_s = 0);
// The same for the evaluator's stage latencies, replicas and host period of a schedule.
PipelineSimulation SimulatePipeline(const PipelineCost& cost, int inferences);

}  // namespace respect
