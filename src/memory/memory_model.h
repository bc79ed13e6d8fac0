// The memory evaluator: the live-activation profile of a sequential operator order, the one
// place every ordering method's peak comes from (orderers.h).
//
// Conventions (printed with every result, ConventionsText()):
//   - graph inputs are live from the start until their last consumer has run;
//   - parameters (constant tensors) are excluded;
//   - while an operator runs, its inputs and outputs coexist;
//   - a tensor is freed right after its last consumer (one nobody reads: right after its
//     producer);
//   - graph outputs live to the end.
// In-place (MemoryOptions::inplace, as HMCOS and TFLite-style planners): an element-wise or
// reshape-like operator with one output may write it over one of its activation inputs of the
// same size that dies at it (not a graph input or output); the output then costs nothing extra.
//
// Both the profile and the per-downset quantities the exact DP uses (Resident, StepFootprint)
// follow these rules, and a test checks the DP's values against Profile on every order.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/graph.h"
#include "core/status.h"

namespace respect {

struct MemoryOptions {
  bool inplace = false;
};

std::string ConventionsText(const MemoryOptions& o);

struct MemoryProfile {
  int64_t initial = 0;             // live before the first operator (the graph inputs)
  std::vector<int64_t> footprint;  // bytes live while the operator at each step runs
  int64_t peak = 0;                // max(initial, footprint)
  int peak_step = -1;              // the first step at the peak (-1: before any)
  std::vector<int> live_at_peak;   // tensor ids live then
  std::vector<int> reused;         // per step: the input tensor reused in place, or -1
};

class MemoryModel {
 public:
  MemoryModel(const Graph& g, MemoryOptions o = {});
  const Graph& graph() const { return *g_; }
  const MemoryOptions& options() const { return o_; }

  // Errors: an order that is not a permutation of the operators in topological order.
  Result<MemoryProfile> Profile(const std::vector<int>& order) const;
  // No order can do better: every operator's own inputs and outputs (less an in-place reuse),
  // the graph inputs at the start, the graph outputs at the end.
  int64_t LowerBound() const;

  // Distinct activation (non-constant) inputs of each operator.
  const std::vector<int>& activation_inputs(int op) const { return act_in_[op]; }
  // Bytes the operator's outputs add while it runs.
  int64_t output_bytes(int op) const { return out_bytes_[op]; }
  // Bytes of its outputs that stay live after it (read later, or graph outputs).
  int64_t kept_output_bytes(int op) const { return kept_out_bytes_[op]; }
  bool is_graph_output(int tensor) const { return is_output_[tensor] != 0; }
  bool is_graph_input(int tensor) const { return is_input_[tensor] != 0; }
  // With in-place on: may `op` write its output over `tensor` (one of its activation inputs of
  // the same size, not a graph input or output), provided the tensor dies at it?
  bool CanReuse(int op, int tensor) const;
  // Bytes live before anything runs.
  int64_t initial_bytes() const { return initial_; }

 private:
  const Graph* g_;
  MemoryOptions o_;
  std::vector<std::vector<int>> act_in_;
  std::vector<int64_t> out_bytes_, kept_out_bytes_;
  std::vector<char> is_output_, is_input_, inplace_op_;
  int64_t initial_ = 0;
};

}  // namespace respect
