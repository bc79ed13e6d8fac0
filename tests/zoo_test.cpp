#include "zoo/zoo.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "core/analysis.h"
#include "importers/importers.h"
#include "test_util.h"

namespace respect {
namespace {

using testing::SharedPath;

Graph Build(const std::string& spec) {
  auto g = BuildZooModel(spec);
  EXPECT_TRUE(g.ok()) << spec << ": " << (g.ok() ? "" : g.error().message);
  return g.ok() ? std::move(*g) : Graph{};
}

// keras granularity stores float32 parameters: bytes = 4 x the published Keras count.
TEST(Zoo, KerasParameterCountsEqualPublishedFigures) {
  for (const auto& m : ZooModels()) {
    SCOPED_TRACE(m.name);
    EXPECT_EQ(Build(m.name + ":granularity=keras").TotalParamBytes(), 4 * m.params_with_top);
    EXPECT_EQ(Build(m.name + ":granularity=keras,top=0").TotalParamBytes(),
              4 * m.params_without_top);
  }
}

// fused granularity: int8 weights (1 byte) + int32 biases (4 bytes per output channel), batch
// norm folded. Hand-checked for ResNet-50: of the 25,636,712 Keras parameters, 4 x 26,560 are
// BatchNorm vectors (every conv is followed by a BN; conv output channels sum to 26,560),
// 26,560 are conv biases and 1,000 the dense bias, leaving 25,502,912 kernel elements.
TEST(Zoo, FusedResNet50MatchesInt8Layout) {
  Graph g = Build("resnet50");
  std::map<std::string, int> count;
  for (const auto& op : g.ops) ++count[op.type];
  EXPECT_EQ(count["CONV_2D"], 53);
  EXPECT_EQ(count["FULLY_CONNECTED"], 1);
  EXPECT_EQ(count["ADD"], 16);
  EXPECT_EQ(count["PAD"], 2);
  EXPECT_EQ(count["MAX_POOL_2D"], 1);
  EXPECT_EQ(count["MEAN"], 1);
  EXPECT_EQ(count["SOFTMAX"], 1);
  EXPECT_EQ(count.count("BatchNormalization"), 0u);
  int64_t weights = 0, biases = 0;
  for (const auto& t : g.tensors)
    if (t.is_constant && t.dtype == DType::kInt8)
      weights += t.bytes;
    else if (t.is_constant && t.name.size() > 5 && t.name.substr(t.name.size() - 5) == "/bias")
      biases += t.bytes;
  EXPECT_EQ(weights, 25'502'912);  // every conv/dense kernel element, 1 byte each
  EXPECT_EQ(biases, 4 * (26'560 + 1'000));
  // Published ResNet-50 cost: ~3.9 G multiply-accumulates at 224x224.
  EXPECT_NEAR(static_cast<double>(g.TotalMacs()), 3.87e9, 0.03e9);
}

TEST(Zoo, InputResolutionChangesComputeNotParameters) {
  Graph a = Build("resnet50:input=224"), b = Build("resnet50:input=299");
  EXPECT_EQ(a.TotalParamBytes(), b.TotalParamBytes());
  const double ratio = static_cast<double>(b.TotalMacs()) / a.TotalMacs();
  EXPECT_NEAR(ratio, (299.0 * 299) / (224.0 * 224), 0.1);
  // Width multiplier: MobileNet 0.25 keeps a quarter of the channels (last pointwise conv 256).
  Graph m = Build("mobilenet:alpha=0.25,input=128");
  const Operator& last = m.ops[m.FindOp("conv_pw_13")];
  EXPECT_EQ(m.tensors[last.outputs[0]].shape, (std::vector<int64_t>{1, 4, 4, 256}));
}

// The RESPECT authors' dumps: same nodes (plus their virtual source and sink), same edges (plus
// source->input and output->sink), and the same per-layer parameters. Their `bytes` are within
// 0.005% of 4 x params (rounded in their dump), so layers are compared with that tolerance.
TEST(Zoo, KerasGranularityReproducesRespectDumps) {
  const std::map<std::string, std::string> dump = {{"resnet50", "resnet50"},
                                                   {"resnet101", "resnet101"},
                                                   {"resnet152", "resnet152"},
                                                   {"resnet50v2", "resnet50v2"},
                                                   {"resnet101v2", "resnet101v2"},
                                                   {"resnet152v2", "resnet152v2"},
                                                   {"densenet121", "densenet121"},
                                                   {"densenet169", "densenet169"},
                                                   {"densenet201", "densenet201"},
                                                   {"xception", "xception"},
                                                   {"inception_v3", "inception_v3"},
                                                   {"inception_resnet_v2", "inception_resnet_v2"},
                                                   {"mobilenet", "mobilenet_1.00_224"},
                                                   {"mobilenet_v2", "mobilenetv2_1.00_224"},
                                                   {"vgg16", "vgg16"},
                                                   {"vgg19", "vgg19"}};
  for (const auto& [model, file] : dump) {
    SCOPED_TRACE(model);
    Graph mine = Build(model + ":granularity=keras,top=0");
    auto theirs = ImportJsonGraph(SharedPath("data/respect_paper_graphs/" + file + ".json"));
    ASSERT_TRUE(theirs.ok()) << theirs.error().message;
    EXPECT_EQ(mine.num_ops() + 2, theirs->num_ops());
    EXPECT_EQ(mine.num_edges() + 2, theirs->num_edges());
    EXPECT_EQ(Depth(mine) + 1, Depth(*theirs) - 1);
    EXPECT_EQ(MaxInDegree(mine), MaxInDegree(*theirs));
    // Named layers: compare one by one ("conv1/conv" is dumped as "model_0_conv1_conv").
    std::map<std::string, int64_t> their_bytes;
    std::vector<int64_t> theirs_sorted, mine_sorted;
    for (const auto& op : theirs->ops) {
      if (op.type == "virtual") continue;
      their_bytes[op.name] = op.param_bytes;
      theirs_sorted.push_back(op.param_bytes);
    }
    int matched_by_name = 0;
    for (const auto& op : mine.ops) {
      mine_sorted.push_back(op.param_bytes);
      std::string key = "model_0_" + op.name;
      std::replace(key.begin(), key.end(), '/', '_');
      auto it = their_bytes.find(key);
      if (it == their_bytes.end()) continue;
      ++matched_by_name;
      EXPECT_NEAR(op.param_bytes, it->second, 5e-5 * op.param_bytes + 4) << op.name;
    }
    EXPECT_GT(matched_by_name, mine.num_ops() / 4);
    // All layers (auto-named ones too) as multisets.
    std::sort(theirs_sorted.begin(), theirs_sorted.end());
    std::sort(mine_sorted.begin(), mine_sorted.end());
    ASSERT_EQ(mine_sorted.size(), theirs_sorted.size());
    for (size_t i = 0; i < mine_sorted.size(); ++i)
      EXPECT_NEAR(mine_sorted[i], theirs_sorted[i], 5e-5 * mine_sorted[i] + 4);
  }
}

// Table 1 of the RESPECT paper. Its |V| counts the dumps' nodes (with virtual source and sink)
// and its depth is the longest path, in edges, from source to sink: our level count + 1.
TEST(Zoo, RespectTable1Statistics) {
  const struct {
    const char* model;
    int v, deg, depth;
  } table[] = {{"xception", 134, 2, 125},    {"resnet50", 177, 2, 168},
               {"resnet101", 347, 2, 338},   {"resnet152", 517, 2, 508},
               {"densenet201", 709, 2, 708}, {"densenet121", 429, 2, 428},
               {"resnet101v2", 379, 2, 371}, {"resnet152v2", 566, 2, 558},
               {"densenet169", 597, 2, 596}, {"inception_resnet_v2", 782, 4, 571}};
  for (const auto& row : table) {
    SCOPED_TRACE(row.model);
    Graph g = Build(std::string(row.model) + ":granularity=keras,top=0");
    EXPECT_EQ(g.num_ops() + 2, row.v);
    EXPECT_EQ(MaxInDegree(g), row.deg);
    EXPECT_EQ(Depth(g) + 1, row.depth);
  }
}

// An independent file of the same network: the ONNX model zoo's SqueezeNet (float32).
TEST(Zoo, SqueezeNetAgreesWithTheOnnxModelZooFile) {
  Graph mine = Build("squeezenet:granularity=keras");
  auto onnx = ImportOnnx(SharedPath("models/onnx/light_squeezenet.onnx"));
  ASSERT_TRUE(onnx.ok()) << onnx.error().message;
  EXPECT_EQ(mine.TotalParamBytes(), onnx->TotalParamBytes());
  auto conv_macs = [](const Graph& g) {
    int64_t m = 0;
    for (const auto& op : g.ops)
      if (op.op_class == OpClass::kConv) m += op.macs;
    return m;
  };
  EXPECT_EQ(conv_macs(mine), conv_macs(*onnx));
}

// GoogLeNet: the ONNX model-zoo file (BVLC layout) has the same convolutions and classifier;
// of its two Reshape nodes one reshapes a constant (folded at import into that constant), the
// other adds its 16-byte int64 shape constant.
TEST(Zoo, InceptionV1AgreesWithTheOnnxModelZooFile) {
  Graph mine = Build("inception_v1:granularity=keras");
  auto onnx = ImportOnnx(SharedPath("models/onnx/light_inception_v1.onnx"));
  ASSERT_TRUE(onnx.ok()) << onnx.error().message;
  EXPECT_EQ(mine.TotalParamBytes() + 16, onnx->TotalParamBytes());
  int convs = 0;
  for (const auto& op : mine.ops) convs += op.type == "Conv2D";
  EXPECT_EQ(convs, 57);
  // Published cost: about 1.5 G multiply-adds (Szegedy et al. 2015).
  EXPECT_NEAR(static_cast<double>(Build("inception_v1").TotalMacs()), 1.5e9, 0.1e9);
}

// Inception v4 at 299x299: about 12.3 G multiply-adds; 149 convolutions, each with its folded
// bias in the fused model.
TEST(Zoo, InceptionV4ComputeAndLayout) {
  Graph g = Build("inception_v4");
  EXPECT_NEAR(static_cast<double>(g.TotalMacs()), 12.3e9, 0.15e9);
  int convs = 0;
  for (const auto& op : g.ops) convs += op.type == "CONV_2D";
  EXPECT_EQ(convs, 149);
}

// EfficientNet-EdgeTPU S/M/L against timm's published counts of the ported TF checkpoints
// (batch norm counted as 2 trainable parameters per channel: 5.44 M, 6.90 M, 10.59 M) and
// published compute (1.8, 3.0, 8.0 G MACs at 224, 240, 300).
TEST(Zoo, EfficientNetEdgeTpuMatchesPublishedFigures) {
  const struct {
    const char* name;
    int64_t timm_params;
    double gmacs;
    int fused_convs;
  } rows[] = {{"efficientnet_edgetpu_s", 5'438'392, 1.8, 7},
              {"efficientnet_edgetpu_m", 6'899'496, 3.0, 10},
              {"efficientnet_edgetpu_l", 10'589'712, 8.0, 11}};
  for (const auto& r : rows) {
    SCOPED_TRACE(r.name);
    Graph keras = Build(std::string(r.name) + ":granularity=keras");
    int64_t bn_params = 0;
    for (const auto& op : keras.ops)
      if (op.type == "BatchNormalization") bn_params += op.param_bytes / 4;
    EXPECT_EQ(keras.TotalParamBytes() / 4 - bn_params / 2, r.timm_params);
    Graph fused = Build(r.name);
    EXPECT_NEAR(fused.TotalMacs() / 1e9, r.gmacs, 0.07);
    // Fused-MBConv blocks: a full KxK conv with 4x/8x expansion, not a depthwise.
    int fused_convs = 0;
    for (const auto& op : fused.ops) fused_convs += op.name.find("fused_conv") != std::string::npos;
    EXPECT_EQ(fused_convs, r.fused_convs);
  }
}

TEST(Zoo, BadSpecsAreRejected) {
  EXPECT_FALSE(BuildZooModel("resnet51").ok());
  EXPECT_FALSE(BuildZooModel("resnet50:input=abc").ok());
  EXPECT_FALSE(BuildZooModel("resnet50:input=8").ok());
  EXPECT_FALSE(BuildZooModel("resnet50:granularity=coarse").ok());
  EXPECT_FALSE(BuildZooModel("resnet50:speed=11").ok());
  auto e = BuildZooModel("nosuchnet");
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message.find("available:"), std::string::npos);
}

}  // namespace
}  // namespace respect

namespace respect {
namespace {

// RandWire-WS small regime: the paper reports 5.6 +- 0.1 M parameters (mean and deviation over
// its random graphs); so do five seeds here. The seed changes the wiring, nodes= the stage size.
TEST(Zoo, RandWireMatchesThePaperAndFollowsItsOptions) {
  std::set<int> edge_counts;
  double sum = 0;
  for (int seed = 0; seed < 5; ++seed) {
    auto g = BuildZooModel(fmt::format("randwire:granularity=keras,seed={}", seed));
    ASSERT_TRUE(g.ok()) << g.error().message;
    const double params = g->TotalParamBytes() / 4.0;
    EXPECT_NEAR(params, 5.6e6, 0.3e6) << seed;
    sum += params;
    edge_counts.insert(g->num_edges());
    EXPECT_TRUE(g.ok());
  }
  EXPECT_NEAR(sum / 5, 5.6e6, 0.1e6);
  EXPECT_GT(edge_counts.size(), 1u);
  auto small = BuildZooModel("randwire:nodes=8");
  auto big = BuildZooModel("randwire:nodes=32");
  ASSERT_TRUE(small.ok() && big.ok());
  EXPECT_LT(small->num_ops(), big->num_ops());
  EXPECT_FALSE(BuildZooModel("randwire:nodes=2").ok());
  EXPECT_FALSE(BuildZooModel("randwire:seed=x").ok());
}

}  // namespace
}  // namespace respect
