#include "zoo/zoo.h"

#include <fmt/format.h>

#include <functional>
#include <sstream>

#include "zoo/models.h"

namespace respect {
namespace {

using Builder = std::function<Result<Graph>(const std::string&, const ZooOptions&)>;

struct Entry {
  ZooModelInfo info;
  Builder build;
};

// Parameter counts are, unless noted, the Keras applications figures (model.count_params() with
// include_top=True / False, 1000 classes) as published in the Keras documentation.
const std::vector<Entry>& Registry() {
  using namespace zoo;
  static const std::vector<Entry> entries = {
      {{"resnet50", "ResNet-50 v1 (He et al. 2016)", 224, 25'636'712, 23'587'712},
       [](auto& n, auto& o) {
         return ResNet(n, o, {3, 4, 6, 3}, false);
       }},
      {{"resnet101", "ResNet-101 v1", 224, 44'707'176, 42'658'176},
       [](auto& n, auto& o) {
         return ResNet(n, o, {3, 4, 23, 3}, false);
       }},
      {{"resnet152", "ResNet-152 v1", 224, 60'419'944, 58'370'944},
       [](auto& n, auto& o) {
         return ResNet(n, o, {3, 8, 36, 3}, false);
       }},
      {{"resnet50v2", "ResNet-50 v2 (pre-activation)", 224, 25'613'800, 23'564'800},
       [](auto& n, auto& o) {
         return ResNet(n, o, {3, 4, 6, 3}, true);
       }},
      {{"resnet101v2", "ResNet-101 v2", 224, 44'675'560, 42'626'560},
       [](auto& n, auto& o) {
         return ResNet(n, o, {3, 4, 23, 3}, true);
       }},
      {{"resnet152v2", "ResNet-152 v2", 224, 60'380'648, 58'331'648},
       [](auto& n, auto& o) {
         return ResNet(n, o, {3, 8, 36, 3}, true);
       }},
      {{"densenet121", "DenseNet-121 (Huang et al. 2017)", 224, 8'062'504, 7'037'504},
       [](auto& n, auto& o) {
         return DenseNet(n, o, {6, 12, 24, 16});
       }},
      {{"densenet169", "DenseNet-169", 224, 14'307'880, 12'642'880},
       [](auto& n, auto& o) {
         return DenseNet(n, o, {6, 12, 32, 32});
       }},
      {{"densenet201", "DenseNet-201", 224, 20'242'984, 18'321'984},
       [](auto& n, auto& o) {
         return DenseNet(n, o, {6, 12, 48, 32});
       }},
      {{"xception", "Xception (Chollet 2017)", 299, 22'910'480, 20'861'480}, zoo::Xception},
      {{"inception_v3", "Inception v3 (Szegedy et al. 2016)", 299, 23'851'784, 21'802'784},
       zoo::InceptionV3},
      // GoogLeNet (BVLC reference / ONNX model zoo): 6,998,552 parameters; 5,973,552 without
      // the 1024x1000 classifier.
      {{"inception_v1", "Inception v1 / GoogLeNet (Szegedy et al. 2015)", 224, 6'998'552,
        5'973'552},
       zoo::InceptionV1},
      // Inception v4 has no Keras application; its published count, 42,679,816 (timm, ported
      // from the TF-slim checkpoint), counts batch norm as 2 parameters per channel. In Keras's
      // convention (BN without scale: beta + moving mean and variance) the same network has
      // 31,584 more: 42,711,400, and 41,174,400 without the 1536x1000 classifier.
      {{"inception_v4", "Inception v4 (Szegedy et al. 2017, TF-slim layout)", 299, 42'711'400,
        41'174'400},
       zoo::InceptionV4},
      {{"inception_resnet_v2", "Inception-ResNet v2 (Szegedy et al. 2017)", 299, 55'873'736,
        54'336'736},
       zoo::InceptionResNetV2},
      {{"mobilenet", "MobileNet v1 (alpha = width multiplier)", 224, 4'253'864, 3'228'864},
       zoo::MobileNetV1},
      {{"mobilenet_v2", "MobileNet v2 (alpha = width multiplier)", 224, 3'538'984, 2'257'984},
       zoo::MobileNetV2},
      // SqueezeNet 1.1: 1,235,496 parameters (reference implementation; the ONNX zoo file in
      // ../shared/models/onnx has the same count), 722,496 without the conv10 classifier.
      {{"squeezenet", "SqueezeNet 1.1 (Iandola et al. 2016)", 224, 1'235'496, 722'496},
       zoo::SqueezeNet},
      {{"vgg16", "VGG-16 (Simonyan & Zisserman 2015)", 224, 138'357'544, 14'714'688},
       [](auto& n, auto& o) {
         return Vgg(n, o, {2, 2, 3, 3, 3});
       }},
      {{"vgg19", "VGG-19", 224, 143'667'240, 20'024'384},
       [](auto& n, auto& o) {
         return Vgg(n, o, {2, 2, 4, 4, 4});
       }},
      // EfficientNet-EdgeTPU has no Keras application. Its published counts (timm, ported from
      // the TF checkpoints: 5.44 M, 6.90 M, 10.59 M) count batch norm as 2 parameters per
      // channel; these are this network in Keras's convention (4 per channel), which exceeds
      // them by exactly 2 x the BN channels: 51,440 / 67,808 / 92,208. The TF checkpoints
      // Coral compiles have 1001 classes (use classes=1001).
      {{"efficientnet_edgetpu_s", "EfficientNet-EdgeTPU-S (Gupta & Tan 2019)", 224, 5'489'832,
        4'208'832},
       [](auto& n, auto& o) { return EfficientNetEdgeTpu(n, o, 1.0, 1.0); }},
      {{"efficientnet_edgetpu_m", "EfficientNet-EdgeTPU-M", 240, 6'967'304, 5'686'304},
       [](auto& n, auto& o) { return EfficientNetEdgeTpu(n, o, 1.0, 1.1); }},
      {{"efficientnet_edgetpu_l", "EfficientNet-EdgeTPU-L", 300, 10'681'920, 9'144'920},
       [](auto& n, auto& o) { return EfficientNetEdgeTpu(n, o, 1.2, 1.4); }},
      {{"nasnet_mobile", "NASNet-A Mobile, 4 @ 1056 (Zoph et al. 2018)", 224, 5'326'716, 4'269'716},
       zoo::NasNetMobile},
      // RandWire-WS (Xie et al. 2019), small regime (C = 78, N = 32, WS(4, 0.75)): the paper
      // reports 5.6 +- 0.1 M parameters over its random graphs; these counts are this builder's
      // at seed 0 (the graphs, and so the count, change with the seed).
      {{"randwire", "RandWire-WS small regime, random graphs (Xie et al. 2019; nodes=, seed=)", 224,
        5'563'055, 3'877'575, false},
       zoo::RandWire},
  };
  return entries;
}

const Entry* Find(const std::string& name) {
  for (const auto& e : Registry())
    if (e.info.name == name) return &e;
  return nullptr;
}

}  // namespace

const std::vector<ZooModelInfo>& ZooModels() {
  static const std::vector<ZooModelInfo> infos = [] {
    std::vector<ZooModelInfo> v;
    for (const auto& e : Registry()) v.push_back(e.info);
    return v;
  }();
  return infos;
}

Result<Graph> BuildZooModel(const std::string& name, const ZooOptions& options) {
  const Entry* e = Find(name);
  if (!e) {
    std::string names;
    for (const auto& m : ZooModels()) names += (names.empty() ? "" : ", ") + m.name;
    return Error{fmt::format("zoo: unknown model '{}' (available: {})", name, names)};
  }
  ZooOptions o = options;
  if (o.input == 0) o.input = e->info.default_input;
  if (o.input < 32 || o.input > 2048)
    return Error{fmt::format("zoo: input must be in [32, 2048], got {}", o.input)};
  if (!(o.alpha > 0 && o.alpha <= 4)) return Error{"zoo: alpha must be in (0, 4]"};
  if (o.classes < 1 || o.classes > 100000) return Error{"zoo: classes must be in [1, 100000]"};
  auto g = e->build(name, o);
  if (!g) return Error{fmt::format("zoo:{}: {}", name, g.error().message)};
  return g;
}

Result<Graph> BuildZooModel(const std::string& spec) {
  const size_t colon = spec.find(':');
  const std::string name = spec.substr(0, colon);
  ZooOptions o;
  if (colon != std::string::npos) {
    std::stringstream ss(spec.substr(colon + 1));
    std::string item;
    while (std::getline(ss, item, ',')) {
      const size_t eq = item.find('=');
      if (eq == std::string::npos)
        return Error{
            fmt::format("zoo: '{}' is not key=value (keys: input, granularity, top, alpha, "
                        "classes, nodes, seed)",
                        item)};
      const std::string key = item.substr(0, eq), value = item.substr(eq + 1);
      try {
        size_t used = 0;
        if (key == "input")
          o.input = std::stoi(value, &used);
        else if (key == "alpha")
          o.alpha = std::stod(value, &used);
        else if (key == "classes")
          o.classes = std::stoi(value, &used);
        else if (key == "top")
          o.include_top = std::stoi(value, &used) != 0;
        else if (key == "nodes")
          o.nodes = std::stoi(value, &used);
        else if (key == "seed")
          o.seed = std::stoull(value, &used);
        else if (key == "granularity") {
          if (value != "fused" && value != "keras")
            return Error{
                fmt::format("zoo: granularity must be 'fused' or 'keras', got '{}'", value)};
          o.keras = value == "keras";
          used = value.size();
        } else {
          return Error{
              fmt::format("zoo: unknown option '{}' (keys: input, granularity, top, alpha, "
                          "classes, nodes, seed)",
                          key)};
        }
        if (used != value.size()) throw std::invalid_argument(value);
      } catch (const std::exception&) {
        return Error{fmt::format("zoo: bad value '{}' for '{}'", value, key)};
      }
    }
  }
  return BuildZooModel(name, o);
}

}  // namespace respect
