#include "schedulers/ilp.h"

#include <fmt/format.h>

#include <CbcEventHandler.hpp>
#include <CbcModel.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "solver/milp.h"

namespace respect {
namespace {

using Clock = std::chrono::steady_clock;
constexpr double kMs = 1000.0;  // the model's time unit: milliseconds keep coefficients O(1)
constexpr double kMiB = 1048576.0;
// How far above IlpOptions::target a schedule still counts as meeting it: CBC's tolerances
// (1e-6 relative and below) on a period of milliseconds.
constexpr double kTargetSlack = 1e-6;
bool MeetsTarget(double value, double target) {
  return target > 0 && value <= target * (1 + kTargetSlack);
}

// Progress from inside CBC's search, at most about once a second; and the stop at a target:
// once CBC's incumbent meets `stop_at` (a proven lower bound, in reported units), no better
// schedule exists and the search ends.
class ProgressHandler : public CbcEventHandler {
 public:
  ProgressHandler(std::function<void(double, double, double)> cb, double scale, double offset,
                  Clock::time_point t0, double stop_at)
      : cb_(std::move(cb)), scale_(scale), offset_(offset), stop_at_(stop_at), t0_(t0), last_(t0) {}
  CbcAction event(CbcEvent e) override {
    if (!model_) return noAction;
    const double inc = model_->bestSolution() ? model_->getObjValue() / scale_ + offset_
                                              : std::numeric_limits<double>::infinity();
    const bool met = MeetsTarget(inc, stop_at_);
    const auto now = Clock::now();
    if (cb_ && (met || e == solution || e == heuristicSolution ||
                now - last_ >= std::chrono::seconds(1))) {
      last_ = now;
      const double bound = model_->getBestPossibleObjValue() / scale_ + offset_;
      cb_(inc, bound, std::chrono::duration<double>(now - t0_).count());
    }
    return met ? stop : noAction;
  }
  CbcEventHandler* clone() const override { return new ProgressHandler(*this); }

 private:
  std::function<void(double, double, double)> cb_;
  double scale_, offset_, stop_at_;
  Clock::time_point t0_, last_;
};

// Parameter bytes the evaluator charges operator v in a stage (its constants; formats without
// constant tensors carry param_bytes on the operator). Sets shared when a constant is read by
// several operators (the evaluator stores it once per stage; the model charges each reader).
int64_t LayerBytes(const Graph& g, int v, bool& shared) {
  const Operator& op = g.ops[v];
  int64_t bytes = 0;
  for (int t : op.inputs) {
    if (t < 0 || !g.tensors[t].is_constant) continue;
    if (g.StorageShared(t)) shared = true;
    bytes += g.tensors[t].bytes;
  }
  if (bytes == 0 && op.param_bytes > 0 && op.inputs.empty()) bytes = op.param_bytes;
  return bytes;
}

}  // namespace

Result<IlpResult> SolveIlp(const CostModel& m, const IlpOptions& o) {
  const Graph& g = m.graph();
  const DeviceProfile& p = m.profile();
  const int n = g.num_ops(), K = o.stages;
  if (K < 1 || K > n) return Error{fmt::format("ilp: {} stages for {} operators", K, n)};
  const bool windows = !o.window_lo.empty();
  if (windows &&
      (static_cast<int>(o.window_lo.size()) != n || static_cast<int>(o.window_hi.size()) != n))
    return Error{"ilp: windows must give every operator a range"};

  IlpResult result;
  MilpBuilder b;
  int period_col = -1;  // throughput: the period T
  const double inf = std::numeric_limits<double>::infinity();

  // y[v][k], k < K-1: "stage(v) <= k".
  std::vector<std::vector<int>> y(n, std::vector<int>(std::max(K - 1, 0), -1));
  for (int v = 0; v < n; ++v) {
    const int lo = windows ? std::clamp(o.window_lo[v], 0, K - 1) : 0;
    const int hi = windows ? std::clamp(o.window_hi[v], lo, K - 1) : K - 1;
    for (int k = 0; k + 1 < K; ++k)
      y[v][k] = b.AddCol(fmt::format("y_{}_{}", v, k), k >= hi ? 1 : 0, k < lo ? 0 : 1, 0, true);
  }
  auto Y = [&](int v, int k) {
    Expr e;
    if (k < 0) return e;
    if (k >= K - 1) {
      e.constant = 1;
      return e;
    }
    e.Add(y[v][k], 1);
    return e;
  };
  auto X = [&](int v, int k) {
    Expr e = Y(v, k);
    e.Add(Y(v, k - 1), -1);
    return e;
  };

  // Precedence, monotone cumulative variables, non-empty stages, child alignment.
  for (int v = 0; v < n; ++v) {
    for (int k = 0; k + 2 < K; ++k) {
      Expr e = Y(v, k);
      e.Add(Y(v, k + 1), -1);
      b.AddRow(e, -inf, 0);
    }
    for (int u : g.preds(v))
      for (int k = 0; k + 1 < K; ++k) {
        Expr e = Y(v, k);
        e.Add(Y(u, k), -1);
        b.AddRow(e, -inf, 0);
      }
    if (o.align_children && g.succs(v).size() > 1) {
      const int first = g.succs(v)[0];
      for (size_t i = 1; i < g.succs(v).size(); ++i)
        for (int k = 0; k + 1 < K; ++k) {
          Expr e = Y(g.succs(v)[i], k);
          e.Add(Y(first, k), -1);
          b.AddRow(e, 0, 0);
        }
    }
  }
  for (int k = 0; k < K; ++k) {
    Expr e;
    for (int v = 0; v < n; ++v) e.Add(X(v, k), 1);
    b.AddRow(e, 1, inf);
  }

  double scale = kMs, offset = 0;             // reported value = model objective / scale + offset
  std::vector<std::vector<int>> streamed(n);  // st[v][k] columns (or empty)
  std::vector<int64_t> layer(n, 0);
  if (o.objective == Objective::kPaper) {
    scale = 1;
    const int pmax = b.AddCol("pmax", 0, inf, o.paper_lambda, false);
    for (int k = 0; k < K; ++k) {
      Expr e;
      for (int v = 0; v < n; ++v)
        if (g.ops[v].param_bytes > 0) e.Add(X(v, k), g.ops[v].param_bytes / kMiB);
      e.Add(pmax, -1);
      b.AddRow(e, -inf, 0);
    }
    // crossings = sum over edges u -> v of stage(v) - stage(u) = sum_k y[u][k] - y[v][k].
    for (int v = 0; v < n; ++v)
      for (int u : g.preds(v))
        for (int k = 0; k + 1 < K; ++k) {
          b.objective[y[u][k]] += 1;
          b.objective[y[v][k]] -= 1;
        }
  } else {
    bool any_fallback = false, shared = false;
    for (int v = 0; v < n; ++v) any_fallback |= m.FallsBackToCpu(v) != 0;
    for (int v = 0; v < n; ++v) layer[v] = LayerBytes(g, v, shared);
    result.model_exact = !any_fallback && !shared;
    const double in_ms = kMs / p.link_in_bytes_per_s, out_ms = kMs / p.link_out_bytes_per_s;
    // The shared host's controller sees every byte any stage's link moves (cost_model.h).
    const double cin_ms = p.controller_in_bytes_per_s > 0 ? kMs / p.controller_in_bytes_per_s : 0,
                 cout_ms =
                     p.controller_out_bytes_per_s > 0 ? kMs / p.controller_out_bytes_per_s : 0;
    std::vector<Expr> stage(K);
    Expr controller;
    for (int k = 0; k < K; ++k) {
      stage[k].constant = p.invoke_overhead_s * kMs;
      for (int v = 0; v < n; ++v) {
        const double c = (m.FallsBackToCpu(v) ? m.CpuSeconds(v) : m.TpuSeconds(v)) * kMs;
        if (c > 0) stage[k].Add(X(v, k), c);
      }
    }
    // Activation tensors over the link.
    std::vector<char> is_output(g.tensors.size(), 0);
    for (int t : g.outputs) is_output[t] = 1;
    for (int t = 0; t < static_cast<int>(g.tensors.size()); ++t) {
      const Tensor& tensor = g.tensors[t];
      if (tensor.is_constant || tensor.bytes <= 0) continue;
      std::vector<int> consumers = tensor.consumers;
      std::sort(consumers.begin(), consumers.end());
      consumers.erase(std::unique(consumers.begin(), consumers.end()), consumers.end());
      const int prod = tensor.producer;
      const double bytes = static_cast<double>(tensor.bytes);
      for (int k = 0; k < K && !consumers.empty(); ++k) {
        const int in = b.AddCol(fmt::format("in_{}_{}", t, k), 0, 1, 0, false);
        for (int c : consumers) {
          Expr e = X(c, k);
          if (prod >= 0) e.Add(X(prod, k), -1);
          e.Add(in, -1);
          b.AddRow(e, -inf, 0);
        }
        stage[k].Add(in, bytes * in_ms);
        controller.Add(in, bytes * cin_ms);
      }
      if (prod < 0) continue;
      for (int k = 0; k < K; ++k) {
        if (is_output[t]) {
          stage[k].Add(X(prod, k), bytes * out_ms);
          controller.Add(X(prod, k), bytes * cout_ms);
        } else if (!consumers.empty()) {
          const int out = b.AddCol(fmt::format("out_{}_{}", t, k), 0, 1, 0, false);
          for (int c : consumers) {
            Expr e = X(prod, k);
            e.Add(X(c, k), -1);
            e.Add(out, -1);
            b.AddRow(e, -inf, 0);
          }
          stage[k].Add(out, bytes * out_ms);
          controller.Add(out, bytes * cout_ms);
        }
      }
    }
    // Parameter caching in execution order.
    const double cache = static_cast<double>(p.param_cache_bytes);
    const auto& order = m.exec_order();
    double global_prefix = 0;
    for (int i = 0; i < n; ++i) {
      const int v = order[i];
      global_prefix += static_cast<double>(layer[v]);
      if (layer[v] == 0 || global_prefix <= cache) continue;  // can never stream
      const double big_m = global_prefix - cache;
      for (int k = 0; k < K; ++k) {
        const int st = b.AddCol(fmt::format("s_{}_{}", v, k), 0, 1, 0, true);
        streamed[v].push_back(st);
        // prefix_k(v) - cache <= M (1 - x[v][k]) + M st  (in MiB for conditioning)
        Expr e;
        for (int j = 0; j <= i; ++j)
          if (layer[order[j]] > 0) e.Add(X(order[j], k), layer[order[j]] / kMiB);
        e.Add(X(v, k), big_m / kMiB);
        e.Add(st, -big_m / kMiB);
        b.AddRow(e, -inf, (cache + big_m) / kMiB);
        Expr only_if_here = X(v, k);  // st <= x[v][k]
        only_if_here.Add(st, -1);
        b.AddRow(only_if_here, 0, inf);
        stage[k].Add(st, static_cast<double>(layer[v]) * in_ms);
        controller.Add(st, static_cast<double>(layer[v]) * cin_ms);
      }
    }
    for (int k = 0; k < K; ++k) {  // aggregate: streamed bytes >= stage params - cache
      Expr e;
      bool any = false;
      for (int v = 0; v < n; ++v) {
        if (layer[v] == 0) continue;
        e.Add(X(v, k), -layer[v] / kMiB);
        if (!streamed[v].empty()) {
          e.Add(streamed[v][k], layer[v] / kMiB);
          any = true;
        }
      }
      if (any) b.AddRow(e, -cache / kMiB, inf);
    }
    if (o.objective == Objective::kThroughput) {
      // The host: every (non-empty) stage's invoke on its CPU cores; its controllers.
      const double host_cpu_ms = K * p.host_invoke_s * kMs / p.host_cores;
      const double floor_ms =
          result.model_exact ? std::max({host_cpu_ms, o.lower_bound * kMs, o.target * kMs}) : 0;
      period_col = b.AddCol("period", floor_ms, inf, 1, false);
      const int T = period_col;
      for (int k = 0; k < K; ++k) {
        Expr e = stage[k];
        e.Add(T, -1);
        b.AddRow(e, -inf, 0);
      }
      Expr e;
      e.Add(controller, 1.0 / p.Controllers(K));
      e.Add(T, -1);
      b.AddRow(e, -inf, 0);
    } else {  // latency: the sum of the stage expressions
      for (int k = 0; k < K; ++k) {
        for (const Term& t : stage[k].terms) b.objective[t.col] += t.coef;
        offset += stage[k].constant / kMs;
      }
    }
  }

  // The solver.
  result.rows = static_cast<int>(b.row_lb.size());
  result.cols = b.num_cols();
  for (char c : b.is_int) result.integers += c;
  std::vector<std::pair<std::string, double>> start;
  if (o.warm_start && static_cast<int>(o.warm_start->stage_of.size()) == n) {
    const auto& s = o.warm_start->stage_of;
    for (int v = 0; v < n; ++v)
      for (int k = 0; k + 1 < K; ++k) start.emplace_back(b.names[y[v][k]], s[v] <= k ? 1.0 : 0.0);
    // The cache walk of each stage in execution order gives the streamed flags.
    std::vector<double> filled(K, 0);
    std::vector<char> full(K, 0);
    for (int v : m.exec_order()) {
      const int k = s[v];
      if (!full[k] &&
          filled[k] + static_cast<double>(layer[v]) <= static_cast<double>(p.param_cache_bytes)) {
        filled[k] += static_cast<double>(layer[v]);
      } else if (layer[v] > 0) {
        full[k] = 1;
      }
      for (int kk = 0; kk < static_cast<int>(streamed[v].size()); ++kk)
        start.emplace_back(b.names[streamed[v][kk]], kk == k && full[k] ? 1.0 : 0.0);
    }
  }
  const auto t0 = Clock::now();
  // The target, or the floor where that is higher (both are proven bounds).
  const double target =
      period_col >= 0 && result.model_exact && o.target > 0 ? b.col_lb[period_col] / kMs : 0;
  MilpSolution sol;
  std::string pinned_note;
  if (target > 0) {
    // A third of the time on a schedule at the target: the period pinned to it.
    MilpBuilder pinned = b;
    pinned.col_ub[period_col] = target * kMs * (1 + kTargetSlack);
    ProgressHandler progress(o.progress, scale, offset, t0, 0);
    sol = SolveMilp(pinned, o.time_limit_s / 3, start, &progress, {}, o.cancel.get());
    if (sol.found) {
      sol.proven_optimal = true;
      sol.status = fmt::format("a schedule at the target found in {:.1f} s",
                               std::chrono::duration<double>(Clock::now() - t0).count());
    } else {
      pinned_note = fmt::format("; none at the target within {:.1f} s ({}), then the optimisation",
                                std::chrono::duration<double>(Clock::now() - t0).count(),
                                sol.proven_infeasible ? "proven none" : sol.status);
    }
  }
  if (!sol.found && !(o.cancel && o.cancel->load())) {
    const double left = o.time_limit_s - std::chrono::duration<double>(Clock::now() - t0).count();
    ProgressHandler progress(o.progress, scale, offset, t0, target);
    sol = SolveMilp(b, std::max(0.05, left), start, &progress, {}, o.cancel.get());
    sol.status += pinned_note;
  }
  result.proven_infeasible = sol.proven_infeasible;
  result.bound = sol.bound / scale + offset;
  if (sol.found) {
    result.found = true;
    result.objective = sol.objective / scale + offset;
    std::vector<int> stage_of(n, K - 1);
    for (int v = 0; v < n; ++v)
      for (int k = 0; k + 1 < K; ++k)
        if (sol.x[y[v][k]] > 0.5) {
          stage_of[v] = k;
          break;
        }
    result.schedule = Schedule(K, std::move(stage_of));
  }
  result.proven_optimal = sol.proven_optimal;
  result.status = sol.status;
  if (sol.found && MeetsTarget(result.objective, target)) {
    // The schedule meets a bound that holds over every schedule: nothing is better.
    result.met_target = result.proven_optimal = true;
    if (pinned_note.empty() && !sol.proven_optimal)
      result.status = "stopped: its incumbent meets the target";
  }
  if (result.proven_optimal) result.bound = std::min(result.bound, result.objective);
  if (!result.found && result.proven_infeasible)
    return Error{
        "ilp: no schedule satisfies the constraints (windows or child alignment with K non-empty "
        "stages)"};
  return result;
}

}  // namespace respect
