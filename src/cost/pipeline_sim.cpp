#include "cost/pipeline_sim.h"

#include <algorithm>
#include <cstdint>
#include <numeric>

namespace respect {

PipelineSimulation SimulatePipeline(const std::vector<double>& T, int inferences,
                                    const std::vector<int>& replicas, double host_period_s) {
  PipelineSimulation sim;
  sim.inferences = std::max(inferences, 1);
  const int K = static_cast<int>(T.size()), N = sim.inferences;
  if (K == 0) return sim;
  std::vector<int> r(K, 1);
  for (int k = 0; k < K && k < static_cast<int>(replicas.size()); ++k)
    r[k] = std::max(1, replicas[k]);
  const int R = *std::max_element(r.begin(), r.end());
  // start[i % (R + 1)][k] and slot[...][k] (e_k): the last R + 1 rows are all a row needs.
  const int rows = R + 1;
  std::vector<std::vector<double>> start(rows, std::vector<double>(K, 0)),
      slot(rows, std::vector<double>(K, 0));
  sim.completion_s.resize(N);
  double latency_sum = 0;
  for (int i = 0; i < N; ++i) {
    std::vector<double>& s = start[i % rows];
    std::vector<double>& e = slot[i % rows];
    const std::vector<double>* prev_s = i > 0 ? &start[(i - 1) % rows] : nullptr;
    for (int k = 0; k < K; ++k) {
      const double input_ready = k == 0 ? host_period_s * i : e[k - 1];
      // The replica that takes i last handed off inference i - r_k.
      const double replica_free = i >= r[k] ? slot[(i - r[k]) % rows][k] : 0.0;
      s[k] = std::max(input_ready, replica_free);
      // Into the one-slot queue once the next stage took i - 1 (the last stage hands to the
      // host, in order).
      double slot_free = 0;
      if (i > 0) slot_free = k + 1 < K ? (*prev_s)[k + 1] : slot[(i - 1) % rows][k];
      e[k] = std::max(s[k] + T[k], slot_free);
    }
    sim.completion_s[i] = e[K - 1];
    latency_sum += e[K - 1] - s[0];
    if (i == 0) sim.first_latency_s = e[K - 1] - s[0];
  }
  sim.makespan_s = sim.completion_s.back();
  sim.mean_latency_s = latency_sum / N;
  // The mean interval over the second half, measured over whole round-robin cycles (lcm of the
  // replica counts), where completions come in bursts.
  int64_t cycle = 1;
  for (int x : r) cycle = std::min<int64_t>(cycle / std::gcd<int64_t>(cycle, x) * x, 1 << 20);
  if (N >= 2) {
    int window = N - 1 - std::min(N / 2, N - 2);
    if (cycle <= window) window = static_cast<int>(window / cycle * cycle);
    sim.period_s = (sim.completion_s[N - 1] - sim.completion_s[N - 1 - window]) / window;
  } else {
    sim.period_s = sim.completion_s[0];
  }
  return sim;
}

PipelineSimulation SimulatePipeline(const PipelineCost& cost, int inferences) {
  std::vector<double> T;
  for (const auto& st : cost.stages) T.push_back(st.latency_s);
  return SimulatePipeline(T, inferences, cost.replicas, cost.host_period_s);
}

}  // namespace respect
