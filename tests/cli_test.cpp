// End-to-end checks of the respect binary: exit codes, one-line errors, parseable JSON, and no
// partial output files.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "cost/calibration.h"
#include "learn/trainer.h"
#include "test_util.h"

namespace respect {
namespace {

using testing::SharedPath;

// A temporary path unique to this process (tests and CI runs may share /tmp).
std::string TempPath(const std::string& name) {
  return ::testing::TempDir() + std::to_string(getpid()) + "_" + name;
}

struct CliRun {
  int code;
  std::string out, err;
};

std::string Slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

CliRun Respect(const std::string& args) {
  // CTest runs tests in parallel processes: each call gets its own stderr file.
  static int calls = 0;
  const std::string err_file = TempPath("stderr_" + std::to_string(calls++) + ".txt");
  const std::string cmd = std::string(RESPECT_BINARY) + " " + args + " 2>" + err_file;
  CliRun r{};
  FILE* p = popen(cmd.c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream e(err_file);
  r.err.assign(std::istreambuf_iterator<char>(e), {});
  std::remove(err_file.c_str());
  return r;
}

TEST(Cli, InspectJsonHasTheDocumentedFields) {
  CliRun r =
      Respect("inspect " + SharedPath("models/tflite/pretrainedResnet_quant.tflite") + " --json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  for (const char* key :
       {"name", "num_nodes", "num_edges", "depth", "max_in_degree", "param_bytes", "macs", "ops"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["num_nodes"], 16);
  ASSERT_EQ(j["ops"].size(), 16u);
  for (const auto& op : j["ops"])
    for (const char* key : {"name", "type", "param_bytes", "macs", "output_bytes", "inputs"})
      EXPECT_TRUE(op.contains(key)) << key;
  int64_t sum_macs = 0;
  for (const auto& op : j["ops"]) sum_macs += op["macs"].get<int64_t>();
  EXPECT_EQ(sum_macs, j["macs"].get<int64_t>());
}

TEST(Cli, InspectHumanSummaryAndPictures) {
  const std::string svg = TempPath("g.svg"), dot = TempPath("g.dot");
  CliRun r = Respect("inspect zoo:mobilenet_v2 --svg " + svg + " --dot " + dot);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("operators"), std::string::npos);
  EXPECT_NE(r.out.find("largest layers by parameters"), std::string::npos);
  std::ifstream s(svg);
  std::string content((std::istreambuf_iterator<char>(s)), {});
  EXPECT_NE(content.find("<svg"), std::string::npos);
  EXPECT_NE(content.find("block_16_project"), std::string::npos);
}

TEST(Cli, BadInputsExitTwoWithOneLine) {
  const std::string junk = TempPath("junk.tflite");
  { std::ofstream(junk) << "TFL3 garbage"; }
  for (const std::string& args : std::vector<std::string>{
           "inspect /no/such/file.tflite", "inspect " + junk, "inspect zoo:nosuchnet",
           "inspect synth:n=1", "inspect " + SharedPath("docs/PROBLEM.md")}) {
    SCOPED_TRACE(args);
    CliRun r = Respect(args);
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(r.out.empty());
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(r.err.rfind("respect: error: ", 0), 0u) << r.err;
  }
}

// A model already compiled for the Edge TPU cannot be split: it says what to split instead.
TEST(Cli, CompiledModelsAreRefusedWithTheReason) {
  CliRun r =
      Respect("schedule " + SharedPath("models/tflite/mobilenet_v1_0.25_128_quant_edgetpu.tflite") +
              " -k 4");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("already compiled for the Edge TPU"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("split the CPU model"), std::string::npos) << r.err;
  EXPECT_EQ(
      Respect("schedule " + SharedPath("models/tflite/mobilenet_v1_0.25_128_quant_edgetpu.tflite") +
              " -k 1 -q")
          .code,
      0);  // one TPU: the compiled model as it is
}

TEST(Cli, FailedSvgLeavesNoFile) {
  const std::string svg = TempPath("big.svg");
  std::remove(svg.c_str());
  CliRun r = Respect("inspect " + SharedPath("data/dag_benchmarks/rand_graph_5000_1.gml") +
                     " --svg " + svg);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("too large to draw"), std::string::npos) << r.err;
  EXPECT_FALSE(std::ifstream(svg).good());
}

TEST(Cli, ZooListsModels) {
  CliRun r = Respect("zoo --json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_GE(j.size(), 16u);
  CliRun usage = Respect("frobnicate");
  EXPECT_NE(usage.code, 0);
}

TEST(Cli, SimulateJsonAgreesWithItself) {
  CliRun r = Respect("simulate zoo:resnet50 --stages 3 --json --inferences 50");
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  for (const char* key : {"stages", "period_ms", "latency_ms", "throughput_ips", "simulation"})
    EXPECT_TRUE(j.contains(key)) << key;
  ASSERT_EQ(j["stages"].size(), 3u);
  double worst = 0, sum = 0;
  int ops = 0;
  for (const auto& st : j["stages"]) {
    for (const char* key : {"ops", "param_bytes", "cached_bytes", "streamed_bytes", "in_bytes",
                            "out_bytes", "compute_ms", "transfer_ms", "latency_ms"})
      EXPECT_TRUE(st.contains(key)) << key;
    EXPECT_EQ(st["param_bytes"].get<int64_t>(),
              st["cached_bytes"].get<int64_t>() + st["streamed_bytes"].get<int64_t>());
    worst = std::max(worst, st["latency_ms"].get<double>());
    sum += st["latency_ms"].get<double>();
    ops += st["ops"].get<int>();
  }
  EXPECT_EQ(ops, 75);  // fused ResNet-50 operators
  EXPECT_NEAR(j["period_ms"].get<double>(), worst, 1e-9);
  EXPECT_NEAR(j["latency_ms"].get<double>(), sum, 1e-9);
  EXPECT_NEAR(j["simulation"]["period_ms"].get<double>(), worst, 1e-6);
  EXPECT_NEAR(j["throughput_ips"].get<double>(), 1000 / worst, 1e-6);
}

TEST(Cli, SimulateHumanTableAndScheduleFile) {
  const std::string plan = TempPath("plan.json");
  {
    // squeezenet: first 10 operators on stage 0, the rest on stage 1.
    CliRun ins = Respect("inspect zoo:squeezenet --json");
    ASSERT_EQ(ins.code, 0);
    auto g = nlohmann::json::parse(ins.out);
    nlohmann::json a;
    int i = 0;
    for (const auto& op : g["ops"]) a[op["name"].get<std::string>()] = i++ < 10 ? 0 : 1;
    std::ofstream(plan) << nlohmann::json{{"assignment", a}}.dump();
  }
  CliRun r = Respect("simulate zoo:squeezenet --schedule " + plan + " --device usb-max");
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* text :
       {"stage", "param MiB", "streamed", "period", "throughput", "bottleneck", "simulated"})
    EXPECT_NE(r.out.find(text), std::string::npos) << text;
  // A schedule whose edge points backwards is rejected with one line.
  CliRun ins = Respect("inspect zoo:squeezenet --json");
  auto g = nlohmann::json::parse(ins.out);
  nlohmann::json a;
  int i = 0;
  for (const auto& op : g["ops"]) a[op["name"].get<std::string>()] = i++ < 10 ? 1 : 0;
  std::ofstream(plan) << nlohmann::json{{"assignment", a}}.dump();
  CliRun bad = Respect("simulate zoo:squeezenet --schedule " + plan);
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("earlier stage"), std::string::npos) << bad.err;
  std::remove(plan.c_str());
  for (const std::string& args : std::vector<std::string>{
           "simulate zoo:resnet50 --device tpu9000", "simulate zoo:squeezenet --stages 1000",
           "simulate zoo:resnet50 --schedule /no/such/plan.json"}) {
    CliRun e = Respect(args);
    EXPECT_EQ(e.code, 2) << args;
    EXPECT_EQ(std::count(e.err.begin(), e.err.end(), '\n'), 1) << e.err;
  }
}

TEST(Cli, ScheduleJsonOutFileReadsBackIntoSimulate) {
  const std::string out = TempPath("plan.json");
  CliRun r = Respect("schedule zoo:resnet50 --stages 4 --method dp --json --out " + out);
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  for (const char* key :
       {"model", "method", "objective", "stages", "assignment", "stage_costs", "period_ms",
        "latency_ms", "throughput_ips", "objective_value", "lower_bound", "proven_optimal", "gap",
        "solve_seconds", "speedup_vs_compiler"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["stages"], 4);
  EXPECT_EQ(j["assignment"].size(), 75u);
  EXPECT_GE(j["speedup_vs_compiler"].get<double>(), 1.0);  // dp tries Coral's order too
  EXPECT_LE(j["lower_bound"].get<double>(), j["objective_value"].get<double>());
  CliRun sim = Respect("simulate zoo:resnet50 --schedule " + out + " --json");
  ASSERT_EQ(sim.code, 0) << sim.err;
  EXPECT_NEAR(nlohmann::json::parse(sim.out)["period_ms"].get<double>(),
              j["period_ms"].get<double>(), 1e-9);
  std::remove(out.c_str());
  for (const std::string& args : std::vector<std::string>{
           "schedule zoo:resnet50 --stages 0", "schedule zoo:squeezenet --stages 500",
           "schedule zoo:resnet50 --stages 2 --method magic",
           "schedule zoo:resnet50 -k 2 --objective speed"}) {
    CliRun e = Respect(args);
    EXPECT_EQ(e.code, 2) << args;
    EXPECT_EQ(std::count(e.err.begin(), e.err.end(), '\n'), 1) << e.err;
  }
}

// ilp through the CLI: proven optimal on ResNet-50 at 3 stages, progress kept off stdout (the
// JSON parses), and a stdout that is only JSON even though CBC prints banners.
TEST(Cli, ScheduleIlpProvesOptimality) {
  CliRun r = Respect("schedule zoo:resnet50 --stages 3 --method ilp --time-limit 60 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["method"], "ilp");
  EXPECT_TRUE(j["proven_optimal"].get<bool>()) << j["note"];
  EXPECT_NEAR(j["gap"].get<double>(), 0, 1e-9);
  CliRun dp = Respect("schedule zoo:resnet50 --stages 3 --method dp --json");
  ASSERT_EQ(dp.code, 0);
  EXPECT_LE(j["period_ms"].get<double>(),
            nlohmann::json::parse(dp.out)["period_ms"].get<double>() + 1e-9);
}

// A search stopped by its time limit says so in its note and prints nothing else: stderr stays
// empty (a debugging line once leaked from the hybrid DP's deadline check).
TEST(Cli, TimeLimitedExactSearchKeepsStderrClean) {
  CliRun r = Respect("schedule " + SharedPath("data/respect_paper_graphs/inception_v3.json") +
                     " -k 4 --tpus 6 --method exact --time-limit 1 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_NE(j["note"].get<std::string>().find("time limit"), std::string::npos) << j["note"];
  EXPECT_EQ(r.err, "");
}

// bench on one model and one of the authors' graphs: every method's row, the published
// partitions compared, and the report files written.
TEST(Cli, BenchPaperSuiteSmall) {
  const std::string dir = TempPath("bench");
  CliRun r = Respect(
      "bench --suite paper --models resnet50 -k 4 --graph-names resnet50 --time-limit 20 -q --json "
      "--graphs " +
      SharedPath("data/respect_paper_graphs") + " --out " + dir);
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["throughput"].size(), 1u);
  std::map<std::string, double> period;
  for (const auto& run : j["throughput"][0]["runs"]) period[run["method"]] = run["period_ms"];
  for (const char* m : {"compiler", "profiling", "list", "dp", "rl", "ilp", "exact"})
    EXPECT_TRUE(period.count(m)) << m;
  EXPECT_LE(period["ilp"], period["dp"] + 1e-9);
  EXPECT_LE(period["exact"], period["ilp"] + 1e-9);
  EXPECT_EQ(j["throughput"][0]["downsets"], 88);
  EXPECT_LE(period["dp"], period["compiler"] + 1e-9);
  ASSERT_EQ(j["paper_objective"].size(), 1u);
  int published = 0;
  double best_published = 1e300, ilp = 0;
  for (const auto& run : j["paper_objective"][0]["runs"]) {
    const std::string m = run["method"];
    if (m.rfind("published:", 0) == 0) {
      ++published;
      best_published = std::min(best_published, run["objective_value"].get<double>());
    }
    if (m == "ilp") ilp = run["objective_value"];
  }
  EXPECT_EQ(published, 3);  // the authors' three encoder/decoder variants
  EXPECT_LE(ilp, best_published);
  for (const char* f : {"/bench-paper.md", "/bench-paper.json", "/bench-paper-k4.svg"})
    EXPECT_TRUE(std::ifstream(dir + f).good()) << f;
  std::filesystem::remove_all(dir);
  CliRun bad = Respect("bench --suite paper --graphs /nonexistent");
  EXPECT_EQ(bad.code, 2);
  EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;
}

// The default command of a new user is proven optimal in seconds by the lattice DP.
TEST(Cli, ScheduleAutoProvesResNet152WithTheLattice) {
  CliRun r = Respect("schedule zoo:resnet152 -k 4 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["proven_optimal"].get<bool>()) << j["note"];
  EXPECT_NE(j["note"].get<std::string>().find("lattice DP over 224 downsets"), std::string::npos)
      << j["note"];
  EXPECT_LT(j["solve_seconds"].get<double>(), 30);
  CliRun inspect = Respect("inspect zoo:resnet152 --json");
  ASSERT_EQ(inspect.code, 0);
  auto ij = nlohmann::json::parse(inspect.out);
  EXPECT_EQ(ij["downsets"], 224);
  EXPECT_EQ(ij["width"], 2);
}

// The scale suite on its smallest graph: a row per method, wall time and memory read from the
// child process, the report files.
TEST(Cli, BenchScaleSuiteSmall) {
  const std::string dir = TempPath("scale");
  CliRun r = Respect(
      "bench --suite scale --dags rand_graph_sparse_1000_1 --stages 4 --time-limit 1 "
      "--methods compiler dp exact -q --json --dag-dir " +
      SharedPath("data/dag_benchmarks") + " --out " + dir);
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["graphs"].size(), 1u);
  const auto& runs = j["graphs"][0]["runs"];
  ASSERT_EQ(runs.size(), 6u);  // 3 methods x (throughput K=4, paper K=10)
  for (const auto& run : runs) {
    EXPECT_TRUE(run["ok"].get<bool>()) << run["note"];
    EXPECT_GT(run["peak_rss_mib"].get<double>(), 1);
    EXPECT_LT(run["wall_seconds"].get<double>(), 1 + 2.0);
  }
  for (const char* f : {"/bench-scale.md", "/bench-scale.json", "/bench-scale-time.svg"})
    EXPECT_TRUE(std::ifstream(dir + f).good()) << f;
  std::filesystem::remove_all(dir);
  CliRun bad = Respect("bench --suite scale --dags nonexistent_graph -q");
  EXPECT_EQ(bad.code, 2);
  EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;
}

// The certify suite on the authors' NASNet at K = 6 and 10: both proven by the head-tail bound
// (dp's answer meets it, so no solver's luck is involved), the best bound and its source per
// instance, the report files, and the `lower_bound_from` field of `schedule --json`.
TEST(Cli, BenchCertifySuiteSmall) {
  const std::string dir = TempPath("certify");
  CliRun r = Respect(
      "bench --suite certify --graph-names NASNet --stages 6 10 --time-limit 20 -q "
      "--json --graphs " +
      SharedPath("data/respect_paper_graphs") + " --out " + dir);
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["instances"].size(), 2u);
  for (const auto& in : j["instances"]) {
    EXPECT_TRUE(in["proven_optimal"].get<bool>()) << in.dump();
    EXPECT_NEAR(in["bound_over_best"].get<double>(), 1.0, 1e-6);
    EXPECT_EQ(in["runs"].size(), 2u);  // dp and auto
    EXPECT_EQ(in["bound_from"], "head-tail");
  }
  for (const char* f : {"/bench-certify.md", "/bench-certify.json", "/bench-certify.svg"})
    EXPECT_TRUE(std::ifstream(dir + f).good()) << f;
  std::filesystem::remove_all(dir);

  CliRun s = Respect("schedule " + SharedPath("data/respect_paper_graphs/NASNet.json") +
                     " -k 6 --method dp --json");
  ASSERT_EQ(s.code, 0) << s.err;
  auto sj = nlohmann::json::parse(s.out);
  EXPECT_EQ(sj["lower_bound_from"], "head-tail");
  EXPECT_TRUE(sj["proven_optimal"].get<bool>());

  // Zoo models too (by name, as zoo:NAME rows).
  CliRun z = Respect("bench --suite certify --models randwire --stages 4 --methods dp -q --json");
  ASSERT_EQ(z.code, 0) << z.err;
  auto zj = nlohmann::json::parse(z.out);
  ASSERT_EQ(zj["instances"].size(), 1u);
  EXPECT_EQ(zj["instances"][0]["graph"], "zoo:randwire");
  EXPECT_GT(zj["instances"][0]["bound_over_best"].get<double>(), 0.5);
  EXPECT_LE(zj["instances"][0]["bound_over_best"].get<double>(), 1.0);
}

// A suite's own defaults never eat an explicit value that equals the shared default (--time-limit
// 20, --stages 4 5 6): CLI11 says whether the option was given.
TEST(Cli, BenchSuiteDefaultsDoNotEatExplicitValues) {
  const std::string dags =
      " --dag-dir " + SharedPath("data/dag_benchmarks") + " --dags rand_graph_sparse_1000_1";
  CliRun given = Respect(
      "bench --suite scale --methods compiler -q --json --time-limit 20 --stages 4 5 6" + dags);
  ASSERT_EQ(given.code, 0) << given.err;
  auto j = nlohmann::json::parse(given.out);
  EXPECT_EQ(j["time_limit_s"], 20);
  EXPECT_EQ(j["stages"], nlohmann::json::array({4, 5, 6}));
  CliRun defaults = Respect("bench --suite scale --methods compiler -q --json" + dags);
  ASSERT_EQ(defaults.code, 0) << defaults.err;
  j = nlohmann::json::parse(defaults.out);
  EXPECT_EQ(j["time_limit_s"], 10);  // the scale suite's own default
  EXPECT_EQ(j["stages"], nlohmann::json::array({4, 6, 10}));
}

// train -> resume -> eval on a tiny config, then the shipped policy through `schedule`.
TEST(Cli, TrainResumeEvalAndScheduleRl) {
  const std::string dir = TempPath("train"), config = TempPath("train.json");
  std::filesystem::remove_all(dir);
  {
    std::ofstream c(config);
    c << R"({"policy": {"hidden": 16, "max_parents": 3},
             "graphs": {"nodes": 10, "in_degree": 3, "min_levels": 3, "max_levels": 6},
             "eval": {"nodes": 10, "in_degree": 3, "min_levels": 3, "max_levels": 6},
             "train_graphs": 64, "eval_graphs": 8, "baseline_graphs": 16, "batch_size": 32,
             "epochs": 1, "threads": 1})";
  }
  CliRun t = Respect("train --config " + config + " --out " + dir);
  ASSERT_EQ(t.code, 0) << t.err;
  EXPECT_NE(t.err.find("epoch   1/1"), std::string::npos) << t.err;  // the per-epoch line
  for (const char* f : {"/policy.pt", "/checkpoint.pt", "/history.json", "/training-curve.svg"})
    EXPECT_TRUE(std::filesystem::exists(dir + f)) << f;
  CliRun more = Respect("train --config " + config + " --out " + dir + " --resume --epochs 2 -q");
  ASSERT_EQ(more.code, 0) << more.err;
  std::ifstream h(dir + "/history.json");
  EXPECT_EQ(nlohmann::json::parse(h).size(), 2u);
  // --curve redraws the picture from history.json with the reference lines, and fails in one line
  // where there is no history.
  std::filesystem::remove(dir + "/training-curve.svg");
  CliRun curve = Respect("train --config " + config + " --out " + dir + " --curve");
  ASSERT_EQ(curve.code, 0) << curve.err;
  {
    std::ifstream svg(dir + "/training-curve.svg");
    const std::string text((std::istreambuf_iterator<char>(svg)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("ASAP level alone"), std::string::npos);
    EXPECT_NE(text.find("exact height"), std::string::npos);
  }
  CliRun no_history = Respect("train --config " + config + " --out " + dir + "/none --curve");
  EXPECT_EQ(no_history.code, 2);
  EXPECT_EQ(std::count(no_history.err.begin(), no_history.err.end(), '\n'), 1) << no_history.err;
  CliRun e = Respect("eval --policy " + dir + "/policy.pt --graphs 3 --models none --json");
  ASSERT_EQ(e.code, 0) << e.err;
  auto ej = nlohmann::json::parse(e.out);
  EXPECT_EQ(ej["synthetic"]["masked"]["topological"].get<double>(), 1.0);
  EXPECT_GE(ej["synthetic"]["unmasked"]["recall"].get<double>(), 0.0);
  // Reference orders: ASAP level alone (hops 0) up to every descendant (hops -1), the last the
  // same mismatch the library computes for the exact height.
  const auto& refs = ej["synthetic"]["references"];
  ASSERT_EQ(refs.size(), 5u);
  EXPECT_EQ(refs[0]["hops"].get<int>(), 0);
  EXPECT_EQ(refs[4]["hops"].get<int>(), -1);
  // (eval caps the evaluation graphs' in-degree at the policy's max_parents, 3 here)
  auto eval_graphs = MakeLabelledGraphs({50, 3, 16, 40, 0.0, 5.0, 2}, 3, 35, LabelSource::kList, 1);
  ASSERT_TRUE(eval_graphs.ok());
  EXPECT_DOUBLE_EQ(refs[0]["mismatch"].get<double>(),
                   EvaluateReferenceOrder(*eval_graphs, 0, false).mismatch);
  EXPECT_DOUBLE_EQ(refs[4]["mismatch"].get<double>(),
                   EvaluateReferenceOrder(*eval_graphs, 1 << 30, false).mismatch);
  EXPECT_GT(refs[0]["mismatch"].get<double>(), refs[4]["mismatch"].get<double>());
  {
    std::ofstream c(config);
    c << R"({"epochs": 1, "learning_rat": 0.1})";
  }
  CliRun bad = Respect("train --config " + config + " --out " + dir);
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("learning_rat"), std::string::npos) << bad.err;
  EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;
  std::filesystem::remove_all(dir);
  std::remove(config.c_str());

  // The shipped policy, by default.
  CliRun rl = Respect("schedule zoo:resnet50 -k 4 --method rl --json");
  ASSERT_EQ(rl.code, 0) << rl.err;
  auto j = nlohmann::json::parse(rl.out);
  EXPECT_EQ(j["method"], "rl");
  EXPECT_GT(j["speedup_vs_compiler"].get<double>(), 1.0);
  CliRun paper =
      Respect("schedule zoo:resnet50 -k 4 --method rl --rl-stages paper --rl-unmasked --json");
  ASSERT_EQ(paper.code, 0) << paper.err;
  CliRun samples = Respect("schedule zoo:resnet50 -k 4 --method rl --rl-samples 4 --json");
  ASSERT_EQ(samples.code, 0) << samples.err;
  EXPECT_LE(nlohmann::json::parse(samples.out)["period_ms"].get<double>(),
            j["period_ms"].get<double>() + 1e-9);
  CliRun missing = Respect("schedule zoo:resnet50 -k 4 --method rl --policy /nonexistent.pt");
  EXPECT_EQ(missing.code, 2);
  EXPECT_EQ(std::count(missing.err.begin(), missing.err.end(), '\n'), 1) << missing.err;
}

TEST(Cli, CalibrateReportsTheFitAndWritesAProfile) {
  const std::string out = TempPath("fitted.json");
  CliRun r = Respect("calibrate --json --out " + out + " --name mine");
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["fitted"].size(), CoralCalibrationRows().size());
  EXPECT_GE(j["validation"].size(), 1u);
  EXPECT_GE(j["free_constants"].size(), 1u);
  for (const auto& row : j["fitted"]) {
    double sum = 0;
    for (const auto& [name, ms] : row["terms_ms"].items()) sum += ms.get<double>();
    EXPECT_NEAR(sum, row["predicted_ms"].get<double>(), 1e-6);
  }
  CliRun sim = Respect("simulate zoo:mobilenet --device " + out + " --json");
  ASSERT_EQ(sim.code, 0) << sim.err;
  EXPECT_EQ(nlohmann::json::parse(sim.out)["device"], "mine");
  std::remove(out.c_str());
  // The user's own measurements, one of them a real .tflite file; bad rows fail in one line.
  const std::string rows = TempPath("rows.json");
  {
    std::ofstream f(rows);
    f << R"([{"model": ")" << testing::SharedPath("models/tflite/mobilenet_v2_1.0_224_quant.tflite")
      << R"(", "ms": 2.6}, {"model": "zoo:mobilenet", "ms": 2.4}, {"model": "zoo:inception_v1", "ms": 3.4},
             {"model": "zoo:squeezenet", "ms": 2.1}])";
  }
  CliRun mine = Respect("calibrate --rows " + rows + " --free invoke,conv --json");
  ASSERT_EQ(mine.code, 0) << mine.err;
  auto m = nlohmann::json::parse(mine.out);
  EXPECT_EQ(m["fitted"].size(), 4u);
  EXPECT_EQ(m["validation"].size(), 0u);
  EXPECT_EQ(m["free_constants"], nlohmann::json::array({"invoke", "conv"}));
  {
    std::ofstream f(rows);
    f << R"([{"model": "zoo:nosuchmodel", "ms": 2.6}, {"model": "zoo:mobilenet", "ms": 2.4}, {"model": "zoo:squeezenet", "ms": 2.1}])";
  }
  CliRun bad = Respect("calibrate --rows " + rows);
  EXPECT_EQ(bad.code, 2);
  EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;
  std::remove(rows.c_str());
}

}  // namespace
}  // namespace respect

namespace respect {
namespace {

TEST(Cli, OrderPrintsPeakBoundAndCurve) {
  const std::string svg = TempPath("order.svg");
  std::remove(svg.c_str());
  auto r = Respect("order zoo:densenet121 --method dp --json --svg " + svg);
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  for (const char* k : {"model", "method", "conventions", "inplace", "peak_bytes",
                        "lower_bound_bytes", "gap", "proven_optimal", "peak_step", "live_at_peak",
                        "order", "footprint_bytes", "solve_seconds", "note"})
    EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_TRUE(j["proven_optimal"].get<bool>());
  EXPECT_EQ(j["peak_bytes"].get<int64_t>(), j["lower_bound_bytes"].get<int64_t>());
  int64_t max_step = 0;
  for (const auto& f : j["footprint_bytes"]) max_step = std::max(max_step, f.get<int64_t>());
  EXPECT_EQ(max_step, j["peak_bytes"].get<int64_t>());
  std::ifstream in(svg);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("<svg"), std::string::npos);
  EXPECT_NE(text.find("peak"), std::string::npos);
  // Text output states the conventions.
  auto t = Respect("order zoo:squeezenet --method greedy --inplace");
  ASSERT_EQ(t.code, 0) << t.err;
  EXPECT_NE(t.out.find("conventions:"), std::string::npos);
  EXPECT_NE(t.out.find("in place"), std::string::npos);
  // Bad input: one line, exit 2.
  auto bad = Respect("order zoo:squeezenet --method nope");
  EXPECT_EQ(bad.code, 2);
  auto none = Respect("order " + testing::SharedPath("data/respect_paper_graphs/NASNet.json"));
  EXPECT_EQ(none.code, 2);
  EXPECT_NE(none.err.find("no activation tensor sizes"), std::string::npos) << none.err;
  // A cycle, and a truncated model file: one line, exit 2.
  const std::string cyclic = TempPath("cycle.gml");
  std::ofstream(cyclic)
      << "graph [ directed 1 node [ id 0 ] node [ id 1 ] edge [ source 0 target 1 ] "
         "edge [ source 1 target 0 ] ]\n";
  auto cyc = Respect("order " + cyclic);
  EXPECT_EQ(cyc.code, 2);
  EXPECT_NE(cyc.err.find("cycle"), std::string::npos) << cyc.err;
  EXPECT_EQ(std::count(cyc.err.begin(), cyc.err.end(), '\n'), 1) << cyc.err;
  std::ifstream whole(testing::SharedPath("models/tflite/mobilenet_v1_0.25_128_quant.tflite"),
                      std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(whole)), std::istreambuf_iterator<char>());
  const std::string cut = TempPath("truncated.tflite");
  std::ofstream(cut, std::ios::binary) << bytes.substr(0, bytes.size() / 3);
  auto trunc = Respect("order " + cut + " --method fusion-ilp");
  EXPECT_EQ(trunc.code, 2);
  EXPECT_EQ(std::count(trunc.err.begin(), trunc.err.end(), '\n'), 1) << trunc.err;
  // fusion-ilp through the CLI: proven, and the note says what was fused.
  auto fi = Respect("order zoo:inception_v3 --method fusion-ilp --json");
  ASSERT_EQ(fi.code, 0) << fi.err;
  auto fj = nlohmann::json::parse(fi.out);
  EXPECT_TRUE(fj["proven_optimal"].get<bool>());
  EXPECT_NE(fj["note"].get<std::string>().find("fused 125 operators into"), std::string::npos)
      << fj["note"];
}

// `respect plan`: the curve over T, the fewest TPUs for a rate, and a rate no number of TPUs
// reaches on this host (with the resource that stands in the way).
TEST(Cli, PlanAnswersHowManyTpus) {
  const std::string svg = TempPath("plan.svg");
  CliRun curve = Respect("plan zoo:resnet50 --max-tpus 6 -q --json --svg " + svg);
  ASSERT_EQ(curve.code, 0) << curve.err;
  const auto j = nlohmann::json::parse(curve.out);
  ASSERT_EQ(j["points"].size(), 6u);
  double last = 1e300;
  for (const auto& p : j["points"]) {
    const double h = p["hybrid"]["period_ms"].get<double>();
    EXPECT_LE(h, last * (1 + 1e-12));  // a TPU more never hurts
    EXPECT_LE(h, p["pure"]["period_ms"].get<double>() * (1 + 1e-12));
    EXPECT_LE(h, p["compiler"]["period_ms"].get<double>() * (1 + 1e-12));
    EXPECT_TRUE(p["hybrid"]["proven_optimal"].get<bool>());
    int tpus = 0;
    for (const auto& r : p["hybrid"]["replicas"]) tpus += r.get<int>();
    EXPECT_LE(tpus, p["tpus"].get<int>());
    last = h;
  }
  const std::string picture = Slurp(svg);
  EXPECT_NE(picture.find("<svg"), std::string::npos);
  EXPECT_NE(picture.find("hybrid"), std::string::npos);
  EXPECT_NE(picture.find("compiler"), std::string::npos);
  // The fewest TPUs for a rate: the first T whose hybrid period meets it.
  const double rate = 0.99e3 / j["points"][3]["hybrid"]["period_ms"].get<double>();
  CliRun fps = Respect(fmt::format("plan zoo:resnet50 --fps {} -q --json", rate));
  ASSERT_EQ(fps.code, 0) << fps.err;
  const auto f = nlohmann::json::parse(fps.out);
  EXPECT_EQ(f["answer_tpus"], 4);
  EXPECT_EQ(f["points"].size(), 4u);
  CliRun text = Respect(fmt::format("plan zoo:resnet50 --fps {} -q", rate));
  EXPECT_NE(text.out.find("4 TPUs reach"), std::string::npos) << text.out;
  // Past the host: the controller moves each 224x224x3 input; no number of TPUs helps.
  CliRun never = Respect("plan zoo:mobilenet_v2 --fps 100000 -q");
  EXPECT_EQ(never.code, 1);
  EXPECT_NE(never.out.find("no number of TPUs reaches"), std::string::npos) << never.out;
  EXPECT_NE(never.out.find("controller"), std::string::npos) << never.out;
  CliRun bad = Respect("plan zoo:resnet50 --fps -3");
  EXPECT_EQ(bad.code, 2);
}

// Hybrid schedules in the simulator: --replicas on a compiler partition, and a schedule file
// from `schedule --tpus` with its replicas; the simulated period is the evaluator's.
TEST(Cli, SimulateRunsHybridPipelines) {
  CliRun r =
      Respect("simulate zoo:densenet121 --stages 3 --replicas 2,1,2 --inferences 3000 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["replicas"], nlohmann::json({2, 1, 2}));
  EXPECT_EQ(j["tpus"], 5);
  EXPECT_NEAR(j["simulation"]["period_ms"].get<double>(), j["period_ms"].get<double>(),
              1e-6 * j["period_ms"].get<double>());
  const std::string plan = TempPath("hybrid_plan.json");
  CliRun s = Respect("schedule zoo:densenet121 --tpus 6 -q --out " + plan);
  ASSERT_EQ(s.code, 0) << s.err;
  EXPECT_NE(s.out.find("replicas"), std::string::npos) << s.out;
  const auto sj = nlohmann::json::parse(Slurp(plan));
  CliRun sim = Respect("simulate zoo:densenet121 --schedule " + plan + " --inferences 3000 --json");
  ASSERT_EQ(sim.code, 0) << sim.err;
  const auto simj = nlohmann::json::parse(sim.out);
  EXPECT_EQ(simj["replicas"], sj["replicas"]);
  EXPECT_NEAR(simj["period_ms"].get<double>(), sj["period_ms"].get<double>(), 1e-9);
  EXPECT_NEAR(simj["simulation"]["period_ms"].get<double>(), sj["period_ms"].get<double>(),
              1e-6 * sj["period_ms"].get<double>());
  for (const char* bad : {"simulate zoo:densenet121 --stages 3 --replicas 2,1",
                          "simulate zoo:densenet121 --stages 3 --replicas 0,1,1",
                          "plan zoo:densenet121 --max-tpus 0"}) {
    CliRun wrong = Respect(bad);
    EXPECT_EQ(wrong.code, 2) << bad;
    EXPECT_EQ(std::count(wrong.err.begin(), wrong.err.end(), '\n'), 1) << wrong.err;
  }
}

// Several models on one set of TPUs: the plan, its JSON (with the simulator's figures), the
// lanes picture, and the exported deployment (segments and the co-compile manifest).
TEST(Cli, PlanSeveralModelsDeploysThemTogether) {
  const std::string mnv2 = testing::SharedPath("models/tflite/mobilenet_v2_1.0_224_quant.tflite");
  const std::string rn8 = testing::SharedPath("models/tflite/pretrainedResnet_quant.tflite");
  const std::string svg = TempPath("lanes.svg"), dir = TempPath("deployment"),
                    html = TempPath("deployment.html");
  CliRun r =
      Respect(fmt::format("plan {} {} --fps 100,300 -q --json --svg {} --export {} --report {}",
                          mnv2, rn8, svg, dir, html));
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["targets_met"].get<bool>());
  EXPECT_TRUE(j["proven"].get<bool>());
  EXPECT_GE(j["ratio"].get<double>(), 1.0);
  ASSERT_EQ(j["models"].size(), 2u);
  for (size_t m = 0; m < 2; ++m)
    EXPECT_NEAR(j["simulation"]["model_ips"][m].get<double>(),
                j["models"][m]["rate_ips"].get<double>(),
                0.01 * j["models"][m]["rate_ips"].get<double>());
  for (const auto& t : j["tpu_list"]) EXPECT_LE(t["busy"].get<double>(), 1 + 1e-9);
  EXPECT_NE(Slurp(svg).find("TPU 0"), std::string::npos);
  const std::string page = Slurp(html);
  EXPECT_NE(page.find("id=\"tpus\""), std::string::npos);
  EXPECT_NE(page.find("TPU 0"), std::string::npos);  // the lanes picture, inline
  for (const auto& m : j["models"])
    EXPECT_NE(page.find(m["name"].get<std::string>()), std::string::npos);
  const auto manifest = nlohmann::json::parse(Slurp(dir + "/deployment.json"));
  ASSERT_EQ(manifest["tpus"].size(), j["tpu_list"].size());
  for (const auto& t : manifest["tpus"])
    for (const auto& f : t["compile"])
      EXPECT_TRUE(std::filesystem::exists(dir + "/" + f["file"].get<std::string>())) << f;
  // Weights on a fixed number of TPUs; a target the host cannot meet exits 1.
  CliRun w = Respect("plan zoo:mobilenet_v2 zoo:squeezenet --weights 2,1 --tpus 3 -q --json");
  ASSERT_EQ(w.code, 0) << w.err;
  const auto wj = nlohmann::json::parse(w.out);
  EXPECT_NEAR(wj["models"][0]["rate_ips"].get<double>(),
              2 * wj["models"][1]["rate_ips"].get<double>(), 1e-6);
  CliRun never = Respect("plan zoo:mobilenet_v2 zoo:squeezenet --fps 5000,5000 --max-tpus 4 -q");
  EXPECT_EQ(never.code, 1);
  for (const char* bad : {"plan zoo:mobilenet_v2 zoo:squeezenet --fps 30",
                          "plan zoo:mobilenet_v2 zoo:squeezenet --weights 1,1",
                          "plan zoo:mobilenet_v2 zoo:squeezenet --fps 1,1 --export /tmp/x"}) {
    CliRun e = Respect(bad);
    EXPECT_EQ(e.code, 2) << bad;
    EXPECT_EQ(std::count(e.err.begin(), e.err.end(), '\n'), 1) << e.err;
  }
}

}  // namespace
}  // namespace respect
