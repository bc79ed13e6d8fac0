#include "bench/deploy_suite.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <memory>

#include "cost/cost_model.h"
#include "models/model_source.h"
#include "schedulers/deployment.h"

namespace respect {

const char* DeployKindName(int kind) {
  static const char* names[] = {"compiler", "dedicated", "shared"};
  return names[kind];
}

namespace {

std::vector<DeployMix> BuiltinMixes(const std::string& dir) {
  return {
      {"camera (shared .tflite files): face detector 30/s, classifier 10/s, segmentation 2/s",
       {dir + "/tflite/face_detection_short_range.tflite",
        dir + "/tflite/mobilenet_v2_1.0_224_quant.tflite",
        dir + "/tflite/deeplabv3_mnv2_pascal_quant.tflite"},
       {30, 10, 2}},
      {"zoo: MobileNet v2 60/s, EfficientNet-EdgeTPU-S 20/s, Inception v4 5/s",
       {"zoo:mobilenet_v2", "zoo:efficientnet_edgetpu_s", "zoo:inception_v4"},
       {60, 20, 5}},
      {"zoo: ResNet-50 30/s, DenseNet-121 30/s, SqueezeNet 100/s, Xception 2/s",
       {"zoo:resnet50", "zoo:densenet121", "zoo:squeezenet", "zoo:xception"},
       {30, 30, 100, 2}},
  };
}

}  // namespace

Result<DeploySuiteResult> RunDeploySuite(const DeploySuiteOptions& o) {
  auto device = LoadDeviceProfile(o.device);
  if (!device) return device.error();
  DeploySuiteResult out;
  out.device = device->name;
  const std::vector<DeployMix> mixes = o.mixes.empty() ? BuiltinMixes(o.models_dir) : o.mixes;
  for (const DeployMix& mix : mixes) {
    std::vector<Graph> graphs;
    for (const std::string& spec : mix.models) {
      auto g = LoadModel(spec);
      if (!g) return Error{fmt::format("{}: {}", spec, g.error().message)};
      graphs.push_back(std::move(*g));
    }
    std::vector<std::unique_ptr<CostModel>> costs;
    std::vector<DeploymentModelSpec> specs;
    for (size_t m = 0; m < graphs.size(); ++m) {
      costs.push_back(std::make_unique<CostModel>(graphs[m], *device));
      specs.push_back({graphs[m].name, costs.back().get(), mix.fps[m]});
    }
    DeployMixResult mr;
    mr.mix = mix;
    for (int T : o.tpus) {
      DeployRow row;
      row.tpus = T;
      for (int kind = 0; kind < 3; ++kind) {
        DeploymentOptions d;
        d.tpus = T;
        d.share = kind == 2;
        d.curve = kind == 0 ? "compiler" : "exact";
        d.request.time_limit_s = o.time_limit_s;
        const auto t0 = std::chrono::steady_clock::now();
        auto plan = PlanDeployment(specs, d);
        row.seconds[kind] =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (!plan) continue;  // does not fit (fewer TPUs than models, without sharing)
        row.ratio[kind] = plan->ratio;
        row.limit[kind] = plan->limit;
        row.proven[kind] = plan->proven;
        if (kind == 2)
          for (const DeployedTpu& tpu : plan->tpus) row.shared_tpus += tpu.segments.size() > 1;
        if (plan->ratio >= 1 - 1e-12 && (mr.fewest[kind] < 0 || T < mr.fewest[kind]))
          mr.fewest[kind] = T;
      }
      if (o.progress)
        o.progress(fmt::format("{} T = {}: compiler {:.3g}, dedicated {:.3g}, shared {:.3g}",
                               mix.models.front(), T, row.ratio[0], row.ratio[1], row.ratio[2]));
      mr.rows.push_back(row);
    }
    out.mixes.push_back(std::move(mr));
  }
  return out;
}

nlohmann::json DeploySuiteJson(const DeploySuiteResult& r) {
  nlohmann::json mixes = nlohmann::json::array();
  for (const DeployMixResult& m : r.mixes) {
    nlohmann::json rows = nlohmann::json::array();
    for (const DeployRow& row : m.rows) {
      nlohmann::json kinds;
      for (int k = 0; k < 3; ++k)
        kinds[DeployKindName(k)] = {
            {"ratio", row.ratio[k] < 0 ? nlohmann::json(nullptr) : nlohmann::json(row.ratio[k])},
            {"limit", row.limit[k]},
            {"proven", row.proven[k]},
            {"seconds", row.seconds[k]}};
      rows.push_back({{"tpus", row.tpus}, {"plans", kinds}, {"shared_tpus", row.shared_tpus}});
    }
    nlohmann::json fewest;
    for (int k = 0; k < 3; ++k)
      fewest[DeployKindName(k)] =
          m.fewest[k] < 0 ? nlohmann::json(nullptr) : nlohmann::json(m.fewest[k]);
    mixes.push_back({{"name", m.mix.name},
                     {"models", m.mix.models},
                     {"fps", m.mix.fps},
                     {"rows", rows},
                     {"fewest_tpus", fewest}});
  }
  return {{"suite", "deploy"}, {"device", r.device}, {"mixes", mixes}};
}

std::string DeploySuiteMarkdown(const DeploySuiteResult& r, const std::string& command) {
  std::string md = "# respect bench --suite deploy\n\n";
  md += fmt::format(
      "Produced by `{}` (device profile `{}`, its host defaults: every TPU behind one USB "
      "controller). Several models share T TPUs; each plan runs every model at one common "
      "multiple `ratio` of its required rate (>= 1: every rate met). `compiler`: every model on "
      "TPUs of its own, cut by Coral's compiler into as many segments, the best allocation of "
      "the TPUs. `dedicated`: every model on TPUs of its own with its best hybrid schedule "
      "(cuts and replicas), the best allocation. `shared`: also whole models co-compiled on one "
      "TPU (their parameters share its cache in the compile order; it time-slices), every "
      "partition, compile order and allocation. `limit` says what caps the ratio: a TPU, a "
      "shared TPU, the host CPU or the controller. A dash: the plan does not fit (a model needs a "
      "TPU of its own).\n\n",
      command, r.device);
  for (const DeployMixResult& m : r.mixes) {
    md += fmt::format("## {}\n\n", m.mix.name);
    md +=
        "| T | compiler | dedicated | shared | shared TPUs | shared vs dedicated | proven "
        "(dedicated, shared) | plan s |\n|---|---|---|---|---|---|---|---|\n";
    for (const DeployRow& row : m.rows) {
      auto cell = [&](int k) {
        return row.ratio[k] < 0 ? std::string("-")
                                : fmt::format("{:.3g} ({})", row.ratio[k], row.limit[k]);
      };
      md += fmt::format("| {} | {} | {} | {} | {} | {} | {}, {} | {:.2f} |\n", row.tpus, cell(0),
                        cell(1), cell(2), row.shared_tpus,
                        row.ratio[1] > 0 && row.ratio[2] > 0
                            ? fmt::format("{:.2f}x", row.ratio[2] / row.ratio[1])
                            : std::string("-"),
                        row.ratio[1] < 0 ? "-" : (row.proven[1] ? "yes" : "no"),
                        row.ratio[2] < 0 ? "-" : (row.proven[2] ? "yes" : "no"),
                        row.seconds[0] + row.seconds[1] + row.seconds[2]);
    }
    auto fewest = [](int t) { return t < 0 ? std::string("more than tried") : std::to_string(t); };
    md += fmt::format("\nFewest TPUs meeting every rate: compiler {}, dedicated {}, shared {}.\n\n",
                      fewest(m.fewest[0]), fewest(m.fewest[1]), fewest(m.fewest[2]));
  }
  return md;
}

}  // namespace respect
