// Memory-aware operator ordering (the third seed, PROBLEM.md section 6): in which sequential
// order should one device run a model's operators so that the peak of live activation memory
// is smallest? Every method's peak comes from the one evaluator (memory_model.h).
//
// Methods:
//   given   the order stored in the model file (the importer's operator order)
//   rpo     reverse post-order of a depth-first search from the sources
//   greedy  at each step the ready operator with the smallest footprint (then the least growth
//           of resident memory), and the variant ranking growth first: the better of the two
//   dp      exact dynamic programming over the downset lattice (core/downset_lattice.h): the
//           state is the set of operators already run, its value the best peak so far; pruned
//           against the best heuristic. Proven optimal when the lattice fits --lattice-cap;
//           otherwise the best heuristic, unproven (search_stopped), and the note says why.
//   fusion-ilp  the seed's method: optimum-preserving fusion (fusion.h), then an integer program
//           on CBC over the fused graph (fusion_ilp.h), warm-started from the best heuristic.
//   auto    dp with half the time limit; where it cannot finish, fusion-ilp from dp's best order.
// The methods come from one table in orderers.cpp (OrderMethods and the help derive from it).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/graph.h"
#include "core/status.h"
#include "memory/memory_model.h"

namespace respect {

struct OrderRequest {
  std::string method = "auto";
  MemoryOptions memory;
  double time_limit_s = 30;
  // The search holds each downset it reaches (about 300 bytes on a 600-operator graph):
  // NASNet-Mobile's proof takes 1.3 million of them.
  int64_t lattice_cap = 2'000'000;
};

struct OrderResult {
  std::string method;
  std::vector<int> order;
  MemoryProfile profile;    // from MemoryModel::Profile
  int64_t lower_bound = 0;  // no order peaks lower
  bool proven_optimal = false;
  double gap = 1;  // (peak - bound) / peak
  double seconds = 0;
  bool search_stopped = false;  // an exact search (dp) stopped early: the cap or the time limit
  std::string note;             // for people
};

const std::vector<std::string>& OrderMethods();
std::string OrderMethodsHelp();

// Runs a method by name, checks the order and fills profile, bound and gap from the evaluator.
Result<OrderResult> RunOrderer(const Graph& g, const OrderRequest& r);

}  // namespace respect
