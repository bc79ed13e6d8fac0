#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <limits>
#include <memory>
#include <vector>

#include "bench/paper_suite.h"
#include "cli/commands.h"
#include "cost/device_profile.h"
#include "learn/imitation_task.h"
#include "learn/policy.h"
#include "learn/trainer.h"
#include "models/model_source.h"
#include "schedulers/list_scheduler.h"

namespace respect::cli {

Runner AddEval(CLI::App& app) {
  struct Options {
    std::string policy, labels = "list", device = "usb";
    std::vector<std::string> models = {"paper"};
    int graphs = 100;
    uint64_t seed = 2;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  app.add_option("--policy", o->policy, "policy file (default: the shipped policies/respect.pt)");
  app.add_option("--graphs", o->graphs,
                 "evaluation graphs (n = 50, d = 6, L in [16, 40], weights "
                 "U[0, 5), W = 35: the paper's settings)")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--seed", o->seed, "seed of the evaluation graphs")->capture_default_str();
  app.add_option("--labels", o->labels,
                 "labels to compare against: list (RESPECT's), exact (CBC) or "
                 "list-backward (the authors' orientation, for policies trained on it)")
      ->check(CLI::IsMember({"list", "exact", "list-backward"}))
      ->capture_default_str();
  app.add_option("--models", o->models,
                 "real models too: 'paper' (the paper's ten), 'none', or a "
                 "comma-separated list of MODEL specs (a bare name is a zoo model)")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--device", o->device,
                 "device profile whose parameter cache is the real models' "
                 "label capacity")
      ->capture_default_str();
  app.add_flag("--json", o->json, "print one JSON object");
  app.footer(
      "Metrics, each for precedence-masked and unmasked greedy decoding: mismatch (positions "
      "where\n"
      "the emitted label sequence differs from the sorted one, paper eq. 7), recall (fraction of\n"
      "node pairs with different labels emitted in label order), reward (cosine similarity, eq. "
      "3),\n"
      "topological (fraction of emitted orders that respect every edge), and per real model the\n"
      "time to decode one order. Below them, reference orders (no network) show what knowing a\n"
      "node's descendants up to k edges down is worth: the list labels follow each node's longest\n"
      "path to a sink, which the paper's row (ancestors only) does not state.\n"
      "Example:\n  respect eval --policy runs/respect/policy.pt --models none");
  return [o] {
    const std::string path = o->policy.empty() ? DefaultPolicyPath() : o->policy;
    auto policy = Policy::Load(path);
    if (!policy) return Fail(policy.error().message);
    auto source = ParseLabelSource(o->labels);
    if (!source) return Fail("--labels: " + source.error().message);
    auto graphs = MakeLabelledGraphs(EvalGraphOptions(policy->config(), o->seed), o->graphs, 35.0,
                                     *source, 10.0);
    if (!graphs) return Fail(graphs.error().message);
    const auto metrics_json = EvalMetricsJson;
    nlohmann::json j;
    j["policy"] = path;
    j["architecture"] = PolicyConfigToJson(policy->config());
    j["labels"] = o->labels;
    j["synthetic"] = {{"graphs", o->graphs},
                      {"nodes", 50},
                      {"seed", o->seed},
                      {"masked", metrics_json(EvaluatePolicy(*policy, *graphs, true))},
                      {"unmasked", metrics_json(EvaluatePolicy(*policy, *graphs, false))}};
    // Reference orders: what seeing each node's descendants up to k edges down is worth
    // (HeightEstimateOrder); hops = -1 stands for every descendant (the exact height).
    const bool sinks_first = *source == LabelSource::kListBackward;
    j["synthetic"]["references"] = nlohmann::json::array();
    for (int hops : {0, 1, 2, 3, -1}) {
      const EvalMetrics m = EvaluateReferenceOrder(
          *graphs, hops < 0 ? std::numeric_limits<int>::max() : hops, sinks_first);
      nlohmann::json ref = EvalMetricsJson(m);
      ref["hops"] = hops;
      j["synthetic"]["references"].push_back(ref);
    }
    std::vector<std::string> models;
    if (o->models == std::vector<std::string>{"paper"})
      models = PaperModels();
    else if (o->models != std::vector<std::string>{"none"})
      models = o->models;
    for (auto& m : models)
      if (m.find(':') == std::string::npos && m.find('.') == std::string::npos) m = "zoo:" + m;
    auto device = LoadDeviceProfile(o->device);
    if (!device) return Fail(device.error().message);
    const double capacity_mib = static_cast<double>(device->param_cache_bytes) / (1 << 20);
    j["models"] = nlohmann::json::array();
    for (const auto& spec : models) {
      auto g = LoadModel(spec);
      if (!g) return Fail(g.error().message);
      LabelledGraph lg;
      lg.dag.graph = std::move(*g);
      lg.dag.weight = ParamWeightsMiB(lg.dag.graph);
      lg.labels = *source == LabelSource::kListBackward
                      ? ListScheduleLabels(lg.dag.graph, lg.dag.weight, capacity_mib)
                      : ForwardListLabels(lg.dag.graph, lg.dag.weight, capacity_mib);
      const std::vector<LabelledGraph> one = {lg};
      const auto t0 = std::chrono::steady_clock::now();
      (void)policy->Orders(lg.dag.graph, lg.dag.weight, {true, 0, 1});
      const double ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      j["models"].push_back({{"model", lg.dag.graph.name},
                             {"nodes", lg.dag.graph.num_ops()},
                             {"decode_ms", ms},
                             {"masked", metrics_json(EvaluatePolicy(*policy, one, true))},
                             {"unmasked", metrics_json(EvaluatePolicy(*policy, one, false))}});
    }
    if (o->json) {
      std::printf("%s\n", j.dump(2).c_str());
      return 0;
    }
    std::printf("policy %s (%s-%s, hidden %d, %s features)   labels %s\n", path.c_str(),
                policy->config().encoder.c_str(), policy->config().decoder.c_str(),
                policy->config().hidden, policy->config().normalize_features ? "normalised" : "raw",
                o->labels.c_str());
    std::printf("%-28s %6s | %-31s | %-31s\n", "", "", "masked decoding",
                "unmasked decoding (paper)");
    std::printf("%-28s %6s | %8s %8s %8s %4s | %8s %8s %8s %4s %9s\n", "graphs", "nodes",
                "mismatch", "recall", "reward", "topo", "mismatch", "recall", "reward", "topo",
                "decode");
    auto row = [](const std::string& name, int nodes, const nlohmann::json& m, double ms) {
      std::printf(
          "%-28s %6d | %8.2f %8.4f %8.4f %4.0f%% | %8.2f %8.4f %8.4f %4.0f%% %9s\n", name.c_str(),
          nodes, m["masked"]["mismatch"].get<double>(), m["masked"]["recall"].get<double>(),
          m["masked"]["reward"].get<double>(), 100 * m["masked"]["topological"].get<double>(),
          m["unmasked"]["mismatch"].get<double>(), m["unmasked"]["recall"].get<double>(),
          m["unmasked"]["reward"].get<double>(), 100 * m["unmasked"]["topological"].get<double>(),
          ms < 0 ? "" : fmt::format("{:.1f} ms", ms).c_str());
    };
    row(fmt::format("synthetic x{} (mean)", o->graphs), 50, j["synthetic"], -1);
    for (const auto& m : j["models"]) row(m["model"], m["nodes"], m, m["decode_ms"]);
    std::printf(
        "\nreference orders on the synthetic graphs (no network): the mismatch of a scheduler "
        "that\n"
        "sees each node's descendants up to k edges down (k = 0: its ASAP level alone)\n");
    for (const auto& r : j["synthetic"]["references"]) {
      const int hops = r["hops"].get<int>();
      const std::string what = hops == 0   ? "ASAP level only (the paper's row)"
                               : hops < 0  ? "every descendant (exact height)"
                               : hops == 1 ? "1 hop (its children)"
                                           : fmt::format("{} hops", hops);
      std::printf("  %-36s %8.2f\n", what.c_str(), r["mismatch"].get<double>());
    }
    return 0;
  };
}

}  // namespace respect::cli
