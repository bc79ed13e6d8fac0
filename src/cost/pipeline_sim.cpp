#include "cost/pipeline_sim.h"

#include <algorithm>

namespace respect {

PipelineSimulation SimulatePipeline(const std::vector<double>& T, int inferences) {
  PipelineSimulation sim;
  sim.inferences = std::max(inferences, 1);
  const int K = static_cast<int>(T.size()), N = sim.inferences;
  if (K == 0) return sim;
  // Rows are inferences; only the previous row is needed for each stage.
  std::vector<double> start_prev(K, 0), depart_prev(K, 0), start(K), depart(K);
  sim.completion_s.resize(N);
  double latency_sum = 0;
  for (int i = 0; i < N; ++i) {
    // Starts first (front to back): a stage needs its input and to have handed off i-1.
    for (int k = 0; k < K; ++k) {
      const double input_ready = k == 0 ? 0.0 : depart[k - 1];
      const double stage_free = i == 0 ? 0.0 : depart_prev[k];
      start[k] = std::max(input_ready, stage_free);
      // Departure needs the next stage to have taken inference i-1 out of the slot. The next
      // stage's start for i-1 is known (previous row); the last stage hands to the host.
      const double slot_free = (k + 1 < K && i > 0) ? start_prev[k + 1] : 0.0;
      depart[k] = std::max(start[k] + T[k], slot_free);
    }
    sim.completion_s[i] = depart[K - 1];
    latency_sum += depart[K - 1] - start[0];
    if (i == 0) sim.first_latency_s = depart[K - 1] - start[0];
    start_prev = start;
    depart_prev = depart;
  }
  sim.makespan_s = sim.completion_s.back();
  sim.mean_latency_s = latency_sum / N;
  const int half = N / 2;
  if (N >= 2) {
    const int from = std::min(half, N - 2);
    sim.period_s = (sim.completion_s[N - 1] - sim.completion_s[from]) / (N - 1 - from);
  } else {
    sim.period_s = sim.completion_s[0];
  }
  return sim;
}

PipelineSimulation SimulatePipeline(const PipelineCost& cost, int inferences) {
  std::vector<double> T;
  for (const auto& st : cost.stages) T.push_back(st.latency_s);
  return SimulatePipeline(T, inferences);
}

}  // namespace respect
