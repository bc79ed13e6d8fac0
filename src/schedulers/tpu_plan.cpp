#include "schedulers/tpu_plan.h"

#include <fmt/format.h>

#include <algorithm>

#include "schedulers/compiler_partitioner.h"
#include "schedulers/objective.h"

namespace respect {
namespace {

// The host floor (CapacityPlan::host_floor_s).
void HostFloor(const CostModel& m, CapacityPlan& plan) {
  const Graph& g = m.graph();
  const DeviceProfile& p = m.profile();
  bool any_tpu = false;
  for (int v = 0; v < g.num_ops(); ++v) any_tpu = any_tpu || !m.FallsBackToCpu(v);
  const double cpu = any_tpu ? HostCpuSeconds(p, true, 0) / p.host_cores : 0;
  double ctrl = 0;
  if (p.tpus_per_controller <= 0) {
    int64_t in = 0, out = 0;
    for (int t : g.inputs) in += g.tensors[t].bytes;
    for (int t : g.outputs) out += g.tensors[t].bytes;
    ctrl = ControllerSeconds(p, static_cast<double>(in), 0, static_cast<double>(out));
  }
  plan.host_floor_s = std::max(cpu, ctrl);
  plan.floor_limit = ctrl > cpu ? PipelineLimit::kController : PipelineLimit::kHostCpu;
}

std::string Rate(double period_s) { return fmt::format("{:.1f}/s", 1.0 / period_s); }

}  // namespace

Result<CapacityPlan> PlanTpus(const CostModel& m, const PlanOptions& o) {
  if (o.max_tpus < 1 || o.max_tpus > 4096)
    return Error{fmt::format("--max-tpus must be 1 to 4096, got {}", o.max_tpus)};
  if (o.fps < 0) return Error{fmt::format("--fps must be positive, got {}", o.fps)};
  CapacityPlan plan;
  HostFloor(m, plan);
  const char* floor_what = plan.floor_limit == PipelineLimit::kController
                               ? "the host controller moves the model's inputs and outputs"
                               : "the host CPU runs at least one invoke";
  if (o.fps > 0 && 1.0 / o.fps < plan.host_floor_s * (1 - 1e-12)) {
    plan.verdict = fmt::format(
        "no number of TPUs reaches {:g}/s on this host: {} in {:.3f} ms per inference at best "
        "(at most {}); a faster host ({}) is needed",
        o.fps, floor_what, plan.host_floor_s * 1e3, Rate(plan.host_floor_s),
        plan.floor_limit == PipelineLimit::kController
            ? "more controllers: tpus_per_controller, controller_*_bytes_per_s"
            : "host_cores, host_invoke_s");
    return plan;
  }
  const int n = m.graph().num_ops();
  for (int T = 1; T <= o.max_tpus; ++T) {
    if (Cancelled(o.request)) return Error{"cancelled"};
    PlanPoint pt;
    pt.tpus = T;
    ScheduleRequest h = o.request;
    h.objective = Objective::kThroughput;
    h.tpus = T;
    h.stages = T;
    h.deadline = {};
    auto hy = RunScheduler("exact", m, h);
    if (!hy) return Error{fmt::format("{} TPUs: {}", T, hy.error().message)};
    pt.hybrid = std::move(*hy);
    pt.hybrid_cost = EvaluateSchedule(m, pt.hybrid.schedule);
    if (o.baselines && T <= n) {
      ScheduleRequest k = o.request;
      k.objective = Objective::kThroughput;
      k.tpus = 0;
      k.stages = T;
      k.deadline = {};
      if (auto pure = RunScheduler("exact", m, k); pure) {
        pt.pure_cost = EvaluateSchedule(m, pure->schedule);
        pt.pure = std::move(*pure);
      }
      if (auto c = CompilerPartition(m.graph(), T); c) pt.compiler_cost = EvaluateSchedule(m, *c);
    }
    plan.points.push_back(std::move(pt));
    if (o.progress) o.progress(plan.points.back());
    if (o.fps > 0 && plan.points.back().hybrid_cost.period_s <= 1.0 / o.fps * (1 + 1e-12)) {
      plan.answer = static_cast<int>(plan.points.size()) - 1;
      break;
    }
  }
  const PlanPoint& last = plan.points.back();
  if (o.fps > 0 && plan.answer >= 0) {
    const PipelineCost& c = last.hybrid_cost;
    const bool all_proven = std::all_of(plan.points.begin(), plan.points.end(),
                                        [](const PlanPoint& q) { return q.hybrid.proven_optimal; });
    plan.verdict = fmt::format(
        "{} TPU{} reach {:g}/s: {} stage{} with replicas {}, period {:.3f} ms ({}), latency "
        "{:.3f} ms{}",
        last.tpus, last.tpus == 1 ? "" : "s", o.fps, c.stages.size(),
        c.stages.size() == 1 ? "" : "s", ReplicasToJson(last.hybrid.schedule).dump(),
        c.period_s * 1e3, Rate(c.period_s), c.latency_s * 1e3,
        all_proven ? "; fewer TPUs cannot (each count proven)" : "");
  } else if (o.fps > 0) {
    plan.verdict = fmt::format(
        "{:g}/s is not reached with up to {} TPUs: the best is {} ({:.3f} ms), limited by {}; "
        "raise --max-tpus",
        o.fps, o.max_tpus, Rate(last.hybrid_cost.period_s), last.hybrid_cost.period_s * 1e3,
        PipelineLimitName(last.hybrid_cost.limit));
  } else {
    plan.verdict =
        fmt::format("best with {} TPUs: {} ({:.3f} ms), limited by {}; host floor {}", last.tpus,
                    Rate(last.hybrid_cost.period_s), last.hybrid_cost.period_s * 1e3,
                    PipelineLimitName(last.hybrid_cost.limit), Rate(plan.host_floor_s));
  }
  return plan;
}

}  // namespace respect
