// respect: schedule DNN graphs onto pipelines of Edge TPUs. This file only parses the command
// line and dispatches to the subcommands; all work happens in the library.
#include <fmt/format.h>

#include <cstdio>
#include <map>
#include <string>

#include "cli/commands.h"
#include "learn/rl_scheduler.h"
#include "models/model_source.h"

namespace respect::cli {

namespace {
std::string g_command_line;
}  // namespace

const std::string& CommandLine() { return g_command_line; }

int Fail(const std::string& message) {
  std::fprintf(stderr, "respect: error: %s\n", message.c_str());
  return 2;
}

Result<ModelOnDevice> LoadModelOnDevice(const std::string& model, const std::string& device) {
  auto g = LoadModel(model);
  if (!g) return g.error();
  if (g->num_ops() == 0) return Error{fmt::format("{}: the graph has no operators", model)};
  auto d = LoadDeviceProfile(device);
  if (!d) return d.error();
  return ModelOnDevice{std::move(*g), std::move(*d)};
}

}  // namespace respect::cli

int main(int argc, char** argv) {
  using namespace respect::cli;
  for (int i = 0; i < argc; ++i) {
    std::string a = i == 0 ? std::string("respect") : std::string(argv[i]);
    if (a.find_first_of(" \t'\"$") != std::string::npos) a = "'" + a + "'";
    g_command_line += (i ? " " : "") + a;
  }
  CLI::App app{
      "respect: split a DNN across a pipeline of Edge TPUs and order its operators.\n"
      "MODEL arguments accept a file (.tflite, .onnx, .gml, .json), zoo:NAME[:key=value,...]\n"
      "(see `respect zoo`), or synth:n=50,deg=6,levels=16-40,seed=1 (RESPECT's generator).",
      "respect"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "respect 0.1.0");
  std::map<CLI::App*, Runner> runners;
  auto add = [&](const char* name, const char* help, Runner (*make)(CLI::App&)) {
    CLI::App* sub = app.add_subcommand(name, help);
    runners[sub] = make(*sub);
  };
  add("inspect", "Summarise a model's graph (JSON with --json; pictures with --dot/--svg)",
      AddInspect);
  add("zoo", "List the built-in models with their sizes", AddZoo);
  respect::RegisterRlScheduler();
  add("schedule",
      "Split a model across K Edge TPUs, or T with replicas (methods: compiler, profiling, list, "
      "dp, ilp, exact, rl, rl-ilp, auto)",
      AddSchedule);
  add("plan",
      "How many Edge TPUs for N inferences/s? Best hybrid pipeline (cuts + replicas) for 1..T TPUs",
      AddPlan);
  add("export",
      "Cut a .tflite / .onnx model into one file per pipeline stage (Coral's segment files)",
      AddExport);
  add("order", "Order a model's operators for the smallest peak of live activation memory",
      AddOrder);
  add("bench", "Compare every method on the RESPECT paper's models and the authors' partitions",
      AddBench);
  add("train", "Train a RESPECT pointer-network policy with REINFORCE on synthetic graphs",
      AddTrain);
  add("eval", "Measure a policy: mismatch, recall and reward on synthetic and real graphs",
      AddEval);
  add("simulate", "Latency, period and throughput of a model on one TPU or a pipeline",
      AddSimulate);
  add("calibrate", "Fit a device profile to Coral's published latencies; report the fit",
      AddCalibrate);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line, as every other error (CLI11's own printer adds a second).
    return Fail(std::string(e.what()) + " (see --help)");
  }
  for (auto& [sub, run] : runners)
    if (sub->parsed()) return run();
  return Fail("no subcommand given (try --help)");
}
