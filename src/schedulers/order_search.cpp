#include "schedulers/order_search.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <numeric>
#include <queue>
#include <random>

namespace respect {

std::vector<int> OrderOfKeys(const Graph& g, const std::vector<double>& keys) {
  const int n = g.num_ops();
  std::vector<int> pending(n), order;
  order.reserve(n);
  using Item = std::pair<double, int>;
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> ready;
  for (int v = 0; v < n; ++v) {
    pending[v] = static_cast<int>(g.preds(v).size());
    if (pending[v] == 0) ready.push({keys[v], v});
  }
  while (!ready.empty()) {
    const int v = ready.top().second;
    ready.pop();
    order.push_back(v);
    for (int w : g.succs(v))
      if (--pending[w] == 0) ready.push({keys[w], w});
  }
  return order;
}

Result<OrderSearchResult> SearchOrders(const CostModel& m, int K, Objective o,
                                       const OrderSearchOptions& opt) {
  const Graph& g = m.graph();
  const int n = g.num_ops();
  if (K < 1 || K > n) return Error{fmt::format("{} stages for {} operators", K, n)};
  const int P = std::max(opt.population, 4);
  const int elite = std::clamp(static_cast<int>(opt.elite * P), 1, P - 2);
  const int mutants = std::clamp(static_cast<int>(opt.mutants * P), 1, P - elite - 1);
  std::mt19937_64 rng(opt.seed);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  OrderSearchResult out;
  out.value = std::numeric_limits<double>::infinity();
  auto past = [&] {
    return out.reached_target ||
           (opt.deadline != Deadline{} && std::chrono::steady_clock::now() > opt.deadline);
  };
  // Fitness: the order's best cut; the best value so far bounds dp's scan.
  auto evaluate = [&](const std::vector<double>& keys) {
    const std::vector<int> order = OrderOfKeys(g, keys);
    ++out.evaluations;
    Result<CutResult> c = o == Objective::kPaper
                              ? BestCutsOfOrder(m, order, K, o, opt.paper_lambda, opt.deadline)
                              : TimeCutsOfOrder(m, order, K, o, out.value, opt.deadline);
    if (!c || c->timed_out || !(c->value < out.value)) return c ? c->value : out.value;
    out.value = c->value;
    out.schedule = std::move(c->schedule);
    if (opt.target > 0 && out.value <= opt.target * (1 + 1e-9)) out.reached_target = true;
    return out.value;
  };
  struct Member {
    std::vector<double> keys;
    double fit;
  };
  std::vector<Member> pop;
  for (const auto& s : opt.seeds) {
    if (static_cast<int>(pop.size()) >= P || static_cast<int>(s.size()) != n) continue;
    std::vector<double> keys(n);
    for (int i = 0; i < n; ++i) keys[s[i]] = (i + 0.5) / n;
    pop.push_back({keys, 0});
  }
  while (static_cast<int>(pop.size()) < P) {
    std::vector<double> keys(n);
    for (double& k : keys) k = uniform(rng);
    pop.push_back({keys, 0});
  }
  for (Member& x : pop) {
    if (past() && out.evaluations > 0) break;
    x.fit = evaluate(x.keys);
  }
  for (out.generations = 0; out.generations < opt.max_generations; ++out.generations) {
    if (past()) {
      out.stopped = !out.reached_target;
      break;
    }
    std::stable_sort(pop.begin(), pop.end(),
                     [](const Member& a, const Member& b) { return a.fit < b.fit; });
    std::vector<Member> next(pop.begin(), pop.begin() + elite);
    for (int i = 0; i < mutants; ++i) {
      std::vector<double> keys(n);
      for (double& k : keys) k = uniform(rng);
      next.push_back({keys, 0});
    }
    std::uniform_int_distribution<int> pick_elite(0, elite - 1), pick_other(elite, P - 1);
    while (static_cast<int>(next.size()) < P) {
      const Member& a = pop[pick_elite(rng)];
      const Member& b = pop[pick_other(rng)];
      std::vector<double> keys(n);
      for (int i = 0; i < n; ++i) keys[i] = uniform(rng) < opt.bias ? a.keys[i] : b.keys[i];
      next.push_back({keys, 0});
    }
    for (int i = elite; i < P; ++i) {
      if (past()) break;
      next[i].fit = evaluate(next[i].keys);
    }
    pop = std::move(next);
  }
  if (out.schedule.stage_of.empty()) {
    // The deadline struck before the first order was cut: dp's answer in what is left (an
    // equal-count cut of Coral's order at worst), so something valid always comes back.
    auto dp = BestCutsOverOrders(m, K, o, opt.paper_lambda, opt.deadline);
    if (!dp) return dp.error();
    out.schedule = std::move(dp->schedule);
    out.value = dp->value;
    out.stopped = true;
  }
  return out;
}

}  // namespace respect
