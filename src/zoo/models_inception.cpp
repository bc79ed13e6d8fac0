// Xception, Inception v3 and Inception-ResNet v2, following keras.applications (layer
// structure; unnamed layers get Keras's automatic names).
#include <fmt/format.h>

#include "zoo/models.h"

namespace respect::zoo {

Result<Graph> Xception(const std::string& model, const ZooOptions& o) {
  KerasBuilder b(model, o.keras);
  auto bn = [&](KTensor x, const std::string& name) { return b.BatchNorm(x, name); };
  auto relu = [&](KTensor x, const std::string& name) { return b.Activation(x, "relu", name); };
  auto sep = [&](KTensor x, int f, const std::string& name) {
    return b.SeparableConv(x, f, 3, 1, Padding::kSame, false, name);
  };
  auto residual_conv = [&](KTensor x, int f) {
    KTensor r = b.Conv(x, f, 1, 1, 2, Padding::kSame, false, b.AutoName("conv2d"));
    return b.BatchNorm(r, b.AutoName("batch_normalization"));
  };
  KTensor x = b.Input(o.input, o.input, 3);
  x = b.Conv(x, 32, 3, 3, 2, Padding::kValid, false, "block1_conv1");
  x = relu(bn(x, "block1_conv1_bn"), "block1_conv1_act");
  x = b.Conv(x, 64, 3, 3, 1, Padding::kValid, false, "block1_conv2");
  x = relu(bn(x, "block1_conv2_bn"), "block1_conv2_act");

  KTensor residual = residual_conv(x, 128);
  x = sep(x, 128, "block2_sepconv1");
  x = relu(bn(x, "block2_sepconv1_bn"), "block2_sepconv2_act");
  x = bn(sep(x, 128, "block2_sepconv2"), "block2_sepconv2_bn");
  x = b.MaxPool(x, 3, 2, Padding::kSame, "block2_pool");
  x = b.Add({x, residual}, b.AutoName("add"));

  for (auto [blk, f] : {std::pair{3, 256}, std::pair{4, 728}}) {
    residual = residual_conv(x, f);
    const std::string p = fmt::format("block{}", blk);
    x = relu(x, p + "_sepconv1_act");
    x = bn(sep(x, f, p + "_sepconv1"), p + "_sepconv1_bn");
    x = relu(x, p + "_sepconv2_act");
    x = bn(sep(x, f, p + "_sepconv2"), p + "_sepconv2_bn");
    x = b.MaxPool(x, 3, 2, Padding::kSame, p + "_pool");
    x = b.Add({x, residual}, b.AutoName("add"));
  }
  for (int i = 0; i < 8; ++i) {
    residual = x;
    const std::string p = fmt::format("block{}", i + 5);
    for (int k = 1; k <= 3; ++k) {
      x = relu(x, fmt::format("{}_sepconv{}_act", p, k));
      x = bn(sep(x, 728, fmt::format("{}_sepconv{}", p, k)), fmt::format("{}_sepconv{}_bn", p, k));
    }
    x = b.Add({x, residual}, b.AutoName("add"));
  }
  residual = residual_conv(x, 1024);
  x = relu(x, "block13_sepconv1_act");
  x = bn(sep(x, 728, "block13_sepconv1"), "block13_sepconv1_bn");
  x = relu(x, "block13_sepconv2_act");
  x = bn(sep(x, 1024, "block13_sepconv2"), "block13_sepconv2_bn");
  x = b.MaxPool(x, 3, 2, Padding::kSame, "block13_pool");
  x = b.Add({x, residual}, b.AutoName("add"));

  x = relu(bn(sep(x, 1536, "block14_sepconv1"), "block14_sepconv1_bn"), "block14_sepconv1_act");
  x = relu(bn(sep(x, 2048, "block14_sepconv2"), "block14_sepconv2_bn"), "block14_sepconv2_act");
  x = ClassifierHead(b, x, o);
  return std::move(b).Finish(x);
}

namespace {

// conv2d_bn of Inception v3: conv without bias, BN without scale, ReLU; auto-named.
struct ConvBn {
  KerasBuilder& b;
  KTensor operator()(KTensor x, int f, int kh, int kw, int stride = 1,
                     Padding pad = Padding::kSame) const {
    x = b.Conv(x, f, kh, kw, stride, pad, false, b.AutoName("conv2d"));
    x = b.BatchNorm(x, b.AutoName("batch_normalization"), /*scale=*/false);
    return b.Activation(x, "relu", b.AutoName("activation"));
  }
};

// The stem Inception v3 and Inception-ResNet v2 share: 299x299 -> 35x35x192.
template <typename ConvBnFn>
KTensor InceptionStem(KerasBuilder& b, ConvBnFn cb, KTensor x) {
  const Padding V = Padding::kValid;
  x = cb(x, 32, 3, 3, 2, V);
  x = cb(x, 32, 3, 3, 1, V);
  x = cb(x, 64, 3, 3);
  x = b.MaxPool(x, 3, 2, V, b.AutoName("max_pooling2d"));
  x = cb(x, 80, 1, 1, 1, V);
  x = cb(x, 192, 3, 3, 1, V);
  return b.MaxPool(x, 3, 2, V, b.AutoName("max_pooling2d"));
}

}  // namespace

Result<Graph> InceptionV3(const std::string& model, const ZooOptions& o) {
  KerasBuilder b(model, o.keras);
  ConvBn cb{b};
  const Padding V = Padding::kValid;
  KTensor x = b.Input(o.input, o.input, 3);
  x = InceptionStem(b, cb, x);
  for (int i = 0; i < 3; ++i) {  // mixed0..2: 35x35
    KTensor b1 = cb(x, 64, 1, 1);
    KTensor b5 = cb(cb(x, 48, 1, 1), 64, 5, 5);
    KTensor b3 = cb(cb(cb(x, 64, 1, 1), 96, 3, 3), 96, 3, 3);
    KTensor bp = cb(b.AvgPool(x, 3, 1, Padding::kSame, b.AutoName("average_pooling2d")),
                    i == 0 ? 32 : 64, 1, 1);
    x = b.Concat({b1, b5, b3, bp}, fmt::format("mixed{}", i));
  }
  {  // mixed3: 17x17
    KTensor b3 = cb(x, 384, 3, 3, 2, V);
    KTensor bd = cb(cb(cb(x, 64, 1, 1), 96, 3, 3), 96, 3, 3, 2, V);
    KTensor bp = b.MaxPool(x, 3, 2, V, b.AutoName("max_pooling2d"));
    x = b.Concat({b3, bd, bp}, "mixed3");
  }
  for (int i = 0; i < 4; ++i) {  // mixed4..7
    const int c = i == 0 ? 128 : i == 3 ? 192 : 160;
    KTensor b1 = cb(x, 192, 1, 1);
    KTensor b7 = cb(cb(cb(x, c, 1, 1), c, 1, 7), 192, 7, 1);
    KTensor bd = cb(cb(cb(cb(cb(x, c, 1, 1), c, 7, 1), c, 1, 7), c, 7, 1), 192, 1, 7);
    KTensor bp = cb(b.AvgPool(x, 3, 1, Padding::kSame, b.AutoName("average_pooling2d")), 192, 1, 1);
    x = b.Concat({b1, b7, bd, bp}, fmt::format("mixed{}", i + 4));
  }
  {  // mixed8: 8x8
    KTensor b3 = cb(cb(x, 192, 1, 1), 320, 3, 3, 2, V);
    KTensor b7 = cb(cb(cb(cb(x, 192, 1, 1), 192, 1, 7), 192, 7, 1), 192, 3, 3, 2, V);
    KTensor bp = b.MaxPool(x, 3, 2, V, b.AutoName("max_pooling2d"));
    x = b.Concat({b3, b7, bp}, "mixed8");
  }
  for (int i = 0; i < 2; ++i) {  // mixed9, mixed10
    KTensor b1 = cb(x, 320, 1, 1);
    KTensor b3 = cb(x, 384, 1, 1);
    b3 = b.Concat({cb(b3, 384, 1, 3), cb(b3, 384, 3, 1)}, fmt::format("mixed9_{}", i));
    KTensor bd = cb(cb(x, 448, 1, 1), 384, 3, 3);
    bd = b.Concat({cb(bd, 384, 1, 3), cb(bd, 384, 3, 1)}, b.AutoName("concatenate"));
    KTensor bp = cb(b.AvgPool(x, 3, 1, Padding::kSame, b.AutoName("average_pooling2d")), 192, 1, 1);
    x = b.Concat({b1, b3, bd, bp}, fmt::format("mixed{}", 9 + i));
  }
  x = ClassifierHead(b, x, o);
  return std::move(b).Finish(x);
}

Result<Graph> InceptionResNetV2(const std::string& model, const ZooOptions& o) {
  KerasBuilder b(model, o.keras);
  const Padding V = Padding::kValid, S = Padding::kSame;
  // conv2d_bn of inception_resnet_v2: named layers get "_bn"/"_ac" suffixes, others auto names.
  auto cb = [&](KTensor x, int f, int kh, int kw, int stride = 1, Padding pad = Padding::kSame,
                bool activation = true, bool bias = false, const std::string& name = "") {
    x = b.Conv(x, f, kh, kw, stride, pad, bias, name.empty() ? b.AutoName("conv2d") : name);
    if (!bias)
      x = b.BatchNorm(x, name.empty() ? b.AutoName("batch_normalization") : name + "_bn", false);
    if (activation)
      x = b.Activation(x, "relu", name.empty() ? b.AutoName("activation") : name + "_ac");
    return x;
  };
  auto block = [&](KTensor x, const std::string& type, int idx, bool activation) {
    std::vector<KTensor> br;
    if (type == "block35") {
      br = {cb(x, 32, 1, 1), cb(cb(x, 32, 1, 1), 32, 3, 3),
            cb(cb(cb(x, 32, 1, 1), 48, 3, 3), 64, 3, 3)};
    } else if (type == "block17") {
      br = {cb(x, 192, 1, 1), cb(cb(cb(x, 128, 1, 1), 160, 1, 7), 192, 7, 1)};
    } else {
      br = {cb(x, 192, 1, 1), cb(cb(cb(x, 192, 1, 1), 224, 1, 3), 256, 3, 1)};
    }
    const std::string name = fmt::format("{}_{}", type, idx);
    KTensor mixed = b.Concat(br, name + "_mixed");
    KTensor up = cb(mixed, x.c, 1, 1, 1, S, false, true, name + "_conv");
    x = b.ScaleAdd(x, up, name);
    return activation ? b.Activation(x, "relu", name + "_ac") : x;
  };
  KTensor x = b.Input(o.input, o.input, 3);
  x = InceptionStem(b, cb, x);
  {
    KTensor b0 = cb(x, 96, 1, 1);
    KTensor b1 = cb(cb(x, 48, 1, 1), 64, 5, 5);
    KTensor b2 = cb(cb(cb(x, 64, 1, 1), 96, 3, 3), 96, 3, 3);
    KTensor bp = cb(b.AvgPool(x, 3, 1, S, b.AutoName("average_pooling2d")), 64, 1, 1);
    x = b.Concat({b0, b1, b2, bp}, "mixed_5b");
  }
  for (int i = 1; i <= 10; ++i) x = block(x, "block35", i, true);
  {
    KTensor b0 = cb(x, 384, 3, 3, 2, V);
    KTensor b1 = cb(cb(cb(x, 256, 1, 1), 256, 3, 3), 384, 3, 3, 2, V);
    KTensor bp = b.MaxPool(x, 3, 2, V, b.AutoName("max_pooling2d"));
    x = b.Concat({b0, b1, bp}, "mixed_6a");
  }
  for (int i = 1; i <= 20; ++i) x = block(x, "block17", i, true);
  {
    KTensor b0 = cb(cb(x, 256, 1, 1), 384, 3, 3, 2, V);
    KTensor b1 = cb(cb(x, 256, 1, 1), 288, 3, 3, 2, V);
    KTensor b2 = cb(cb(cb(x, 256, 1, 1), 288, 3, 3), 320, 3, 3, 2, V);
    KTensor bp = b.MaxPool(x, 3, 2, V, b.AutoName("max_pooling2d"));
    x = b.Concat({b0, b1, b2, bp}, "mixed_7a");
  }
  for (int i = 1; i <= 9; ++i) x = block(x, "block8", i, true);
  x = block(x, "block8", 10, false);
  x = cb(x, 1536, 1, 1, 1, S, true, false, "conv_7b");
  x = ClassifierHead(b, x, o);
  return std::move(b).Finish(x);
}

}  // namespace respect::zoo
