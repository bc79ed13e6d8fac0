#include "schedulers/objective.h"

#include <fmt/format.h>

#include <algorithm>

namespace respect {

Result<Objective> ParseObjective(const std::string& name) {
  if (name == "throughput") return Objective::kThroughput;
  if (name == "latency") return Objective::kLatency;
  if (name == "paper") return Objective::kPaper;
  return Error{fmt::format("unknown objective '{}' (throughput, latency, paper)", name)};
}

const char* ObjectiveName(Objective o) {
  switch (o) {
    case Objective::kThroughput:
      return "throughput";
    case Objective::kLatency:
      return "latency";
    case Objective::kPaper:
      return "paper";
  }
  return "?";
}

PipelineCost EvaluateSchedule(const CostModel& m, const Schedule& s) {
  return m.Evaluate(s.stage_of, s.num_stages, &s.order, &s.replicas);
}

double SlowestStageSeconds(const CostModel& m, const Schedule& s) {
  double slowest = 0;
  for (const StageCost& st : EvaluateSchedule(m, s).stages)
    slowest = std::max(slowest, st.latency_s);
  return slowest;
}

int64_t BoundaryCrossings(const Graph& g, const Schedule& s) {
  int64_t cut = 0;
  for (int u = 0; u < g.num_ops(); ++u)
    for (int v : g.succs(u)) cut += s.stage_of[v] - s.stage_of[u];
  return cut;
}

int64_t MaxStageParamBytes(const Graph& g, const Schedule& s) {
  std::vector<int64_t> p(std::max(s.num_stages, 1), 0);
  for (int v = 0; v < g.num_ops(); ++v) p[s.stage_of[v]] += g.ops[v].param_bytes;
  return *std::max_element(p.begin(), p.end());
}

double ObjectiveValue(const CostModel& m, const Schedule& s, Objective o, double paper_lambda) {
  switch (o) {
    case Objective::kThroughput:
      return EvaluateSchedule(m, s).period_s;
    case Objective::kLatency:
      return EvaluateSchedule(m, s).latency_s;
    case Objective::kPaper:
      return paper_lambda * MaxStageParamBytes(m.graph(), s) / 1048576.0 +
             static_cast<double>(BoundaryCrossings(m.graph(), s));
  }
  return 0;
}

}  // namespace respect
