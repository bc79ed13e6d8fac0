// The RESPECT authors' deployment procedure, which turns an operator order into K pipeline
// stages (PROBLEM.md section 4): cut the order into segments under a byte capacity, repair
// edges that point backwards by pulling producers forward, optionally align children, and
// bisect the capacity until there are K stages. Used by `list` and by `rl --rl-stages paper`.
//
// Details this implementation fixes: the weight of an operator is its parameter bytes; a
// segment closes before the operator that would take it over the capacity (a non-empty segment
// always takes one operator); the capacity is the smallest whole number of bytes that gives at
// most K segments, and if fewer than K result, the segments with the most operators are split
// in half until there are K. Repair and alignment only move operators to earlier stages, so
// they terminate; they may empty a stage, which the schedule then reports.
#pragma once

#include <vector>

#include "core/graph.h"
#include "core/status.h"
#include "schedulers/schedule.h"

namespace respect {

// order: every operator once (need not be topological: backward edges are repaired).
Result<Schedule> PaperStagesFromOrder(const Graph& g, const std::vector<int>& order, int num_stages,
                                      bool align_children);

// `list`: RESPECT's label generator (the greedy reverse list scheduler of the synthetic
// training labels) on the real graph, weights = parameter bytes and step capacity = the
// Edge TPU's parameter cache; the operators sorted by step (sources first, ties by ASAP level,
// then id) form the order that PaperStagesFromOrder cuts into K stages.
Result<Schedule> ListSchedule(const Graph& g, int num_stages, int64_t step_capacity_bytes,
                              bool align_children);

}  // namespace respect
