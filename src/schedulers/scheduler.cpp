#include "schedulers/scheduler.h"

#include <algorithm>
#include <chrono>
#include <optional>

#include <fmt/format.h>

#include "core/analysis.h"
#include "schedulers/compiler_partitioner.h"
#include "schedulers/dp_cuts.h"
#include "schedulers/ilp.h"
#include "schedulers/order_to_stages.h"
#include "schedulers/profiling_partitioner.h"

namespace respect {
namespace {

Result<ScheduleResult> RunCompiler(const CostModel& m, const ScheduleRequest& r) {
  auto s = CompilerPartition(m.graph(), r.stages);
  if (!s) return s.error();
  ScheduleResult out;
  out.schedule = std::move(*s);
  out.note = "Coral's parameter-count partitioner (edgetpu_compiler --num_segments)";
  return out;
}

Result<ScheduleResult> RunProfiling(const CostModel& m, const ScheduleRequest& r) {
  auto p = ProfilingPartition(m, r.stages);
  if (!p) return p.error();
  ScheduleResult out;
  out.schedule = std::move(p->schedule);
  out.note = fmt::format("Coral's profiling partitioner on the cost model: {} binary-search steps to 1 ms",
                         p->iterations);
  return out;
}

Result<ScheduleResult> RunList(const CostModel& m, const ScheduleRequest& r) {
  auto s = ListSchedule(m.graph(), r.stages, m.profile().param_cache_bytes, r.align_children);
  if (!s) return s.error();
  ScheduleResult out;
  out.schedule = std::move(*s);
  out.note = "RESPECT's list scheduler (step capacity = the parameter cache), cut by capacity bisection";
  return out;
}

Result<ScheduleResult> RunDp(const CostModel& m, const ScheduleRequest& r) {
  auto c = BestCutsOverOrders(m, r.stages, r.objective, r.paper_lambda);
  if (!c) return c.error();
  ScheduleResult out;
  out.schedule = std::move(c->schedule);
  out.note = "optimal cuts of the best of 6 topological orders";
  return out;
}

// The best heuristic schedule for the request (each in its own execution order), the ILP's
// incumbent.
std::optional<ScheduleResult> BestHeuristic(const CostModel& m, const ScheduleRequest& r) {
  std::optional<ScheduleResult> best;
  for (const char* method : {"compiler", "profiling", "list", "dp"}) {
    auto res = RunScheduler(method, m, r);
    if (!res) continue;
    if (!best || res->objective_value < best->objective_value) best = std::move(*res);
  }
  return best;
}

// Does the ILP's bound (proven over schedules whose stages run in the model's execution order)
// cover schedule s? Always for the paper objective, which ignores the order.
bool IlpBoundCovers(const CostModel& m, const ScheduleRequest& r, const Schedule& s) {
  return r.objective == Objective::kPaper || s.order.empty() || s.order == m.exec_order();
}

Result<ScheduleResult> RunIlp(const CostModel& m, const ScheduleRequest& r) {
  const auto t0 = std::chrono::steady_clock::now();
  std::optional<ScheduleResult> warm;
  warm = BestHeuristic(m, r);  // methods that ignore --align-children fail validation and drop out
  IlpOptions o;
  o.stages = r.stages;
  o.objective = r.objective;
  o.paper_lambda = r.paper_lambda;
  o.align_children = r.align_children;
  o.progress = r.progress;
  o.time_limit_s = std::max(0.1, r.time_limit_s - std::chrono::duration<double>(
                                                      std::chrono::steady_clock::now() - t0).count());
  if (warm) o.warm_start = &warm->schedule;
  auto ilp = SolveIlp(m, o);
  if (!ilp) return ilp.error();
  ScheduleResult out;
  const std::string model_note = fmt::format(
      "CBC {}; model {} rows x {} cols ({} integer){}", ilp->status, ilp->rows, ilp->cols, ilp->integers,
      ilp->model_exact ? "" : "; heuristic: the model approximates host fallback or shared constants");
  double value = 0;
  if (ilp->found) value = ObjectiveValue(m, ilp->schedule, r.objective, r.paper_lambda);
  if (ilp->found && (!warm || value <= warm->objective_value)) {
    out.schedule = std::move(ilp->schedule);
    out.note = model_note;
    // The bound is proven for schedules that run each stage in the execution order; it is
    // only claimed when the model is the evaluator.
    if (ilp->model_exact && std::abs(value - ilp->objective) <= 1e-6 * std::max(1.0, std::abs(value))) {
      out.lower_bound = ilp->bound;
      out.proven_optimal = ilp->proven_optimal;
    }
  } else if (warm) {
    // A heuristic in its own execution order can beat even the proven optimum over schedules
    // in the model's order: keep it, and claim the bound only where it applies.
    out.schedule = std::move(warm->schedule);
    out.note = model_note + "; kept the warm start (" + warm->method + ", in its own execution order)";
    if (ilp->model_exact && IlpBoundCovers(m, r, out.schedule))
      out.lower_bound = std::min(ilp->bound, warm->objective_value);
  } else {
    return Error{fmt::format("no schedule found within {} s ({})", r.time_limit_s, ilp->status)};
  }
  return out;
}

// The best the tool can do in the time limit: the ILP already starts from the best heuristic
// (in its own execution order) and keeps it when it finds nothing better, so auto is the ILP;
// when the ILP cannot run (say --align-children leaves no K non-empty stages), the best
// heuristic.
Result<ScheduleResult> RunAuto(const CostModel& m, const ScheduleRequest& r) {
  if (auto ilp = RunScheduler("ilp", m, r)) {
    ilp->note = "ilp, from the best heuristic: " + ilp->note;
    return ilp;
  }
  auto best = BestHeuristic(m, r);
  if (!best) return Error{"no method produced a schedule"};
  best->note = "best heuristic: " + best->method + (best->note.empty() ? "" : "; " + best->note);
  return std::move(*best);
}

}  // namespace

namespace {
std::vector<SchedulerInfo>& Table() {
  static std::vector<SchedulerInfo> table = {
      {"compiler", "Coral's parameter-count partitioner: the edgetpu_compiler --num_segments baseline", RunCompiler},
      {"profiling", "Coral's profiling partitioner (binary search on a target latency), cost model as the profiler", RunProfiling},
      {"list", "RESPECT's list scheduler turned into K stages (the authors' capacity bisection)", RunList},
      {"dp", "exact best cuts of several topological orders under the cost model", RunDp},
      {"ilp", "exact mixed-integer model solved by COIN-OR CBC, warm-started from the best heuristic", RunIlp},
      {"auto", "the best of every method within the time limit", RunAuto},
  };
  return table;
}
}  // namespace

const std::vector<SchedulerInfo>& Schedulers() { return Table(); }

void RegisterScheduler(SchedulerInfo info) {
  for (auto& s : Table())
    if (s.name == info.name) {
      s = std::move(info);
      return;
    }
  Table().push_back(std::move(info));
}

double SimpleLowerBound(const CostModel& m, const ScheduleRequest& r) {
  if (r.objective == Objective::kPaper) return 0;
  double total = 0, largest = 0;
  for (int v = 0; v < m.graph().num_ops(); ++v) {
    const double c = m.FallsBackToCpu(v) ? m.CpuSeconds(v) : std::min(m.TpuSeconds(v), m.CpuSeconds(v));
    total += c;
    largest = std::max(largest, c);
  }
  // Without host fallback every stage is a TPU invoke, and the K caches hold at most
  // K x cache bytes: the rest of the parameters cross the link on every inference, as do the
  // graph's inputs and outputs.
  bool any_fallback = false;
  for (int v = 0; v < m.graph().num_ops(); ++v) any_fallback |= m.FallsBackToCpu(v) != 0;
  if (!any_fallback) {
    const DeviceProfile& p = m.profile();
    const Graph& g = m.graph();
    const double uncached = std::max<double>(
        0, static_cast<double>(g.TotalParamBytes()) - static_cast<double>(r.stages) * p.param_cache_bytes);
    int64_t io_in = 0, io_out = 0;
    for (int t : g.inputs) io_in += g.tensors[t].bytes;
    for (int t : g.outputs) io_out += g.tensors[t].bytes;
    total += p.invoke_overhead_s + (uncached + io_in) / p.link_in_bytes_per_s +
             io_out / p.link_out_bytes_per_s;
  }
  if (r.objective == Objective::kLatency) return total;
  return std::max(largest, total / std::max(r.stages, 1));
}

Result<ScheduleResult> RunScheduler(const std::string& method, const CostModel& m, const ScheduleRequest& r) {
  const SchedulerInfo* info = nullptr;
  for (const auto& s : Schedulers())
    if (s.name == method) info = &s;
  if (!info) {
    std::string names;
    for (const auto& s : Schedulers()) names += (names.empty() ? "" : ", ") + s.name;
    return Error{fmt::format("unknown method '{}' (available: {})", method, names)};
  }
  const int n = m.graph().num_ops();
  if (r.stages < 1) return Error{fmt::format("--stages must be at least 1, got {}", r.stages)};
  if (r.stages > n)
    return Error{fmt::format("{} stages for {} operators: at most one stage per operator", r.stages, n)};
  const auto t0 = std::chrono::steady_clock::now();
  auto res = info->run(m, r);
  if (!res) return Error{fmt::format("{}: {}", method, res.error().message)};
  res->solve_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  res->method = method;
  if (auto st = ValidateSchedule(m.graph(), res->schedule, {r.align_children}); !st)
    return Error{fmt::format("{} produced an invalid schedule: {}", method, st.error().message)};
  res->objective_value = ObjectiveValue(m, res->schedule, r.objective, r.paper_lambda);
  res->lower_bound = std::max(res->lower_bound, SimpleLowerBound(m, r));
  res->lower_bound = std::min(res->lower_bound, res->objective_value);
  res->gap = res->objective_value > 0 ? (res->objective_value - res->lower_bound) / res->objective_value : 0;
  if (res->gap <= 1e-9) res->proven_optimal = true;
  return res;
}

}  // namespace respect
