// Training and evaluating RESPECT policies (paper section 3 "RL Training"; PROBLEM.md 4):
// REINFORCE on synthetic graphs, reward = cosine similarity of the emitted label sequence to
// the sorted one, baseline = greedy rollout of a frozen copy of the policy that is replaced when
// a one-sided paired t-test says the trained policy is better, Adam, gradient-norm clipping.
// No LibTorch types in this header.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/graph.h"
#include "core/status.h"
#include "learn/policy.h"
#include "learn/policy_config.h"
#include "synth/synthetic_dag.h"

namespace respect {

// Where labels come from.
enum class LabelSource {
  kList,   // RESPECT's greedy list scheduler, its steps turned forward (label 1 = sources' step)
  kExact,  // the fewest steps under the capacity, proven by CBC (falls back to list on timeout)
  // The list scheduler's steps as the authors' dataset code numbers them: it schedules backward
  // from the sinks, and label 1 is its first step (the sinks), so the policy learns to emit the
  // graph in the scheduler's own order, outputs first. An experiment (README): orders from such a
  // policy are reverse-topological.
  kListBackward,
};

struct TrainConfig {
  PolicyConfig policy;
  // Training graphs (the paper: n = 30, d = 6, L in [10, 25], weights U[0, 5), W = 35).
  SyntheticDagOptions graphs{30, 6, 10, 25, 0.0, 5.0, 1};
  int train_graphs =
      10240;  // one fixed dataset, drawn once from the seed (per epoch: fresh_graphs)
  // Draw a new set of train_graphs graphs every epoch, as the RESPECT authors do (128,000 per
  // epoch), instead of one fixed set. Graph i of epoch e depends only on (seed, e, i).
  bool fresh_graphs = false;
  double capacity = 35;  // W: label step capacity
  LabelSource labels = LabelSource::kList;
  double exact_time_limit_s = 2;  // per graph, for exact labels
  // Evaluation graphs (the paper: n = 50, L in [16, 40]).
  SyntheticDagOptions eval{50, 6, 16, 40, 0.0, 5.0, 2};
  int eval_graphs = 100;
  // Optimisation (the paper: Adam, lr 1e-4, batch 128, clip 1.0, 100-300 epochs).
  int epochs = 100;
  int batch_size = 128;
  double learning_rate = 1e-4;
  double grad_clip = 1.0;
  bool precedence_mask = false;  // mask non-ready nodes while training (the paper does not)
  int baseline_graphs = 1000;    // validation set of the t-test
  double baseline_alpha = 0.05;  // significance of the one-sided paired t-test
  uint64_t seed = 1;
  int threads = 0;  // 0 = every core
  // Data-parallel training: each batch is split into this many shards, each sampled with its own
  // seed, and the workers take the shards in turn, so for a fixed value the result does not
  // depend on the number of workers. 0: one shard per worker (1 for a single process: the
  // original single-stream sampling).
  int shards = 0;
};

// The group a training process belongs to (`respect train --world-size/--rank/--master`).
struct TrainDistribution {
  int world_size = 1;
  int rank = 0;
  std::string master = "127.0.0.1:29500";  // HOST:PORT of rank 0
  double timeout_s = 60;                   // rendezvous and each collective
};

// The launchers' environment (torchrun, SLURM job scripts, Kubernetes operators): WORLD_SIZE,
// RANK, MASTER_ADDR and MASTER_PORT fill the fields the command line left unset (`given`). A
// variable that is set but malformed is an error naming it; `getenv` is replaceable for tests.
struct DistributionGiven {
  bool world_size = false, rank = false, master = false;
};
Status ApplyLauncherEnvironment(TrainDistribution* d, const DistributionGiven& given,
                                const std::function<const char*(const char*)>& getenv);

nlohmann::json TrainConfigToJson(const TrainConfig& c);
// Missing keys keep their defaults; unknown keys and bad values are errors.
Result<TrainConfig> TrainConfigFromJson(const nlohmann::json& j);

struct EpochStats {
  int epoch = 0;  // 1-based
  double loss = 0, train_reward = 0, train_mismatch = 0;
  double eval_reward = 0, eval_mismatch = 0, eval_recall = 0;  // greedy, on the eval graphs
  bool baseline_replaced = false;
  double baseline_p_value = 1;
  double seconds = 0;
  double comm_seconds = 0;  // data-parallel: this worker's time in collectives (waiting included)
};
nlohmann::json EpochStatsToJson(const EpochStats& s);

struct TrainProgress {
  int epoch = 0, epochs = 0, batch = 0, batches = 0;
  double loss = 0, reward = 0, mismatch = 0;  // running means over the epoch so far
  double elapsed_s = 0;
  std::string phase;  // "labels", "train", "baseline", "eval", "epoch" (finished and saved)
  EpochStats stats;   // phase "epoch": the finished epoch
};

// Trains into out_dir: checkpoint.pt (everything needed to resume, written atomically after
// every epoch), policy.pt (the trained policy after the last finished epoch) and history.json
// (one EpochStats per epoch). With resume, continues from out_dir/checkpoint.pt; a run that is
// killed loses at most the epoch in progress, and the resumed run computes what the
// uninterrupted one would have (every epoch reseeds from the seed and its index).
// With a distribution of N > 1 workers, every worker runs this with its rank: gradients are
// summed over the group before each step (so every worker holds the same parameters), the
// baseline's t-test rewards are computed shard-wise and summed, and only rank 0 evaluates and
// writes files. A worker that fails makes the others return an error naming their rank.
Result<std::vector<EpochStats>> Train(const TrainConfig& config, const std::string& out_dir,
                                      bool resume,
                                      const std::function<void(const TrainProgress&)>& progress,
                                      const TrainDistribution& distribution = {});

// A labelled synthetic graph.
struct LabelledGraph {
  SyntheticDag dag;
  std::vector<int> labels;  // forward labels (imitation_task.h)
};
// `count` graphs drawn from options (graph i from seed options.seed * 1000003 + i), labelled.
Result<std::vector<LabelledGraph>> MakeLabelledGraphs(const SyntheticDagOptions& options, int count,
                                                      double capacity, LabelSource labels,
                                                      double exact_time_limit_s);

// "list", "exact" or "list-backward" (the config's and `respect eval --labels`' spelling).
Result<LabelSource> ParseLabelSource(const std::string& name);
const char* LabelSourceName(LabelSource s);
// The evaluation graphs of `respect eval` (the paper's: 50 nodes, 16-40 levels), their in-degree
// capped at what the policy's rows can hold.
SyntheticDagOptions EvalGraphOptions(const PolicyConfig& policy, uint64_t seed);

struct EvalMetrics {
  double mismatch = 0, recall = 0, reward = 0;  // means over graphs
  double topological = 0;                       // fraction of orders that are topological
};
// One-sided paired t-test: the p-value of "mean(a - b) > 0" (Student's t, n - 1 degrees of
// freedom). The baseline is replaced when p < baseline_alpha.
double PairedTTestPValue(const std::vector<double>& a, const std::vector<double>& b);

// Greedy decoding through Policy::Orders, the path `rl` uses.
// {mismatch, recall, reward, topological}.
nlohmann::json EvalMetricsJson(const EvalMetrics& m);
EvalMetrics EvaluatePolicy(const Policy& policy, const std::vector<LabelledGraph>& graphs,
                           bool precedence_mask);
// The same metrics for any rule that orders a graph.
EvalMetrics EvaluateOrders(const std::vector<LabelledGraph>& graphs,
                           const std::function<std::vector<int>(const LabelledGraph&)>& order_of);
// The same metrics for a reference order (HeightEstimateOrder, imitation_task.h): the mismatch a
// scheduler that sees the node's descendants up to `hops` edges down reaches on these graphs.
EvalMetrics EvaluateReferenceOrder(const std::vector<LabelledGraph>& graphs, int hops,
                                   bool sinks_first);

}  // namespace respect
