// respect export: cut a model into one file per pipeline stage, from a schedule file.
#include <fmt/format.h>

#include "cli/commands.h"
#include "cost/cost_model.h"
#include "schedulers/objective.h"
#include "exporters/segments.h"
#include "report/pipeline_report.h"
#include "schedulers/schedule.h"

namespace respect::cli {

int ExportSegments(const std::string& model_path, const Graph& g, const DeviceProfile& device, const Schedule& s,
                   const std::string& dir, bool quiet) {
  CostModel model(g, device);
  const nlohmann::json costs = PipelineCostJson(EvaluateSchedule(model, s))["stages"];
  auto r = ExportPipeline(model_path, g, s, dir, costs);
  if (!r) return Fail(fmt::format("--export: {}", r.error().message));
  if (!quiet) {
    fmt::print(stderr, "exported {} segments to {}/:", r->files.size(), r->dir);
    for (const auto& f : r->files) fmt::print(stderr, " {}", f);
    fmt::print(stderr, " pipeline.json\n");
  }
  return 0;
}

Runner AddExport(CLI::App& app) {
  struct Options {
    std::string model, schedule, out, device = "usb";
    bool quiet = false;
  };
  auto o = std::make_shared<Options>();
  app.add_option("MODEL", o->model, "the .tflite or .onnx model file the schedule was made for")->required();
  app.add_option("--schedule", o->schedule, "schedule JSON, as `respect schedule --out` writes it "
                                            "({\"assignment\": {\"op\": stage, ...}}, optional \"order\")")
      ->required();
  app.add_option("--out", o->out, "directory to write: <stem>_segment_<i>_of_<K>.<ext> and pipeline.json "
                                  "(replaced atomically; an existing directory must be empty or a previous export)")
      ->required();
  app.add_option("--device", o->device, "device profile for the predicted stage costs in pipeline.json")
      ->capture_default_str();
  app.add_flag("--quiet,-q", o->quiet, "print nothing on success");
  app.footer("Each segment holds its stage's operators in execution order; tensors crossing stages become\n"
             "segment inputs and outputs, named as in the model, so Coral's PipelinedModelRunner (or any\n"
             "runtime) can chain them. Model inputs read late and model outputs produced early are passed\n"
             "through the segments in between. Nothing is written unless every segment re-imports and the\n"
             "pipeline satisfies the runner's rules. Then compile each .tflite segment with edgetpu_compiler.\n\n"
             "Examples:\n"
             "  respect schedule model.tflite -k 4 --out plan.json\n"
             "  respect export model.tflite --schedule plan.json --out segments/\n"
             "  respect schedule model.onnx -k 3 --export segments/      (the same in one step)");
  return [o] {
    auto loaded = LoadModelOnDevice(o->model, o->device);
    if (!loaded) return Fail(loaded.error().message);
    auto s = ReadScheduleFile(loaded->graph, o->schedule);
    if (!s) return Fail(s.error().message);
    return ExportSegments(o->model, loaded->graph, loaded->device, *s, o->out, o->quiet);
  };
}

}  // namespace respect::cli
