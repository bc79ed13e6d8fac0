#include "cost/segment_scan.h"

namespace respect {

SegmentScanner::SegmentScanner(const CostModel& model, std::vector<int> order)
    : m_(model), order_(std::move(order)) {
  const Graph& g = m_.graph();
  std::vector<char> is_output(g.tensors.size(), 0);
  for (int t : g.outputs) is_output[t] = 1;
  state_.assign(g.tensors.size(), TensorState{});
  const size_t n = order_.size();
  const_begin_.resize(n);
  in_begin_.resize(n);
  out_begin_.resize(n);
  out_end_.resize(n);
  for (size_t p = 0; p < n; ++p) {
    const Operator& op = g.ops[order_[p]];
    const_begin_[p] = static_cast<int>(refs_.size());
    for (int t : op.inputs)
      if (t >= 0 && g.tensors[t].is_constant)
        refs_.push_back({g.StorageOf(t), 0, g.tensors[t].bytes, false});
    in_begin_[p] = static_cast<int>(refs_.size());
    for (size_t k = 0; k < op.inputs.size(); ++k) {
      const int t = op.inputs[k];
      if (t < 0 || g.tensors[t].is_constant) continue;
      bool repeated = false;  // an operator reading the same tensor twice counts it once
      for (size_t e = 0; e < k; ++e) repeated |= op.inputs[e] == t;
      if (repeated) continue;
      refs_.push_back({t, static_cast<int>(g.tensors[t].consumers.size()), g.tensors[t].bytes,
                       is_output[t] != 0});
    }
    out_begin_[p] = static_cast<int>(refs_.size());
    for (int t : op.outputs)
      refs_.push_back({t, 0, g.tensors[t].bytes, is_output[t] || !g.tensors[t].consumers.empty()});
    out_end_[p] = static_cast<int>(refs_.size());
  }
}

void SegmentScanner::Start(int position) {
  ++segment_;
  end_ = position;
  walk_ = {};
  cost_ = StageCost{};
}

const StageCost& SegmentScanner::Extend() {
  const DeviceProfile& p = m_.profile();
  const int pos = end_++;
  const int v = order_[pos];
  StageCost& st = cost_;
  int64_t layer_bytes = 0;
  for (int r = const_begin_[pos]; r < in_begin_[pos]; ++r) {
    TensorState& ts = state_[refs_[r].tensor];
    if (ts.const_stamp == segment_) continue;
    ts.const_stamp = segment_;
    layer_bytes += refs_[r].bytes;
  }
  if (m_.AddOperator(v, layer_bytes, walk_, st)) {
    FinishStageCost(st, p);
    return st;
  }
  // Inputs: produced by this segment's TPU part (one more inside consumer), or received.
  for (int r = in_begin_[pos]; r < out_begin_[pos]; ++r) {
    const Ref& ref = refs_[r];
    TensorState& ts = state_[ref.tensor];
    if (ts.produced_stamp == segment_) {
      if (++ts.inside_count == ref.consumers && !ref.leaves) st.out_bytes -= ref.bytes;
    } else if (ts.in_stamp != segment_) {
      ts.in_stamp = segment_;
      st.in_bytes += ref.bytes;
    }
  }
  for (int r = out_begin_[pos]; r < out_end_[pos]; ++r) {
    const Ref& ref = refs_[r];
    TensorState& ts = state_[ref.tensor];
    ts.produced_stamp = segment_;
    ts.inside_count = 0;
    if (ref.leaves) st.out_bytes += ref.bytes;
  }
  FinishStageCost(st, p);
  return st;
}

}  // namespace respect
