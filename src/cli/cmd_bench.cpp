#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "bench/bench_report.h"
#include "bench/certify_suite.h"
#include "bench/deploy_suite.h"
#include "bench/export_suite.h"
#include "bench/hybrid_suite.h"
#include "bench/memory_report.h"
#include "bench/memory_suite.h"
#include "bench/paper_suite.h"
#include "bench/rlilp_report.h"
#include "bench/rlilp_suite.h"
#include "cli/commands.h"
#include "core/file_io.h"
#include "cost/cost_model.h"
#include "learn/imitation_task.h"
#include "learn/policy.h"
#include "models/model_source.h"
#include "report/memory_report.h"
#include "schedulers/scheduler.h"

namespace respect::cli {

namespace {

// `--suite rl-speed`: how long the learned scheduler takes. Per graph: decoding one greedy
// order (median of 7 runs after a warm-up; embedding included, policy loading not) and the
// whole `schedule --method rl` call (decode + optimal cuts, once).
int RunRlSpeedSuite(const std::vector<std::string>& specs, const std::string& policy_path,
                    const std::string& device, int stages, bool json) {
  auto policy = Policy::Load(policy_path);
  if (!policy) return Fail(policy.error().message);
  auto profile = LoadDeviceProfile(device);
  if (!profile) return Fail(profile.error().message);
  nlohmann::json rows = nlohmann::json::array();
  using Clock = std::chrono::steady_clock;
  for (const auto& spec : specs) {
    auto g = LoadModel(spec);
    if (!g) return Fail(g.error().message);
    const std::vector<double> w = ParamWeightsMiB(*g);
    (void)policy->Orders(*g, w, {});
    std::vector<double> times;
    for (int i = 0; i < 7; ++i) {
      const auto t0 = Clock::now();
      (void)policy->Orders(*g, w, {});
      times.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
    std::sort(times.begin(), times.end());
    CostModel m(*g, *profile);
    ScheduleRequest r(std::min(stages, g->num_ops()));
    r.rl.policy_path = policy_path;
    auto res = RunScheduler("rl", m, r);
    if (!res) return Fail(fmt::format("{}: {}", spec, res.error().message));
    rows.push_back({{"graph", g->name},
                    {"nodes", g->num_ops()},
                    {"decode_ms_median", times[3]},
                    {"decode_ms_min", times.front()},
                    {"schedule_ms", res->solve_seconds * 1e3}});
  }
  if (json) {
    std::printf("%s\n",
                nlohmann::json{{"policy", policy_path}, {"stages", stages}, {"graphs", rows}}
                    .dump(2)
                    .c_str());
    return 0;
  }
  std::printf("policy %s (%s-%s, hidden %d); %d stages\n", policy_path.c_str(),
              policy->config().encoder.c_str(), policy->config().decoder.c_str(),
              policy->config().hidden, stages);
  std::printf("%-28s %6s %16s %14s\n", "graph", "nodes", "decode ms (med)", "schedule ms");
  for (const auto& row : rows)
    std::printf("%-28s %6d %16.1f %14.1f\n", row["graph"].get<std::string>().c_str(),
                row["nodes"].get<int>(), row["decode_ms_median"].get<double>(),
                row["schedule_ms"].get<double>());
  return 0;
}

// Writes a suite's report into --out (bench-<name>.json, .md and its charts, atomically) and
// prints the JSON or the Markdown; returns 0, or the exit code of a failed write.
int EmitSuite(const std::string& out, bool json, const std::string& name, const nlohmann::json& j,
              const std::string& md,
              const std::vector<std::pair<std::string, std::string>>& charts) {
  if (!out.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(out, ec);
    if (ec) return Fail(fmt::format("--out {}: {}", out, ec.message()));
    std::vector<std::pair<std::string, std::string>> files = charts;
    files.push_back({name + ".json", j.dump(2) + "\n"});
    files.push_back({name + ".md", md});
    for (const auto& [file, text] : files)
      if (auto st = WriteFileAtomic(out + "/" + file, text); !st) return Fail(st.error().message);
  }
  if (json)
    std::printf("%s\n", j.dump(2).c_str());
  else
    std::printf("%s", md.c_str());
  return 0;
}

template <typename Options>
int RunScale(const Options& o) {
  ScaleSuiteOptions so;
  so.dir = o.dag_dir;
  so.graphs = o.dags;
  so.methods = o.methods;
  so.device = o.device;
  // This suite's defaults: 10 s per run, K = 4, 6, 10 (the shared --stages default is the paper's).
  so.time_limit_s = o.time_given ? o.time_limit : 10;
  if (o.stages_given) so.stages = o.stages;
  if (!o.quiet) so.progress = [](const std::string& s) { fmt::print(stderr, "bench: {}\n", s); };
  for (const auto& m : so.methods) {
    bool known = false;
    for (const auto& s : Schedulers()) known |= s.name == m;
    if (!known) return Fail(fmt::format("--methods: unknown method '{}'", m));
  }
  auto r = RunScaleSuite(so);
  if (!r) return Fail(r.error().message);
  const ScaleSuiteOptions defaults;
  std::string command = "respect bench --suite scale";
  if (so.time_limit_s != 10) command += fmt::format(" --time-limit {}", so.time_limit_s);
  if (so.stages != defaults.stages)
    command += fmt::format(" --stages {}", fmt::join(so.stages, " "));
  if (!o.dags.empty()) command += fmt::format(" --dags {}", fmt::join(o.dags, " "));
  if (so.methods != defaults.methods)
    command += fmt::format(" --methods {}", fmt::join(so.methods, " "));
  if (o.device != "usb") command += " --device " + o.device;
  const nlohmann::json j = ScaleSuiteJson(*r);
  const std::string md =
      ScaleSuiteMarkdown(*r, command, o.out.empty() ? "" : "bench-scale-time.svg");
  if (int rc = EmitSuite(o.out, o.json, "bench-scale", j, md,
                         {{"bench-scale-time.svg", ScaleTimeChartSvg(*r)}});
      rc != 0)
    return rc;
  return 0;
}

template <typename Options>
int RunCertify(const Options& o) {
  CertifySuiteOptions so;
  so.device = o.device;
  // This suite's defaults: 20 s per run, K = 4, 6, 10, 16, methods dp and auto.
  so.time_limit_s = o.time_given ? o.time_limit : 20;
  if (o.stages_given) so.stages = o.stages;
  if (o.methods_given) so.methods = o.methods;
  for (const auto& m : so.methods) {
    bool known = false;
    for (const auto& s : Schedulers()) known |= s.name == m;
    if (!known) return Fail(fmt::format("--methods: unknown method '{}'", m));
  }
  so.graphs = DefaultCertifyGraphs(o.dag_dir, o.graphs);
  if (!o.dags.empty() || !o.graph_names.empty() || !o.models.empty()) {
    so.graphs.clear();
    for (const auto& d : o.dags) so.graphs.push_back(o.dag_dir + "/" + d + ".gml");
    for (const auto& n : o.graph_names) so.graphs.push_back(o.graphs + "/" + n + ".json");
    if (!o.models.empty())
      for (const auto& m : o.models) so.graphs.push_back(m.rfind("zoo:", 0) == 0 ? m : "zoo:" + m);
  }
  if (!o.quiet) so.progress = [](const std::string& s) { fmt::print(stderr, "bench: {}\n", s); };
  auto r = RunCertifySuite(so);
  if (!r) return Fail(r.error().message);
  const CertifySuiteOptions defaults;
  std::string command = "respect bench --suite certify";
  if (so.time_limit_s != defaults.time_limit_s)
    command += fmt::format(" --time-limit {}", so.time_limit_s);
  if (so.stages != defaults.stages)
    command += fmt::format(" --stages {}", fmt::join(so.stages, " "));
  if (!o.dags.empty()) command += fmt::format(" --dags {}", fmt::join(o.dags, " "));
  if (!o.graph_names.empty())
    command += fmt::format(" --graph-names {}", fmt::join(o.graph_names, " "));
  if (!o.models.empty()) command += fmt::format(" --models {}", fmt::join(o.models, " "));
  if (so.methods != defaults.methods)
    command += fmt::format(" --methods {}", fmt::join(so.methods, " "));
  if (o.device != "usb") command += " --device " + o.device;
  const std::string md =
      CertifySuiteMarkdown(*r, command, o.out.empty() ? "" : "bench-certify.svg");
  return EmitSuite(o.out, o.json, "bench-certify", CertifySuiteJson(*r), md,
                   {{"bench-certify.svg", CertifyChartSvg(*r)}});
}

template <typename Options>
int RunRlIlp(const Options& o) {
  RlIlpSuiteOptions so;
  so.graphs_dir = o.graphs;
  so.dag_dir = o.dag_dir;
  so.device = o.device;
  so.window = o.window;
  // This suite's default: 60 s per method and instance (the shared default is the ilp's 20 s).
  so.time_limit_s = o.time_given ? o.time_limit : 60;
  if (!o.instances.empty()) {
    const auto all = DefaultRlIlpInstances(so.graphs_dir, so.dag_dir);
    for (const auto& want : o.instances) {
      bool found = false;
      for (const auto& inst : all)
        if (inst.name.rfind(want, 0) == 0) {
          so.instances.push_back(inst);
          found = true;
        }
      if (!found) return Fail(fmt::format("--instances: no instance named '{}'", want));
    }
  }
  if (!o.quiet) so.progress = [](const std::string& s) { fmt::print(stderr, "bench: {}\n", s); };
  auto r = RunRlIlpSuite(so);
  if (!r) return Fail(r.error().message);
  std::string command = "respect bench --suite rl-ilp";
  if (so.time_limit_s != 60) command += fmt::format(" --time-limit {}", so.time_limit_s);
  if (o.window >= 0) command += fmt::format(" --window {}", o.window);
  if (!o.instances.empty()) command += fmt::format(" --instances {}", fmt::join(o.instances, " "));
  if (o.device != "usb") command += " --device " + o.device;
  const nlohmann::json j = RlIlpSuiteJson(*r);
  const std::string md =
      RlIlpSuiteMarkdown(*r, command, o.out.empty() ? "" : "bench-rl-ilp-time.svg");
  if (int rc = EmitSuite(o.out, o.json, "bench-rl-ilp", j, md,
                         {{"bench-rl-ilp-time.svg", RlIlpTimeChartSvg(*r)}});
      rc != 0)
    return rc;
  return 0;
}

template <typename Options>
int RunMemory(const Options& o) {
  MemorySuiteOptions so;
  so.models = o.models;
  for (auto& m : so.models)
    if (m.find(':') == std::string::npos && m.find('/') == std::string::npos &&
        m.find('.') == std::string::npos)
      m = "zoo:" + m;  // bare zoo names, as the paper suite takes them
  // This suite's default: 10 s per method (the shared default is the ilp's 20 s).
  so.time_limit_s = o.time_given ? o.time_limit : 10;
  if (!o.quiet) so.progress = [](const std::string& s) { fmt::print(stderr, "bench: {}\n", s); };
  auto r = RunMemorySuite(so);
  if (!r) return Fail(r.error().message);
  std::string command = "respect bench --suite memory";
  if (so.time_limit_s != 10) command += fmt::format(" --time-limit {}", so.time_limit_s);
  if (!o.models.empty()) command += fmt::format(" --models {}", fmt::join(o.models, " "));
  const nlohmann::json j = MemorySuiteJson(*r);
  const std::string md = MemorySuiteMarkdown(*r, command, o.out.empty() ? "" : "bench-memory.svg");
  if (int rc = EmitSuite(o.out, o.json, "bench-memory", j, md,
                         {{"bench-memory.svg", MemoryReductionChartSvg(*r)}});
      rc != 0)
    return rc;
  return 0;
}

template <typename Options>
int RunExportCheck(const Options& o) {
  ExportSuiteOptions so;
  so.models = o.models;
  so.device = o.device;
  if (o.stages_given) so.stages = o.stages;
  // This suite's default: 10 s per scheduling run (the shared default is the ilp's 20 s).
  if (o.time_given) so.time_limit_s = o.time_limit;
  if (!o.quiet) so.progress = [](const std::string& s) { fmt::print(stderr, "bench: {}\n", s); };
  auto r = RunExportSuite(so);
  if (!r) return Fail(r.error().message);
  std::string command = "respect bench --suite export";
  if (o.device != "usb") command += " --device " + o.device;
  if (o.stages_given) command += fmt::format(" --stages {}", fmt::join(so.stages, " "));
  if (o.time_given) command += fmt::format(" --time-limit {}", so.time_limit_s);
  if (!o.models.empty()) command += fmt::format(" --models {}", fmt::join(o.models, " "));
  const nlohmann::json j = ExportSuiteJson(*r);
  const std::string md = ExportSuiteMarkdown(*r, command);
  if (int rc = EmitSuite(o.out, o.json, "bench-export", j, md, {}); rc != 0) return rc;
  return r->identical == r->pipelines ? 0 : 1;
}

template <typename Options>
int RunHybrid(const Options& o) {
  HybridSuiteOptions so;
  so.models = o.models;
  so.device = o.device;
  if (o.time_given) so.time_limit_s = o.time_limit;
  if (o.stages_given) so.tpus = o.stages;
  if (!o.quiet) so.progress = [](const std::string& s) { fmt::print(stderr, "bench: {}\n", s); };
  auto r = RunHybridSuite(so);
  if (!r) return Fail(r.error().message);
  std::string command = "respect bench --suite hybrid";
  if (o.device != "usb") command += " --device " + o.device;
  if (o.stages_given) command += fmt::format(" --stages {}", fmt::join(so.tpus, " "));
  if (o.time_given) command += fmt::format(" --time-limit {}", so.time_limit_s);
  if (!o.models.empty()) command += fmt::format(" --models {}", fmt::join(o.models, " "));
  const nlohmann::json j = HybridSuiteJson(*r);
  const std::string md = HybridSuiteMarkdown(*r, command, o.out.empty() ? "" : "bench-hybrid.svg");
  if (int rc = EmitSuite(o.out, o.json, "bench-hybrid", j, md,
                         {{"bench-hybrid.svg", HybridChartSvg(*r)}});
      rc != 0)
    return rc;
  return 0;
}

template <typename Options>
int RunDeploy(const Options& o) {
  DeploySuiteOptions so;
  so.device = o.device;
  if (o.time_given) so.time_limit_s = o.time_limit;
  if (o.stages_given) so.tpus = o.stages;
  if (!o.quiet) so.progress = [](const std::string& s) { fmt::print(stderr, "bench: {}\n", s); };
  auto r = RunDeploySuite(so);
  if (!r) return Fail(r.error().message);
  std::string command = "respect bench --suite deploy";
  if (o.device != "usb") command += " --device " + o.device;
  if (o.stages_given) command += fmt::format(" --stages {}", fmt::join(so.tpus, " "));
  if (o.time_given) command += fmt::format(" --time-limit {}", so.time_limit_s);
  const nlohmann::json j = DeploySuiteJson(*r);
  const std::string md = DeploySuiteMarkdown(*r, command);
  if (int rc = EmitSuite(o.out, o.json, "bench-deploy", j, md, {}); rc != 0) return rc;
  return 0;
}

}  // namespace

Runner AddBench(CLI::App& app) {
  struct Options {
    std::string suite, out, device = "usb", graphs = "../shared/data/respect_paper_graphs";
    std::vector<int> stages = {4, 5, 6};
    std::vector<std::string> models, graph_names;
    double time_limit = 20, lambda = 1.0;
    bool json = false, quiet = false;
    std::string policy;
    std::string dag_dir = "../shared/data/dag_benchmarks";
    std::vector<std::string> dags, methods = {"compiler", "dp", "rl", "exact"};
    std::vector<std::string> instances;
    int window = -1;
    // Whether --time-limit / --stages were given (CLI11 counts them): each suite has its own
    // defaults, and an explicit value equal to the shared default must not be taken for "not
    // given".
    bool time_given = false, stages_given = false, methods_given = false;
  };
  auto o = std::make_shared<Options>();
  app.add_option("--suite", o->suite,
                 "which benchmark: paper (the RESPECT paper's models and the "
                 "authors' published partitions); rl-speed (time to decode and "
                 "schedule with the learned policy, on the authors' graphs and the "
                 "paper's models); scale (every method on 1k-10k-operator random "
                 "DAGs: time, memory, gap); rl-ilp (cold ilp against rl-ilp: "
                 "values, proofs, time to the proven optimum); memory (peak activation "
                 "memory of each operator-ordering method on real models); export (every "
                 "exported .tflite pipeline run in TensorFlow Lite against the whole model, "
                 "bit for bit; needs Node.js and tools/litert installed); hybrid (T = 2..8 "
                 "TPUs: the compiler, the best plain pipeline and the best hybrid of cuts and "
                 "replicas, with the host's costs); deploy (several models on T TPUs: each on "
                 "its own compiler-cut TPUs, the best dedicated plan, the best plan with "
                 "co-compiled shared TPUs); certify (the 1k-10k random DAGs, the authors' "
                 "NASNet and Inception graphs, zoo:nasnet_mobile and zoo:randwire at K = 4, 6, "
                 "10, 16: best period, best proven lower bound, their ratio, per method)")
      ->required()
      ->check(CLI::IsMember({"paper", "rl-speed", "scale", "rl-ilp", "memory", "export", "hybrid",
                             "deploy", "certify"}));
  app.add_option("--policy", o->policy, "rl-speed: policy file (default: the shipped one)");
  app.add_option("--out", o->out,
                 "directory for bench-paper.md, bench-paper.json and one "
                 "bench-paper-kK.svg chart per K (written atomically)");
  app.add_option("--device", o->device, "device profile for the throughput part")
      ->capture_default_str();
  CLI::Option* time_opt =
      app.add_option("--time-limit", o->time_limit, "wall-clock seconds per ilp solve")
          ->check(CLI::Range(0.01, 86400.0))
          ->capture_default_str();
  CLI::Option* stages_opt =
      app.add_option("--stages,-k", o->stages, "pipeline sizes (export: default 2 3 4 5 6)")
          ->capture_default_str();
  app.add_option("--models", o->models,
                 "zoo models (default: the paper's ten); memory: model files or zoo names "
                 "(default: inception_v3, inception_resnet_v2 and every shared model); "
                 "export: .tflite files (default: every one under ../shared/models); certify: "
                 "zoo models to certify (with --dags/--graph-names: instead of the defaults)");
  app.add_option("--graphs", o->graphs,
                 "directory of the RESPECT authors' graph dumps; '' skips "
                 "the published-partition comparison")
      ->capture_default_str();
  app.add_option("--graph-names", o->graph_names, "only these dumps (file stems), e.g. resnet50");
  app.add_option("--lambda", o->lambda, "paper objective: weight of one MiB")
      ->capture_default_str();
  app.add_flag("--json", o->json, "print the results as one JSON object instead of Markdown");
  app.add_flag("--quiet,-q", o->quiet, "no progress lines on stderr");
  app.add_option("--dag-dir", o->dag_dir, "scale: directory of the GML graphs")
      ->capture_default_str();
  app.add_option("--dags", o->dags,
                 "scale, certify: graph file stems (scale default: "
                 "rand_graph_{1000,5000,10000}_1 and the sparse ones)");
  CLI::Option* methods_opt =
      app.add_option("--methods", o->methods, "scale: methods to run; certify: default dp auto")
          ->capture_default_str();
  app.add_option("--instances", o->instances,
                 "rl-ilp: only the instances whose names start with these "
                 "(e.g. NASNet rand_graph_1000_1 zoo:inception_v4)");
  app.add_option("--window", o->window, "rl-ilp: the window half-width (default: rl-ilp's)")
      ->check(CLI::Range(0, 1000));
  app.footer(
      "Example:\n  respect bench --suite paper --out docs/bench   (about 15 minutes on 2 cores)\n"
      "  respect bench --suite scale --out docs/bench   (--time-limit 10: about 15 minutes)\n"
      "  respect bench --suite rl-ilp --out docs/bench   (60 s per method and instance: up to 40 "
      "minutes)\n"
      "  respect bench --suite memory --out docs/bench   (seconds)\n"
      "  respect bench --suite hybrid --out docs/bench   (the paper's ten models at T = 2..8 "
      "TPUs; --stages sets the Ts; about a minute)\n"
      "  respect bench --suite deploy --out docs/bench   (three model mixes on 2..8 TPUs)\n"
      "  respect bench --suite certify --out docs/bench   (20 s per run: about 20 minutes)\n"
      "  respect bench --suite export --out docs/bench   (every shared .tflite model, K = 2..6: "
      "minutes)\n"
      "  respect bench --suite rl-speed   (ResNet101 347 nodes, InceptionResNetV2 782, the ten "
      "models)\n"
      "  respect bench --suite paper --models resnet50 -k 4 --graphs ''   (seconds)");
  return [o, stages_opt, time_opt, methods_opt] {
    o->methods_given = methods_opt->count() > 0;
    o->time_given = time_opt->count() > 0;
    o->stages_given = stages_opt->count() > 0;
    for (int K : o->stages)
      if (K < 1) return Fail(fmt::format("--stages: {} is not a pipeline size", K));
    if (o->suite == "rl-speed") {
      std::vector<std::string> specs;
      if (!o->graphs.empty()) {
        std::vector<std::string> names = o->graph_names;
        if (names.empty()) names = {"resnet101", "inception_resnet_v2"};
        // A stem is one of the authors' dumps (.json); a name with an extension is any graph file.
        for (const auto& n : names)
          specs.push_back(o->graphs + "/" + n +
                          (std::filesystem::path(n).has_extension() ? "" : ".json"));
      }
      for (const auto& m : o->models.empty() ? PaperModels() : o->models)
        specs.push_back("zoo:" + m);
      return RunRlSpeedSuite(specs, o->policy.empty() ? DefaultPolicyPath() : o->policy, o->device,
                             o->stages.front(), o->json);
    }
    if (o->suite == "scale") return RunScale(*o);
    if (o->suite == "certify") return RunCertify(*o);
    if (o->suite == "rl-ilp") return RunRlIlp(*o);
    if (o->suite == "memory") return RunMemory(*o);
    if (o->suite == "export") return RunExportCheck(*o);
    if (o->suite == "hybrid") return RunHybrid(*o);
    if (o->suite == "deploy") return RunDeploy(*o);
    PaperSuiteOptions po;
    po.device = o->device;
    po.time_limit_s = o->time_limit;
    po.stages = o->stages;
    po.models = o->models;
    po.graphs = o->graph_names;
    po.paper_lambda = o->lambda;
    if (!o->graphs.empty()) {
      if (!std::filesystem::is_directory(o->graphs))
        return Fail(fmt::format(
            "--graphs: '{}' is not a directory (pass --graphs '' to skip that part)", o->graphs));
      po.graphs_dir = o->graphs;
    }
    if (!o->quiet) po.progress = [](const std::string& s) { fmt::print(stderr, "bench: {}\n", s); };
    auto r = RunPaperSuite(po);
    if (!r) return Fail(r.error().message);
    std::string command = "respect bench --suite paper";
    if (o->device != "usb") command += " --device " + o->device;
    if (o->time_given) command += fmt::format(" --time-limit {}", o->time_limit);
    if (o->stages_given) command += fmt::format(" --stages {}", fmt::join(o->stages, " "));
    if (!o->models.empty()) command += fmt::format(" --models {}", fmt::join(o->models, " "));
    if (o->graphs != Options{}.graphs) command += fmt::format(" --graphs '{}'", o->graphs);
    if (!o->graph_names.empty())
      command += fmt::format(" --graph-names {}", fmt::join(o->graph_names, " "));
    if (o->lambda != 1.0) command += fmt::format(" --lambda {}", o->lambda);
    const nlohmann::json j = PaperSuiteJson(*r);
    std::vector<std::string> charts;
    std::vector<int> ks;
    for (const auto& inst : r->throughput)
      if (std::find(ks.begin(), ks.end(), inst.stages) == ks.end()) ks.push_back(inst.stages);
    for (int K : ks) charts.push_back(fmt::format("bench-paper-k{}.svg", K));
    const std::string md =
        PaperSuiteMarkdown(*r, command, o->out.empty() ? std::vector<std::string>{} : charts);
    if (!o->out.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(o->out, ec);
      if (ec) return Fail(fmt::format("--out {}: {}", o->out, ec.message()));
      for (size_t i = 0; i < ks.size(); ++i)
        if (auto st = WriteFileAtomic(o->out + "/" + charts[i], SpeedupChartSvg(*r, ks[i])); !st)
          return Fail(st.error().message);
      if (auto st = WriteFileAtomic(o->out + "/bench-paper.json", j.dump(2) + "\n"); !st)
        return Fail(st.error().message);
      if (auto st = WriteFileAtomic(o->out + "/bench-paper.md", md); !st)
        return Fail(st.error().message);
    }
    if (o->json)
      std::printf("%s\n", j.dump(2).c_str());
    else
      std::printf("%s", md.c_str());
    return 0;
  };
}

}  // namespace respect::cli
