// `brkga`: a biased random-key genetic algorithm over topological orders (Goncalves & Resende),
// each order cut optimally by dp (dp_cuts.h), as the SliceGraph search of Archer et al. (ICML
// 2024) does. A chromosome holds one key in [0, 1) per operator; its order is Kahn's, always
// taking the ready operator with the smallest key, so every chromosome is a valid order. Its
// fitness is the objective value of the order's best cut into K stages. Each generation keeps
// the elite, adds mutants (fresh random keys) and fills the rest by biased crossover (each key
// from the elite parent with probability `bias`). The first population holds the keys of the
// seed orders (key = position / n): the six classic orders and, where the registry has it, the
// learned policy's. Deterministic with a seed; stops at the deadline, after max_generations, or
// when it reaches `target` (a proven lower bound: its answer is then optimal).
// Heuristic: it claims no bound.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "cost/cost_model.h"
#include "schedulers/dp_cuts.h"
#include "schedulers/objective.h"
#include "schedulers/schedule.h"

namespace respect {

struct OrderSearchOptions {
  int population = 24;
  double elite = 0.2, mutants = 0.15, bias = 0.7;
  uint64_t seed = 1;
  std::vector<std::vector<int>> seeds;  // orders to start from (topological)
  std::string seeds_note;               // which orders they are, for notes
  Deadline deadline{};                  // none: max_generations only
  int max_generations = 1'000'000;
  double paper_lambda = 1.0;
  // Stop as soon as an order's value reaches this (a proven lower bound: nothing can beat it);
  // 0: search until the deadline.
  double target = 0;
};

struct OrderSearchResult {
  Schedule schedule;  // with schedule.order = the best order found
  double value = 0;
  int generations = 0, evaluations = 0;
  bool stopped = false;         // the deadline stopped it (else max_generations or the target)
  bool reached_target = false;  // it stopped because it reached OrderSearchOptions::target
};

// The order of a chromosome: Kahn's algorithm by smallest key (ties: smaller id).
std::vector<int> OrderOfKeys(const Graph& g, const std::vector<double>& keys);

Result<OrderSearchResult> SearchOrders(const CostModel& m, int K, Objective o,
                                       const OrderSearchOptions& opt);

}  // namespace respect
