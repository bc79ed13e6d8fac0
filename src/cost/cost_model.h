// The Edge TPU pipeline cost model: the one place where latencies are computed. Schedulers,
// benchmarks and reports all ask a CostModel; none re-derive times (STYLE.md, point 3).
//
// A segment S (the operators of one pipeline stage, run on one TPU) costs
//   T(S) = invoke_overhead                              (if any operator of S runs on the TPU)
//        + sum_{v on TPU} (op_overhead_cycles + work(v) / rate(v)) / clock
//        + (in_bytes + streamed_param_bytes) / link_in + out_bytes / link_out
//        + sum_{v on CPU} (macs(v) / cpu_macs_per_s + cpu_op_overhead)
// where work/rate is MACs / (mac_array x utilisation of the op class) for conv, depthwise and
// fully-connected ops, and elements / vector_elems_per_cycle for the rest (pooling,
// element-wise, reductions, data movement). Conventions, each from ANCHORS.md / PROBLEM.md:
// - Operators run in the graph's execution order (its stored order when that is topological,
//   which every importer and the zoo produce; otherwise Kahn's FIFO order).
// - Parameters are cached per layer in execution order while they fit in param_cache_bytes;
//   from the first layer that does not fit on, every layer's parameters are streamed over the
//   link on every inference. A constant read by two operators of a segment is stored once.
// - in_bytes: activation tensors read by the segment's TPU operators and produced outside it
//   (earlier segments or the graph input), each counted once per segment that receives it.
//   out_bytes: tensors its TPU operators produce that are read outside the TPU part of the
//   segment, or are graph outputs.
// - CPU fallback: the Edge TPU compiler partitions a model once, so the first operator of a
//   segment that the TPU cannot run, and every operator after it in the segment, run on the
//   host CPU. Their inputs are already on the host (no link cost).
// - Metadata-only operators (reshape, squeeze...) listed as free in the profile cost nothing.
// Costs assume a fully int8-quantised model, as the Edge TPU requires; parameter and tensor
// bytes are taken as the graph stores them.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/graph.h"
#include "cost/device_profile.h"

namespace respect {

struct StageCost {
  int ops = 0, tpu_ops = 0, cpu_ops = 0;
  int64_t macs = 0;
  int64_t param_bytes = 0, cached_bytes = 0, streamed_bytes = 0;
  int64_t in_bytes = 0, out_bytes = 0;
  double overhead_s = 0;  // per-invoke overhead
  double compute_s = 0;   // on-chip time of its TPU operators
  double transfer_s = 0;  // inputs, outputs and streamed parameters over the link
  double cpu_s = 0;       // operators that fell back to the host CPU
  double latency_s = 0;   // the sum of the four above
  // What one inference through this stage costs the shared host (HostCpuSeconds,
  // ControllerSeconds): CPU time (its invoke, its fallback operators) and controller time.
  double host_cpu_s = 0, controller_s = 0;
  // The work behind compute_s, by rate it is charged at (calibration fits these rates).
  int64_t conv_macs = 0, depthwise_macs = 0, fc_macs = 0, vector_elems = 0;
  int charged_tpu_ops = 0;  // TPU operators that pay op_overhead_cycles (free ones do not)
};

// What sets a pipeline's period: a stage (its time per replica), or the host that every stage
// shares: its CPU cores, or its controllers' bandwidth.
enum class PipelineLimit { kStage, kHostCpu, kController };
const char* PipelineLimitName(PipelineLimit l);  // "stage", "host-cpu", "controller"

// A pipeline's cost. With replicas (a hybrid pipeline, PROBLEM.md section 7), stage k runs on
// replicas[k] TPUs that take inferences round-robin, so it sustains replicas[k] / latency
// inferences per second; one inference still visits one replica of every stage. The host is
// shared by all: per inference it spends host_cpu_s of CPU time on host_cores cores and
// controller_s of controller time on the controllers the TPUs need, so
//   period = max( max_k latency_k / replicas_k,  host_cpu_s / host_cores,
//                 controller_s / Controllers(tpus) ).
struct PipelineCost {
  std::vector<StageCost> stages;
  std::vector<int> replicas;  // per stage (1 each for a plain pipeline)
  int tpus = 0;               // sum of replicas
  double period_s = 0;        // a new inference enters every period
  double latency_s = 0;       // one inference through every stage, without queueing
  double throughput_ips = 0;  // 1 / period
  int bottleneck = 0;         // the stage with the largest time per replica
  double stage_period_s = 0;  // that stage's time per replica
  double host_cpu_s = 0;      // host CPU seconds per inference (sum over stages)
  double controller_s = 0;    // controller seconds per inference (sum over stages)
  double host_period_s = 0;   // max(host_cpu_s / cores, controller_s / controllers)
  PipelineLimit limit = PipelineLimit::kStage;

  // Stage k's replica count (1 where the cost was built without them).
  int Replicas(size_t k) const { return k < replicas.size() ? std::max(1, replicas[k]) : 1; }
};

// Fills overhead_s, transfer_s, latency_s, host_cpu_s and controller_s of a stage from its
// byte counts and times.
void FinishStageCost(StageCost& st, const DeviceProfile& p);
// Fills a pipeline's totals (replicas, period, latency, bottleneck, host terms, limit) from its
// finished stages; replicas empty = one per stage. The one period formula (see PipelineCost).
void FinishPipelineCost(PipelineCost& c, const DeviceProfile& p, const std::vector<int>& replicas);
// The host's share of a pipeline's period: the larger of its CPU and controller times per
// inference, each divided by its capacity, for a pipeline on `tpus` TPUs.
inline double HostPeriodSeconds(const DeviceProfile& p, double host_cpu_s, double controller_s,
                                int tpus) {
  return std::max(host_cpu_s / p.host_cores, controller_s / p.Controllers(tpus));
}

// The link's seconds for a stage that reads `in_bytes` of inputs, streams `streamed_bytes` of
// parameters (host -> TPU) and writes `out_bytes`: the one link formula, which the lattice's
// stage costs, the lower bound and the pictures use too.
inline double LinkSeconds(const DeviceProfile& p, double in_bytes, double streamed_bytes,
                          double out_bytes) {
  return (in_bytes + streamed_bytes) / p.link_in_bytes_per_s + out_bytes / p.link_out_bytes_per_s;
}

// Controller seconds of the same traffic: every byte a TPU's link moves crosses its host
// controller too (in and out counted on one bus: conservative for USB 3's separate lanes); a
// rate of 0 is unlimited.
inline double ControllerSeconds(const DeviceProfile& p, double in_bytes, double streamed_bytes,
                                double out_bytes) {
  return (p.controller_in_bytes_per_s > 0
              ? (in_bytes + streamed_bytes) / p.controller_in_bytes_per_s
              : 0) +
         (p.controller_out_bytes_per_s > 0 ? out_bytes / p.controller_out_bytes_per_s : 0);
}
// Host CPU seconds of a stage: its invoke (when it runs on the TPU) and its fallback operators.
inline double HostCpuSeconds(const DeviceProfile& p, bool invokes_tpu, double cpu_s) {
  return (invokes_tpu ? p.host_invoke_s : 0) + cpu_s;
}

class CostModel {
 public:
  friend class SegmentScanner;
  CostModel(const Graph& g, DeviceProfile profile);

  const Graph& graph() const { return *g_; }
  const DeviceProfile& profile() const { return profile_; }
  // The execution order all costs use (see the header comment).
  const std::vector<int>& exec_order() const { return order_; }
  // Position of each operator in exec_order().
  const std::vector<int>& exec_position() const { return position_; }

  // On-chip seconds of op on the TPU, and host seconds if it ran on the CPU.
  double TpuSeconds(int op) const { return tpu_s_[op]; }
  double CpuSeconds(int op) const { return cpu_s_[op]; }
  bool FallsBackToCpu(int op) const { return fallback_[op]; }
  // Does any operator fall back to the host CPU?
  bool AnyFallsBackToCpu() const {
    for (char f : fallback_)
      if (f) return true;
    return false;
  }

  // Cost of a pipeline: stage_of[op] in [0, num_stages). The assignment must be valid (data
  // flows forward), which the schedule validator checks; stages may be empty. exec_order, when
  // given, is the topological order each segment runs its operators in (else exec_order()).
  // replicas, when given, holds each stage's replica count (>= 1; see PipelineCost).
  PipelineCost Evaluate(const std::vector<int>& stage_of, int num_stages,
                        const std::vector<int>* exec_order = nullptr,
                        const std::vector<int>* replicas = nullptr) const;
  // One TPU running the whole graph.
  PipelineCost EvaluateSingle() const;

 private:
  // Where one segment's walk in execution order stands: has an operator fallen back to the
  // CPU yet, and how full is the parameter cache.
  struct SegmentWalk {
    bool cpu_started = false, cache_full = false;
    int64_t cached_so_far = 0;
  };
  // Adds operator v, the next in its segment's execution order, to the segment's cost st:
  // counts, CPU fallback, compute, and caching of layer_bytes (the bytes of its constants not
  // yet counted for this segment). Returns true when v runs on the CPU. Shared by Evaluate and
  // SegmentScanner so both charge an operator the same way.
  bool AddOperator(int v, int64_t layer_bytes, SegmentWalk& walk, StageCost& st) const;

  const Graph* g_;
  DeviceProfile profile_;
  std::vector<int> order_, position_;
  std::vector<double> tpu_s_, cpu_s_;
  std::vector<char> fallback_, free_;
  enum class Work : uint8_t { kConv, kDepthwise, kFc, kVector, kNone };
  std::vector<Work> work_kind_;
  std::vector<int64_t> work_;
};

}  // namespace respect
