// respect export: cut a model into one file per pipeline stage, from a schedule file.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

#include "cli/commands.h"
#include "core/file_io.h"
#include "cost/cost_model.h"
#include "exporters/segments.h"
#include "report/pipeline_report.h"
#include "runtime/litert_runner.h"
#include "schedulers/objective.h"
#include "schedulers/schedule.h"

namespace respect::cli {

void AddExportCheckOptions(CLI::App& app, ExportCheckOptions& c) {
  app.add_flag(
      "--check", c.enabled,
      "after writing, run the whole model and the segments in order in TensorFlow Lite's "
      "interpreter "
      "(LiteRT.js, XNNPACK CPU, under Node.js) on the same seeded random inputs, and report each "
      "segment's invoke time and whether the outputs are bit-identical (.tflite only; exit 1 if "
      "not)");
  app.add_option("--runtime", c.runtime_dir,
                 "--check: the folder holding run_tflite_pipeline.mjs and its "
                 "installed package (default: $RESPECT_LITERT_DIR, else respect's "
                 "tools/litert)");
  app.add_option("--check-seed", c.seed, "--check: seed of the random inputs")
      ->capture_default_str();
}

int PrepareExportCheck(const std::string& model_path, const ExportCheckOptions& c) {
  if (!c.enabled) return 0;
  if (FileExtension(model_path) != "tflite")
    return Fail(
        "--check runs .tflite pipelines (TensorFlow Lite); ONNX segments are checked by the test "
        "suite "
        "with onnxruntime (tests/node/run_segments.js)");
  auto runner = FindLiteRtRunner(c.runtime_dir);
  if (!runner) return Fail("--check: " + runner.error().message);
  return 0;
}

int CheckExportedPipeline(const std::string& model_path, const std::string& dir,
                          const ExportCheckOptions& c) {
  auto runner = FindLiteRtRunner(c.runtime_dir);
  if (!runner) return Fail("--check: " + runner.error().message);
  auto run = RunTflitePipelines(*runner, model_path, {dir}, c.seed, c.repeat);
  if (!run) return Fail("--check: " + run.error().message);
  std::FILE* out = c.to_stderr ? stderr : stdout;
  if (!run->whole_ok) {
    fmt::print(out,
               "check: the interpreter cannot run the whole model, so the pipeline cannot be "
               "compared: {}\n",
               run->whole_error);
    return 1;
  }
  fmt::print(
      out,
      "check: TensorFlow Lite (LiteRT.js, XNNPACK CPU), seeded random inputs (seed {}), best of {} "
      "invokes\n",
      c.seed, c.repeat);
  fmt::print(out, "  whole model {:>44} {:9.3f} ms\n", "", run->whole_ms);
  const PipelineRun& p = run->pipelines.at(0);
  double total = 0, slowest = 0;
  for (size_t i = 0; i < p.segments.size(); ++i) {
    fmt::print(out, "  segment {:<2} {:<44} {:9.3f} ms\n", i, p.segments[i].file,
               p.segments[i].invoke_ms);
    total += p.segments[i].invoke_ms;
    slowest = std::max(slowest, p.segments[i].invoke_ms);
  }
  if (!p.ok) {
    fmt::print(out, "  FAILED: {}\n",
               p.error.empty() ? fmt::format("{} of {} output elements differ (max |diff| {})",
                                             p.mismatches, p.elements, p.max_abs_diff)
                               : p.error);
    return 1;
  }
  fmt::print(out,
             "  outputs: {} elements, bit-identical to the whole model; segments {:.3f} ms in all, "
             "slowest "
             "{:.3f} ms (CPU times, not Edge TPU predictions)\n",
             p.elements, total, slowest);
  return 0;
}

int ExportSegments(const std::string& model_path, const Graph& g, const DeviceProfile& device,
                   const Schedule& s, const std::string& dir, bool quiet,
                   const ExportCheckOptions& check) {
  CostModel model(g, device);
  const nlohmann::json costs = PipelineCostJson(EvaluateSchedule(model, s))["stages"];
  auto r = ExportPipeline(model_path, g, s, dir, costs);
  if (!r) return Fail(fmt::format("--export: {}", r.error().message));
  if (!quiet) {
    fmt::print(stderr, "exported {} segments to {}/:", r->files.size(), r->dir);
    for (const auto& f : r->files) fmt::print(stderr, " {}", f);
    fmt::print(stderr, " pipeline.json\n");
  }
  if (check.enabled) return CheckExportedPipeline(model_path, r->dir, check);
  return 0;
}

Runner AddExport(CLI::App& app) {
  struct Options {
    std::string model, schedule, out, device = "usb";
    bool quiet = false;
    ExportCheckOptions check;
  };
  auto o = std::make_shared<Options>();
  app.add_option("MODEL", o->model, "the .tflite or .onnx model file the schedule was made for")
      ->required();
  app.add_option("--schedule", o->schedule,
                 "schedule JSON, as `respect schedule --out` writes it "
                 "({\"assignment\": {\"op\": stage, ...}}, optional \"order\")")
      ->required();
  app.add_option("--out", o->out,
                 "directory to write: <stem>_segment_<i>_of_<K>.<ext> and pipeline.json "
                 "(replaced atomically; an existing directory must be empty or a previous export)")
      ->required();
  app.add_option("--device", o->device,
                 "device profile for the predicted stage costs in pipeline.json")
      ->capture_default_str();
  app.add_flag("--quiet,-q", o->quiet, "print nothing on success");
  AddExportCheckOptions(app, o->check);
  app.footer(
      "Each segment holds its stage's operators in execution order; tensors crossing stages "
      "become\n"
      "segment inputs and outputs, named as in the model, so Coral's PipelinedModelRunner (or any\n"
      "runtime) can chain them. Model inputs read late and model outputs produced early are "
      "passed\n"
      "through the segments in between. Nothing is written unless every segment re-imports and "
      "the\n"
      "pipeline satisfies the runner's rules. Then compile each .tflite segment with "
      "edgetpu_compiler.\n\n"
      "Examples:\n"
      "  respect schedule model.tflite -k 4 --out plan.json\n"
      "  respect export model.tflite --schedule plan.json --out segments/\n"
      "  respect schedule model.onnx -k 3 --export segments/      (the same in one step)\n"
      "  respect export model.tflite --schedule plan.json --out segments/ --check\n\n"
      "--check needs Node.js and the pinned TensorFlow Lite package: (cd tools/litert && npm "
      "install\n"
      "--ignore-scripts). Operators computed from constants alone (a DEQUANTIZE of fp16 weights) "
      "are\n"
      "parameters, not activations: every segment that reads one carries its own copy.");
  return [o] {
    if (int rc = PrepareExportCheck(o->model, o->check); rc != 0) return rc;
    auto loaded = LoadModelOnDevice(o->model, o->device);
    if (!loaded) return Fail(loaded.error().message);
    auto s = ReadScheduleFile(loaded->graph, o->schedule);
    if (!s) return Fail(s.error().message);
    return ExportSegments(o->model, loaded->graph, loaded->device, *s, o->out, o->quiet, o->check);
  };
}

}  // namespace respect::cli
