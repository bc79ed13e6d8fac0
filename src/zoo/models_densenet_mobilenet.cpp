// DenseNet and MobileNet v1/v2, following keras.applications (layer structure and names).
#include <fmt/format.h>

#include "zoo/models.h"

namespace respect::zoo {

Result<Graph> DenseNet(const std::string& model, const ZooOptions& o, std::vector<int> blocks) {
  KerasBuilder b(model, o.keras);
  auto bn_relu = [&](KTensor x, const std::string& name) {
    return b.Activation(b.BatchNorm(x, name + "_bn"), "relu", name + "_relu");
  };
  KTensor x = b.Input(o.input, o.input, 3);
  x = b.ZeroPad(x, 3, 3, 3, 3, b.AutoName("zero_padding2d"));
  x = b.Conv(x, 64, 7, 7, 2, Padding::kValid, false, "conv1/conv");
  x = b.Activation(b.BatchNorm(x, "conv1/bn"), "relu", "conv1/relu");
  x = b.ZeroPad(x, 1, 1, 1, 1, b.AutoName("zero_padding2d"));
  x = b.MaxPool(x, 3, 2, Padding::kValid, "pool1");
  for (size_t s = 0; s < blocks.size(); ++s) {
    for (int i = 1; i <= blocks[s]; ++i) {
      const std::string name = fmt::format("conv{}_block{}", s + 2, i);
      KTensor y = b.Activation(b.BatchNorm(x, name + "_0_bn"), "relu", name + "_0_relu");
      y = b.Conv(y, 128, 1, 1, 1, Padding::kValid, false, name + "_1_conv");
      y = b.Activation(b.BatchNorm(y, name + "_1_bn"), "relu", name + "_1_relu");
      y = b.Conv(y, 32, 3, 3, 1, Padding::kSame, false, name + "_2_conv");
      x = b.Concat({x, y}, name + "_concat");
    }
    if (s + 1 < blocks.size()) {
      const std::string name = fmt::format("pool{}", s + 2);
      x = bn_relu(x, name);
      x = b.Conv(x, x.c / 2, 1, 1, 1, Padding::kValid, false, name + "_conv");
      x = b.AvgPool(x, 2, 2, Padding::kValid, name + "_pool");
    }
  }
  x = b.Activation(b.BatchNorm(x, "bn"), "relu", "relu");
  x = ClassifierHead(b, x, o);
  return std::move(b).Finish(x);
}

Result<Graph> MobileNetV1(const std::string& model, const ZooOptions& o) {
  KerasBuilder b(model, o.keras);
  auto width = [&](int f) { return static_cast<int>(f * o.alpha); };
  KTensor x = b.Input(o.input, o.input, 3);
  x = b.Conv(x, width(32), 3, 3, 2, Padding::kSame, false, "conv1");
  x = b.Activation(b.BatchNorm(x, "conv1_bn"), "relu6", "conv1_relu");
  const struct {
    int filters, stride;
  } blocks[] = {{64, 1},  {128, 2}, {128, 1}, {256, 2}, {256, 1},  {512, 2}, {512, 1},
                {512, 1}, {512, 1}, {512, 1}, {512, 1}, {1024, 2}, {1024, 1}};
  int id = 1;
  for (const auto& blk : blocks) {
    if (blk.stride != 1) x = b.ZeroPad(x, 0, 1, 0, 1, fmt::format("conv_pad_{}", id));
    x = b.DepthwiseConv(x, 3, 3, blk.stride, blk.stride == 1 ? Padding::kSame : Padding::kValid,
                        false, fmt::format("conv_dw_{}", id));
    x = b.Activation(b.BatchNorm(x, fmt::format("conv_dw_{}_bn", id)), "relu6",
                     fmt::format("conv_dw_{}_relu", id));
    x = b.Conv(x, width(blk.filters), 1, 1, 1, Padding::kSame, false,
               fmt::format("conv_pw_{}", id));
    x = b.Activation(b.BatchNorm(x, fmt::format("conv_pw_{}_bn", id)), "relu6",
                     fmt::format("conv_pw_{}_relu", id));
    ++id;
  }
  if (o.include_top) {
    x = b.GlobalAvgPool(x, "global_average_pooling2d", /*keepdims=*/true);
    x = b.Dropout(x, "dropout");
    x = b.Conv(x, o.classes, 1, 1, 1, Padding::kSame, true, "conv_preds");
    x = b.Reshape(x, 1, 1, o.classes, "reshape_2");
    x = b.Activation(x, "softmax", "act_softmax");
  }
  return std::move(b).Finish(x);
}

static int MakeDivisible(double v, int divisor = 8) {
  int nv = std::max(divisor, static_cast<int>(v + divisor / 2.0) / divisor * divisor);
  if (nv < 0.9 * v) nv += divisor;
  return nv;
}

Result<Graph> MobileNetV2(const std::string& model, const ZooOptions& o) {
  KerasBuilder b(model, o.keras);
  KTensor x = b.Input(o.input, o.input, 3);
  x = b.Conv(x, MakeDivisible(32 * o.alpha), 3, 3, 2, Padding::kSame, false, "Conv1");
  x = b.Activation(b.BatchNorm(x, "bn_Conv1"), "relu6", "Conv1_relu");
  const struct {
    int filters, stride, expansion;
  } blocks[] = {{16, 1, 1}, {24, 2, 6},  {24, 1, 6},  {32, 2, 6},  {32, 1, 6}, {32, 1, 6},
                {64, 2, 6}, {64, 1, 6},  {64, 1, 6},  {64, 1, 6},  {96, 1, 6}, {96, 1, 6},
                {96, 1, 6}, {160, 2, 6}, {160, 1, 6}, {160, 1, 6}, {320, 1, 6}};
  for (int id = 0; id < 17; ++id) {
    const auto& blk = blocks[id];
    const int in_ch = x.c;
    const int out_ch = MakeDivisible(static_cast<int>(blk.filters * o.alpha));
    std::string prefix = id ? fmt::format("block_{}_", id) : "expanded_conv_";
    KTensor y = x;
    if (id) {
      y = b.Conv(y, blk.expansion * in_ch, 1, 1, 1, Padding::kSame, false, prefix + "expand");
      y = b.Activation(b.BatchNorm(y, prefix + "expand_BN"), "relu6", prefix + "expand_relu");
    }
    if (blk.stride == 2) {
      const int a = 1 - y.h % 2;  // keras correct_pad
      y = b.ZeroPad(y, 1 - a, 1, 1 - a, 1, prefix + "pad");
    }
    y = b.DepthwiseConv(y, 3, 3, blk.stride, blk.stride == 1 ? Padding::kSame : Padding::kValid,
                        false, prefix + "depthwise");
    y = b.Activation(b.BatchNorm(y, prefix + "depthwise_BN"), "relu6", prefix + "depthwise_relu");
    y = b.Conv(y, out_ch, 1, 1, 1, Padding::kSame, false, prefix + "project");
    y = b.BatchNorm(y, prefix + "project_BN");
    x = (in_ch == out_ch && blk.stride == 1) ? b.Add({x, y}, prefix + "add") : y;
  }
  const int last = o.alpha > 1.0 ? MakeDivisible(1280 * o.alpha) : 1280;
  x = b.Conv(x, last, 1, 1, 1, Padding::kValid, false, "Conv_1");
  x = b.Activation(b.BatchNorm(x, "Conv_1_bn"), "relu6", "out_relu");
  x = ClassifierHead(b, x, o, "global_average_pooling2d");
  return std::move(b).Finish(x);
}

}  // namespace respect::zoo
