#include "bench/scale_suite.h"

#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cost/cost_model.h"
#include "cost/device_profile.h"
#include "models/model_source.h"
#include "schedulers/scheduler.h"

namespace respect {

ScaleRun RunMethodInChild(const std::string& path, const DeviceProfile& device,
                          const std::string& method, const ScheduleRequest& req) {
  ScaleRun run;
  run.method = method;
  run.objective = ObjectiveName(req.objective);
  run.stages = req.stages;
  int fds[2];
  if (pipe(fds) != 0) {
    run.note = "pipe failed";
    return run;
  }
  std::fflush(stdout);
  std::fflush(stderr);
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    run.note = "fork failed";
    return run;
  }
  if (pid == 0) {
    close(fds[0]);
    nlohmann::json j;
    auto g = LoadModel(path);
    if (!g) {
      j["error"] = g.error().message;
    } else {
      CostModel m(*g, device);
      auto r = RunScheduler(method, m, req);
      if (!r) {
        j["error"] = r.error().message;
      } else {
        j = {{"value", r->objective_value},
             {"lower_bound", r->lower_bound},
             {"lower_bound_from", r->bound_name},
             {"proven_optimal", r->proven_optimal},
             {"note", r->note}};
      }
    }
    const std::string s = j.dump();
    size_t done = 0;
    while (done < s.size()) {
      const ssize_t w = write(fds[1], s.data() + done, s.size() - done);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) _exit(3);
      done += static_cast<size_t>(w);
    }
    _exit(0);
  }
  close(fds[1]);
  std::string buf;
  char chunk[1 << 16];
  for (;;) {
    const ssize_t r = read(fds[0], chunk, sizeof chunk);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    buf.append(chunk, static_cast<size_t>(r));
  }
  close(fds[0]);
  int status = 0;
  rusage usage{};
  while (wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  run.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  run.peak_rss_kb = usage.ru_maxrss;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    run.note =
        WIFSIGNALED(status) ? fmt::format("died ({})", strsignal(WTERMSIG(status))) : "failed";
    return run;
  }
  const nlohmann::json j = nlohmann::json::parse(buf, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    run.note = "no result";
  } else if (j.contains("error")) {
    run.note = j["error"].get<std::string>();
  } else {
    run.ok = true;
    run.value = j["value"].get<double>();
    run.lower_bound = j["lower_bound"].get<double>();
    run.bound_from = j.value("lower_bound_from", "");
    run.proven_optimal = j["proven_optimal"].get<bool>();
    run.note = j["note"].get<std::string>();
  }
  return run;
}

std::vector<std::string> DefaultScaleGraphs() {
  return {"rand_graph_1000_1",        "rand_graph_5000_1",        "rand_graph_10000_1",
          "rand_graph_sparse_1000_1", "rand_graph_sparse_5000_1", "rand_graph_sparse_10000_1"};
}

Result<ScaleSuiteResult> RunScaleSuite(const ScaleSuiteOptions& o) {
  auto device = LoadDeviceProfile(o.device);
  if (!device) return device.error();
  ScaleSuiteResult out;
  out.options = o;
  const std::vector<std::string> names = o.graphs.empty() ? DefaultScaleGraphs() : o.graphs;
  auto say = [&](const std::string& s) {
    if (o.progress) o.progress(s);
  };
  for (size_t gi = 0; gi < names.size(); ++gi) {
    const std::string path = o.dir + "/" + names[gi] + ".gml";
    if (!std::filesystem::exists(path)) return Error{fmt::format("{}: no such graph", path)};
    auto g = LoadModel(path);
    if (!g) return g.error();
    ScaleGraph row;
    row.name = names[gi];
    row.nodes = g->num_ops();
    row.edges = g->num_edges();
    std::vector<std::pair<Objective, int>> cases;
    for (int K : o.stages) cases.push_back({Objective::kThroughput, K});
    if (o.paper_stages > 0) cases.push_back({Objective::kPaper, o.paper_stages});
    for (const auto& [objective, K] : cases)
      for (const auto& method : o.methods) {
        say(fmt::format("[{}/{}] {} ({} nodes) K={} {} {}", gi + 1, names.size(), row.name,
                        row.nodes, K, ObjectiveName(objective), method));
        ScheduleRequest req(K, objective);
        req.time_limit_s = o.time_limit_s;
        req.paper_lambda = o.paper_lambda;
        row.runs.push_back(RunMethodInChild(path, *device, method, req));
      }
    out.graphs.push_back(std::move(row));
  }
  return out;
}

}  // namespace respect
