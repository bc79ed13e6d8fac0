#include "core/graph.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace respect {
namespace {

using testing::MakeDag;

TEST(GraphBuilder, DerivesDagFromTensors) {
  //  v0 -> v1 -> v3
  //   \--> v2 --/
  auto g = MakeDag(4, {{0, 1}, {0, 2}, {1, 3}, {2, 3}}, {10, 0, 5, 0});
  ASSERT_TRUE(g.ok()) << g.error().message;
  EXPECT_EQ(g->num_edges(), 4);
  EXPECT_EQ(g->preds(3), (std::vector<int>{1, 2}));
  EXPECT_EQ(g->succs(0), (std::vector<int>{1, 2}));
  EXPECT_EQ(g->tensors[0].consumers, (std::vector<int>{1, 2}));
  EXPECT_EQ(g->ops[0].param_bytes, 10);
  EXPECT_EQ(g->TotalParamBytes(), 15);
}

TEST(GraphBuilder, RejectsCycle) {
  auto g = MakeDag(3, {{0, 1}, {1, 2}, {2, 0}});
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.error().message.find("cycle"), std::string::npos) << g.error().message;
}

TEST(GraphBuilder, RejectsSelfLoop) {
  auto g = MakeDag(2, {{0, 1}, {1, 1}});
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.error().message.find("cycle"), std::string::npos);
}

TEST(GraphBuilder, RejectsDanglingTensorReference) {
  GraphBuilder b("g");
  int t = b.AddTensor(testing::Int8Tensor("x", {1}));
  Operator op;
  op.name = "a";
  op.inputs = {t, 7};
  op.outputs = {};
  b.AddOp(op);
  auto g = std::move(b).Build();
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.error().message.find("missing tensor 7"), std::string::npos) << g.error().message;
}

TEST(GraphBuilder, RejectsTwoProducers) {
  GraphBuilder b("g");
  int t = b.AddTensor(testing::Int8Tensor("x", {1}));
  Operator a;
  a.name = "a";
  a.outputs = {t};
  Operator c = a;
  c.name = "c";
  b.AddOp(a);
  b.AddOp(c);
  auto g = std::move(b).Build();
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.error().message.find("written by both"), std::string::npos);
}

TEST(GraphBuilder, RejectsZeroSizedActivation) {
  GraphBuilder b("g");
  int x = b.AddTensor(testing::Int8Tensor("x", {1, 0, 4}));
  int y = b.AddTensor(testing::Int8Tensor("y", {1, 4}));
  Operator a;
  a.name = "a";
  a.inputs = {x};
  a.outputs = {y};
  b.AddOp(a);
  auto g = std::move(b).Build();
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.error().message.find("zero-sized"), std::string::npos);
}

TEST(GraphBuilder, RejectsEmptyGraph) {
  auto g = GraphBuilder("g").Build();
  EXPECT_FALSE(g.ok());
}

TEST(GraphBuilder, SharedConstantCountsOncePerGraphAndOncePerReader) {
  GraphBuilder b("g");
  int w = b.AddTensor(testing::Int8Tensor("w", {10}));
  b.tensor(w).is_constant = true;
  int x = b.AddTensor(testing::Int8Tensor("x", {4}));
  int y = b.AddTensor(testing::Int8Tensor("y", {4}));
  int z = b.AddTensor(testing::Int8Tensor("z", {4}));
  b.AddInput(x);
  Operator a;
  a.name = "a";
  a.type = "ADD";
  a.op_class = OpClass::kElementwise;
  a.inputs = {x, w, w};  // reading the same constant twice counts once for the reader
  a.outputs = {y};
  Operator c = a;
  c.name = "c";
  c.inputs = {y, w};
  c.outputs = {z};
  b.AddOp(a);
  b.AddOp(c);
  auto g = std::move(b).Build();
  ASSERT_TRUE(g.ok()) << g.error().message;
  EXPECT_EQ(g->ops[0].param_bytes, 10);
  EXPECT_EQ(g->ops[1].param_bytes, 10);
  EXPECT_EQ(g->TotalParamBytes(), 10);
  EXPECT_EQ(g->ops[0].macs, 4);  // element-wise: one per output element
}

// Hand-computed MACs for the main operator classes.
TEST(ComputeMacs, ConvDepthwiseFullyConnectedPool) {
  GraphBuilder b("g");
  auto tensor = [&](std::vector<int64_t> shape, bool constant = false) {
    int t = b.AddTensor(testing::Int8Tensor("t" + std::to_string(b.num_tensors()), shape));
    b.tensor(t).is_constant = constant;
    return t;
  };
  auto add = [&](const char* type, OpClass cls, std::vector<int> in, int out,
                 std::map<std::string, int64_t> attrs) {
    Operator op;
    op.name = type;
    op.type = type;
    op.op_class = cls;
    op.inputs = in;
    op.outputs = {out};
    op.attrs = attrs;
    b.AddOp(op);
  };
  int x = tensor({1, 8, 8, 3});
  b.AddInput(x);
  // CONV_2D 3x3, 3 -> 16 channels, output 8x8: 8*8*16 * 3*3*3 = 27648
  int c = tensor({1, 8, 8, 16});
  add("CONV_2D", OpClass::kConv, {x, tensor({16, 3, 3, 3}, true), tensor({16}, true)}, c,
      {{"weight_input", 1}, {"weight_channel_axis", 0}});
  // DEPTHWISE 3x3 on 16 channels, stride 2 -> 4x4: 4*4*16 * 9 = 2304
  int d = tensor({1, 4, 4, 16});
  add("DEPTHWISE_CONV_2D", OpClass::kDepthwiseConv, {c, tensor({1, 3, 3, 16}, true)}, d,
      {{"weight_input", 1}, {"weight_channel_axis", 3}});
  // MAX_POOL 2x2 -> 2x2x16: 2*2*16 * 4 = 256
  int p = tensor({1, 2, 2, 16});
  add("MAX_POOL_2D", OpClass::kPool, {d}, p, {{"kernel_h", 2}, {"kernel_w", 2}});
  // FULLY_CONNECTED 64 -> 10: 640
  int f = tensor({1, 10});
  add("FULLY_CONNECTED", OpClass::kFullyConnected, {p, tensor({10, 64}, true)}, f, {{"k", 64}});
  auto g = std::move(b).Build();
  ASSERT_TRUE(g.ok()) << g.error().message;
  EXPECT_EQ(g->ops[0].macs, 27648);
  EXPECT_EQ(g->ops[1].macs, 2304);
  EXPECT_EQ(g->ops[2].macs, 256);
  EXPECT_EQ(g->ops[3].macs, 640);
  EXPECT_EQ(g->ops[0].param_bytes, 16 * 27 + 16);
  EXPECT_EQ(g->TotalMacs(), 27648 + 2304 + 256 + 640);
}

}  // namespace
}  // namespace respect
