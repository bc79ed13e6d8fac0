#include "memory/fusion_ilp.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>

#include "solver/milp.h"

namespace respect {

namespace {

// Strict ancestor and descendant counts of each group (groups are numbered topologically).
void Windows(const MemoryFusion& f, std::vector<int>& lo, std::vector<int>& hi) {
  const int n = f.num_groups(), words = (n + 63) / 64;
  std::vector<uint64_t> bits(static_cast<size_t>(n) * words, 0);
  auto row = [&](int x) { return bits.data() + static_cast<size_t>(x) * words; };
  auto count = [&](int x) {
    int c = 0;
    for (int w = 0; w < words; ++w) c += __builtin_popcountll(row(x)[w]);
    return c;
  };
  lo.assign(n, 0);
  hi.assign(n, n - 1);
  for (int x = 0; x < n; ++x) {
    for (int p : f.preds[x]) {
      for (int w = 0; w < words; ++w) row(x)[w] |= row(p)[w];
      row(x)[p / 64] |= uint64_t{1} << (p % 64);
    }
    lo[x] = count(x);
  }
  std::fill(bits.begin(), bits.end(), 0);
  for (int x = n - 1; x >= 0; --x) {
    for (int s : f.succs[x]) {
      for (int w = 0; w < words; ++w) row(x)[w] |= row(s)[w];
      row(x)[s / 64] |= uint64_t{1} << (s % 64);
    }
    hi[x] = n - 1 - count(x);
  }
}

}  // namespace

Result<FusionIlpResult> SolveFusionIlp(const MemoryModel& mm, const MemoryFusion& f,
                                       const std::vector<int>& warm, double time_limit_s) {
  const Graph& g = mm.graph();
  const int n = f.num_groups();
  FusionIlpResult out;
  out.groups = n;
  if (n == 0) return out;
  std::vector<int> lo, hi;
  Windows(f, lo, hi);
  int64_t dcols = 0;
  for (int x = 0; x < n; ++x) dcols += hi[x] - lo[x];
  if (dcols > kFusionIlpMaxColumns)
    return Error{fmt::format(
        "the fused graph ({} groups) needs {} step columns, more than the {} the ilp takes", n,
        dcols, kFusionIlpMaxColumns)};

  // Tensors crossing groups (tracked in R) and their consumer groups.
  struct Tracked {
    int64_t bytes;
    int producer;              // group, -1 for a graph input
    std::vector<int> readers;  // consumer groups; empty for a graph output nobody frees
    bool never_freed;
  };
  std::vector<Tracked> tracked;
  for (size_t t = 0; t < g.tensors.size(); ++t) {
    const Tensor& ten = g.tensors[t];
    if (ten.is_constant || ten.bytes == 0) continue;
    const bool out_t = mm.is_graph_output(static_cast<int>(t));
    int producer = -1;
    if (ten.producer >= 0)
      producer = f.group_of[ten.producer];
    else if (!mm.is_graph_input(static_cast<int>(t)))
      continue;
    std::vector<int> readers;
    for (int c : ten.consumers) readers.push_back(f.group_of[c]);
    std::sort(readers.begin(), readers.end());
    readers.erase(std::unique(readers.begin(), readers.end()), readers.end());
    if (!out_t) {
      if (readers.empty()) continue;  // dead at once: inside its producer's step
      if (producer >= 0 && readers.size() == 1 && readers[0] == producer) continue;  // internal
    }
    tracked.push_back({ten.bytes, producer, out_t ? std::vector<int>{} : readers, out_t});
  }
  // Each group's peak excess, and the in-place savings that depend on the order.
  std::vector<int64_t> q(n);
  std::vector<char> inside(g.num_ops(), 0);
  struct Saving {
    int group;
    int64_t bytes;
    std::vector<std::vector<int>> others;  // per candidate tensor: its other reader groups
  };
  std::vector<Saving> savings;
  for (int x = 0; x < n; ++x) {
    for (int o : f.groups[x]) inside[o] = 1;
    q[x] = SequenceEffect(mm, f.groups[x], inside).peak;
    for (int o : f.groups[x]) inside[o] = 0;
    if (f.groups[x].size() != 1 || !mm.options().inplace) continue;
    const int o = f.groups[x][0];
    Saving sv{x, mm.output_bytes(o), {}};
    bool settled = false;  // a candidate read by o alone: the reuse happens anyway (inside q)
    for (int t : mm.activation_inputs(o)) {
      if (!mm.CanReuse(o, t)) continue;
      std::vector<int> others;
      for (int c : g.tensors[t].consumers)
        if (c != o) others.push_back(f.group_of[c]);
      if (others.empty()) settled = true;
      sv.others.push_back(std::move(others));
    }
    if (!settled && !sv.others.empty()) savings.push_back(std::move(sv));
  }
  // Work in units of the greatest common divisor of every byte figure.
  int64_t unit = 0;
  for (const Tracked& t : tracked) unit = std::gcd(unit, t.bytes);
  for (int64_t v : q) unit = std::gcd(unit, std::llabs(v));
  for (const Saving& s : savings) unit = std::gcd(unit, s.bytes);
  unit = std::gcd(unit, mm.initial_bytes());
  if (unit <= 0) unit = 1;

  MilpBuilder b;
  std::vector<std::vector<int>> dcol(n);
  for (int x = 0; x < n; ++x)
    for (int s = lo[x]; s < hi[x]; ++s)
      dcol[x].push_back(b.AddCol(fmt::format("d_{}_{}", x, s), 0, 1, 0, true));
  // d[x][s] as an expression: 0 before the window, 1 from its end.
  auto d = [&](Expr& e, int x, int s, double coef) {
    if (s < lo[x]) return;
    if (s >= hi[x])
      e.constant += coef;
    else
      e.Add(dcol[x][s - lo[x]], coef);
  };
  const double inf = std::numeric_limits<double>::infinity();
  for (int x = 0; x < n; ++x)
    for (int s = lo[x] + 1; s < hi[x]; ++s) {
      Expr e;
      d(e, x, s - 1, 1);
      d(e, x, s, -1);
      b.AddRow(e, -inf, 0);
    }
  for (int s = 0; s < n; ++s) {
    Expr e;
    for (int x = 0; x < n; ++x) d(e, x, s, 1);
    if (!e.terms.empty()) b.AddRow(e, s + 1, s + 1);
  }
  for (int v = 0; v < n; ++v)
    for (int u : f.preds[v])
      for (int s = lo[v]; s < hi[v]; ++s) {
        Expr e;
        d(e, v, s, 1);
        d(e, u, s - 1, -1);
        b.AddRow(e, -inf, 0);
      }
  // freed[t][s]: a column (several reader groups), else the one reader's d.
  std::vector<std::vector<int>> ycol(tracked.size());
  std::vector<int> yfrom(tracked.size(), 0);
  for (size_t k = 0; k < tracked.size(); ++k) {
    const Tracked& t = tracked[k];
    if (t.never_freed || t.readers.size() < 2) continue;
    int first = 0, last = 0;
    for (int r : t.readers) {
      first = std::max(first, lo[r]);
      last = std::max(last, hi[r]);
    }
    yfrom[k] = first;
    for (int s = first; s < last; ++s) {
      const int c = b.AddCol(fmt::format("y_{}_{}", k, s), 0, 1, 0, false);
      ycol[k].push_back(c);
      for (int r : t.readers) {
        Expr e;
        e.Add(c, 1);
        d(e, r, s, -1);
        b.AddRow(e, -inf, 0);
      }
    }
  }
  auto freed = [&](Expr& e, size_t k, int s, double coef) {
    const Tracked& t = tracked[k];
    if (t.never_freed) return;
    if (t.readers.size() == 1) return d(e, t.readers[0], s, coef);
    if (s < yfrom[k]) return;
    if (s - yfrom[k] >= static_cast<int>(ycol[k].size()))
      e.constant += coef;
    else
      e.Add(ycol[k][s - yfrom[k]], coef);
  };
  // Order-dependent in-place savings.
  std::vector<std::vector<int>> zcol(savings.size());
  for (size_t k = 0; k < savings.size(); ++k) {
    const Saving& sv = savings[k];
    const int x = sv.group;
    for (int s = lo[x]; s <= hi[x]; ++s) {
      const int z = b.AddCol(fmt::format("z_{}_{}", k, s), 0, 1, 0, false);
      zcol[k].push_back(z);
      Expr run;  // z <= [x runs at s]
      run.Add(z, 1);
      d(run, x, s, -1);
      d(run, x, s - 1, 1);
      b.AddRow(run, -inf, 0);
      Expr any;  // z <= sum over candidates of w; w <= [its other readers ran before s]
      any.Add(z, 1);
      for (size_t c = 0; c < sv.others.size(); ++c) {
        const int w = b.AddCol(fmt::format("w_{}_{}_{}", k, c, s), 0, 1, 0, false);
        any.Add(w, -1);
        for (int r : sv.others[c]) {
          Expr e;
          e.Add(w, 1);
          d(e, r, s - 1, -1);
          b.AddRow(e, -inf, 0);
        }
      }
      b.AddRow(any, -inf, 0);
    }
  }
  const double u = static_cast<double>(unit);
  const int peak =
      b.AddCol("peak", static_cast<double>(std::max(mm.initial_bytes(), mm.LowerBound())) / u, inf,
               1, false);
  int64_t nonzeros = static_cast<int64_t>(b.elems.size());
  for (int s = 0; s < n; ++s) {
    Expr e;  // peak - memory(s) >= 0
    e.Add(peak, 1);
    for (size_t k = 0; k < tracked.size(); ++k) {
      const Tracked& t = tracked[k];
      if (s == 0) {
        if (t.producer < 0) e.constant -= static_cast<double>(t.bytes) / u;
        continue;
      }
      const double c = static_cast<double>(t.bytes) / u;
      if (t.producer < 0)
        e.constant -= c;
      else
        d(e, t.producer, s - 1, -c);
      freed(e, k, s - 1, c);
    }
    for (int x = 0; x < n; ++x)
      if (s >= lo[x] && s <= hi[x] && q[x] != 0) {
        const double c = static_cast<double>(q[x]) / u;
        d(e, x, s, -c);
        d(e, x, s - 1, c);
      }
    for (size_t k = 0; k < savings.size(); ++k) {
      const int x = savings[k].group;
      if (s >= lo[x] && s <= hi[x])
        e.Add(zcol[k][s - lo[x]], static_cast<double>(savings[k].bytes) / u);
    }
    nonzeros += static_cast<int64_t>(e.terms.size());
    if (nonzeros > kFusionIlpMaxNonzeros)
      return Error{fmt::format("the fused graph ({} groups) needs more than {} nonzeros in the ilp",
                               n, kFusionIlpMaxNonzeros)};
    b.AddRow(e, 0, inf);
  }
  out.columns = b.num_cols();
  out.rows = static_cast<int>(b.row_lb.size());

  std::vector<std::pair<std::string, double>> start;
  if (!warm.empty()) {
    const std::vector<int> order = GroupOrderOf(f, warm);
    std::vector<int> step(n);
    for (int i = 0; i < n; ++i) step[order[i]] = i;
    for (int x = 0; x < n; ++x)
      for (int s = lo[x]; s < hi[x]; ++s)
        start.emplace_back(fmt::format("d_{}_{}", x, s), step[x] <= s ? 1.0 : 0.0);
  }
  // CBC's cuts and primal heuristics, measured on NASNet-Mobile's 389 groups, ran past a 30 s limit
  // without a solution, where without them CBC returned within it; the warm start stands in for
  // the heuristics, and on Inception v3 and RandWire the proofs came as fast or faster.
  const MilpSolution sol =
      SolveMilp(b, time_limit_s, start, nullptr, {"-cuts", "off", "-heuristicsOnOff", "off"});
  out.status = sol.status;
  const double eps = 1e-6;
  if (sol.found) {
    std::vector<int> step(n, n);
    for (int x = 0; x < n; ++x) {
      step[x] = hi[x];
      for (int s = lo[x]; s < hi[x]; ++s)
        if (sol.x[dcol[x][s - lo[x]]] > 0.5) {
          step[x] = s;
          break;
        }
    }
    std::vector<int> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int c) { return step[a] < step[c]; });
    out.order = ExpandGroupOrder(f, order);
  }
  out.proven_optimal = sol.proven_optimal && sol.found;
  if (sol.found || sol.bound > 0)
    out.bound = static_cast<int64_t>(std::ceil(sol.bound - eps)) * unit;
  return out;
}

}  // namespace respect
