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
  std::vector<char> is_output_;
  // Per-segment state, reset lazily by stamping with the segment's id.
  int segment_ = 0, end_ = 0;
  CostModel::SegmentWalk walk_;
  std::vector<int> in_stamp_;       // tensor received as input by this segment
  std::vector<int> const_stamp_;    // constant already counted by this segment
  std::vector<int> produced_stamp_; // tensor produced by this segment's TPU part
  std::vector<int> inside_count_;   // its consumers in the TPU part (valid when produced)
  StageCost cost_;
};

}  // namespace respect
