// Incremental cost of contiguous segments of one execution order: the fast path of the
// schedulers that cut an order into stages (dp, profiling, rl). Start(i) begins a segment at
// position i of the order; each Extend() appends the next operator and returns the cost of the
// segment so far, in O(degree) time, so all O(n^2) segments of an order cost O(n (n + e)).
// The numbers are exactly CostModel::Evaluate's for a stage holding those operators with the
// same order as execution order (a test checks this on random graphs).
#pragma once

#include <vector>

#include "cost/cost_model.h"

namespace respect {

class SegmentScanner {
 public:
  SegmentScanner(const CostModel& model, std::vector<int> order);

  const std::vector<int>& order() const { return order_; }
  void Start(int position);
  // Appends order()[end()] and returns the segment's cost. Precondition: end() < n.
  const StageCost& Extend();
  int end() const { return end_; }
  const StageCost& cost() const { return cost_; }

 private:
  const CostModel& m_;
  std::vector<int> order_;
  // The tensors each position touches, flattened once (the scan reads them O(n^2) times):
  // constants, distinct non-constant inputs, and outputs, each a range of refs_.
  struct Ref {
    int tensor;
    int consumers;  // inputs: the tensor's consumer count; outputs: unused
    int64_t bytes;
    bool leaves;  // inputs: a graph output; outputs: counted as leaving until consumed inside
  };
  std::vector<Ref> refs_;
  std::vector<int> const_begin_, in_begin_, out_begin_, out_end_;
  // Per-segment state of each tensor, reset lazily by stamping with the segment's id.
  struct TensorState {
    int in_stamp = -1;        // received as input by this segment
    int const_stamp = -1;     // constant already counted by this segment
    int produced_stamp = -1;  // produced by this segment's TPU part
    int inside_count = 0;     // its consumers in the TPU part (valid when produced)
  };
  std::vector<TensorState> state_;
  int segment_ = 0, end_ = 0;
  CostModel::SegmentWalk walk_;
  StageCost cost_;
};

}  // namespace respect
