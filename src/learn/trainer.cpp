#include "schedulers/list_scheduler.h"
#include "learn/trainer.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <numeric>
#include <unordered_map>
#include <random>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "core/analysis.h"
#include "core/file_io.h"
#include "learn/distributed.h"
#include "learn/exact_labels.h"
#include "learn/imitation_task.h"
#include "learn/pointer_net.h"

namespace respect {

// ---- configuration ---------------------------------------------------------------------------

namespace {

nlohmann::json GraphOptionsJson(const SyntheticDagOptions& o) {
  return {{"nodes", o.num_nodes}, {"in_degree", o.in_degree}, {"min_levels", o.min_levels},
          {"max_levels", o.max_levels}, {"min_weight", o.min_weight}, {"max_weight", o.max_weight},
          {"seed", o.seed}};
}

Status GraphOptionsFromJson(const nlohmann::json& j, const std::string& where, SyntheticDagOptions* o) {
  if (!j.is_object()) return Error{fmt::format("train config: '{}' must be an object", where)};
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    if (k == "nodes") o->num_nodes = it->get<int>();
    else if (k == "in_degree") o->in_degree = it->get<int>();
    else if (k == "min_levels") o->min_levels = it->get<int>();
    else if (k == "max_levels") o->max_levels = it->get<int>();
    else if (k == "min_weight") o->min_weight = it->get<double>();
    else if (k == "max_weight") o->max_weight = it->get<double>();
    else if (k == "seed") o->seed = it->get<uint64_t>();
    else return Error{fmt::format("train config: unknown key '{}.{}'", where, k)};
  }
  return {};
}

}  // namespace

nlohmann::json TrainConfigToJson(const TrainConfig& c) {
  nlohmann::json j = {{"policy", PolicyConfigToJson(c.policy)},
          {"graphs", GraphOptionsJson(c.graphs)},
          {"train_graphs", c.train_graphs},
          {"capacity", c.capacity},
          {"labels", c.labels == LabelSource::kList ? "list" : c.labels == LabelSource::kExact ? "exact" : "list-backward"},
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
        if (auto st = GraphOptionsFromJson(*it, k, k == "graphs" ? &c.graphs : &c.eval); !st) return st.error();
      } else if (k == "train_graphs") c.train_graphs = it->get<int>();
      else if (k == "capacity") c.capacity = it->get<double>();
      else if (k == "labels") {
        const std::string s = it->get<std::string>();
        if (s == "list") c.labels = LabelSource::kList;
        else if (s == "exact") c.labels = LabelSource::kExact;
        else if (s == "list-backward") c.labels = LabelSource::kListBackward;
        else return Error{fmt::format("train config: labels must be list, exact or list-backward, not '{}'", s)};
      } else if (k == "exact_time_limit_s") c.exact_time_limit_s = it->get<double>();
      else if (k == "eval_graphs") c.eval_graphs = it->get<int>();
      else if (k == "epochs") c.epochs = it->get<int>();
      else if (k == "batch_size") c.batch_size = it->get<int>();
      else if (k == "learning_rate") c.learning_rate = it->get<double>();
      else if (k == "grad_clip") c.grad_clip = it->get<double>();
      else if (k == "precedence_mask") c.precedence_mask = it->get<bool>();
      else if (k == "baseline_graphs") c.baseline_graphs = it->get<int>();
      else if (k == "baseline_alpha") c.baseline_alpha = it->get<double>();
      else if (k == "seed") c.seed = it->get<uint64_t>();
      else if (k == "threads") c.threads = it->get<int>();
      else if (k == "shards") c.shards = it->get<int>();
      else if (k == "fresh_graphs") c.fresh_graphs = it->get<bool>();
      else return Error{fmt::format("train config: unknown key '{}'", k)};
    }
  } catch (const nlohmann::json::exception&) {
    return Error{"train config: a value has the wrong type"};
  }
  if (c.train_graphs < 1 || c.eval_graphs < 1) return Error{"train config: train_graphs and eval_graphs must be >= 1"};
  if (c.batch_size < 1) return Error{"train config: batch_size must be >= 1"};
  if (c.epochs < 1) return Error{"train config: epochs must be >= 1"};
  if (c.baseline_graphs < 3) return Error{"train config: baseline_graphs must be >= 3 (t-test)"};
  if (!(c.learning_rate > 0) || !(c.grad_clip > 0)) return Error{"train config: learning_rate and grad_clip must be positive"};
  if (!(c.baseline_alpha > 0 && c.baseline_alpha < 1)) return Error{"train config: baseline_alpha must be in (0, 1)"};
  if (!(c.capacity > 0)) return Error{"train config: capacity must be positive"};
  if (c.threads < 0) return Error{"train config: threads must be >= 0"};
  if (c.shards < 0 || c.shards > c.batch_size) return Error{"train config: shards must be in [0, batch_size]"};
  if (c.graphs.in_degree > c.policy.max_parents || c.eval.in_degree > c.policy.max_parents)
    return Error{"train config: graph in_degree must not exceed policy.max_parents"};
  for (const SyntheticDagOptions* g : {&c.graphs, &c.eval}) {
    SyntheticDagOptions probe = *g;
    if (auto d = GenerateSyntheticDag(probe); !d) return Error{"train config: " + d.error().message};
  }
  return c;
}

nlohmann::json EpochStatsToJson(const EpochStats& s) {
  return {{"epoch", s.epoch}, {"loss", s.loss}, {"train_reward", s.train_reward},
          {"train_mismatch", s.train_mismatch}, {"eval_reward", s.eval_reward},
          {"eval_mismatch", s.eval_mismatch}, {"eval_recall", s.eval_recall},
          {"baseline_replaced", s.baseline_replaced}, {"baseline_p_value", s.baseline_p_value},
          {"seconds", s.seconds}, {"comm_seconds", s.comm_seconds}};
}

// ---- data ------------------------------------------------------------------------------------

namespace {

// Graph `index` of a set drawn from `options`: it depends on (options.seed, index) only, so any
// worker can draw any graph of the set alone.
Result<LabelledGraph> MakeLabelledGraph(const SyntheticDagOptions& options, uint64_t index, double capacity,
                                        LabelSource labels, double exact_time_limit_s) {
  SyntheticDagOptions o = options;
  o.seed = options.seed * 1000003ull + index;
  auto dag = GenerateSyntheticDag(o);
  if (!dag) return dag.error();
  LabelledGraph lg{std::move(*dag), {}};
  if (labels == LabelSource::kExact) {
    auto exact = ExactStepLabels(lg.dag.graph, lg.dag.weight, capacity, exact_time_limit_s);
    if (exact) lg.labels = std::move(*exact);
  }
  if (labels == LabelSource::kListBackward) lg.labels = ListScheduleLabels(lg.dag.graph, lg.dag.weight, capacity);
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
    auto lg = MakeLabelledGraph(options, static_cast<uint64_t>(i), capacity, labels, exact_time_limit_s);
    if (!lg) return lg.error();
    out.push_back(std::move(*lg));
  }
  return out;
}

namespace {

std::vector<learn::EmbeddedGraph> EmbedAll(const std::vector<LabelledGraph>& graphs, const EmbeddingOptions& o) {
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
std::vector<double> GreedyRewards(learn::PointerNet& net, const std::vector<learn::EmbeddedGraph>& embedded,
                                  const std::vector<LabelledGraph>& graphs, int batch_size, bool mask) {
  torch::NoGradGuard no_grad;
  net->eval();
  std::vector<double> rewards;
  for (size_t start = 0; start < graphs.size(); start += batch_size) {
    std::vector<const learn::EmbeddedGraph*> part;
    for (size_t i = start; i < std::min(graphs.size(), start + batch_size); ++i) part.push_back(&embedded[i]);
    const torch::Tensor orders = net->Decode(learn::StackGraphs(part), false, mask).order;
    for (size_t i = 0; i < part.size(); ++i)
      rewards.push_back(LabelReward(graphs[start + i].labels, OrderOf(orders[static_cast<int64_t>(i)])));
  }
  return rewards;
}

// Regularised incomplete beta I_x(a, b) by Lentz's continued fraction (Numerical Recipes 6.4).
double IncompleteBeta(double a, double b, double x) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  if (x > (a + 1) / (a + b + 2)) return 1 - IncompleteBeta(b, a, 1 - x);
  const double front = std::exp(std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) +
                                b * std::log(1 - x)) / a;
  double f = 1, c = 1, d = 0;
  for (int i = 0; i <= 400; ++i) {
    const int m = i / 2;
    double num;
    if (i == 0) num = 1;
    else if (i % 2 == 0) num = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
    else num = -((a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1));
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
    return Error{fmt::format("rank {} is outside a group of {} (world size)", d->rank, d->world_size)};
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

EvalMetrics EvaluatePolicy(const Policy& policy, const std::vector<LabelledGraph>& graphs, bool precedence_mask) {
  policy.state().net->eval();
  // The greedy order exactly as `rl` decodes it (row shuffle, loop decoder where it applies).
  return EvaluateOrders(graphs, [&](const LabelledGraph& lg) {
    return policy.Orders(lg.dag.graph, lg.dag.weight, {precedence_mask, 0, 1}).front();
  });
}

EvalMetrics EvaluateReferenceOrder(const std::vector<LabelledGraph>& graphs, int hops, bool sinks_first) {
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

}  // namespace

Result<std::vector<EpochStats>> Train(const TrainConfig& config, const std::string& out_dir, bool resume,
                                      const std::function<void(const TrainProgress&)>& progress,
                                      const TrainDistribution& distribution) {
  std::unique_ptr<learn::ProcessGroup> group;
  if (distribution.world_size > 1) {
    auto g = learn::ProcessGroup::Join({distribution.world_size, distribution.rank, distribution.master,
                                        distribution.timeout_s});
    if (!g) return g.error();
    group = std::move(*g);
  }
  const int world = group ? group->size() : 1, rank = group ? group->rank() : 0;
  const bool writer = rank == 0;
  const int shards = config.shards > 0 ? config.shards : world;
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) return Error{fmt::format("{}: cannot create the output directory: {}", out_dir, ec.message())};
  const std::string checkpoint_path = (fs::path(out_dir) / "checkpoint.pt").string();
  const std::string policy_path = (fs::path(out_dir) / "policy.pt").string();
  const std::string history_path = (fs::path(out_dir) / "history.json").string();
  torch::set_num_threads(config.threads > 0 ? config.threads
                                            : std::max(1, static_cast<int>(std::thread::hardware_concurrency())));
  const auto t_start = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count(); };
  auto report = [&](const char* phase, int epoch, int batch, int batches, double loss, double reward,
                    double mismatch, const EpochStats* finished = nullptr) {
    if (!progress || !writer) return;
    TrainProgress p;
    p.phase = phase;
    p.epoch = epoch;
    p.epochs = config.epochs;
    p.batch = batch;
    p.batches = batches;
    p.loss = loss;
    p.reward = reward;
    p.mismatch = mismatch;
    p.elapsed_s = elapsed();
    if (finished) p.stats = *finished;
    progress(p);
  };

  auto policy = Policy::Create(config.policy, config.seed);
  if (!policy) return policy.error();
  auto baseline = Policy::Create(config.policy, config.seed);
  if (!baseline) return baseline.error();
  learn::PointerNet net = policy->state().net, base = baseline->state().net;
  torch::optim::Adam optimizer(net->parameters(), torch::optim::AdamOptions(config.learning_rate));
  std::vector<EpochStats> history;
  int first_epoch = 1;
  uint64_t baseline_round = 0;  // how many times the t-test set was redrawn

  if (resume) {
    if (!fs::exists(checkpoint_path)) return Error{fmt::format("{}: no checkpoint to resume from", checkpoint_path)};
    auto bytes = ReadFileBytes(checkpoint_path, 1ull << 31);
    if (!bytes) return bytes.error();
    try {
      std::istringstream in(*bytes);
      torch::serialize::InputArchive a;
      a.load_from(in);
      c10::IValue format, saved_config, epoch, round, hist;
      if (!a.try_read("format", format) || !format.isString() || format.toStringRef() != kCheckpointFormat)
        return Error{fmt::format("{}: not a respect training checkpoint", checkpoint_path)};
      a.read("config", saved_config);
      // Everything but the epoch count (a run may be extended) and the thread count must match.
      auto comparable = [](nlohmann::json j) {
        j.erase("epochs");
        j.erase("threads");
        return j;
      };
      if (comparable(nlohmann::json::parse(saved_config.toStringRef())) != comparable(TrainConfigToJson(config)))
        return Error{fmt::format("{}: the checkpoint was made with a different config; resume needs the same one",
                                 checkpoint_path)};
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
      first_epoch = static_cast<int>(epoch.toInt()) + 1;
      baseline_round = static_cast<uint64_t>(round.toInt());
      for (const auto& h : nlohmann::json::parse(hist.toStringRef())) {
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
        history.push_back(s);
      }
    } catch (const c10::Error&) {
      return Error{fmt::format("{}: corrupt or truncated checkpoint", checkpoint_path)};
    } catch (const nlohmann::json::exception&) {
      return Error{fmt::format("{}: corrupt checkpoint metadata", checkpoint_path)};
    }
  } else {
    CopyWeights(net, base);
  }

  report("labels", 0, 0, 0, 0, 0, 0);
  // Training graphs are drawn (and labelled, and embedded) on demand by the worker whose shard
  // needs them, and kept: each worker draws only its shards' graphs. With fresh_graphs every
  // epoch has its own set, dropped when the epoch ends.
  struct Drawn {
    LabelledGraph labelled;
    learn::EmbeddedGraph embedded;
  };
  std::unordered_map<uint64_t, Drawn> drawn;
  const EmbeddingOptions emb_options = config.policy.embedding();
  auto draw = [&](int epoch, int id) -> Result<const Drawn*> {
    const uint64_t index = config.fresh_graphs
                               ? 0x9E3779B9ull * static_cast<uint64_t>(epoch) + static_cast<uint64_t>(id)
                               : static_cast<uint64_t>(id);
    auto it = drawn.find(index);
    if (it == drawn.end()) {
      auto lg = MakeLabelledGraph(config.graphs, index, config.capacity, config.labels, config.exact_time_limit_s);
      if (!lg) return lg.error();
      learn::EmbeddedGraph e = learn::EmbedForPolicy(lg->dag.graph, lg->dag.weight, emb_options);
      it = drawn.emplace(index, Drawn{std::move(*lg), std::move(e)}).first;
    }
    return &it->second;
  };
  // Only rank 0 evaluates.
  Result<std::vector<LabelledGraph>> eval = std::vector<LabelledGraph>{};
  if (writer)
    eval = MakeLabelledGraphs(config.eval, config.eval_graphs, config.capacity, config.labels,
                              config.exact_time_limit_s);
  if (!eval) return eval.error();
  auto make_baseline_set = [&](uint64_t round) {
    SyntheticDagOptions o = config.graphs;
    o.seed = config.seed * 7919ull + 104729ull * (round + 1);
    return MakeLabelledGraphs(o, config.baseline_graphs, config.capacity, config.labels, config.exact_time_limit_s);
  };
  auto baseline_set = make_baseline_set(baseline_round);
  if (!baseline_set) return baseline_set.error();
  std::vector<learn::EmbeddedGraph> baseline_emb = EmbedAll(*baseline_set, emb_options);
  const bool mask = config.precedence_mask;

  for (int epoch = first_epoch; epoch <= config.epochs; ++epoch) {
    const double epoch_start = elapsed();
    const double comm_start = group ? group->collective_seconds() : 0;
    // Every epoch reseeds from (seed, epoch): a resumed run repeats the uninterrupted one.
    torch::manual_seed(config.seed * 1000003ull + static_cast<uint64_t>(epoch));
    if (config.fresh_graphs) drawn.clear();
    std::vector<int> perm(static_cast<size_t>(config.train_graphs));
    std::iota(perm.begin(), perm.end(), 0);
    std::shuffle(perm.begin(), perm.end(), std::mt19937_64(config.seed * 31ull + static_cast<uint64_t>(epoch)));
    const int batches = static_cast<int>((perm.size() + config.batch_size - 1) / config.batch_size);
    EpochStats stats;
    stats.epoch = epoch;
    for (int bi = 0; bi < batches; ++bi) {
      const size_t begin = static_cast<size_t>(bi) * config.batch_size;
      const size_t end = std::min(perm.size(), begin + static_cast<size_t>(config.batch_size));
      const int64_t b_global = static_cast<int64_t>(end - begin);
      optimizer.zero_grad();
      // This worker's shards of the batch; the loss is the batch mean, so the gradients summed
      // over the group are the single-process gradient of the whole batch.
      double sums[3] = {0, 0, 0};  // loss, reward, mismatch
      // Batch norm's running statistics follow the shards in order, whichever worker ran them:
      // each shard's batch statistics are recovered from its update, summed over the group, and
      // the updates replayed in shard order from the batch's starting state.
      auto& bn = net->norm;
      const double momentum = bn->options.momentum().value_or(0.1);
      const torch::Tensor mean0 = bn->running_mean.clone(), var0 = bn->running_var.clone();
      const int64_t tracked0 = bn->num_batches_tracked.item<int64_t>();
      const int64_t width = mean0.numel();
      torch::Tensor shard_stats = torch::zeros({shards, 2, width});
      for (int sh = rank; sh < shards; sh += world) {
        const size_t lo = begin + static_cast<size_t>(b_global) * sh / shards;
        const size_t hi = begin + static_cast<size_t>(b_global) * (sh + 1) / shards;
        if (lo == hi) continue;
        std::vector<const learn::EmbeddedGraph*> part;
        std::vector<const LabelledGraph*> labelled;
        for (size_t i = lo; i < hi; ++i) {
          auto d = draw(epoch, perm[i]);
          if (!d) return d.error();
          part.push_back(&(*d)->embedded);
          labelled.push_back(&(*d)->labelled);
        }
        const learn::GraphBatch batch = learn::StackGraphs(part);
        torch::Tensor base_orders;
        {
          torch::NoGradGuard no_grad;
          base->eval();
          base_orders = base->Decode(batch, false, mask).order;
        }
        // One shard: the single-process stream seeded per epoch. Several: each shard its own
        // seed, whichever worker samples it.
        if (shards > 1)
          torch::manual_seed(config.seed * 1000003ull + static_cast<uint64_t>(epoch) * 7919ull +
                             static_cast<uint64_t>(bi) * 104729ull + static_cast<uint64_t>(sh) * 15485863ull);
        net->train();
        const torch::Tensor mean_before = bn->running_mean.clone(), var_before = bn->running_var.clone();
        learn::Rollout roll = net->Decode(batch, true, mask);
        if (shards > 1) {
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
      if (group) {
        std::vector<torch::Tensor> grads;
        for (auto& p : net->parameters()) {
          if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
          grads.push_back(p.grad());
        }
        if (auto st = group->AllReduceSum(grads); !st) return st.error();
        std::vector<double> v(sums, sums + 3);
        if (auto st = group->AllReduceSum(v); !st) return st.error();
        std::copy(v.begin(), v.end(), sums);
        std::vector<torch::Tensor> bn_stats = {shard_stats};
        if (auto st = group->AllReduceSum(bn_stats); !st) return st.error();
      }
      if (shards > 1) {
        torch::NoGradGuard no_grad;
        torch::Tensor mean = mean0.clone(), var = var0.clone();
        int64_t used = 0;
        for (int sh = 0; sh < shards; ++sh) {
          const size_t lo = begin + static_cast<size_t>(b_global) * sh / shards;
          const size_t hi = begin + static_cast<size_t>(b_global) * (sh + 1) / shards;
          if (lo == hi) continue;
          mean = (1 - momentum) * mean + momentum * shard_stats[sh][0];
          var = (1 - momentum) * var + momentum * shard_stats[sh][1];
          ++used;
        }
        bn->running_mean.copy_(mean);
        bn->running_var.copy_(var);
        bn->num_batches_tracked.fill_(tracked0 + used);
      }
      torch::nn::utils::clip_grad_norm_(net->parameters(), config.grad_clip);
      optimizer.step();
      stats.loss += sums[0];
      stats.train_reward += sums[1] / static_cast<double>(b_global);
      stats.train_mismatch += sums[2] / static_cast<double>(b_global);
      report("train", epoch, bi + 1, batches, stats.loss / (bi + 1), stats.train_reward / (bi + 1),
             stats.train_mismatch / (bi + 1));
    }
    stats.loss /= batches;
    stats.train_reward /= batches;
    stats.train_mismatch /= batches;

    // Baseline: replace it when the trained policy is significantly better on the t-test set.
    report("baseline", epoch, batches, batches, stats.loss, stats.train_reward, stats.train_mismatch);
    // Each worker scores its share of the t-test set; the sums give every worker all of it.
    auto sharded_rewards = [&](learn::PointerNet& which) -> Result<std::vector<double>> {
      if (!group) return GreedyRewards(which, baseline_emb, *baseline_set, config.batch_size, mask);
      std::vector<learn::EmbeddedGraph> emb;
      std::vector<LabelledGraph> mine;
      std::vector<size_t> index;
      for (size_t i = static_cast<size_t>(rank); i < baseline_set->size(); i += static_cast<size_t>(world)) {
        emb.push_back(baseline_emb[i]);
        mine.push_back((*baseline_set)[i]);
        index.push_back(i);
      }
      std::vector<double> all(baseline_set->size(), 0.0);
      const std::vector<double> part = GreedyRewards(which, emb, mine, config.batch_size, mask);
      for (size_t k = 0; k < part.size(); ++k) all[index[k]] = part[k];
      if (auto st = group->AllReduceSum(all); !st) return st.error();
      return all;
    };
    auto r_new_or = sharded_rewards(net);
    if (!r_new_or) return r_new_or.error();
    auto r_old_or = sharded_rewards(base);
    if (!r_old_or) return r_old_or.error();
    const std::vector<double>& r_new = *r_new_or;
    const std::vector<double>& r_old = *r_old_or;
    stats.baseline_p_value = PairedTTestPValue(r_new, r_old);
    if (stats.baseline_p_value < config.baseline_alpha) {
      CopyWeights(net, base);
      stats.baseline_replaced = true;
      // A fresh t-test set, so the next test is not biased towards the graphs this one won on.
      auto fresh = make_baseline_set(++baseline_round);
      if (!fresh) return fresh.error();
      baseline_set = std::move(fresh);
      baseline_emb = EmbedAll(*baseline_set, emb_options);
    }
    stats.seconds = elapsed() - epoch_start;
    stats.comm_seconds = group ? group->collective_seconds() - comm_start : 0;
    if (!writer) {  // rank 0 evaluates and writes the files
      history.push_back(stats);
      continue;
    }
    report("eval", epoch, batches, batches, stats.loss, stats.train_reward, stats.train_mismatch);
    const EvalMetrics em = EvaluatePolicy(*policy, *eval, mask);
    stats.eval_reward = em.reward;
    stats.eval_mismatch = em.mismatch;
    stats.eval_recall = em.recall;
    stats.seconds = elapsed() - epoch_start;
    history.push_back(stats);

    // Persist: policy first, then the checkpoint that says this epoch is done.
    nlohmann::json hist = nlohmann::json::array();
    for (const auto& s : history) hist.push_back(EpochStatsToJson(s));
    nlohmann::json info = {{"trained_by", "respect train"}, {"epochs", epoch},
                           {"train_config", TrainConfigToJson(config)}, {"last_epoch", EpochStatsToJson(stats)}};
    if (auto st = policy->Save(policy_path, info); !st) return st.error();
    if (auto st = WriteFileAtomic(history_path, hist.dump(1) + "\n"); !st) return st.error();
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
      a.write("history", c10::IValue(hist.dump()));
      if (auto st = WriteFileAtomic(checkpoint_path, Serialize(a)); !st) return st.error();
    } catch (const c10::Error&) {
      return Error{fmt::format("{}: cannot write the checkpoint", checkpoint_path)};
    }
    report("epoch", epoch, batches, batches, stats.loss, stats.train_reward, stats.train_mismatch, &stats);
  }
  net->eval();
  return history;
}

}  // namespace respect
