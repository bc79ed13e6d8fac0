// A pipeline schedule: every operator's stage (0-based), plain data (STYLE.md: the result of
// every strategy is a list, not a class hierarchy), with its validator and JSON form.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/graph.h"
#include "core/status.h"

namespace respect {

struct Schedule {
  Schedule() = default;
  Schedule(int k, std::vector<int> stages, std::vector<int> exec_order = {})
      : num_stages(k), stage_of(std::move(stages)), order(std::move(exec_order)) {}

  int num_stages = 0;
  std::vector<int> stage_of;  // per operator id
  // Optional execution order (a topological order of all operators): each segment runs its
  // operators in this order, as Coral's partitioner writes a segment's operators in the order
  // it walked. Empty = the graph's own execution order.
  std::vector<int> order;
  // Optional replica count per stage (a hybrid pipeline, PROBLEM.md section 7): stage k runs on
  // replicas[k] >= 1 TPUs that take inferences round-robin. Empty = one TPU per stage.
  std::vector<int> replicas;

  int Replicas(int k) const { return replicas.empty() ? 1 : replicas[k]; }
  // Every stage's replica count (1 each without replicas).
  std::vector<int> ReplicaCounts() const {
    return replicas.empty() ? std::vector<int>(std::max(num_stages, 0), 1) : replicas;
  }
  // TPUs the schedule needs: the sum of replicas (num_stages without them).
  int Tpus() const {
    int t = 0;
    for (int k = 0; k < num_stages; ++k) t += Replicas(k);
    return t;
  }
};

struct ValidateOptions {
  // The RESPECT authors' Edge TPU rule: all children of a node sit in one stage.
  bool align_children = false;
};

// Checks that every operator has a stage in [0, num_stages) and every edge u -> v has
// stage(u) <= stage(v) (data only flows forward); with align_children, that all children of
// a node share a stage; replicas, when given, one count >= 1 per stage. The error names the
// first offending operator, edge or stage.
Status ValidateSchedule(const Graph& g, const Schedule& s, const ValidateOptions& o = {});
// Stages with no operator, ascending (allowed, but reports say so).
std::vector<int> EmptyStages(const Schedule& s);

// The schedule file form: {"assignment": {"op name": stage, ...}} (other keys ignored, so the
// output of `respect schedule --out` reads back). num_stages = max stage + 1 unless
// "stages" is given; an optional "order" lists operator names in execution order. Unknown and
// missing operators are errors. An optional "replicas" array gives each stage's replica count.
Result<Schedule> ScheduleFromJson(const Graph& g, const nlohmann::json& j,
                                  const std::string& origin);
Result<Schedule> ReadScheduleFile(const Graph& g, const std::string& path);
nlohmann::json AssignmentToJson(const Graph& g, const Schedule& s);
// Replica counts per stage (1 each when the schedule has none).
nlohmann::json ReplicasToJson(const Schedule& s);
// The execution order as operator names ([] when the schedule has none).
nlohmann::json OrderToJson(const Graph& g, const Schedule& s);

}  // namespace respect
