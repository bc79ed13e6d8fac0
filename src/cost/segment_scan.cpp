#include "cost/segment_scan.h"

namespace respect {

SegmentScanner::SegmentScanner(const CostModel& model, std::vector<int> order)
    : m_(model), order_(std::move(order)) {
  const Graph& g = m_.graph();
  is_output_.assign(g.tensors.size(), 0);
  for (int t : g.outputs) is_output_[t] = 1;
  in_stamp_.assign(g.tensors.size(), -1);
  const_stamp_.assign(g.tensors.size(), -1);
  produced_stamp_.assign(g.tensors.size(), -1);
  inside_count_.assign(g.tensors.size(), 0);
}

void SegmentScanner::Start(int position) {
  ++segment_;
  end_ = position;
  walk_ = {};
  cost_ = StageCost{};
}

const StageCost& SegmentScanner::Extend() {
  const Graph& g = m_.graph();
  const DeviceProfile& p = m_.profile();
  const int v = order_[end_++];
  const Operator& op = g.ops[v];
  StageCost& st = cost_;
  int64_t layer_bytes = 0;
  for (int t : op.inputs) {
    if (t < 0 || !g.tensors[t].is_constant || const_stamp_[t] == segment_) continue;
    const_stamp_[t] = segment_;
    layer_bytes += g.tensors[t].bytes;
  }
  if (m_.AddOperator(v, layer_bytes, walk_, st)) {
    FinishStageCost(st, p);
    return st;
  }
  // Inputs: produced by this segment's TPU part (one more inside consumer), or received.
  for (size_t k = 0; k < op.inputs.size(); ++k) {
    const int t = op.inputs[k];
    if (t < 0 || g.tensors[t].is_constant) continue;
    bool repeated = false;  // an operator reading the same tensor twice counts it once
    for (size_t e = 0; e < k; ++e) repeated |= op.inputs[e] == t;
    if (repeated) continue;
    const Tensor& tensor = g.tensors[t];
    if (produced_stamp_[t] == segment_) {
      if (++inside_count_[t] == static_cast<int>(tensor.consumers.size()) && !is_output_[t])
        st.out_bytes -= tensor.bytes;
    } else if (in_stamp_[t] != segment_) {
      in_stamp_[t] = segment_;
      st.in_bytes += tensor.bytes;
    }
  }
  for (int t : op.outputs) {
    produced_stamp_[t] = segment_;
    inside_count_[t] = 0;
    if (is_output_[t] || !g.tensors[t].consumers.empty()) st.out_bytes += g.tensors[t].bytes;
  }
  FinishStageCost(st, p);
  return st;
}

}  // namespace respect
