#include "learn/trainer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <numeric>
#include <random>
#include <sstream>
#include <thread>
#include <unordered_map>

#include "core/analysis.h"
#include "core/file_io.h"
#include "learn/distributed.h"
#include "learn/exact_labels.h"
#include "learn/imitation_task.h"
#include "learn/pointer_net.h"
#include "schedulers/list_scheduler.h"

namespace respect {

// ---- configuration ---------------------------------------------------------------------------

namespace {

nlohmann::json GraphOptionsJson(const SyntheticDagOptions& o) {
  return {{"nodes", o.num_nodes},
          {"in_degree", o.in_degree},
          {"min_levels", o.min_levels},
          {"max_levels", o.max_levels},
          {"min_weight", o.min_weight},
          {"max_weight", o.max_weight},
          {"seed", o.seed}};
}

Status GraphOptionsFromJson(const nlohmann::json& j, const std::string& where,
                            SyntheticDagOptions* o) {
  if (!j.is_object()) return Error{fmt::format("train config: '{}' must be an object", where)};
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    if (k == "nodes")
      o->num_nodes = it->get<int>();
    else if (k == "in_degree")
      o->in_degree = it->get<int>();
    else if (k == "min_levels")
      o->min_levels = it->get<int>();
    else if (k == "max_levels")
      o->max_levels = it->get<int>();
    else if (k == "min_weight")
      o->min_weight = it->get<double>();
    else if (k == "max_weight")
      o->max_weight = it->get<double>();
    else if (k == "seed")
      o->seed = it->get<uint64_t>();
    else
      return Error{fmt::format("train config: unknown key '{}.{}'", where, k)};
  }
  return {};
}

}  // namespace

Result<LabelSource> ParseLabelSource(const std::string& name) {
  if (name == "list") return LabelSource::kList;
  if (name == "exact") return LabelSource::kExact;
  if (name == "list-backward") return LabelSource::kListBackward;
  return Error{fmt::format("labels must be list, exact or list-backward, not '{}'", name)};
}

const char* LabelSourceName(LabelSource s) {
  switch (s) {
    case LabelSource::kList:
      return "list";
    case LabelSource::kExact:
      return "exact";
    case LabelSource::kListBackward:
      return "list-backward";
  }
  return "list";
}

SyntheticDagOptions EvalGraphOptions(const PolicyConfig& policy, uint64_t seed) {
  SyntheticDagOptions o{50, 6, 16, 40, 0.0, 5.0, seed};
  if (o.in_degree > policy.max_parents) o.in_degree = policy.max_parents;
  return o;
}

nlohmann::json EvalMetricsJson(const EvalMetrics& m) {
  return {{"mismatch", m.mismatch},
          {"recall", m.recall},
          {"reward", m.reward},
          {"topological", m.topological}};
}

nlohmann::json TrainConfigToJson(const TrainConfig& c) {
  nlohmann::json j = {{"policy", PolicyConfigToJson(c.policy)},
                      {"graphs", GraphOptionsJson(c.graphs)},
                      {"train_graphs", c.train_graphs},
                      {"capacity", c.capacity},
                      {"labels", LabelSourceName(c.labels)},
                      {"exact_time_limit_s", c.exact_time_limit_s},
                      {"eval", GraphOptionsJson(c.eval)},
                      {"eval_graphs", c.eval_graphs},
                      {"epochs", c.epochs},
                      {"batch_size", c.batch_size},
                      {"learning_rate", c.learning_rate},
                      {"grad_clip", c.grad_clip},
                      {"precedence_mask", c.precedence_mask},
                      {"baseline_graphs", c.baseline_graphs},
                      {"baseline_alpha", c.baseline_alpha},
                      {"seed", c.seed},
                      {"threads", c.threads}};
  if (c.shards != 0) j["shards"] = c.shards;  // absent when 0: older checkpoints still resume
  if (c.fresh_graphs) j["fresh_graphs"] = true;
  return j;
}

Result<TrainConfig> TrainConfigFromJson(const nlohmann::json& j) {
  TrainConfig c;
  if (!j.is_object()) return Error{"train config: expected a JSON object"};
  try {
    for (auto it = j.begin(); it != j.end(); ++it) {
      const std::string& k = it.key();
      if (k == "policy") {
        auto p = PolicyConfigFromJson(*it);
        if (!p) return p.error();
        c.policy = *p;
      } else if (k == "graphs" || k == "eval") {
        if (auto st = GraphOptionsFromJson(*it, k, k == "graphs" ? &c.graphs : &c.eval); !st)
          return st.error();
      } else if (k == "train_graphs")
        c.train_graphs = it->get<int>();
      else if (k == "capacity")
        c.capacity = it->get<double>();
      else if (k == "labels") {
        auto labels = ParseLabelSource(it->get<std::string>());
        if (!labels) return Error{"train config: " + labels.error().message};
        c.labels = *labels;
      } else if (k == "exact_time_limit_s")
        c.exact_time_limit_s = it->get<double>();
      else if (k == "eval_graphs")
        c.eval_graphs = it->get<int>();
      else if (k == "epochs")
        c.epochs = it->get<int>();
      else if (k == "batch_size")
        c.batch_size = it->get<int>();
      else if (k == "learning_rate")
        c.learning_rate = it->get<double>();
      else if (k == "grad_clip")
        c.grad_clip = it->get<double>();
      else if (k == "precedence_mask")
        c.precedence_mask = it->get<bool>();
      else if (k == "baseline_graphs")
        c.baseline_graphs = it->get<int>();
      else if (k == "baseline_alpha")
        c.baseline_alpha = it->get<double>();
      else if (k == "seed")
        c.seed = it->get<uint64_t>();
      else if (k == "threads")
        c.threads = it->get<int>();
      else if (k == "shards")
        c.shards = it->get<int>();
      else if (k == "fresh_graphs")
        c.fresh_graphs = it->get<bool>();
      else
        return Error{fmt::format("train config: unknown key '{}'", k)};
    }
  } catch (const nlohmann::json::exception&) {
    return Error{"train config: a value has the wrong type"};
  }
  if (c.train_graphs < 1 || c.eval_graphs < 1)
    return Error{"train config: train_graphs and eval_graphs must be >= 1"};
  if (c.batch_size < 1) return Error{"train config: batch_size must be >= 1"};
  if (c.epochs < 1) return Error{"train config: epochs must be >= 1"};
  if (c.baseline_graphs < 3) return Error{"train config: baseline_graphs must be >= 3 (t-test)"};
  if (!(c.learning_rate > 0) || !(c.grad_clip > 0))
    return Error{"train config: learning_rate and grad_clip must be positive"};
  if (!(c.baseline_alpha > 0 && c.baseline_alpha < 1))
    return Error{"train config: baseline_alpha must be in (0, 1)"};
  if (!(c.capacity > 0)) return Error{"train config: capacity must be positive"};
  if (c.threads < 0) return Error{"train config: threads must be >= 0"};
  if (c.shards < 0 || c.shards > c.batch_size)
    return Error{"train config: shards must be in [0, batch_size]"};
  if (c.graphs.in_degree > c.policy.max_parents || c.eval.in_degree > c.policy.max_parents)
    return Error{"train config: graph in_degree must not exceed policy.max_parents"};
  for (const SyntheticDagOptions* g : {&c.graphs, &c.eval}) {
    SyntheticDagOptions probe = *g;
    if (auto d = GenerateSyntheticDag(probe); !d)
      return Error{"train config: " + d.error().message};
  }
  return c;
}

nlohmann::json EpochStatsToJson(const EpochStats& s) {
  return {{"epoch", s.epoch},
          {"loss", s.loss},
          {"train_reward", s.train_reward},
          {"train_mismatch", s.train_mismatch},
          {"eval_reward", s.eval_reward},
          {"eval_mismatch", s.eval_mismatch},
          {"eval_recall", s.eval_recall},
          {"baseline_replaced", s.baseline_replaced},
          {"baseline_p_value", s.baseline_p_value},
          {"seconds", s.seconds},
          {"comm_seconds", s.comm_seconds}};
}

// ---- data ------------------------------------------------------------------------------------

namespace {

// Graph `index` of a set drawn from `options`: it depends on (options.seed, index) only, so any
// worker can draw any graph of the set alone.
Result<LabelledGraph> MakeLabelledGraph(const SyntheticDagOptions& options, uint64_t index,
                                        double capacity, LabelSource labels,
                                        double exact_time_limit_s) {
  SyntheticDagOptions o = options;
  o.seed = options.seed * 1000003ull + index;
  auto dag = GenerateSyntheticDag(o);
  if (!dag) return dag.error();
  LabelledGraph lg{std::move(*dag), {}};
  if (labels == LabelSource::kExact) {
    auto exact = ExactStepLabels(lg.dag.graph, lg.dag.weight, capacity, exact_time_limit_s);
    if (exact) lg.labels = std::move(*exact);
  }
  if (labels == LabelSource::kListBackward)
    lg.labels = ListScheduleLabels(lg.dag.graph, lg.dag.weight, capacity);
  if (lg.labels.empty()) lg.labels = ForwardListLabels(lg.dag.graph, lg.dag.weight, capacity);
  return lg;
}

}  // namespace

Result<std::vector<LabelledGraph>> MakeLabelledGraphs(const SyntheticDagOptions& options, int count,
                                                      double capacity, LabelSource labels,
                                                      double exact_time_limit_s) {
  std::vector<LabelledGraph> out;
  out.reserve(count);
  for (int i = 0; i < count; ++i) {
    auto lg =
        MakeLabelledGraph(options, static_cast<uint64_t>(i), capacity, labels, exact_time_limit_s);
    if (!lg) return lg.error();
    out.push_back(std::move(*lg));
  }
  return out;
}

namespace {

std::vector<learn::EmbeddedGraph> EmbedAll(const std::vector<LabelledGraph>& graphs,
                                           const EmbeddingOptions& o) {
  std::vector<learn::EmbeddedGraph> out;
  out.reserve(graphs.size());
  for (const auto& g : graphs) out.push_back(learn::EmbedForPolicy(g.dag.graph, g.dag.weight, o));
  return out;
}

std::vector<int> OrderOf(const torch::Tensor& rows) {
  auto r = rows.accessor<int64_t, 1>();
  std::vector<int> order(r.size(0));
  for (int64_t i = 0; i < r.size(0); ++i) order[i] = static_cast<int>(r[i]);
  return order;
}

// Greedy rewards of `net` on graphs [0, size), in batches.
std::vector<double> GreedyRewards(learn::PointerNet& net,
                                  const std::vector<learn::EmbeddedGraph>& embedded,
                                  const std::vector<LabelledGraph>& graphs, int batch_size,
                                  bool mask) {
  torch::NoGradGuard no_grad;
  net->eval();
  std::vector<double> rewards;
  for (size_t start = 0; start < graphs.size(); start += batch_size) {
    std::vector<const learn::EmbeddedGraph*> part;
    for (size_t i = start; i < std::min(graphs.size(), start + batch_size); ++i)
      part.push_back(&embedded[i]);
    const torch::Tensor orders = net->Decode(learn::StackGraphs(part), false, mask).order;
    for (size_t i = 0; i < part.size(); ++i)
      rewards.push_back(
          LabelReward(graphs[start + i].labels, OrderOf(orders[static_cast<int64_t>(i)])));
  }
  return rewards;
}

// Regularised incomplete beta I_x(a, b) by Lentz's continued fraction (Numerical Recipes 6.4).
double IncompleteBeta(double a, double b, double x) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  if (x > (a + 1) / (a + b + 2)) return 1 - IncompleteBeta(b, a, 1 - x);
  const double front = std::exp(std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) +
                                a * std::log(x) + b * std::log(1 - x)) /
                       a;
  double f = 1, c = 1, d = 0;
  for (int i = 0; i <= 400; ++i) {
    const int m = i / 2;
    double num;
    if (i == 0)
      num = 1;
    else if (i % 2 == 0)
      num = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
    else
      num = -((a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1));
    d = 1 + num * d;
    if (std::fabs(d) < 1e-30) d = 1e-30;
    d = 1 / d;
    c = 1 + num / c;
    if (std::fabs(c) < 1e-30) c = 1e-30;
    const double cd = c * d;
    f *= cd;
    if (std::fabs(1 - cd) < 1e-12) break;
  }
  return front * (f - 1);
}

}  // namespace

double PairedTTestPValue(const std::vector<double>& a, const std::vector<double>& b) {
  const size_t n = a.size();
  double mean = 0;
  for (size_t i = 0; i < n; ++i) mean += a[i] - b[i];
  mean /= static_cast<double>(n);
  double var = 0;
  for (size_t i = 0; i < n; ++i) var += (a[i] - b[i] - mean) * (a[i] - b[i] - mean);
  var /= static_cast<double>(n - 1);
  if (var <= 0) return mean > 0 ? 0.0 : 1.0;
  const double t = mean / std::sqrt(var / static_cast<double>(n)), df = static_cast<double>(n - 1);
  const double tail = 0.5 * IncompleteBeta(df / 2, 0.5, df / (df + t * t));  // P(T > |t|)
  return t > 0 ? tail : 1 - tail;
}

Status ApplyLauncherEnvironment(TrainDistribution* d, const DistributionGiven& given,
                                const std::function<const char*(const char*)>& getenv) {
  auto integer = [&](const char* name, int lo, int hi, int* out) -> Status {
    const char* v = getenv(name);
    if (v == nullptr || *v == '\0') return Status::Ok();
    char* end = nullptr;
    errno = 0;
    const long x = std::strtol(v, &end, 10);
    if (errno != 0 || *end != '\0' || x < lo || x > hi)
      return Error{fmt::format("environment {}='{}': not an integer in [{}, {}]", name, v, lo, hi)};
    *out = static_cast<int>(x);
    return Status::Ok();
  };
  if (!given.world_size)
    if (auto st = integer("WORLD_SIZE", 1, 4096, &d->world_size); !st) return st;
  if (!given.rank)
    if (auto st = integer("RANK", 0, 4095, &d->rank); !st) return st;
  if (!given.master) {
    const char* addr = getenv("MASTER_ADDR");
    int port = -1;
    if (auto st = integer("MASTER_PORT", 1, 65535, &port); !st) return st;
    const bool has_addr = addr != nullptr && *addr != '\0';
    if (has_addr || port > 0) {
      auto current = learn::ParseMaster(d->master);  // the default: what a variable does not set
      if (!current) return current.error();
      d->master = fmt::format("{}:{}", has_addr ? std::string(addr) : current->first,
                              port > 0 ? port : current->second);
    }
  }
  if (d->rank >= d->world_size)
    return Error{
        fmt::format("rank {} is outside a group of {} (world size)", d->rank, d->world_size)};
  return Status::Ok();
}

EvalMetrics EvaluateOrders(const std::vector<LabelledGraph>& graphs,
                           const std::function<std::vector<int>(const LabelledGraph&)>& order_of) {
  EvalMetrics m;
  if (graphs.empty()) return m;
  for (const LabelledGraph& lg : graphs) {
    const std::vector<int> order = order_of(lg);
    m.mismatch += LabelMismatch(lg.labels, order);
    m.recall += PairRecall(lg.labels, order);
    m.reward += LabelReward(lg.labels, order);
    m.topological += IsTopologicalOrder(lg.dag.graph, order);
  }
  const double n = static_cast<double>(graphs.size());
  m.mismatch /= n;
  m.recall /= n;
  m.reward /= n;
  m.topological /= n;
  return m;
}

EvalMetrics EvaluatePolicy(const Policy& policy, const std::vector<LabelledGraph>& graphs,
                           bool precedence_mask) {
  policy.state().net->eval();
  // The greedy order exactly as `rl` decodes it (row shuffle, loop decoder where it applies).
  return EvaluateOrders(graphs, [&](const LabelledGraph& lg) {
    return policy.Orders(lg.dag.graph, lg.dag.weight, {precedence_mask, 0, 1}).front();
  });
}

EvalMetrics EvaluateReferenceOrder(const std::vector<LabelledGraph>& graphs, int hops,
                                   bool sinks_first) {
  return EvaluateOrders(graphs, [&](const LabelledGraph& lg) {
    return HeightEstimateOrder(lg.dag.graph, hops, sinks_first);
  });
}

// ---- training --------------------------------------------------------------------------------

namespace {

constexpr const char* kCheckpointFormat = "respect-train-checkpoint-1";

void CopyWeights(learn::PointerNet& from, learn::PointerNet& to) {
  torch::NoGradGuard no_grad;
  auto src = from->named_parameters(), dst = to->named_parameters();
  for (auto& p : src) dst[p.key()].copy_(p.value());
  auto sb = from->named_buffers(), db = to->named_buffers();
  for (auto& b : sb) db[b.key()].copy_(b.value());
}

std::string Serialize(torch::serialize::OutputArchive& a) {
  std::ostringstream out;
  a.save_to(out);
  return out.str();
}

EpochStats EpochStatsFromJson(const nlohmann::json& h) {
  EpochStats s;
  s.epoch = h["epoch"];
  s.loss = h["loss"];
  s.train_reward = h["train_reward"];
  s.train_mismatch = h["train_mismatch"];
  s.eval_reward = h["eval_reward"];
  s.eval_mismatch = h["eval_mismatch"];
  s.eval_recall = h["eval_recall"];
  s.baseline_replaced = h["baseline_replaced"];
  s.baseline_p_value = h["baseline_p_value"];
  s.seconds = h["seconds"];
  s.comm_seconds = h.value("comm_seconds", 0.0);  // absent in older checkpoints
  return s;
}

nlohmann::json HistoryJson(const std::vector<EpochStats>& history) {
  nlohmann::json hist = nlohmann::json::array();
  for (const auto& s : history) hist.push_back(EpochStatsToJson(s));
  return hist;
}

// What a checkpoint holds besides the networks and the optimizer, saved and loaded by this one
// type so that the two stay mirror images: the last finished epoch, how many times the t-test set
// was redrawn, and the history.
struct TrainingCheckpoint {
  int epoch = 0;
  uint64_t baseline_round = 0;
  std::vector<EpochStats> history;

  Status Save(const std::string& path, const TrainConfig& config, learn::PointerNet& net,
              learn::PointerNet& base, torch::optim::Adam& optimizer) const {
    try {
      torch::serialize::OutputArchive a, an, ab, ao;
      a.write("format", c10::IValue(std::string(kCheckpointFormat)));
      a.write("config", c10::IValue(TrainConfigToJson(config).dump()));
      net->save(an);
      a.write("net", an);
      base->save(ab);
      a.write("baseline", ab);
      optimizer.save(ao);
      a.write("optimizer", ao);
      a.write("epoch", c10::IValue(static_cast<int64_t>(epoch)));
      a.write("baseline_round", c10::IValue(static_cast<int64_t>(baseline_round)));
      a.write("history", c10::IValue(HistoryJson(history).dump()));
      return WriteFileAtomic(path, Serialize(a));
    } catch (const c10::Error&) {
      return Error{fmt::format("{}: cannot write the checkpoint", path)};
    }
  }

  // Restores the networks and the optimizer in place. The config must equal the one saved,
  // except the epoch count (a run may be extended) and the thread count.
  static Result<TrainingCheckpoint> Load(const std::string& path, const TrainConfig& config,
                                         learn::PointerNet& net, learn::PointerNet& base,
                                         torch::optim::Adam& optimizer) {
    if (!std::filesystem::exists(path))
      return Error{fmt::format("{}: no checkpoint to resume from", path)};
    auto bytes = ReadFileBytes(path, 1ull << 31);
    if (!bytes) return bytes.error();
    try {
      std::istringstream in(*bytes);
      torch::serialize::InputArchive a;
      a.load_from(in);
      c10::IValue format, saved_config, epoch, round, hist;
      if (!a.try_read("format", format) || !format.isString() ||
          format.toStringRef() != kCheckpointFormat)
        return Error{fmt::format("{}: not a respect training checkpoint", path)};
      a.read("config", saved_config);
      auto comparable = [](nlohmann::json j) {
        j.erase("epochs");
        j.erase("threads");
        return j;
      };
      if (comparable(nlohmann::json::parse(saved_config.toStringRef())) !=
          comparable(TrainConfigToJson(config)))
        return Error{fmt::format(
            "{}: the checkpoint was made with a different config; resume needs the same one",
            path)};
      torch::serialize::InputArchive an, ab, ao;
      a.read("net", an);
      net->load(an);
      a.read("baseline", ab);
      base->load(ab);
      a.read("optimizer", ao);
      optimizer.load(ao);
      a.read("epoch", epoch);
      a.read("baseline_round", round);
      a.read("history", hist);
      TrainingCheckpoint c;
      c.epoch = static_cast<int>(epoch.toInt());
      c.baseline_round = static_cast<uint64_t>(round.toInt());
      for (const auto& h : nlohmann::json::parse(hist.toStringRef()))
        c.history.push_back(EpochStatsFromJson(h));
      return c;
    } catch (const c10::Error&) {
      return Error{fmt::format("{}: corrupt or truncated checkpoint", path)};
    } catch (const nlohmann::json::exception&) {
      return Error{fmt::format("{}: corrupt checkpoint metadata", path)};
    }
  }
};

// One training run's state and its jobs, each a method: a batch of REINFORCE (sharded over the
// group), the baseline's t-test, the evaluation and the files of an epoch.
class Trainer {
 public:
  Trainer(const TrainConfig& config, std::unique_ptr<learn::ProcessGroup> group, Policy policy,
          Policy baseline, std::function<void(const TrainProgress&)> progress)
      : config_(config),
        group_(std::move(group)),
        world_(group_ ? group_->size() : 1),
        rank_(group_ ? group_->rank() : 0),
        shards_(config.shards > 0 ? config.shards : world_),
        policy_(std::move(policy)),
        baseline_(std::move(baseline)),
        net_(policy_.state().net),
        base_(baseline_.state().net),
        optimizer_(net_->parameters(), torch::optim::AdamOptions(config.learning_rate)),
        emb_options_(config.policy.embedding()),
        progress_(std::move(progress)),
        t_start_(std::chrono::steady_clock::now()) {}

  bool writer() const { return rank_ == 0; }
  int batches() const {
    return (config_.train_graphs + config_.batch_size - 1) / config_.batch_size;
  }
  learn::PointerNet& net() { return net_; }
  learn::PointerNet& base() { return base_; }
  torch::optim::Adam& optimizer() { return optimizer_; }
  double elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start_).count();
  }

  void Report(const char* phase, int epoch, int batch, int batches, double loss, double reward,
              double mismatch, const EpochStats* finished = nullptr) const {
    if (!progress_ || !writer()) return;
    TrainProgress p;
    p.phase = phase;
    p.epoch = epoch;
    p.epochs = config_.epochs;
    p.batch = batch;
    p.batches = batches;
    p.loss = loss;
    p.reward = reward;
    p.mismatch = mismatch;
    p.elapsed_s = elapsed();
    if (finished) p.stats = *finished;
    progress_(p);
  }

  // The evaluation set (rank 0 only) and the baseline's t-test set of `round`.
  Status PrepareSets(uint64_t round) {
    baseline_round_ = round;
    if (writer()) {
      auto eval = MakeLabelledGraphs(config_.eval, config_.eval_graphs, config_.capacity,
                                     config_.labels, config_.exact_time_limit_s);
      if (!eval) return eval.error();
      eval_ = std::move(*eval);
    }
    return RedrawBaselineSet();
  }
  uint64_t baseline_round() const { return baseline_round_; }

  // One epoch: every batch, then the baseline's test; rank 0 also evaluates.
  Result<EpochStats> Epoch(int epoch) {
    const double epoch_start = elapsed();
    const double comm_start = group_ ? group_->collective_seconds() : 0;
    // Every epoch reseeds from (seed, epoch): a resumed run repeats the uninterrupted one.
    torch::manual_seed(config_.seed * 1000003ull + static_cast<uint64_t>(epoch));
    if (config_.fresh_graphs) drawn_.clear();
    std::vector<int> perm(static_cast<size_t>(config_.train_graphs));
    std::iota(perm.begin(), perm.end(), 0);
    std::shuffle(perm.begin(), perm.end(),
                 std::mt19937_64(config_.seed * 31ull + static_cast<uint64_t>(epoch)));
    const int batches =
        static_cast<int>((perm.size() + config_.batch_size - 1) / config_.batch_size);
    EpochStats stats;
    stats.epoch = epoch;
    for (int bi = 0; bi < batches; ++bi) {
      if (auto st = Batch(epoch, bi, perm, stats); !st) return st.error();
      Report("train", epoch, bi + 1, batches, stats.loss / (bi + 1), stats.train_reward / (bi + 1),
             stats.train_mismatch / (bi + 1));
    }
    stats.loss /= batches;
    stats.train_reward /= batches;
    stats.train_mismatch /= batches;
    Report("baseline", epoch, batches, batches, stats.loss, stats.train_reward,
           stats.train_mismatch);
    if (auto st = UpdateBaseline(stats); !st) return st.error();
    stats.seconds = elapsed() - epoch_start;
    stats.comm_seconds = group_ ? group_->collective_seconds() - comm_start : 0;
    if (!writer()) return stats;  // rank 0 evaluates and writes the files
    Report("eval", epoch, batches, batches, stats.loss, stats.train_reward, stats.train_mismatch);
    const EvalMetrics em = EvaluatePolicy(policy_, eval_, config_.precedence_mask);
    stats.eval_reward = em.reward;
    stats.eval_mismatch = em.mismatch;
    stats.eval_recall = em.recall;
    stats.seconds = elapsed() - epoch_start;
    return stats;
  }

  // Rank 0 after each epoch: the policy first, then the history, then the checkpoint that says
  // this epoch is done.
  Status Persist(int epoch, const EpochStats& stats, const std::vector<EpochStats>& history,
                 const std::string& out_dir) {
    namespace fs = std::filesystem;
    nlohmann::json info = {{"trained_by", "respect train"},
                           {"epochs", epoch},
                           {"train_config", TrainConfigToJson(config_)},
                           {"last_epoch", EpochStatsToJson(stats)}};
    if (auto st = policy_.Save((fs::path(out_dir) / "policy.pt").string(), info); !st)
      return st.error();
    if (auto st = WriteFileAtomic((fs::path(out_dir) / "history.json").string(),
                                  HistoryJson(history).dump(1) + "\n");
        !st)
      return st.error();
    TrainingCheckpoint c{epoch, baseline_round_, history};
    return c.Save((fs::path(out_dir) / "checkpoint.pt").string(), config_, net_, base_, optimizer_);
  }

 private:
  // Training graphs are drawn (and labelled, and embedded) on demand by the worker whose shard
  // needs them, and kept: each worker draws only its shards' graphs. With fresh_graphs every
  // epoch has its own set, dropped when the epoch ends.
  struct Drawn {
    LabelledGraph labelled;
    learn::EmbeddedGraph embedded;
  };
  Result<const Drawn*> Draw(int epoch, int id) {
    const uint64_t index = config_.fresh_graphs ? 0x9E3779B9ull * static_cast<uint64_t>(epoch) +
                                                      static_cast<uint64_t>(id)
                                                : static_cast<uint64_t>(id);
    auto it = drawn_.find(index);
    if (it == drawn_.end()) {
      auto lg = MakeLabelledGraph(config_.graphs, index, config_.capacity, config_.labels,
                                  config_.exact_time_limit_s);
      if (!lg) return lg.error();
      learn::EmbeddedGraph e = learn::EmbedForPolicy(lg->dag.graph, lg->dag.weight, emb_options_);
      it = drawn_.emplace(index, Drawn{std::move(*lg), std::move(e)}).first;
    }
    return &it->second;
  }

  Status RedrawBaselineSet() {
    SyntheticDagOptions o = config_.graphs;
    o.seed = config_.seed * 7919ull + 104729ull * (baseline_round_ + 1);
    auto set = MakeLabelledGraphs(o, config_.baseline_graphs, config_.capacity, config_.labels,
                                  config_.exact_time_limit_s);
    if (!set) return set.error();
    baseline_set_ = std::move(*set);
    baseline_emb_ = EmbedAll(baseline_set_, emb_options_);
    return {};
  }

  // One batch: each worker runs its shards; the loss is the batch mean, so the gradients summed
  // over the group are the single-process gradient of the whole batch.
  Status Batch(int epoch, int bi, const std::vector<int>& perm, EpochStats& stats) {
    const bool mask = config_.precedence_mask;
    const size_t begin = static_cast<size_t>(bi) * config_.batch_size;
    const size_t end = std::min(perm.size(), begin + static_cast<size_t>(config_.batch_size));
    const int64_t b_global = static_cast<int64_t>(end - begin);
    optimizer_.zero_grad();
    double sums[3] = {0, 0, 0};  // loss, reward, mismatch
    // Batch norm's running statistics follow the shards in order, whichever worker ran them:
    // each shard's batch statistics are recovered from its update, summed over the group, and
    // the updates replayed in shard order from the batch's starting state.
    auto& bn = net_->norm;
    const double momentum = bn->options.momentum().value_or(0.1);
    const torch::Tensor mean0 = bn->running_mean.clone(), var0 = bn->running_var.clone();
    const int64_t tracked0 = bn->num_batches_tracked.item<int64_t>();
    const int64_t width = mean0.numel();
    torch::Tensor shard_stats = torch::zeros({shards_, 2, width});
    for (int sh = rank_; sh < shards_; sh += world_) {
      const size_t lo = begin + static_cast<size_t>(b_global) * sh / shards_;
      const size_t hi = begin + static_cast<size_t>(b_global) * (sh + 1) / shards_;
      if (lo == hi) continue;
      std::vector<const learn::EmbeddedGraph*> part;
      std::vector<const LabelledGraph*> labelled;
      for (size_t i = lo; i < hi; ++i) {
        auto d = Draw(epoch, perm[i]);
        if (!d) return d.error();
        part.push_back(&(*d)->embedded);
        labelled.push_back(&(*d)->labelled);
      }
      const learn::GraphBatch batch = learn::StackGraphs(part);
      torch::Tensor base_orders;
      {
        torch::NoGradGuard no_grad;
        base_->eval();
        base_orders = base_->Decode(batch, false, mask).order;
      }
      // One shard: the single-process stream seeded per epoch. Several: each shard its own
      // seed, whichever worker samples it.
      if (shards_ > 1)
        torch::manual_seed(config_.seed * 1000003ull + static_cast<uint64_t>(epoch) * 7919ull +
                           static_cast<uint64_t>(bi) * 104729ull +
                           static_cast<uint64_t>(sh) * 15485863ull);
      net_->train();
      const torch::Tensor mean_before = bn->running_mean.clone(),
                          var_before = bn->running_var.clone();
      learn::Rollout roll = net_->Decode(batch, true, mask);
      if (shards_ > 1) {
        torch::NoGradGuard no_grad;
        shard_stats[sh][0].copy_((bn->running_mean - (1 - momentum) * mean_before) / momentum);
        shard_stats[sh][1].copy_((bn->running_var - (1 - momentum) * var_before) / momentum);
      }
      const int64_t b = static_cast<int64_t>(part.size());
      std::vector<float> advantage(b);
      for (int64_t i = 0; i < b; ++i) {
        const std::vector<int> sampled = OrderOf(roll.order[i]);
        const double r = LabelReward(labelled[i]->labels, sampled);
        const double rb = LabelReward(labelled[i]->labels, OrderOf(base_orders[i]));
        advantage[i] = static_cast<float>(rb - r);  // (1 - r) - (1 - rb): cost above the baseline
        sums[1] += r;
        sums[2] += LabelMismatch(labelled[i]->labels, sampled);
      }
      const torch::Tensor adv = torch::from_blob(advantage.data(), {b}, torch::kFloat).clone();
      torch::Tensor loss = (adv * roll.log_prob).sum() / static_cast<double>(b_global);
      loss.backward();
      sums[0] += loss.item<double>();
    }
    if (group_) {
      std::vector<torch::Tensor> grads;
      for (auto& p : net_->parameters()) {
        if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
        grads.push_back(p.grad());
      }
      if (auto st = group_->AllReduceSum(grads); !st) return st.error();
      std::vector<double> v(sums, sums + 3);
      if (auto st = group_->AllReduceSum(v); !st) return st.error();
      std::copy(v.begin(), v.end(), sums);
      std::vector<torch::Tensor> bn_stats = {shard_stats};
      if (auto st = group_->AllReduceSum(bn_stats); !st) return st.error();
    }
    if (shards_ > 1) {
      torch::NoGradGuard no_grad;
      torch::Tensor mean = mean0.clone(), var = var0.clone();
      int64_t used = 0;
      for (int sh = 0; sh < shards_; ++sh) {
        const size_t lo = begin + static_cast<size_t>(b_global) * sh / shards_;
        const size_t hi = begin + static_cast<size_t>(b_global) * (sh + 1) / shards_;
        if (lo == hi) continue;
        mean = (1 - momentum) * mean + momentum * shard_stats[sh][0];
        var = (1 - momentum) * var + momentum * shard_stats[sh][1];
        ++used;
      }
      bn->running_mean.copy_(mean);
      bn->running_var.copy_(var);
      bn->num_batches_tracked.fill_(tracked0 + used);
    }
    torch::nn::utils::clip_grad_norm_(net_->parameters(), config_.grad_clip);
    optimizer_.step();
    stats.loss += sums[0];
    stats.train_reward += sums[1] / static_cast<double>(b_global);
    stats.train_mismatch += sums[2] / static_cast<double>(b_global);
    return {};
  }

  // Greedy rewards of a network on the t-test set; each worker scores its share and the sums
  // give every worker all of it.
  Result<std::vector<double>> TTestRewards(learn::PointerNet& which) {
    const bool mask = config_.precedence_mask;
    if (!group_)
      return GreedyRewards(which, baseline_emb_, baseline_set_, config_.batch_size, mask);
    std::vector<learn::EmbeddedGraph> emb;
    std::vector<LabelledGraph> mine;
    std::vector<size_t> index;
    for (size_t i = static_cast<size_t>(rank_); i < baseline_set_.size();
         i += static_cast<size_t>(world_)) {
      emb.push_back(baseline_emb_[i]);
      mine.push_back(baseline_set_[i]);
      index.push_back(i);
    }
    std::vector<double> all(baseline_set_.size(), 0.0);
    const std::vector<double> part = GreedyRewards(which, emb, mine, config_.batch_size, mask);
    for (size_t k = 0; k < part.size(); ++k) all[index[k]] = part[k];
    if (auto st = group_->AllReduceSum(all); !st) return st.error();
    return all;
  }

  // The baseline is replaced when the trained policy is significantly better on the t-test set
  // (a one-sided paired t-test); then a fresh t-test set is drawn, so the next test is not biased
  // towards the graphs this one won on.
  Status UpdateBaseline(EpochStats& stats) {
    auto r_new = TTestRewards(net_);
    if (!r_new) return r_new.error();
    auto r_old = TTestRewards(base_);
    if (!r_old) return r_old.error();
    stats.baseline_p_value = PairedTTestPValue(*r_new, *r_old);
    if (stats.baseline_p_value < config_.baseline_alpha) {
      CopyWeights(net_, base_);
      stats.baseline_replaced = true;
      ++baseline_round_;
      if (auto st = RedrawBaselineSet(); !st) return st.error();
    }
    return {};
  }

  const TrainConfig& config_;
  std::unique_ptr<learn::ProcessGroup> group_;
  int world_, rank_, shards_;
  Policy policy_, baseline_;
  learn::PointerNet net_, base_;
  torch::optim::Adam optimizer_;
  EmbeddingOptions emb_options_;
  std::function<void(const TrainProgress&)> progress_;
  std::chrono::steady_clock::time_point t_start_;
  std::unordered_map<uint64_t, Drawn> drawn_;
  std::vector<LabelledGraph> eval_, baseline_set_;
  std::vector<learn::EmbeddedGraph> baseline_emb_;
  uint64_t baseline_round_ = 0;
};

}  // namespace

Result<std::vector<EpochStats>> Train(const TrainConfig& config, const std::string& out_dir,
                                      bool resume,
                                      const std::function<void(const TrainProgress&)>& progress,
                                      const TrainDistribution& distribution) {
  std::unique_ptr<learn::ProcessGroup> group;
  if (distribution.world_size > 1) {
    auto g = learn::ProcessGroup::Join(
        {distribution.world_size, distribution.rank, distribution.master, distribution.timeout_s});
    if (!g) return g.error();
    group = std::move(*g);
  }
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec)
    return Error{fmt::format("{}: cannot create the output directory: {}", out_dir, ec.message())};
  torch::set_num_threads(config.threads > 0
                             ? config.threads
                             : std::max(1, static_cast<int>(std::thread::hardware_concurrency())));
  auto policy = Policy::Create(config.policy, config.seed);
  if (!policy) return policy.error();
  auto baseline = Policy::Create(config.policy, config.seed);
  if (!baseline) return baseline.error();
  Trainer trainer(config, std::move(group), std::move(*policy), std::move(*baseline), progress);

  TrainingCheckpoint start;
  if (resume) {
    auto loaded =
        TrainingCheckpoint::Load((std::filesystem::path(out_dir) / "checkpoint.pt").string(),
                                 config, trainer.net(), trainer.base(), trainer.optimizer());
    if (!loaded) return loaded.error();
    start = std::move(*loaded);
  } else {
    CopyWeights(trainer.net(), trainer.base());
  }
  std::vector<EpochStats> history = std::move(start.history);

  trainer.Report("labels", 0, 0, 0, 0, 0, 0);
  if (auto st = trainer.PrepareSets(start.baseline_round); !st) return st.error();
  for (int epoch = start.epoch + 1; epoch <= config.epochs; ++epoch) {
    auto stats = trainer.Epoch(epoch);
    if (!stats) return stats.error();
    history.push_back(*stats);
    if (!trainer.writer()) continue;
    if (auto st = trainer.Persist(epoch, *stats, history, out_dir); !st) return st.error();
    trainer.Report("epoch", epoch, trainer.batches(), trainer.batches(), stats->loss,
                   stats->train_reward, stats->train_mismatch, &*stats);
  }
  trainer.net()->eval();
  return history;
}

}  // namespace respect
