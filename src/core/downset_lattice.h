// The lattice of downsets of a graph's operator DAG, and the graph's width.
//
// A downset is a set of operators closed under predecessors (every operator's producers are in
// it). A valid K-stage pipeline schedule is exactly a chain of downsets {} = D_0 ⊆ D_1 ⊆ ... ⊆
// D_K = V (stage k is D_k \ D_{k-1}); a sequential order of the operators is a maximal chain,
// and the set of operators already run at any point of an order is a downset. So exact pipeline
// scheduling (schedulers/exact_lattice.h) and exact memory-aware ordering both search this
// lattice.
//
// Enumeration is breadth-first by cardinality from {}: each downset is extended by each of its
// ready operators (not in it, every predecessor in it); a hash table of bitsets removes
// duplicates. Cost O(N (w + n/64)) time and O(N (n/64 + w)) memory for N downsets of a graph of
// n operators whose downsets have at most w ready operators. DNN graphs are narrow (ResNet-50
// fused: 88 downsets; a chain of n operators: n + 1), but wide graphs (NAS cells, random DAGs)
// have astronomically many: enumeration stops at LatticeOptions::max_downsets or the time limit
// and says so (complete() == false), so callers can hand over to another method.
//
// Indices: 0 is {}; indices ascend with cardinality; when complete, size() - 1 is V.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "core/graph.h"

namespace respect {

class DownsetLattice;

struct LatticeOptions {
  int64_t max_downsets = 500'000;  // stop past this many (complete() is then false)
  double time_limit_s = std::numeric_limits<double>::infinity();  // wall clock
  // Optional search over the lattice during enumeration (the memory-ordering DP). `expand` is
  // called once per downset d, in index order, before d is extended; every step into d is known
  // by then. It may remove operators from `ops` (d's ready operators, ascending) to extend d by
  // fewer, or return false to leave d unextended. `on_step` is called for each step
  // (from, op, to) as it is found. With `expand` set, the width precheck is skipped, and a
  // complete() lattice holds every downset the search reached (pruned() counts the downsets it
  // left unextended or narrowed).
  std::function<bool(const DownsetLattice&, int d, std::vector<int>& ops)> expand;
  std::function<void(const DownsetLattice&, int from, int op, int to)> on_step;
};

class DownsetLattice {
 public:
  // One step through the lattice: operator `op` added to (up) or removed from (down) a downset,
  // giving the downset `to`.
  struct Step {
    int op;
    int to;
  };

  static DownsetLattice Enumerate(const Graph& g, const LatticeOptions& o = {});

  bool complete() const { return complete_; }
  // Why enumeration stopped early ("" when complete).
  const std::string& incomplete_reason() const { return reason_; }
  int size() const { return static_cast<int>(cardinality_.size()); }
  int num_ops() const { return n_; }
  int full() const { return size() - 1; }  // V, when complete

  bool Contains(int d, int op) const { return (bits(d)[op >> 6] >> (op & 63)) & 1; }
  int cardinality(int d) const { return cardinality_[d]; }
  const uint64_t* bits(int d) const { return &bits_[static_cast<size_t>(d) * words_]; }
  int words() const { return words_; }
  // Operators of downset d, ascending.
  std::vector<int> Members(int d) const;
  // The index of the downset with these bits, or -1.
  int Find(const uint64_t* bits) const;

  // Steps to the downsets one operator larger (adding a ready operator) / smaller (removing a
  // maximal one). Every downset is reachable from {} by up steps.
  const Step* up_begin(int d) const { return up_.data() + up_start_[d]; }
  const Step* up_end(int d) const { return up_.data() + up_start_[d + 1]; }
  const Step* down_begin(int d) const { return down_.data() + down_start_[d]; }
  const Step* down_end(int d) const { return down_.data() + down_start_[d + 1]; }
  // The largest number of ready operators of any downset (a lower bound on the graph's width,
  // and equal to it when complete).
  int max_ready() const { return max_ready_; }
  // With LatticeOptions::expand: how many downsets the search pruned or narrowed.
  int64_t pruned() const { return pruned_; }

 private:
  int n_ = 0, words_ = 0, max_ready_ = 0;
  int64_t pruned_ = 0;
  bool complete_ = false;
  std::string reason_;
  std::vector<uint64_t> bits_;
  std::vector<int> cardinality_;
  std::vector<int> table_;  // open addressing: downset index + 1, 0 = empty slot
  // Zobrist hashing: a random key per operator, a downset's hash the XOR of its members' keys,
  // so a step's hash is its source's XOR one key (no pass over the bits), and a probe compares
  // the stored hashes before the bits.
  std::vector<uint64_t> keys_, hashes_;
  std::vector<int> up_start_, down_start_;
  std::vector<Step> up_, down_;

  uint64_t Hash(const uint64_t* b) const;
  int Find(const uint64_t* b, uint64_t hash) const;
  void Insert(int d);
};

// How many downsets the graph has, counted up to `cap` (returns cap + 1 when there are more).
int64_t CountDownsets(const Graph& g, int64_t cap);

// The width of the DAG: its largest antichain (set of pairwise incomparable operators), by
// Dilworth's theorem n minus a maximum matching in the transitive closure. Exact unless the
// work budget runs out on very large graphs, when lower < upper brackets it (lower: the largest
// ASAP level, an antichain; upper: n minus the matching found so far).
struct WidthBounds {
  int lower = 0, upper = 0;
  bool exact() const { return lower == upper; }
};
WidthBounds GraphWidth(const Graph& g, int64_t work_budget = 400'000'000);

}  // namespace respect
