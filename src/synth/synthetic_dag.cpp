#include "synth/synthetic_dag.h"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>

#include "core/analysis.h"

namespace respect {
namespace {

constexpr int kMaxNodes = 1'000'000;
constexpr int kMaxAttempts = 10'000;

// Deterministic across standard libraries: uniform integer in [lo, hi] by rejection sampling.
class Rng {
 public:
  explicit Rng(uint64_t seed) : gen_(seed) {}
  int64_t Int(int64_t lo, int64_t hi) {
    const uint64_t span = static_cast<uint64_t>(hi - lo) + 1;
    const uint64_t limit = UINT64_MAX - UINT64_MAX % span;
    uint64_t x;
    do x = gen_();
    while (x >= limit);
    return lo + static_cast<int64_t>(x % span);
  }
  double Unit() { return static_cast<double>(gen_() >> 11) * 0x1.0p-53; }
  template <typename T>
  void Shuffle(std::vector<T>& v) {
    for (size_t i = v.size(); i > 1; --i)
      std::swap(v[i - 1], v[Int(0, static_cast<int64_t>(i) - 1)]);
  }
  // k distinct elements of pool, in random order.
  std::vector<int> Sample(std::vector<int> pool, int k) {
    for (int i = 0; i < k; ++i)
      std::swap(pool[i], pool[Int(i, static_cast<int64_t>(pool.size()) - 1)]);
    pool.resize(k);
    return pool;
  }

 private:
  std::mt19937_64 gen_;
};

Result<std::pair<double, double>> ParseRange(const std::string& key, const std::string& v) {
  const size_t dash = v.find('-', 1);
  try {
    if (dash == std::string::npos) {
      double x = std::stod(v);
      return std::make_pair(x, x);
    }
    return std::make_pair(std::stod(v.substr(0, dash)), std::stod(v.substr(dash + 1)));
  } catch (const std::exception&) {
    return Error{fmt::format("synth: bad value '{}' for '{}' (expected N or A-B)", v, key)};
  }
}

}  // namespace

Result<SyntheticDagOptions> ParseSyntheticSpec(const std::string& spec) {
  SyntheticDagOptions o;
  std::stringstream ss(spec);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    if (eq == std::string::npos)
      return Error{
          fmt::format("synth: '{}' is not key=value (keys: n, deg, levels, weights, seed)", item)};
    const std::string key = item.substr(0, eq), value = item.substr(eq + 1);
    auto range = ParseRange(key, value);
    if (!range) return range.error();
    const auto [lo, hi] = *range;
    if (key == "n")
      o.num_nodes = static_cast<int>(lo);
    else if (key == "deg" || key == "d")
      o.in_degree = static_cast<int>(lo);
    else if (key == "levels") {
      o.min_levels = static_cast<int>(lo);
      o.max_levels = static_cast<int>(hi);
    } else if (key == "weights") {
      o.min_weight = lo;
      o.max_weight = hi;
    } else if (key == "seed")
      o.seed = static_cast<uint64_t>(lo);
    else
      return Error{
          fmt::format("synth: unknown key '{}' (keys: n, deg, levels, weights, seed)", key)};
  }
  return o;
}

Result<SyntheticDag> GenerateSyntheticDag(const SyntheticDagOptions& o) {
  const int n = o.num_nodes, d = o.in_degree;
  if (n < 2 || n > kMaxNodes)
    return Error{fmt::format("synth: n must be in [2, {}], got {}", kMaxNodes, n)};
  if (d < 1 || d > 64) return Error{fmt::format("synth: deg must be in [1, 64], got {}", d)};
  if (o.min_levels < 2 || o.min_levels > o.max_levels || o.max_levels > n)
    return Error{fmt::format("synth: levels must satisfy 2 <= min <= max <= n, got {}-{}",
                             o.min_levels, o.max_levels)};
  if (!(o.min_weight >= 0 && o.min_weight <= o.max_weight))
    return Error{"synth: weights must satisfy 0 <= min <= max"};

  Rng rng(o.seed);
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    const int num_levels = static_cast<int>(rng.Int(o.min_levels, o.max_levels));
    std::vector<int> level_size(num_levels, 1);
    for (int remaining = n - num_levels, t = 0; remaining > 0; ++t) {
      const int add = static_cast<int>(rng.Int(0, remaining));
      level_size[t % num_levels] += add;
      remaining -= add;
    }
    std::vector<int> ids(n);
    for (int i = 0; i < n; ++i) ids[i] = i;
    rng.Shuffle(ids);
    std::vector<std::vector<int>> members(num_levels);
    for (int l = 0, next = 0; l < num_levels; ++l)
      for (int k = 0; k < level_size[l]; ++k) members[l].push_back(ids[next++]);

    SyntheticDag dag;
    dag.weight.assign(n, 0);
    dag.level.assign(n, 0);
    dag.parent_levels.assign(n, std::vector<int>(d, 0));
    dag.parent_ids.assign(n, std::vector<int>(d, -1));
    for (int l = 0; l < num_levels; ++l) {
      std::vector<int> unassigned = members[l];
      for (int k = 0; k < level_size[l]; ++k) {
        // Parent levels are 1-based here (level l's predecessor level is l, in 1-based terms);
        // 0 means "no parent".
        std::vector<int> pl(d);
        for (int& x : pl) x = static_cast<int>(rng.Int(0, l));
        if (*std::max_element(pl.begin(), pl.end()) < l) pl[rng.Int(0, d - 1)] = l;
        for (int c = 1; c <= l; ++c) {  // cap draws from levels too small to supply them
          while (std::count(pl.begin(), pl.end(), c) > level_size[c - 1])
            *std::find(pl.begin(), pl.end(), c) = 0;
        }
        std::vector<int> parents;
        std::vector<int> done;
        for (int x : pl) {
          if (std::find(done.begin(), done.end(), x) != done.end()) continue;
          done.push_back(x);
          const int occurrences = static_cast<int>(std::count(pl.begin(), pl.end(), x));
          if (x > 0) {
            for (int p : rng.Sample(members[x - 1], occurrences)) parents.push_back(p);
          } else {
            parents.insert(parents.end(), occurrences, -1);
          }
        }
        const int pick = static_cast<int>(rng.Int(0, static_cast<int64_t>(unassigned.size()) - 1));
        const int node = unassigned[pick];
        unassigned.erase(unassigned.begin() + pick);
        dag.weight[node] = o.min_weight + rng.Unit() * (o.max_weight - o.min_weight);
        dag.level[node] = l;
        dag.parent_levels[node] = pl;
        dag.parent_ids[node] = parents;
      }
    }

    GraphBuilder b("synthetic");
    for (int v = 0; v < n; ++v) {
      Tensor t;
      t.name = fmt::format("n{}:0", v);
      b.AddTensor(std::move(t));
    }
    std::vector<char> touched(n, 0);
    for (int v = 0; v < n; ++v) {
      Operator op;
      op.name = fmt::format("n{}", v);
      op.type = "node";
      op.outputs = {v};
      for (int p : dag.parent_ids[v])
        if (p >= 0) {
          op.inputs.push_back(p);
          touched[p] = touched[v] = 1;
        }
      std::sort(op.inputs.begin(), op.inputs.end());
      b.AddParameter(b.AddOp(std::move(op)), static_cast<int64_t>(dag.weight[v] * (1 << 20) + 0.5));
    }
    if (std::count(touched.begin(), touched.end(), 0) > 0) continue;
    auto g = std::move(b).Build();
    if (!g) return g.error();
    if (WeaklyConnectedComponents(*g) != 1) continue;
    dag.graph = std::move(*g);
    dag.graph.name = fmt::format("synth_n{}_d{}_s{}", n, d, o.seed);
    return dag;
  }
  return Error{
      fmt::format("synth: no weakly connected DAG found in {} attempts (try more levels "
                  "or a larger in-degree)",
                  kMaxAttempts)};
}

}  // namespace respect
