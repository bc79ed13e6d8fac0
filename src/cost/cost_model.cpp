#include "cost/cost_model.h"

#include <algorithm>
#include <unordered_set>

#include "core/analysis.h"

namespace respect {
namespace {

int64_t OutputElements(const Graph& g, const Operator& op) {
  int64_t n = 0;
  for (int t : op.outputs) {
    const int64_t e = g.tensors[t].NumElements();
    n += e >= 0 ? e : g.tensors[t].bytes;
  }
  return n;
}

}  // namespace

void FinishStageCost(StageCost& st, const DeviceProfile& p) {
  st.overhead_s = st.tpu_ops > 0 ? p.invoke_overhead_s : 0;
  st.transfer_s =
      LinkSeconds(p, static_cast<double>(st.in_bytes), static_cast<double>(st.streamed_bytes),
                  static_cast<double>(st.out_bytes));
  st.latency_s = st.overhead_s + st.compute_s + st.transfer_s + st.cpu_s;
  st.host_cpu_s = HostCpuSeconds(p, st.tpu_ops > 0, st.cpu_s);
  st.controller_s =
      ControllerSeconds(p, static_cast<double>(st.in_bytes), static_cast<double>(st.streamed_bytes),
                        static_cast<double>(st.out_bytes));
}

const char* PipelineLimitName(PipelineLimit l) {
  switch (l) {
    case PipelineLimit::kStage:
      return "stage";
    case PipelineLimit::kHostCpu:
      return "host-cpu";
    case PipelineLimit::kController:
      return "controller";
  }
  return "?";
}

void FinishPipelineCost(PipelineCost& c, const DeviceProfile& p, const std::vector<int>& replicas) {
  const size_t K = c.stages.size();
  c.replicas = replicas.size() == K ? replicas : std::vector<int>(K, 1);
  c.tpus = 0;
  c.latency_s = c.host_cpu_s = c.controller_s = 0;
  c.bottleneck = 0;
  double slowest = -1;
  for (size_t s = 0; s < K; ++s) {
    const StageCost& st = c.stages[s];
    const int r = std::max(1, c.replicas[s]);
    c.tpus += r;
    c.latency_s += st.latency_s;
    c.host_cpu_s += st.host_cpu_s;
    c.controller_s += st.controller_s;
    const double per_replica = st.latency_s / r;
    if (per_replica > slowest) {
      slowest = per_replica;
      c.bottleneck = static_cast<int>(s);
    }
  }
  c.stage_period_s = std::max(slowest, 0.0);
  const double cpu = c.host_cpu_s / p.host_cores;
  const double ctrl = c.controller_s / p.Controllers(c.tpus);
  c.host_period_s = std::max(cpu, ctrl);
  c.period_s = c.stage_period_s;
  c.limit = PipelineLimit::kStage;
  // The host limits only where it is strictly slower than every stage (ties name the stage).
  if (cpu > c.period_s) {
    c.period_s = cpu;
    c.limit = PipelineLimit::kHostCpu;
  }
  if (ctrl > c.period_s) {
    c.period_s = ctrl;
    c.limit = PipelineLimit::kController;
  }
  c.throughput_ips = c.period_s > 0 ? 1.0 / c.period_s : 0;
}

CostModel::CostModel(const Graph& g, DeviceProfile profile) : g_(&g), profile_(std::move(profile)) {
  const int n = g.num_ops();
  order_.resize(n);
  for (int i = 0; i < n; ++i) order_[i] = i;
  if (!IsTopologicalOrder(g, order_)) order_ = TopologicalOrder(g, TopoOrderKind::kKahnFifo);
  position_.assign(n, 0);
  for (int i = 0; i < n; ++i) position_[order_[i]] = i;

  const DeviceProfile& p = profile_;
  tpu_s_.assign(n, 0);
  cpu_s_.assign(n, 0);
  fallback_.assign(n, 0);
  free_.assign(n, 0);
  work_kind_.assign(n, Work::kNone);
  work_.assign(n, 0);
  for (int v = 0; v < n; ++v) {
    const Operator& op = g.ops[v];
    fallback_[v] = p.FallsBackToCpu(op);
    free_[v] = p.IsFree(op);
    if (free_[v]) continue;
    const int64_t out_elems = OutputElements(g, op);
    switch (op.op_class) {
      case OpClass::kConv:
        work_kind_[v] = Work::kConv;
        work_[v] = op.macs;
        break;
      case OpClass::kDepthwiseConv:
        work_kind_[v] = Work::kDepthwise;
        work_[v] = op.macs;
        break;
      case OpClass::kFullyConnected:
        work_kind_[v] = Work::kFc;
        work_[v] = op.macs;
        break;
      case OpClass::kPool:
      case OpClass::kElementwise:
      case OpClass::kReduce:
        work_kind_[v] = Work::kVector;
        work_[v] = op.macs;
        break;
      case OpClass::kDataMovement:
      case OpClass::kOther:
        work_kind_[v] = Work::kVector;
        work_[v] = out_elems;
        break;
      case OpClass::kCustom:
        break;  // opaque: only the fixed cost is known
    }
    const double w = static_cast<double>(work_[v]);
    double cycles = p.op_overhead_cycles;
    if (work_kind_[v] == Work::kVector)
      cycles += w / p.vector_elems_per_cycle;
    else if (work_kind_[v] != Work::kNone)
      cycles += w / (static_cast<double>(p.mac_array) * p.Utilisation(op.op_class));
    tpu_s_[v] = cycles / p.clock_hz;
    const double cpu_work = std::max(static_cast<double>(op.macs), static_cast<double>(out_elems));
    cpu_s_[v] = cpu_work / p.cpu_macs_per_s + p.cpu_op_overhead_s;
  }
}

PipelineCost CostModel::Evaluate(const std::vector<int>& stage_of, int num_stages,
                                 const std::vector<int>* exec_order,
                                 const std::vector<int>* replicas) const {
  const Graph& g = *g_;
  const DeviceProfile& p = profile_;
  PipelineCost result;
  result.stages.assign(std::max(num_stages, 0), StageCost{});
  auto& stages = result.stages;

  // Walk the execution order: which operators fall back, and parameter caching per stage.
  std::vector<char> on_cpu(g.num_ops(), 0);
  std::vector<SegmentWalk> walks(stages.size());
  std::unordered_set<int64_t> shared_constants_seen;  // (storage, stage) of constants read twice
  for (int v : exec_order && !exec_order->empty() ? *exec_order : order_) {
    const int s = stage_of[v];
    int64_t layer_bytes = 0;
    for (int t : g.ops[v].inputs) {
      if (t < 0 || !g.tensors[t].is_constant) continue;
      const Tensor& c = g.tensors[t];
      if (g.StorageShared(t) &&
          !shared_constants_seen.insert(static_cast<int64_t>(g.StorageOf(t)) * num_stages + s)
               .second)
        continue;
      layer_bytes += c.bytes;
    }
    on_cpu[v] = AddOperator(v, layer_bytes, walks[s], stages[s]);
  }

  // Tensors crossing into and out of each stage's TPU part.
  std::vector<char> is_output(g.tensors.size(), 0);
  for (int t : g.outputs) is_output[t] = 1;
  std::vector<int> received(stages.size(), -1);  // last tensor counted as input of stage s
  for (int t = 0; t < static_cast<int>(g.tensors.size()); ++t) {
    const Tensor& tensor = g.tensors[t];
    if (tensor.is_constant) continue;
    const int prod = tensor.producer;
    const bool prod_on_tpu = prod >= 0 && !on_cpu[prod];
    bool leaves = is_output[t] != 0;
    for (int c : tensor.consumers) {
      const int s = stage_of[c];
      const bool local = prod_on_tpu && stage_of[prod] == s && !on_cpu[c];
      if (!local) leaves = true;
      if (on_cpu[c] || local || received[s] == t) continue;
      received[s] = t;
      stages[s].in_bytes += tensor.bytes;
    }
    if (prod_on_tpu && leaves) stages[stage_of[prod]].out_bytes += tensor.bytes;
  }

  for (StageCost& st : stages) FinishStageCost(st, p);
  FinishPipelineCost(result, p, replicas ? *replicas : std::vector<int>{});
  return result;
}

bool CostModel::AddOperator(int v, int64_t layer_bytes, SegmentWalk& walk, StageCost& st) const {
  const Operator& op = g_->ops[v];
  ++st.ops;
  st.macs += op.macs;
  if (fallback_[v]) walk.cpu_started = true;
  // Formats that record only a per-node size (GML, RESPECT dumps) give it as one constant;
  // an operator whose constants are not tensors still carries param_bytes.
  if (layer_bytes == 0 && op.param_bytes > 0 && op.inputs.empty()) layer_bytes = op.param_bytes;
  st.param_bytes += layer_bytes;
  if (walk.cpu_started) {
    ++st.cpu_ops;
    st.cpu_s += cpu_s_[v];
    return true;
  }
  ++st.tpu_ops;
  st.compute_s += tpu_s_[v];
  if (!free_[v]) ++st.charged_tpu_ops;
  switch (work_kind_[v]) {
    case Work::kConv:
      st.conv_macs += work_[v];
      break;
    case Work::kDepthwise:
      st.depthwise_macs += work_[v];
      break;
    case Work::kFc:
      st.fc_macs += work_[v];
      break;
    case Work::kVector:
      st.vector_elems += work_[v];
      break;
    case Work::kNone:
      break;
  }
  if (!walk.cache_full && walk.cached_so_far + layer_bytes <= profile_.param_cache_bytes) {
    walk.cached_so_far += layer_bytes;
    st.cached_bytes += layer_bytes;
  } else {
    walk.cache_full = true;
    st.streamed_bytes += layer_bytes;
  }
  return false;
}

PipelineCost CostModel::EvaluateSingle() const {
  return Evaluate(std::vector<int>(g_->num_ops(), 0), 1);
}

}  // namespace respect
