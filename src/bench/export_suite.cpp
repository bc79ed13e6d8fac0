#include "bench/export_suite.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <random>

#include "cost/cost_model.h"
#include "cost/device_profile.h"
#include "exporters/segments.h"
#include "models/model_source.h"
#include "report/pipeline_report.h"
#include "runtime/litert_runner.h"
#include "schedulers/objective.h"
#include "schedulers/scheduler.h"

namespace respect {

namespace fs = std::filesystem;

namespace {

// A random valid K-stage schedule: a random topological order (Kahn's algorithm, a random ready
// operator each step) cut at K - 1 random distinct positions. Requires K <= num_ops.
Schedule RandomSchedule(const Graph& g, int k, std::mt19937_64& rng) {
  const int n = g.num_ops();
  std::vector<int> indeg(n), ready, order;
  for (int v = 0; v < n; ++v) {
    indeg[v] = static_cast<int>(g.preds(v).size());
    if (indeg[v] == 0) ready.push_back(v);
  }
  while (!ready.empty()) {
    std::uniform_int_distribution<size_t> pick(0, ready.size() - 1);
    const size_t i = pick(rng);
    const int v = ready[i];
    ready[i] = ready.back();
    ready.pop_back();
    order.push_back(v);
    for (int w : g.succs(v))
      if (--indeg[w] == 0) ready.push_back(w);
  }
  std::vector<int> positions(n - 1);
  for (int i = 0; i < n - 1; ++i) positions[i] = i + 1;
  std::shuffle(positions.begin(), positions.end(), rng);
  std::vector<int> cuts(positions.begin(), positions.begin() + (k - 1));
  std::sort(cuts.begin(), cuts.end());
  std::vector<int> stage_of(n);
  int stage = 0;
  for (int p = 0; p < n; ++p) {
    while (stage < k - 1 && p >= cuts[stage]) ++stage;
    stage_of[order[p]] = stage;
  }
  return Schedule(k, std::move(stage_of), std::move(order));
}

class ScratchDir {
 public:
  explicit ScratchDir(const std::string& given) {
    if (!given.empty()) {
      path_ = given;
      return;
    }
    path_ = (fs::temp_directory_path() / fmt::format("respect-export-check-{}", getpid())).string();
    owned_ = true;
  }
  ~ScratchDir() {
    std::error_code ec;
    if (owned_) fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  bool owned_ = false;
};

}  // namespace

std::vector<std::string> TfliteModelsUnder(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    if (it->is_regular_file(ec) && it->path().extension() == ".tflite")
      out.push_back(it->path().string());
  std::sort(out.begin(), out.end());
  return out;
}

Result<ExportSuiteResult> RunExportSuite(const ExportSuiteOptions& o) {
  auto runner = FindLiteRtRunner(o.runner_dir);
  if (!runner) return runner.error();
  auto device = LoadDeviceProfile(o.device);
  if (!device) return device.error();
  ExportSuiteResult r;
  r.options = o;
  const std::vector<std::string> models =
      o.models.empty() ? TfliteModelsUnder(o.models_dir) : o.models;
  if (models.empty()) return Error{fmt::format("no .tflite models found under {}", o.models_dir)};
  ScratchDir scratch(o.work_dir);
  std::error_code ec;
  fs::create_directories(scratch.path(), ec);
  if (ec) return Error{fmt::format("{}: {}", scratch.path(), ec.message())};
  auto say = [&](const std::string& s) {
    if (o.progress) o.progress(s);
  };

  for (const std::string& path : models) {
    ExportCheckModel m;
    m.model = path;
    auto g = LoadModel(path);
    if (!g) return Error{g.error().message};
    m.ops = g->num_ops();
    if (std::any_of(g->ops.begin(), g->ops.end(),
                    [](const Operator& op) { return op.type == "edgetpu-custom-op"; })) {
      m.skipped = "compiled for the Edge TPU (edgetpu-custom-op): nothing to cut";
      say(fmt::format("{}: skipped ({})", path, m.skipped));
      r.models.push_back(std::move(m));
      continue;
    }
    auto whole = RunTflitePipelines(*runner, path, {}, static_cast<int>(o.seed));
    if (!whole) return whole.error();
    if (!whole->whole_ok) {
      m.skipped = "the interpreter cannot run it whole: " + whole->whole_error;
      say(fmt::format("{}: skipped ({})", path, m.skipped));
      r.models.push_back(std::move(m));
      continue;
    }
    m.runs_whole = true;
    const CostModel cost(*g, *device);
    std::mt19937_64 rng(o.seed);
    std::vector<std::string> dirs;
    std::vector<size_t> row_of_dir;
    int turn = 0;
    for (int k : o.stages) {
      if (k < 1 || k > g->num_ops()) continue;
      std::vector<std::string> methods = o.methods;
      for (int i = 0; i < o.random_schedules; ++i) methods.push_back(fmt::format("random-{}", i));
      if (o.one_method_per_k && !methods.empty()) methods = {methods[turn++ % methods.size()]};
      for (const std::string& method : methods) {
        ExportCheckRow row;
        row.stages = k;
        row.method = method;
        Schedule s;
        if (method.rfind("random-", 0) == 0) {
          s = RandomSchedule(*g, k, rng);
        } else {
          ScheduleRequest req(k);
          req.time_limit_s = o.time_limit_s;
          auto res = RunScheduler(method, cost, req);
          if (!res) {
            row.error = "schedule: " + res.error().message;
            m.rows.push_back(std::move(row));
            continue;
          }
          s = res->schedule;
        }
        const PipelineCost pc = EvaluateSchedule(cost, s);
        row.predicted_period_ms = pc.period_s * 1e3;
        const std::string dir =
            (fs::path(scratch.path()) /
             fmt::format("{}-k{}-{}", fs::path(path).stem().string(), k, method))
                .string();
        auto ex = ExportPipeline(path, *g, s, dir, PipelineCostJson(pc)["stages"]);
        if (!ex) {
          row.error = "export: " + ex.error().message;
          m.rows.push_back(std::move(row));
          continue;
        }
        dirs.push_back(dir);
        row_of_dir.push_back(m.rows.size());
        m.rows.push_back(std::move(row));
      }
    }
    say(fmt::format("{}: running {} pipelines", path, dirs.size()));
    auto ran = RunTflitePipelines(*runner, path, dirs, static_cast<int>(o.seed), o.repeat);
    if (!ran) return ran.error();
    m.whole_ms = ran->whole_ms;
    for (size_t i = 0; i < dirs.size() && i < ran->pipelines.size(); ++i) {
      const PipelineRun& p = ran->pipelines[i];
      ExportCheckRow& row = m.rows[row_of_dir[i]];
      row.ok = p.ok;
      row.elements = p.elements;
      row.mismatches = p.mismatches;
      row.max_abs_diff = p.max_abs_diff;
      if (!p.ok) row.error = p.error.empty() ? "outputs differ" : "run: " + p.error;
      for (const auto& s : p.segments) row.segment_ms.push_back(s.invoke_ms);
      ++r.pipelines;
      r.identical += p.ok ? 1 : 0;
    }
    for (const auto& d : dirs) fs::remove_all(d, ec);
    r.models.push_back(std::move(m));
  }
  return r;
}

nlohmann::json ExportSuiteJson(const ExportSuiteResult& r) {
  nlohmann::json models = nlohmann::json::array();
  for (const auto& m : r.models) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& row : m.rows)
      rows.push_back({{"stages", row.stages},
                      {"method", row.method},
                      {"ok", row.ok},
                      {"error", row.error},
                      {"elements", row.elements},
                      {"mismatches", row.mismatches},
                      {"max_abs_diff", row.max_abs_diff},
                      {"predicted_period_ms", row.predicted_period_ms},
                      {"segment_invoke_ms", row.segment_ms}});
    models.push_back(
        {{"model", m.model},
         {"operators", m.ops},
         {"runs_whole", m.runs_whole},
         {"skipped", m.skipped.empty() ? nlohmann::json(nullptr) : nlohmann::json(m.skipped)},
         {"whole_invoke_ms", m.whole_ms},
         {"pipelines", rows}});
  }
  return {
      {"suite", "export"},
      {"runtime",
       "TensorFlow Lite (LiteRT.js @litertjs/core 2.5.3, wasm, XNNPACK CPU, baseline SIMD build)"},
      {"device", r.options.device},
      {"stages", r.options.stages},
      {"methods", r.options.methods},
      {"random_schedules", r.options.random_schedules},
      {"seed", r.options.seed},
      {"pipelines", r.pipelines},
      {"bit_identical", r.identical},
      {"models", models}};
}

std::string ExportSuiteMarkdown(const ExportSuiteResult& r, const std::string& command) {
  std::string md = "# Exported pipelines executed in TensorFlow Lite\n\n";
  md += fmt::format("Command: `{}`\n\n", command);
  md +=
      "Each model is cut at K stages by each method and by random valid schedules, exported "
      "(`respect export`), and run in TensorFlow Lite's interpreter (LiteRT.js 2.5.3, WebAssembly, "
      "XNNPACK "
      "CPU kernels, pinned baseline-SIMD build) under Node.js: the whole model and then the "
      "segments in order, "
      "tensors passed by name, on the same seeded random inputs. A pipeline passes when its final "
      "outputs equal "
      "the whole model's bit for bit and the runtime reported no error.\n\n";
  md += fmt::format(
      "**{} of {} pipelines bit-identical** over {} models run; {} models skipped.\n\n",
      r.identical, r.pipelines,
      std::count_if(r.models.begin(), r.models.end(), [](const auto& m) { return m.runs_whole; }),
      std::count_if(r.models.begin(), r.models.end(), [](const auto& m) { return !m.runs_whole; }));
  md +=
      fmt::format("Invoke times: best of {} on this machine's CPU (not Edge TPU predictions).\n\n",
                  r.options.repeat);
  md +=
      "| model | ops | whole ms | K | pipelines | bit-identical | methods | slowest segment ms "
      "(CPU) |\n";
  md += "|---|---:|---:|---:|---:|---:|---|---:|\n";
  for (const auto& m : r.models) {
    if (!m.runs_whole) continue;
    std::vector<int> ks;
    for (const auto& row : m.rows)
      if (std::find(ks.begin(), ks.end(), row.stages) == ks.end()) ks.push_back(row.stages);
    for (int k : ks) {
      int n = 0, ok = 0;
      double slowest = 0;
      std::vector<std::string> methods;
      for (const auto& row : m.rows) {
        if (row.stages != k) continue;
        ++n;
        ok += row.ok ? 1 : 0;
        methods.push_back(row.method);
        for (double t : row.segment_ms) slowest = std::max(slowest, t);
      }
      md += fmt::format("| {} | {} | {:.2f} | {} | {} | {} | {} | {:.2f} |\n",
                        fs::path(m.model).filename().string(), m.ops, m.whole_ms, k, n, ok,
                        fmt::join(methods, ", "), slowest);
    }
  }
  bool any_fail = false;
  for (const auto& m : r.models)
    for (const auto& row : m.rows)
      if (!row.ok) {
        if (!any_fail)
          md += "\n## Failures\n\n| model | K | method | error |\n|---|---:|---|---|\n";
        any_fail = true;
        md += fmt::format("| {} | {} | {} | {} |\n", fs::path(m.model).filename().string(),
                          row.stages, row.method, row.error);
      }
  md += "\n## Models not checked\n\n";
  bool any_skip = false;
  for (const auto& m : r.models)
    if (!m.runs_whole) {
      any_skip = true;
      std::string why = m.skipped.substr(0, 240);
      std::replace(why.begin(), why.end(), '|', '/');
      md += fmt::format("- {} ({} ops): {}\n", fs::path(m.model).filename().string(), m.ops, why);
    }
  if (!any_skip) md += "None.\n";
  return md;
}

}  // namespace respect
