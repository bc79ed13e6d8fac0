#include "learn/rl_scheduler.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <queue>

#include "core/analysis.h"
#include "learn/imitation_task.h"
#include "learn/policy.h"
#include "schedulers/dp_cuts.h"
#include "schedulers/objective.h"
#include "schedulers/order_to_stages.h"

namespace respect {

std::vector<int> NearestTopologicalOrder(const Graph& g, const std::vector<int>& order) {
  if (IsTopologicalOrder(g, order)) return order;
  const int n = g.num_ops();
  std::vector<int> position(n), indegree(n), out;
  for (int i = 0; i < n; ++i) position[order[i]] = i;
  std::priority_queue<std::pair<int, int>, std::vector<std::pair<int, int>>, std::greater<>> ready;
  for (int v = 0; v < n; ++v)
    if ((indegree[v] = static_cast<int>(g.preds(v).size())) == 0) ready.push({position[v], v});
  while (!ready.empty()) {
    const int v = ready.top().second;
    ready.pop();
    out.push_back(v);
    for (int s : g.succs(v))
      if (--indegree[s] == 0) ready.push({position[s], s});
  }
  return out;
}

namespace {

// Policies are loaded once per path per process.
Result<Policy> CachedPolicy(const std::string& path) {
  static std::mutex mu;
  static std::map<std::string, Policy> cache;
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = cache.find(path); it != cache.end()) return it->second;
  auto p = Policy::Load(path);
  if (!p) return p.error();
  cache.emplace(path, *p);
  return p;
}

Result<ScheduleResult> RunRl(const CostModel& m, const ScheduleRequest& r) {
  const RlOptions& o = r.rl;
  if (o.stages != "dp" && o.stages != "paper")
    return Error{fmt::format("--rl-stages must be dp or paper, not '{}'", o.stages)};
  if (o.samples < 0 || o.samples > 4096) return Error{"--rl-samples must be in 0..4096"};
  if (r.align_children && o.stages == "dp")
    return Error{
        "--align-children needs --rl-stages paper (the optimal cuts do not align children)"};
  if (o.stages == "paper" && r.objective != Objective::kThroughput &&
      r.objective != Objective::kPaper)
    return Error{
        "--rl-stages paper cuts by bytes; it does not optimise latency (use --rl-stages dp)"};
  const std::string path = o.policy_path.empty() ? DefaultPolicyPath() : o.policy_path;
  auto policy = CachedPolicy(path);
  if (!policy) return policy.error();
  const Graph& g = m.graph();
  // Sampling decodes a batch with an n x n adjacency per sample: bounded to ~800 MB.
  const int64_t n = g.num_ops();
  const int samples =
      static_cast<int>(std::min<int64_t>(o.samples, 200'000'000 / std::max<int64_t>(1, n * n)));
  DecodeOptions d{o.precedence_mask, samples, o.seed};
  bool stopped_early = false;
  d.deadline = r.deadline;
  d.stopped_early = &stopped_early;
  const std::vector<std::vector<int>> orders = policy->Orders(g, ParamWeightsMiB(g), d);

  std::optional<ScheduleResult> best;
  double best_value = 0;
  int best_index = 0, repaired = 0, cut = 0;
  for (size_t i = 0; i < orders.size(); ++i) {
    if (best && PastDeadline(r)) break;  // the time limit ends the sampled candidates
    ++cut;
    Schedule s;
    if (o.stages == "paper") {
      auto p = PaperStagesFromOrder(g, orders[i], r.stages, r.align_children);
      if (!p) return p.error();
      s = std::move(*p);
    } else {
      const std::vector<int> order = NearestTopologicalOrder(g, orders[i]);
      repaired += order != orders[i];
      Result<CutResult> c = Error{""};
      if (r.objective == Objective::kPaper) {
        c = BestCutsOfOrder(m, order, r.stages, r.objective, r.paper_lambda, r.deadline);
      } else {
        // Later candidates only matter below the best so far; the first is cut by the deadline
        // too (then an equal-count cut of it stands in).
        const double upper = best ? best_value : std::numeric_limits<double>::infinity();
        if (order.size() < static_cast<size_t>(r.stages))
          return Error{"more stages than operators"};
        c = TimeCutsOfOrder(m, order, r.stages, r.objective, upper, r.deadline);
        if (c && c->timed_out && !best) {  // an equal-count cut of Coral's order stands in
          c = BestCutsOverOrders(m, r.stages, r.objective, r.paper_lambda, r.deadline);
        }
      }
      if (!c) return c.error();
      if (std::isinf(c->value)) continue;  // no better than the best so far
      s = std::move(c->schedule);
    }
    const double value = ObjectiveValue(m, s, r.objective, r.paper_lambda);
    if (!best || value < best_value) {
      best = ScheduleResult{};
      best->schedule = std::move(s);
      best_value = value;
      best_index = static_cast<int>(i);
    }
  }
  if (!best) {  // no candidate's cut came back (the deadline): dp's answer in the time left
    auto c = BestCutsOverOrders(m, r.stages, r.objective, r.paper_lambda, r.deadline);
    if (!c) return c.error();
    best = ScheduleResult{};
    best->schedule = std::move(c->schedule);
  }
  best->note = fmt::format(
      "policy {} ({}-{}, {} decoding); {}; cut by {}", path, policy->config().encoder,
      policy->config().decoder, o.precedence_mask ? "precedence-masked" : "unmasked",
      o.samples > 0 ? fmt::format("best of greedy + {} samples: #{}", o.samples, best_index)
                    : std::string("greedy order"),
      o.stages == "dp" ? "optimal cuts (dp)" : "the authors' capacity bisection");
  if (repaired > 0) best->note += fmt::format("; {} order(s) made topological", repaired);
  if (samples < o.samples)
    best->note +=
        fmt::format("; {} of {} samples (memory bound for {} operators)", samples, o.samples, n);
  if (stopped_early)
    best->note +=
        "; time limit: the decode stopped early (the rest of the order is the ready nodes in row "
        "order)"
        " or the samples were skipped";
  if (cut < static_cast<int>(orders.size()))
    best->note += fmt::format("; time limit: {} of {} decoded orders cut", cut, orders.size());
  return std::move(*best);
}

}  // namespace

void RegisterRlScheduler() {
  RegisterScheduler(
      {"rl",
       "RESPECT's learned pointer-network policy; its order cut optimally (or --rl-stages paper)",
       RunRl, /*heuristic=*/true});
}

}  // namespace respect
