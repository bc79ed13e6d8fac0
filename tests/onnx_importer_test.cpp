#include <gtest/gtest.h>

#include <map>

#include "core/analysis.h"
#include "core/downset_lattice.h"
#include "core/file_io.h"
#include "importers/importers.h"
#include "test_util.h"

namespace respect {
namespace {

using testing::SharedPath;

TEST(OnnxImporter, EverySharedModelImports) {
  for (const char* name : {"light_resnet50", "light_densenet121", "light_inception_v1",
                           "light_squeezenet", "version-slim-320"}) {
    SCOPED_TRACE(name);
    auto g = ImportOnnx(SharedPath(std::string("models/onnx/") + name + ".onnx"));
    ASSERT_TRUE(g.ok()) << g.error().message;
    EXPECT_GT(g->TotalParamBytes(), 0);
    EXPECT_GT(g->TotalMacs(), 0);
    for (const auto& op : g->ops) {
      EXPECT_NE(op.type, "Constant");  // folded into parameters
      EXPECT_NE(op.type, "ConstantOfShape");
      // Nodes computed from constants alone are folded too: every operator reads an activation.
      bool reads_activation = false;
      for (int t : op.inputs) reads_activation |= t >= 0 && !g->tensors[t].is_constant;
      EXPECT_TRUE(reads_activation) << op.name << " (" << op.type << ")";
      if (op.type == "Conv") {
        EXPECT_GT(op.macs, 0) << op.name;
      }
    }
  }
}

// DenseNet-121's batch norms are written as Mul/Add with their scale vectors unsqueezed from
// initializers by 242 Unsqueeze nodes. Folded, they leave 668 operators in one chain (the lattice
// is 669 downsets, where 242 independent sources made it astronomically wide) and the same
// parameter bytes: each folded output replaces its input byte for byte.
TEST(OnnxImporter, NodesComputedFromConstantsBecomeParameters) {
  auto g = ImportOnnx(SharedPath("models/onnx/light_densenet121.onnx"));
  ASSERT_TRUE(g.ok()) << g.error().message;
  EXPECT_EQ(g->num_ops(), 668);
  for (const auto& op : g->ops) EXPECT_NE(op.type, "Unsqueeze") << op.name;
  EXPECT_EQ(g->TotalParamBytes(), 32584608);
  EXPECT_EQ(CountDownsets(*g, 1000000), 669);
}

// The face detector reshapes its head outputs to shapes computed at run time from static shapes
// (Shape -> Gather -> Unsqueeze -> Concat -> Reshape), where ONNX's own inference stops: the
// folding finds them, so the tensors after it have their real sizes (they were 4 bytes).
TEST(OnnxImporter, ReshapesToComputedShapesGetTheirShapes) {
  auto g = ImportOnnx(SharedPath("models/onnx/version-slim-320.onnx"));
  ASSERT_TRUE(g.ok()) << g.error().message;
  int reshapes = 0;
  for (const auto& op : g->ops) {
    const Tensor& out = g->tensors[op.outputs[0]];
    if (op.type == "Reshape" || op.type == "Concat") {
      EXPECT_GT(out.bytes, 4) << op.name;
      ++reshapes;
    }
  }
  EXPECT_GE(reshapes, 10);
  const int t = [&] {
    for (size_t i = 0; i < g->tensors.size(); ++i)
      if (g->tensors[i].name == "243") return static_cast<int>(i);
    return -1;
  }();
  ASSERT_GE(t, 0);
  EXPECT_EQ(g->tensors[t].shape, (std::vector<int64_t>{1, 3600, 2}));
}

// ResNet-50 (Caffe2 zoo, as in the ONNX light file): 53 convolutions and one Gemm. Its float
// parameters: 25,557,032 trainable (the published ResNet-50 figure) + 53,120 BatchNorm running
// statistics (2 x 26,560 channels) = 25,610,152 floats = 102,440,608 bytes, plus the Reshape's
// 2 x int64 shape constant (16 bytes). MACs: the published 4.1 G for 224x224.
TEST(OnnxImporter, ResNet50FromConstantOfShapeWeights) {
  auto g = ImportOnnx(SharedPath("models/onnx/light_resnet50.onnx"));
  ASSERT_TRUE(g.ok()) << g.error().message;
  std::map<std::string, int> count;
  for (const auto& op : g->ops) ++count[op.type];
  EXPECT_EQ(count["Conv"], 53);
  EXPECT_EQ(count["Gemm"], 1);
  EXPECT_EQ(g->TotalParamBytes(), 102'440'608 + 16);
  EXPECT_NEAR(static_cast<double>(g->TotalMacs()), 4.1e9, 0.03 * 4.1e9);
  EXPECT_EQ(Depth(*g), 168);
}

TEST(OnnxImporter, BadInputGivesOneLineErrors) {
  auto bytes = ReadFileBytes(SharedPath("models/onnx/light_squeezenet.onnx"));
  ASSERT_TRUE(bytes.ok());
  for (size_t cut : {size_t{0}, size_t{10}, bytes->size() / 3, bytes->size() - 3}) {
    auto g = ImportOnnxBuffer("cut.onnx", bytes->substr(0, cut));
    ASSERT_FALSE(g.ok()) << "truncated at " << cut;
    EXPECT_EQ(g.error().message.find('\n'), std::string::npos) << g.error().message;
    EXPECT_EQ(g.error().message.rfind("cut.onnx: ", 0), 0u) << g.error().message;
  }
  auto g = ImportOnnxBuffer("x.onnx", "\x08\x07 definitely not a protobuf model \xff\xff");
  ASSERT_FALSE(g.ok());
}

}  // namespace
}  // namespace respect
