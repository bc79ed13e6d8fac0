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
  // The work behind compute_s, by rate it is charged at (calibration fits these rates).
  int64_t conv_macs = 0, depthwise_macs = 0, fc_macs = 0, vector_elems = 0;
  int charged_tpu_ops = 0;  // TPU operators that pay op_overhead_cycles (free ones do not)
};

struct PipelineCost {
  std::vector<StageCost> stages;
  double period_s = 0;        // slowest stage: a new inference enters every period
  double latency_s = 0;       // one inference through every stage, without queueing
  double throughput_ips = 0;  // 1 / period
  int bottleneck = 0;         // index of the slowest stage
};

// Fills overhead_s, transfer_s and latency_s of a stage from its byte counts and times.
void FinishStageCost(StageCost& st, const DeviceProfile& p);

// The link's seconds for a stage that reads `in_bytes` of inputs, streams `streamed_bytes` of
// parameters (host -> TPU) and writes `out_bytes`: the one link formula, which the lattice's
// stage costs, the lower bound and the pictures use too.
inline double LinkSeconds(const DeviceProfile& p, double in_bytes, double streamed_bytes,
                          double out_bytes) {
  return (in_bytes + streamed_bytes) / p.link_in_bytes_per_s + out_bytes / p.link_out_bytes_per_s;
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

  // Cost of a pipeline: stage_of[op] in [0, num_stages). The assignment must be valid (data
  // flows forward), which the schedule validator checks; stages may be empty. exec_order, when
  // given, is the topological order each segment runs its operators in (else exec_order()).
  PipelineCost Evaluate(const std::vector<int>& stage_of, int num_stages,
                        const std::vector<int>* exec_order = nullptr) const;
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
