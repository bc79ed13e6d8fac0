#include "schedulers/scheduler.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <optional>

#include "core/analysis.h"
#include "core/downset_lattice.h"
#include "schedulers/compiler_partitioner.h"
#include "schedulers/cut_walk.h"
#include "schedulers/dp_cuts.h"
#include "schedulers/exact_lattice.h"
#include "schedulers/hybrid.h"
#include "schedulers/ilp.h"
#include "schedulers/lower_bounds.h"
#include "schedulers/order_search.h"
#include "schedulers/order_to_stages.h"
#include "schedulers/profiling_partitioner.h"
#include "schedulers/rl_ilp.h"
#include "schedulers/satellites.h"

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
  out.note =
      fmt::format("Coral's profiling partitioner on the cost model: {} binary-search steps to 1 ms",
                  p->iterations);
  return out;
}

Result<ScheduleResult> RunList(const CostModel& m, const ScheduleRequest& r) {
  auto s = ListSchedule(m.graph(), r.stages, m.profile().param_cache_bytes, r.align_children);
  if (!s) return s.error();
  ScheduleResult out;
  out.schedule = std::move(*s);
  out.note =
      "RESPECT's list scheduler (step capacity = the parameter cache), cut by capacity bisection";
  return out;
}

Result<ScheduleResult> RunDp(const CostModel& m, const ScheduleRequest& r) {
  auto c = BestCutsOverOrders(m, r.stages, r.objective, r.paper_lambda, r.deadline);
  if (!c) return c.error();
  ScheduleResult out;
  out.schedule = std::move(c->schedule);
  out.note = c->note;
  return out;
}

// The best heuristic schedule for the request (each in its own execution order, rl's included
// where it is registered), the incumbent of the ilp and of exact.
std::optional<ScheduleResult> BestHeuristic(const CostModel& m, const ScheduleRequest& r) {
  std::optional<ScheduleResult> best;
  auto portfolio = PortfolioOf(r);
  if (!portfolio) return best;  // RunScheduler checked it before the method ran
  for (const std::string& method : *portfolio) {
    // Past the deadline only Coral's partition (linear time) still runs: something valid.
    if (best && PastDeadline(r)) break;
    auto res = RunScheduler(method, m, r);
    if (!res) continue;
    if (!best || res->objective_value < best->objective_value) best = std::move(*res);
  }
  return best;
}

// The ilp from a given incumbent (the best heuristic, or none), with what is left of the time
// limit.
Result<ScheduleResult> IlpFrom(const CostModel& m, const ScheduleRequest& r,
                               std::optional<ScheduleResult> warm, double known_bound = 0,
                               const std::string& known_name = "") {
  if (auto refused = IlpTooLarge(m, r, SecondsLeft(r)); !refused.empty()) return Error{refused};
  IlpOptions o = IlpOptionsFor(m, r);
  if (r.objective == Objective::kThroughput) o.target = known_bound;  // also the floor
  if (warm) o.warm_start = &warm->schedule;
  auto ilp = SolveIlp(m, o);
  if (!ilp) return ilp.error();
  ScheduleResult out;
  out.engine = "ilp";
  out.cut_short = !ilp->proven_optimal && PastDeadline(r);
  const std::string model_note = fmt::format(
      "CBC {}; model {} rows x {} cols ({} integer){}", ilp->status, ilp->rows, ilp->cols,
      ilp->integers,
      ilp->model_exact ? ""
                       : "; heuristic: the model approximates host fallback or shared constants");
  double value = 0;
  if (ilp->found) value = ObjectiveValue(m, ilp->schedule, r.objective, r.paper_lambda);
  if (ilp->found && (!warm || value <= warm->objective_value)) {
    out.schedule = std::move(ilp->schedule);
    out.note = model_note;
    // The bound is proven for schedules that run each stage in the execution order; it is
    // only claimed when the model is the evaluator.
    if (ilp->model_exact &&
        std::abs(value - ilp->objective) <= 1e-6 * std::max(1.0, std::abs(value))) {
      out.lower_bound = ilp->bound;
      out.bound_name = "ilp";
      out.proven_optimal = ilp->proven_optimal;
      if (ilp->met_target) {  // optimal over every schedule, by the known bound
        out.bound_name = known_name;
        out.note += "; meets the " + known_name +
                    " lower bound: optimal over every valid schedule, any order inside each stage";
      }
    }
  } else if (warm) {
    // A heuristic in its own execution order can beat even the proven optimum over schedules
    // in the model's order: keep it, and claim the bound only where it applies.
    out.schedule = std::move(warm->schedule);
    out.note =
        model_note + "; kept the warm start (" + warm->method + ", in its own execution order)";
    if (ilp->model_exact && IlpBoundCovers(m, r, out.schedule)) {
      out.lower_bound = std::min(ilp->bound, warm->objective_value);
      out.bound_name = "ilp";
    }
  } else {
    return Error{fmt::format("no schedule found within {} s ({})", r.time_limit_s, ilp->status)};
  }
  return out;
}

Result<ScheduleResult> RunIlp(const CostModel& m, const ScheduleRequest& r) {
  // Methods that ignore --align-children fail validation and drop out of the incumbent.
  return IlpFrom(m, r, BestHeuristic(m, r));
}

// The lattice up to `cap` downsets (-1: the request's cap).
DownsetLattice EnumerateFor(const CostModel& m, const ScheduleRequest& r, int64_t cap = -1) {
  LatticeOptions lo;
  lo.max_downsets = cap >= 0 ? cap : r.lattice_cap;
  lo.time_limit_s = SecondsLeft(r);
  return DownsetLattice::Enumerate(m.graph(), lo);
}

// The lattice DP from an incumbent (the best heuristic, or none). When the DP completes, the
// result is optimal over every valid schedule (and every order inside each stage where the
// cost model lets only caching depend on it): the DP's schedule if it beats the incumbent,
// else the incumbent (which may run in an order of its own and still be at least as good).
Result<ScheduleResult> ExactFrom(const CostModel& m, const ScheduleRequest& r,
                                 const DownsetLattice& lattice,
                                 std::optional<ScheduleResult> incumbent) {
  ExactOptions o = ExactOptionsFor(r);
  if (incumbent) {
    o.incumbent = incumbent->objective_value;
    o.incumbent_slowest_stage = SlowestStageSeconds(m, incumbent->schedule);
  }
  auto ex = SolveExact(m, lattice, o);
  if (!ex) return ex.error();
  const std::string what = fmt::format("lattice DP over {} downsets (width {}), {} stage costs",
                                       lattice.size(), lattice.max_ready(), ex->pairs);
  ScheduleResult out;
  out.engine = "lattice";
  out.cut_short = !ex->complete && PastDeadline(r);
  if (ex->found) {
    out.schedule = std::move(ex->schedule);
    out.note = what;
  } else if (incumbent) {
    out.schedule = std::move(incumbent->schedule);
    out.note = what + fmt::format("; {} the incumbent ({}{})",
                                  ex->complete ? "nothing beats" : "kept", incumbent->method,
                                  out.schedule.order.empty() || out.schedule.order == m.exec_order()
                                      ? ""
                                      : ", in its own execution order");
  } else if (ex->complete) {
    return Error{
        r.align_children
            ? "no valid schedule with K non-empty stages keeps every node's children together"
            : "no valid schedule with K non-empty stages"};
  } else {
    return Error{"no schedule found: " + ex->reason};
  }
  if (ex->complete) {
    out.lower_bound = ObjectiveValue(m, out.schedule, r.objective, r.paper_lambda);
    out.proven_optimal = true;
    out.note += ex->order_free
                    ? "; optimal over every valid schedule, any order inside each stage"
                    : "; optimal over every valid schedule whose stages run in execution order "
                      "(host fallback or shared constants make the order inside a stage matter)";
  } else {
    out.note += "; not proven: " + ex->reason;
  }
  return out;
}

// `exact` / `auto` with --tpus: the hybrid DP over the lattice (schedulers/hybrid.h), from the
// best of Coral's partition at every stage count with spare TPUs given greedily (data
// parallelism among them). Where the lattice exceeds the cap: the best heuristic at every
// stage count, given replicas greedily, unproven.
Result<ScheduleResult> RunHybridExact(const CostModel& m, const ScheduleRequest& r) {
  const Graph& g = m.graph();
  const int T = r.tpus, kmax = std::min({r.stages, T, std::max(g.num_ops(), 1)});
  std::optional<ScheduleResult> best;
  auto consider = [&](Schedule s, const std::string& what) {
    if (!ValidateSchedule(g, s, {r.align_children})) return;
    const double v = EvaluateSchedule(m, s).period_s;
    if (best && v >= best->objective_value) return;
    best = ScheduleResult{};
    best->schedule = std::move(s);
    best->objective_value = v;
    best->method = what;
  };
  for (int k = 1; k <= kmax; ++k)
    if (auto c = CompilerPartition(g, k); c) consider(GreedyReplicas(m, *c, T), "compiler");
  DownsetLattice lattice = EnumerateFor(m, r);
  // On big lattices a tight incumbent narrows the DP's walk: dp's cuts at every stage count
  // too (a fraction of the time limit at most).
  if (lattice.complete() && lattice.size() > 5000) {
    ScheduleRequest rk = r;
    rk.tpus = 0;
    rk.deadline = std::min(r.deadline, Deadline::clock::now() +
                                           std::chrono::duration_cast<Deadline::duration>(
                                               std::chrono::duration<double>(SecondsLeft(r) / 5)));
    for (int k = 1; k <= kmax && !PastDeadline(rk); ++k) {
      auto c = BestCutsOverOrders(m, k, Objective::kThroughput, 1.0, rk.deadline);
      if (c) consider(GreedyReplicas(m, c->schedule, T), "dp");
    }
  }
  ScheduleResult out;
  if (!lattice.complete()) {
    for (int k = 1; k <= kmax && !PastDeadline(r); ++k) {
      ScheduleRequest rk = r;
      rk.tpus = 0;
      rk.stages = k;
      if (auto h = BestHeuristic(m, rk)) consider(GreedyReplicas(m, h->schedule, T), h->method);
    }
    if (!best) return Error{"no valid schedule found"};
    out.schedule = std::move(best->schedule);
    out.engine = "heuristic";
    out.cut_short = PastDeadline(r);
    out.note = fmt::format(
        "the lattice has {} (raise --lattice-cap to try it); the best heuristic cut ({}) at 1 to "
        "{} stages with spare TPUs given greedily, not proven optimal",
        lattice.incomplete_reason(), best->method, kmax);
    return out;
  }
  HybridOptions h;
  h.tpus = T;
  h.max_stages = kmax;
  h.align_children = r.align_children;
  h.time_limit_s = SecondsLeft(r);
  if (best) h.incumbent = best->objective_value;
  auto hy = SolveHybrid(m, lattice, h);
  if (!hy) return hy.error();
  out.engine = "lattice";
  out.cut_short = !hy->complete && PastDeadline(r);
  const std::string what = fmt::format(
      "hybrid DP over {} downsets (width {}), {} stage costs, up to {} stages on {} TPUs",
      lattice.size(), lattice.max_ready(), hy->pairs, kmax, T);
  if (hy->found) {
    out.schedule = std::move(hy->schedule);
    out.note = what;
  } else if (best) {
    out.schedule = std::move(best->schedule);
    out.note = what + fmt::format("; {} the incumbent ({} cuts, replicas given greedily)",
                                  hy->complete ? "nothing beats" : "kept", best->method);
  } else if (hy->complete) {
    return Error{r.align_children ? "no valid hybrid schedule keeps every node's children together"
                                  : "no valid hybrid schedule"};
  } else {
    return Error{"no schedule found: " + hy->reason};
  }
  if (hy->complete) {
    out.lower_bound = EvaluateSchedule(m, out.schedule).period_s;
    out.proven_optimal = true;
    out.note += hy->order_free
                    ? "; optimal over every (cuts, replicas) choice, any order inside each stage"
                    : "; optimal over every (cuts, replicas) choice whose stages run in execution "
                      "order (host fallback or shared constants make the order inside a stage "
                      "matter)";
  } else {
    out.note += "; not proven: " + hy->reason;
  }
  return out;
}

// The seed orders of the order search: the six classic orders, the satellite orders, the
// learned policy's (where registered) and `extra` (an incumbent's own order).
std::vector<std::vector<int>> SeedOrders(const CostModel& m, const ScheduleRequest& r,
                                         const std::vector<int>& extra, std::string* note) {
  std::vector<std::vector<int>> seeds;
  if (!extra.empty()) seeds.push_back(extra);
  for (TopoOrderKind kind : AllTopoOrders()) seeds.push_back(TopologicalOrder(m.graph(), kind));
  seeds.push_back(m.exec_order());
  std::vector<std::vector<int>> satellites =
      SatelliteOrders(m, r.stages, r.objective, r.paper_lambda);
  const size_t satellite_count = satellites.size();
  for (std::vector<int>& order : satellites) seeds.push_back(std::move(order));
  bool learned = false;
  const auto& t = Schedulers();
  if (std::any_of(t.begin(), t.end(), [](const SchedulerInfo& s) { return s.name == "rl"; })) {
    // A quarter of the time left at most: the search itself needs the rest (decoding a
    // 10,000-operator graph takes seconds).
    ScheduleRequest rl = r;
    rl.tpus = 0;
    rl.time_limit_s = std::max(0.01, SecondsLeft(r) / 4);
    rl.deadline = {};
    if (auto res = RunScheduler("rl", m, rl); res && !res->schedule.order.empty()) {
      seeds.push_back(res->schedule.order);
      learned = true;
    }
  }
  if (note) {
    std::vector<std::string> parts = {"the classic orders"};
    if (satellite_count > 0) parts.push_back(fmt::format("{} satellite orders", satellite_count));
    if (learned) parts.push_back("the learned policy's");
    *note = parts.front();
    for (size_t i = 1; i < parts.size(); ++i)
      *note += (i + 1 == parts.size() ? " and " : ", ") + parts[i];
  }
  return seeds;
}

// The order search's options for a request: seeds as SeedOrders, its seed and lambda, until
// `deadline` or `target` (a lower bound).
OrderSearchOptions OrderSearchFor(const CostModel& m, const ScheduleRequest& r,
                                  const std::vector<int>& extra, Deadline deadline, double target) {
  OrderSearchOptions o;
  o.seeds = SeedOrders(m, r, extra, &o.seeds_note);
  o.deadline = deadline;
  o.seed = r.rl.seed;
  o.paper_lambda = r.paper_lambda;
  o.target = target;
  return o;
}

// The order search from an incumbent schedule (its order among the seeds): what it found, when
// that is valid and better than `value`.
std::optional<OrderSearchResult> BetterByOrderSearch(const CostModel& m, const ScheduleRequest& r,
                                                     const Schedule& from, double value,
                                                     Deadline deadline, double target) {
  const OrderSearchOptions o =
      OrderSearchFor(m, r, from.order.empty() ? m.exec_order() : from.order, deadline, target);
  auto found = SearchOrders(m, r.stages, r.objective, o);
  if (!found || !ValidateSchedule(m.graph(), found->schedule, {r.align_children})) return {};
  found->value = ObjectiveValue(m, found->schedule, r.objective, r.paper_lambda);
  if (!(found->value < value * (1 - 1e-12))) return {};
  return std::move(*found);
}

// `exact`: the lattice DP from the best heuristic when the graph's downsets fit the cap (it
// proves the optimum over every valid schedule); on wider graphs the ilp, with what is left of
// the time limit, which keeps the heuristic when it finds nothing better and claims only the
// bound it proves. The note says which ran and why.
Result<ScheduleResult> RunExact(const CostModel& m, const ScheduleRequest& r) {
  if (r.tpus > 0) return RunHybridExact(m, r);
  auto best = BestHeuristic(m, r);
  // A heuristic that meets a lower bound valid over every schedule is optimal: no search.
  LowerBound bound;
  auto meets = [&](bool thorough) {
    if (!best) return false;
    // The cheap bounds once; the thorough pass adds the boundary bound to them.
    bound = thorough ? ThoroughLowerBound(m, r, bound, best->objective_value)
                     : BestLowerBound(m, r, best->objective_value);
    if (bound.value < best->objective_value * (1 - 1e-9)) return false;
    best->note = fmt::format(
        "{} ({}) meets the {} lower bound: optimal over every valid schedule, any order "
        "inside each stage; no search needed",
        best->method, best->note, bound.name);
    best->engine = "bound";
    best->lower_bound = best->objective_value;
    best->bound_name = bound.name;
    best->bounds_applied = true;
    best->proven_optimal = true;
    return true;
  };
  if (meets(false)) return std::move(*best);
  // Paper: the cut walk below certifies wide graphs, so the lattice is first tried with a small
  // cap, and with the request's after a walk that did not finish.
  const int64_t first_cap = best ? FirstLatticeCap(r) : r.lattice_cap;
  DownsetLattice lattice = EnumerateFor(m, r, first_cap);
  if (lattice.complete()) return ExactFrom(m, r, lattice, std::move(best));
  std::string why =
      "the lattice has " + lattice.incomplete_reason() +
      (first_cap < r.lattice_cap
           ? fmt::format(", so the cut walk goes first (the cap of {} after it)", r.lattice_cap)
           : std::string(" (raise --lattice-cap to try it)"));
  // Paper: first the cut walk over the few downsets a better schedule can cross at, with a
  // quarter of the time left (the order search and the ilp get the rest where it does not
  // finish: on the 1,000-operator random DAGs its enumeration does not end).
  if (best && r.objective == Objective::kPaper && !PastDeadline(r)) {
    auto walk =
        SolvePaperByCuts(m, CutWalkOptionsFor(m, r, best->objective_value, SecondsLeft(r) / 4));
    if (walk && walk->complete) {
      ScheduleResult out;
      out.engine = "cut-walk";
      out.handed_over = true;
      if (walk->found) {
        out.schedule = std::move(walk->schedule);
        out.note = why + "; " + CutWalkNote(*walk);
      } else {
        out.schedule = std::move(best->schedule);
        out.note = why + "; " + CutWalkNote(*walk) + "; nothing beats the incumbent (" +
                   best->method + ")";
      }
      out.lower_bound = ObjectiveValue(m, out.schedule, r.objective, r.paper_lambda);
      out.bound_name = "cut-walk";
      out.proven_optimal = true;
      out.note += "; optimal over every valid schedule";
      return out;
    }
    why += "; " + (walk ? CutWalkNote(*walk) : "cut walk: " + walk.error().message);
    if (first_cap < r.lattice_cap && !PastDeadline(r)) {
      lattice = EnumerateFor(m, r);
      if (lattice.complete()) {
        auto ex = ExactFrom(m, r, lattice, std::move(best));
        if (ex) ex->note = why + "; then the " + ex->note;
        return ex;
      }
      why += "; with the cap of " + std::to_string(r.lattice_cap) + ", the lattice has " +
             lattice.incomplete_reason() + " (raise --lattice-cap to try it)";
    }
  }
  // Wide graphs: a tenth of the time left for the order search from the best heuristic (a
  // better incumbent prunes CBC's tree), then the boundary bound's seconds before the ilp,
  // which starts from both.
  if (best && r.tpus == 0 && !PastDeadline(r)) {
    const Deadline tenth =
        std::min(r.deadline,
                 Deadline::clock::now() + std::chrono::duration_cast<Deadline::duration>(
                                              std::chrono::duration<double>(SecondsLeft(r) / 10)));
    if (auto found =
            BetterByOrderSearch(m, r, best->schedule, best->objective_value, tenth, bound.value)) {
      best->schedule = std::move(found->schedule);
      best->objective_value = found->value;
      best->method = "brkga";
      best->note = fmt::format("{} generations of the order search from the best heuristic",
                               found->generations);
    }
  }
  if (meets(true)) return std::move(*best);
  // The thorough bound as CBC's floor only where it nearly meets the incumbent.
  const double floor = best ? IlpFloorFrom(bound.value, best->objective_value) : 0;
  auto ilp = IlpFrom(m, r, best, floor, bound.name);
  if (ilp) {
    ilp->note = why + "; handed over to the ilp: " + ilp->note;
    ilp->handed_over = true;
    // The thorough bound holds over every schedule (any order inside each stage), where CBC's
    // covers stages run in the execution order only: the answer keeps the better of the two.
    if (bound.value > ilp->lower_bound) {
      ilp->lower_bound = bound.value;
      ilp->bound_name = bound.name;
      ilp->bounds_applied = true;
    }
    return ilp;
  }
  if (!best) return Error{why + "; no method produced a schedule"};
  best->note = why + "; " + ilp.error().message +
               "; returned the best heuristic, not proven optimal (" + best->method + ": " +
               best->note + ")";
  best->lower_bound = bound.value;  // meets(true) computed it above
  best->bound_name = bound.name;
  best->bounds_applied = true;
  best->proven_optimal = false;
  best->engine = "heuristic";
  best->handed_over = true;
  best->cut_short = PastDeadline(r);
  return std::move(*best);
}

Result<ScheduleResult> RunBrkga(const CostModel& m, const ScheduleRequest& r) {
  const LowerBound bound = BestLowerBound(m, r);
  const OrderSearchOptions o = OrderSearchFor(m, r, {}, r.deadline, bound.value);
  auto res = SearchOrders(m, r.stages, r.objective, o);
  if (!res) return res.error();
  ScheduleResult out;
  out.schedule = std::move(res->schedule);
  out.lower_bound = bound.value;
  out.bound_name = bound.name;
  out.bounds_applied = true;
  out.cut_short = res->stopped;
  out.note = fmt::format(
      "random-key genetic search over topological orders, each cut optimally by dp: {} "
      "generations, {} orders cut (seeded with {}){}",
      res->generations, res->evaluations, o.seeds_note,
      res->reached_target ? "; stopped on reaching the " + bound.name + " lower bound" : "");
  return out;
}

// The best the tool can do in the time limit: `exact` (the lattice DP on narrow graphs, the ilp
// on wide ones), both from the best heuristic; where neither could run (the lattice over the
// cap, the ilp too large), the order search with the time left, from that heuristic's order.
Result<ScheduleResult> RunAuto(const CostModel& m, const ScheduleRequest& r) {
  auto res = RunExact(m, r);
  if (!res) return res;
  res->note = (res->handed_over ? "ilp: " : "exact: ") + res->note;
  if (res->engine == "heuristic" && r.tpus == 0 && !PastDeadline(r)) {
    if (auto found = BetterByOrderSearch(
            m, r, res->schedule, ObjectiveValue(m, res->schedule, r.objective, r.paper_lambda),
            r.deadline, res->lower_bound)) {  // exact's best bound (bounds_applied)
      res->schedule = std::move(found->schedule);
      res->engine = "order-search";
      res->note += fmt::format(
          "; then a random-key genetic search over orders (each cut by dp) improved it: {} "
          "generations, {} orders",
          found->generations, found->evaluations);
    }
  }
  return res;
}

}  // namespace

namespace {
std::vector<SchedulerInfo>& Table() {
  static std::vector<SchedulerInfo> table = {
      {"compiler",
       "Coral's parameter-count partitioner: the edgetpu_compiler --num_segments baseline",
       RunCompiler, true},
      {"profiling",
       "Coral's profiling partitioner (binary search on a target latency), cost model as the "
       "profiler",
       RunProfiling, true},
      {"list", "RESPECT's list scheduler turned into K stages (the authors' capacity bisection)",
       RunList, true},
      {"dp", "exact best cuts of several topological orders under the cost model", RunDp, true},
      {"ilp",
       "exact mixed-integer model solved by COIN-OR CBC, warm-started from the best heuristic",
       RunIlp},
      {"exact",
       "dynamic programming over the lattice of downsets, proven optimal over every valid "
       "schedule; where the lattice exceeds --lattice-cap, a short order search then the ilp "
       "from the best lower bound; a heuristic that meets a lower bound is proven without a "
       "search; with --tpus, cuts and replicas together (hybrid DP)",
       RunExact, false, true},
      {"brkga",
       "random-key genetic search over topological orders, each cut optimally by dp, seeded "
       "with the classic and the learned orders (uses the whole time limit)",
       RunBrkga},
      {"rl-ilp",
       "the learned schedule narrows and warm-starts the ilp (--window), which then certifies it "
       "for the full problem",
       RunRlIlp},
      {"auto",
       "the best method for the graph: exact (lattice DP or ilp) from the best heuristic; where "
       "neither can run, the order search (brkga) with the time left",
       RunAuto, false, true},
  };
  return table;
}
}  // namespace

const std::vector<SchedulerInfo>& Schedulers() { return Table(); }

Result<std::vector<std::string>> PortfolioOf(const ScheduleRequest& r) {
  std::vector<std::string> names;
  if (r.portfolio.empty()) {
    for (const auto& s : Schedulers())
      if (s.heuristic) names.push_back(s.name);
    return names;
  }
  for (const std::string& name : r.portfolio) {
    const auto& t = Schedulers();
    if (std::none_of(t.begin(), t.end(), [&](const SchedulerInfo& s) { return s.name == name; }))
      return Error{fmt::format("portfolio: no method named '{}' is registered", name)};
  }
  return r.portfolio;
}

void RegisterScheduler(SchedulerInfo info) {
  for (auto& s : Table())
    if (s.name == info.name) {
      s = std::move(info);
      return;
    }
  Table().push_back(std::move(info));
}

// The ilp's columns are about K x (2 per operator + 2 per activation tensor). CBC needs minutes
// for the root LP of 100k-column models (measured: rand_graph_1000_1, 17.8k columns, did not
// finish it in 10 s) and gigabytes to hold 200k: the model is not built past 4,000 columns per
// second of the time left, and never past 150,000. Returns why, or "".
std::string IlpTooLarge(const CostModel& m, const ScheduleRequest& r, double seconds_left) {
  const Graph& g = m.graph();
  int64_t activations = 0;
  for (const Tensor& t : g.tensors) activations += !t.is_constant;
  const int64_t cols = static_cast<int64_t>(r.stages) * (2 * g.num_ops() + 2 * activations);
  const int64_t cap = std::min<int64_t>(150'000, static_cast<int64_t>(4000 * seconds_left));
  if (cols <= cap) return "";
  if (seconds_left <= 0)
    return fmt::format(
        "the ilp model would have about {} columns ({} operators x {} stages) and no time is left "
        "to solve it; not built",
        cols, g.num_ops(), r.stages);
  return fmt::format(
      "the ilp model would have about {} columns ({} operators x {} stages), more than it can "
      "solve in {:.3g} s (at most {}); not built",
      cols, g.num_ops(), r.stages, seconds_left, cap);
}

IlpOptions IlpOptionsFor(const CostModel& m, const ScheduleRequest& r) {
  IlpOptions o;
  if (r.objective == Objective::kThroughput) o.lower_bound = BestLowerBound(m, r).value;
  o.stages = r.stages;
  o.objective = r.objective;
  o.paper_lambda = r.paper_lambda;
  o.align_children = r.align_children;
  o.progress = r.progress;
  o.time_limit_s = std::max(0.1, SecondsLeft(r));
  o.cancel = r.cancel;
  return o;
}

ExactOptions ExactOptionsFor(const ScheduleRequest& r) {
  ExactOptions o;
  o.stages = r.stages;
  o.objective = r.objective;
  o.paper_lambda = r.paper_lambda;
  o.align_children = r.align_children;
  o.time_limit_s = SecondsLeft(r);
  return o;
}

bool IlpBoundCovers(const CostModel& m, const ScheduleRequest& r, const Schedule& s) {
  return r.objective == Objective::kPaper || s.order.empty() || s.order == m.exec_order();
}

Result<ScheduleResult> RunScheduler(const std::string& method, const CostModel& m,
                                    const ScheduleRequest& r) {
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
  if (r.stages > 1)
    for (const Operator& op : m.graph().ops)
      if (op.type == "edgetpu-custom-op")
        return Error{fmt::format(
            "the model is already compiled for the Edge TPU (operator '{}' is an edgetpu-custom-op "
            "holding the compiled graph): split the CPU model, the .tflite given to "
            "edgetpu_compiler, and compile each segment",
            op.name)};
  if (r.stages > n)
    return Error{
        fmt::format("{} stages for {} operators: at most one stage per operator", r.stages, n)};
  if (auto portfolio = PortfolioOf(r); !portfolio) return portfolio.error();
  if (r.tpus < 0 || r.tpus > 4096)
    return Error{fmt::format("--tpus must be 1 to 4096, got {}", r.tpus)};
  if (r.tpus > 0 && r.objective != Objective::kThroughput)
    return Error{fmt::format(
        "--tpus chooses replicas for throughput; replicas do not change the {} objective",
        ObjectiveName(r.objective))};
  if (r.tpus > 0 && r.stages > r.tpus)
    return Error{
        fmt::format("{} stages need at least {} TPUs; --tpus is {}", r.stages, r.stages, r.tpus)};
  // Methods that do not choose replicas cut plain stages; the spare TPUs are given after.
  const bool greedy_replicas = r.tpus > 0 && !info->hybrid;
  const auto t0 = std::chrono::steady_clock::now();
  ScheduleRequest req = r;
  if (greedy_replicas) req.tpus = 0;
  if (req.deadline == Deadline{})
    req.deadline = t0 + std::chrono::duration_cast<Deadline::duration>(
                            std::chrono::duration<double>(std::min(r.time_limit_s, 1e7)));
  auto res = info->run(m, req);
  if (!res) return Error{fmt::format("{}: {}", method, res.error().message)};
  res->solve_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  res->method = method;
  if (res->engine.empty()) res->engine = method;
  if (greedy_replicas) {
    res->schedule = GreedyReplicas(m, res->schedule, r.tpus);
    res->proven_optimal = false;  // its claim was over plain pipelines
    res->lower_bound = 0;
    res->bound_name.clear();
    res->bounds_applied = false;
    res->note +=
        fmt::format("; spare TPUs (of {}) given greedily to the slowest stage per replica", r.tpus);
  }
  if (auto st = ValidateSchedule(m.graph(), res->schedule, {r.align_children}); !st)
    return Error{fmt::format("{} produced an invalid schedule: {}", method, st.error().message)};
  res->objective_value = ObjectiveValue(m, res->schedule, r.objective, r.paper_lambda);
  // The methods that certify (not the heuristics) also get the boundary bound's seconds, where
  // they proved nothing themselves, out of what is left of the method's limit.
  LowerBound bound{0, ""};
  if (!EmptyStages(res->schedule).empty()) {
    // A schedule that leaves stages empty is measured against the bounds that allow that (the
    // simple bound's K invokes assume K non-empty stages).
    if (res->bounds_applied) {
      res->lower_bound = 0;
      res->bound_name.clear();
    }
    bound = {SimpleLowerBound(m, r, /*all_stages_used=*/false), "simple"};
    if (const double ht = HeadTailLowerBound(m, r); ht > bound.value) bound = {ht, "head-tail"};
  } else if (!res->bounds_applied) {
    ScheduleRequest bounded = r;
    bounded.deadline = req.deadline;
    bound = BestLowerBound(m, bounded, res->objective_value,
                           !info->heuristic && !res->proven_optimal && res->bound_name.empty());
  }
  if (bound.value > res->lower_bound) {
    res->lower_bound = bound.value;
    res->bound_name = bound.name;
  } else if (res->bound_name.empty()) {
    res->bound_name = res->lower_bound > 0 ? res->engine : bound.name;
  }
  res->lower_bound = std::min(res->lower_bound, res->objective_value);
  res->gap = res->objective_value > 0
                 ? (res->objective_value - res->lower_bound) / res->objective_value
                 : 0;
  if (res->gap <= 1e-9) res->proven_optimal = true;
  return res;
}

}  // namespace respect
