// ResNet v1/v2 and VGG, following the layer structure and names of keras.applications.
#include <fmt/format.h>

#include "zoo/models.h"

namespace respect::zoo {

KTensor ClassifierHead(KerasBuilder& b, KTensor x, const ZooOptions& o,
                       const std::string& pool_name) {
  if (!o.include_top) return x;
  x = b.GlobalAvgPool(x, pool_name);
  return b.Dense(x, o.classes, "predictions", "softmax");
}

// block1 of keras.applications.resnet (v1 bottleneck, post-activation).
static KTensor Block1(KerasBuilder& b, KTensor x, int filters, int stride, bool conv_shortcut,
                      const std::string& name) {
  KTensor shortcut = x;
  if (conv_shortcut) {
    shortcut = b.Conv(x, 4 * filters, 1, 1, stride, Padding::kValid, true, name + "_0_conv");
    shortcut = b.BatchNorm(shortcut, name + "_0_bn");
  }
  x = b.Conv(x, filters, 1, 1, stride, Padding::kValid, true, name + "_1_conv");
  x = b.Activation(b.BatchNorm(x, name + "_1_bn"), "relu", name + "_1_relu");
  x = b.Conv(x, filters, 3, 3, 1, Padding::kSame, true, name + "_2_conv");
  x = b.Activation(b.BatchNorm(x, name + "_2_bn"), "relu", name + "_2_relu");
  x = b.Conv(x, 4 * filters, 1, 1, 1, Padding::kValid, true, name + "_3_conv");
  x = b.BatchNorm(x, name + "_3_bn");
  x = b.Add({shortcut, x}, name + "_add");
  return b.Activation(x, "relu", name + "_out");
}

// block2 of keras.applications.resnet (v2, pre-activation).
static KTensor Block2(KerasBuilder& b, KTensor x, int filters, int stride, bool conv_shortcut,
                      const std::string& name) {
  KTensor preact = b.Activation(b.BatchNorm(x, name + "_preact_bn"), "relu", name + "_preact_relu");
  KTensor shortcut = x;
  if (conv_shortcut)
    shortcut = b.Conv(preact, 4 * filters, 1, 1, stride, Padding::kValid, true, name + "_0_conv");
  else if (stride > 1)
    shortcut = b.MaxPool(x, 1, stride, Padding::kValid, name + "_0_pool");
  x = b.Conv(preact, filters, 1, 1, 1, Padding::kValid, false, name + "_1_conv");
  x = b.Activation(b.BatchNorm(x, name + "_1_bn"), "relu", name + "_1_relu");
  x = b.ZeroPad(x, 1, 1, 1, 1, name + "_2_pad");
  x = b.Conv(x, filters, 3, 3, stride, Padding::kValid, false, name + "_2_conv");
  x = b.Activation(b.BatchNorm(x, name + "_2_bn"), "relu", name + "_2_relu");
  x = b.Conv(x, 4 * filters, 1, 1, 1, Padding::kValid, true, name + "_3_conv");
  return b.Add({shortcut, x}, name + "_out");
}

Result<Graph> ResNet(const std::string& model, const ZooOptions& o, std::vector<int> blocks,
                     bool v2) {
  KerasBuilder b(model, o.keras);
  KTensor x = b.Input(o.input, o.input, 3);
  x = b.ZeroPad(x, 3, 3, 3, 3, "conv1_pad");
  x = b.Conv(x, 64, 7, 7, 2, Padding::kValid, true, "conv1_conv");
  if (!v2) x = b.Activation(b.BatchNorm(x, "conv1_bn"), "relu", "conv1_relu");
  x = b.ZeroPad(x, 1, 1, 1, 1, "pool1_pad");
  x = b.MaxPool(x, 3, 2, Padding::kValid, "pool1_pool");
  const int filters[] = {64, 128, 256, 512};
  for (int s = 0; s < 4; ++s) {
    const std::string stack = fmt::format("conv{}", s + 2);
    if (!v2) {
      const int stride1 = s == 0 ? 1 : 2;
      x = Block1(b, x, filters[s], stride1, true, stack + "_block1");
      for (int i = 2; i <= blocks[s]; ++i)
        x = Block1(b, x, filters[s], 1, false, fmt::format("{}_block{}", stack, i));
    } else {
      const int stride1 = s == 3 ? 1 : 2;
      x = Block2(b, x, filters[s], 1, true, stack + "_block1");
      for (int i = 2; i < blocks[s]; ++i)
        x = Block2(b, x, filters[s], 1, false, fmt::format("{}_block{}", stack, i));
      x = Block2(b, x, filters[s], stride1, false, fmt::format("{}_block{}", stack, blocks[s]));
    }
  }
  if (v2) x = b.Activation(b.BatchNorm(x, "post_bn"), "relu", "post_relu");
  x = ClassifierHead(b, x, o);
  return std::move(b).Finish(x);
}

Result<Graph> Vgg(const std::string& model, const ZooOptions& o, std::vector<int> convs) {
  KerasBuilder b(model, o.keras);
  KTensor x = b.Input(o.input, o.input, 3);
  const int filters[] = {64, 128, 256, 512, 512};
  for (int blk = 0; blk < 5; ++blk) {
    for (int i = 1; i <= convs[blk]; ++i) {
      const std::string name = fmt::format("block{}_conv{}", blk + 1, i);
      x = b.InlineActivation(b.Conv(x, filters[blk], 3, 3, 1, Padding::kSame, true, name), "relu",
                             name + "/relu");
    }
    x = b.MaxPool(x, 2, 2, Padding::kValid, fmt::format("block{}_pool", blk + 1));
  }
  if (o.include_top) {
    x = b.Flatten(x, "flatten");
    x = b.Dense(x, 4096, "fc1", "relu");
    x = b.Dense(x, 4096, "fc2", "relu");
    x = b.Dense(x, o.classes, "predictions", "softmax");
  }
  return std::move(b).Finish(x);
}

}  // namespace respect::zoo
