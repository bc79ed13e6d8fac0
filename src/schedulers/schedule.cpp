#include "schedulers/schedule.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/analysis.h"
#include "core/file_io.h"

namespace respect {

Status ValidateSchedule(const Graph& g, const Schedule& s, const ValidateOptions& o) {
  if (s.num_stages < 1)
    return Error{fmt::format("schedule has {} stages; need at least 1", s.num_stages)};
  if (static_cast<int>(s.stage_of.size()) != g.num_ops())
    return Error{fmt::format("schedule assigns {} operators but the graph has {}",
                             s.stage_of.size(), g.num_ops())};
  for (int v = 0; v < g.num_ops(); ++v)
    if (s.stage_of[v] < 0 || s.stage_of[v] >= s.num_stages)
      return Error{fmt::format("operator '{}' has stage {}, outside [0, {}]", g.ops[v].name,
                               s.stage_of[v], s.num_stages - 1)};
  for (int u = 0; u < g.num_ops(); ++u)
    for (int v : g.succs(u))
      if (s.stage_of[v] < s.stage_of[u])
        return Error{
            fmt::format("edge '{}' (stage {}) -> '{}' (stage {}) points to an earlier stage",
                        g.ops[u].name, s.stage_of[u], g.ops[v].name, s.stage_of[v])};
  if (!s.replicas.empty()) {
    if (static_cast<int>(s.replicas.size()) != s.num_stages)
      return Error{fmt::format("schedule has {} replica counts for {} stages", s.replicas.size(),
                               s.num_stages)};
    for (int k = 0; k < s.num_stages; ++k)
      if (s.replicas[k] < 1 || s.replicas[k] > 4096)
        return Error{fmt::format("stage {} has {} replicas; need 1 to 4096", k, s.replicas[k])};
  }
  if (!s.order.empty() && !IsTopologicalOrder(g, s.order))
    return Error{"the schedule's execution order is not a topological order of the graph"};
  if (o.align_children)
    for (int u = 0; u < g.num_ops(); ++u)
      for (int v : g.succs(u))
        if (s.stage_of[v] != s.stage_of[g.succs(u).front()])
          return Error{
              fmt::format("children of '{}' are split across stages {} and {} (--align-children)",
                          g.ops[u].name, s.stage_of[g.succs(u).front()], s.stage_of[v])};
  return Status::Ok();
}

std::vector<int> EmptyStages(const Schedule& s) {
  std::vector<int> count(std::max(s.num_stages, 0), 0), empty;
  for (int st : s.stage_of)
    if (st >= 0 && st < s.num_stages) ++count[st];
  for (int k = 0; k < s.num_stages; ++k)
    if (count[k] == 0) empty.push_back(k);
  return empty;
}

Result<Schedule> ScheduleFromJson(const Graph& g, const nlohmann::json& j,
                                  const std::string& origin) {
  auto fail = [&](const std::string& what) { return Error{fmt::format("{}: {}", origin, what)}; };
  if (!j.is_object() || !j.contains("assignment") || !j["assignment"].is_object())
    return fail("expected {\"assignment\": {\"operator name\": stage, ...}}");
  Schedule s;
  s.stage_of.assign(g.num_ops(), -1);
  int max_stage = -1;
  for (auto& [name, stage] : j["assignment"].items()) {
    const int v = g.FindOp(name);
    if (v < 0) return fail(fmt::format("unknown operator '{}'", name));
    if (!stage.is_number_integer())
      return fail(fmt::format("stage of '{}' must be an integer", name));
    const int64_t st = stage.get<int64_t>();
    if (st < 0 || st > 1'000'000)
      return fail(fmt::format("stage of '{}' is {}; stages are 0-based", name, st));
    s.stage_of[v] = static_cast<int>(st);
    max_stage = std::max(max_stage, static_cast<int>(st));
  }
  for (int v = 0; v < g.num_ops(); ++v)
    if (s.stage_of[v] < 0) return fail(fmt::format("operator '{}' has no stage", g.ops[v].name));
  s.num_stages = max_stage + 1;
  // The number of stages, when given: "num_stages", or "stages" as a count or as the array of
  // per-stage objects that `respect schedule --out` writes.
  int64_t given = -1;
  if (j.contains("num_stages") && j["num_stages"].is_number_integer())
    given = j["num_stages"].get<int64_t>();
  else if (j.contains("stages") && j["stages"].is_number_integer())
    given = j["stages"].get<int64_t>();
  else if (j.contains("stages") && j["stages"].is_array())
    given = static_cast<int64_t>(j["stages"].size());
  if (given >= 0) {
    if (given < s.num_stages || given > 1'000'000)
      return fail(
          fmt::format("the schedule names stage {} but has {} stages", s.num_stages - 1, given));
    s.num_stages = static_cast<int>(given);
  }
  if (j.contains("order")) {
    if (!j["order"].is_array()) return fail("\"order\" must be an array of operator names");
    for (const auto& name : j["order"]) {
      const int v = name.is_string() ? g.FindOp(name.get<std::string>()) : -1;
      if (v < 0) return fail(fmt::format("\"order\" names an unknown operator {}", name.dump()));
      s.order.push_back(v);
    }
  }
  if (j.contains("replicas")) {
    const auto& r = j["replicas"];
    if (!r.is_array()) return fail("\"replicas\" must be an array of counts, one per stage");
    for (const auto& x : r) {
      if (!x.is_number_integer() || x.get<int64_t>() < 1 || x.get<int64_t>() > 4096)
        return fail(fmt::format("\"replicas\" holds {}; each count must be 1 to 4096", x.dump()));
      s.replicas.push_back(static_cast<int>(x.get<int64_t>()));
    }
    if (std::all_of(s.replicas.begin(), s.replicas.end(), [](int x) { return x == 1; }) &&
        static_cast<int>(s.replicas.size()) == s.num_stages)
      s.replicas.clear();
  }
  if (auto st = ValidateSchedule(g, s); !st) return fail(st.error().message);
  return s;
}

Result<Schedule> ReadScheduleFile(const Graph& g, const std::string& path) {
  auto text = ReadFileBytes(path, 256 << 20);
  if (!text) return text.error();
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Error{fmt::format("{}: not valid JSON", path)};
  return ScheduleFromJson(g, j, path);
}

nlohmann::json ReplicasToJson(const Schedule& s) { return s.ReplicaCounts(); }

nlohmann::json OrderToJson(const Graph& g, const Schedule& s) {
  nlohmann::json a = nlohmann::json::array();
  for (int v : s.order) a.push_back(g.ops[v].name);
  return a;
}

nlohmann::json AssignmentToJson(const Graph& g, const Schedule& s) {
  nlohmann::json a = nlohmann::json::object();
  for (int v = 0; v < g.num_ops(); ++v) a[g.ops[v].name] = s.stage_of[v];
  return a;
}

}  // namespace respect
