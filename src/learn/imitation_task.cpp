#include "learn/imitation_task.h"

#include <algorithm>
#include <cmath>

#include "core/analysis.h"
#include "schedulers/list_scheduler.h"
#include "synth/synthetic_dag.h"

namespace respect {

std::vector<float> EmbedGraph(const Graph& g, const std::vector<double>& weight_mib,
                              const EmbeddingOptions& options) {
  const int n = g.num_ops(), d = options.max_parents, width = EmbeddingWidth(options);
  const std::vector<int> asap = AsapLevels(g);
  const std::vector<int> alap = options.alap ? AlapLevels(g) : std::vector<int>();
  int deepest = 1;
  for (int l : asap) deepest = std::max(deepest, l + 1);
  const float level_scale = options.normalize ? 1.0f / static_cast<float>(deepest) : 1.0f;
  const float id_scale = options.normalize ? 1.0f / static_cast<float>(std::max(1, n)) : 1.0f;
  const float id_shift = options.normalize ? 1.0f : 0.0f;  // normalised ids: -1 -> 0, v -> (v+1)/n
  std::vector<float> rows(static_cast<size_t>(n) * width, 0.0f);
  std::vector<int> parents;
  for (int v = 0; v < n; ++v) {
    float* row = &rows[static_cast<size_t>(v) * width];
    row[0] = static_cast<float>(asap[v] + 1) * level_scale;
    parents = g.preds(v);
    std::sort(parents.begin(), parents.end(),
              [&](int a, int b) { return asap[a] != asap[b] ? asap[a] > asap[b] : a < b; });
    for (int s = 0; s < d; ++s) {
      const bool has = s < static_cast<int>(parents.size());
      row[1 + s] = has ? static_cast<float>(asap[parents[s]] + 1) * level_scale : 0.0f;
      row[1 + d + s] = ((has ? static_cast<float>(parents[s]) : -1.0f) + id_shift) * id_scale;
    }
    row[1 + 2 * d] = (static_cast<float>(v) + id_shift) * id_scale;
    row[2 + 2 * d] = static_cast<float>(weight_mib[v]);
    int col = 3 + 2 * d;
    if (options.alap) row[col++] = static_cast<float>(alap[v] + 1) * level_scale;
    if (options.first_child) {
      int first = -1;
      for (int c : g.succs(v)) first = first < 0 ? asap[c] : std::min(first, asap[c]);
      row[col++] = static_cast<float>(first + 1) * level_scale;  // a sink: 0
    }
  }
  return rows;
}

std::vector<double> ParamWeightsMiB(const Graph& g) {
  std::vector<double> w(g.num_ops());
  for (int v = 0; v < g.num_ops(); ++v)
    w[v] = static_cast<double>(g.ops[v].param_bytes) / (1 << 20);
  return w;
}

std::vector<int> ForwardListLabels(const Graph& g, const std::vector<double>& weight,
                                   double capacity) {
  std::vector<int> labels = ListScheduleLabels(g, weight, capacity);
  const int last = labels.empty() ? 0 : *std::max_element(labels.begin(), labels.end());
  for (int& l : labels) l = last + 1 - l;
  return labels;
}

namespace {
// S' (labels in emitted order) and S (labels sorted).
void LabelSequences(const std::vector<int>& labels, const std::vector<int>& order,
                    std::vector<int>* emitted, std::vector<int>* sorted) {
  emitted->clear();
  for (int v : order) emitted->push_back(labels[v]);
  *sorted = labels;
  std::sort(sorted->begin(), sorted->end());
}
}  // namespace

double LabelReward(const std::vector<int>& labels, const std::vector<int>& order) {
  std::vector<int> s_emitted, s_sorted;
  LabelSequences(labels, order, &s_emitted, &s_sorted);
  double dot = 0, ne = 0, ns = 0;
  for (size_t i = 0; i < s_sorted.size(); ++i) {
    dot += static_cast<double>(s_sorted[i]) * s_emitted[i];
    ns += static_cast<double>(s_sorted[i]) * s_sorted[i];
    ne += static_cast<double>(s_emitted[i]) * s_emitted[i];
  }
  return dot / std::max(std::sqrt(ns) * std::sqrt(ne), 1e-8);
}

int LabelMismatch(const std::vector<int>& labels, const std::vector<int>& order) {
  std::vector<int> s_emitted, s_sorted;
  LabelSequences(labels, order, &s_emitted, &s_sorted);
  int m = 0;
  for (size_t i = 0; i < s_sorted.size(); ++i) m += s_sorted[i] != s_emitted[i];
  return m;
}

double PairRecall(const std::vector<int>& labels, const std::vector<int>& order) {
  // Count inversions among pairs with different labels: O(n^2) is fine for evaluation sizes.
  std::vector<int> seq;
  for (int v : order) seq.push_back(labels[v]);
  int64_t good = 0, total = 0;
  for (size_t i = 0; i < seq.size(); ++i)
    for (size_t j = i + 1; j < seq.size(); ++j)
      if (seq[i] != seq[j]) {
        ++total;
        good += seq[i] < seq[j];
      }
  return total == 0 ? 1.0 : static_cast<double>(good) / static_cast<double>(total);
}

std::vector<int> HeightEstimateOrder(const Graph& g, int hops, bool sinks_first) {
  const int n = g.num_ops();
  const std::vector<int> asap = AsapLevels(g);
  int deepest = 0;
  for (int l : asap) deepest = std::max(deepest, l);
  std::vector<int> height(n), next(n);
  for (int v = 0; v < n; ++v) height[v] = deepest - asap[v];
  if (hops > deepest) {
    // No path is longer than `deepest` edges, so the estimate is the exact height, which the
    // ALAP level already states (a node's ALAP level is the deepest level minus its height).
    const std::vector<int> alap = AlapLevels(g);
    for (int v = 0; v < n; ++v) height[v] = deepest - alap[v];
  }
  // Each round lets every node read one more edge down.
  const int rounds = hops > deepest ? 0 : std::max(hops, 0);
  for (int k = 0; k < rounds; ++k) {
    for (int v = 0; v < n; ++v) {
      int h = 0;
      for (int c : g.succs(v)) h = std::max(h, height[c] + 1);
      next[v] = h;
    }
    height.swap(next);
  }
  std::vector<int> order(n);
  for (int v = 0; v < n; ++v) order[v] = v;
  std::sort(order.begin(), order.end(), [&](int a, int b) {
    if (height[a] != height[b]) return sinks_first ? height[a] < height[b] : height[a] > height[b];
    if (asap[a] != asap[b]) return sinks_first ? asap[a] > asap[b] : asap[a] < asap[b];
    return a < b;
  });
  return order;
}

}  // namespace respect
