// Optimum-preserving graph fusion for memory-aware ordering (the third seed's first step):
// repeatedly merge a producer group u with its only consumer group v (v's only producer being
// u) when some order of least peak runs them back to back. The merged group is then scheduled
// as one step, so the exact methods search a smaller graph with the same optimum.
//
// Merging every single-input/single-output chain is NOT safe (a small output followed by a
// large one is a valley another branch wants to run in; see the counter-example test). A merge
// here needs, first, that the pair's memory effect does not depend on where the pair runs:
// every activation tensor u or v reads is read by nobody else (or is a graph output, which is
// never freed), so both free the same bytes wherever they run. Then, with p the pair member's
// peak excess over the memory resident before it, and g its growth of resident memory
// (v's measured after u has run), one of three conditions:
//   hill-valley (A): g_u >= 0 and g_v <= 0. Take any order, u at step i, v at step j, and m the
//       step in [i, j-1] after which resident memory R is least. If m = i, move v to just after
//       u; else move u to just after m and v just after u. The operators u jumps over see
//       g_u >= 0 less, those v jumps over -g_v >= 0 less; u's own peak starts from R_m - g_u <
//       R_{i-1}, v's from R_m <= R_{j-1}. No step gets costlier.
//   run-after (B): g_v <= 0 and p_v <= p_u - g_u. Move v to just after u: v peaks at
//       R_i + p_v <= R_{i-1} + p_u (u's own peak), and everything v jumps over sees less.
//   run-before (C): g_u >= 0 and p_u - g_u <= p_v. Move u to just before v: u peaks at
//       R_{j-1} - g_u + p_u <= R_{j-1} + p_v (v's own peak), and everything u jumps over sees less.
// Each merge keeps an optimal order reachable, so by induction the fused graph's optimum is the
// original's; tests check every rule against brute force before and after.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "memory/memory_model.h"

namespace respect {

enum FusionRule : unsigned {
  kFuseHillValley = 1u,  // A
  kFuseRunAfter = 2u,    // B
  kFuseRunBefore = 4u,   // C
  kFuseAll = 7u,
};

struct MemoryFusion {
  std::vector<std::vector<int>> groups;        // each group's operators in run order
  std::vector<int> group_of;                   // operator -> group
  std::vector<std::vector<int>> preds, succs;  // between groups, ascending
  std::array<int, 3> merges{};                 // merges made by rule A, B, C
  int num_groups() const { return static_cast<int>(groups.size()); }
};

// Groups are numbered in a topological order of the fused graph.
MemoryFusion FuseForMemory(const MemoryModel& mm, unsigned rules = kFuseAll);

// The operator order that runs the groups in `group_order`, each group's operators together.
std::vector<int> ExpandGroupOrder(const MemoryFusion& f, const std::vector<int>& group_order);
// A group order from an operator order: groups by the step of their first operator. Valid (a
// topological order of the fused graph) whenever `op_order` is topological.
std::vector<int> GroupOrderOf(const MemoryFusion& f, const std::vector<int>& op_order);

// The memory effect of running `ops` back to back: the peak excess over the bytes resident
// before the first, and the change of resident bytes. A tensor dies at its last reader among
// `ops` only when every consumer of it is among `ops` (inside[op] != 0) and it is not a graph
// output; the caller accounts for the others. In-place reuse follows MemoryModel.
struct StepEffect {
  int64_t peak = 0;
  int64_t growth = 0;
};
StepEffect SequenceEffect(const MemoryModel& mm, const std::vector<int>& ops,
                          const std::vector<char>& inside);

}  // namespace respect
