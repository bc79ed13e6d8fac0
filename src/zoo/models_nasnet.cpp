// NASNet-A Mobile (Zoph et al. 2018, "Learning Transferable Architectures for Scalable Image
// Recognition"), as keras.applications.NASNetMobile builds it: 4 @ 1056 (penultimate filters
// 1056, so F = 44 filters per cell at the first scale), stem conv 3x3/2 (32) and two reduction
// cells, then three stacks of four normal cells separated by reduction cells (F, 2F, 4F), ReLU,
// classifier. Every cell reads the two previous cells' outputs; a previous output of another
// size or width is first adjusted (two shifted 1x1 average-pool + conv paths, or a 1x1
// projection). 5,326,716 Keras parameters, the published figure.
#include <fmt/format.h>

#include <array>

#include "zoo/models.h"

namespace respect::zoo {

namespace {

// Keras's correct_pad for a stride-2 'valid' op of kernel k: centre the window on even inputs.
std::array<int, 4> CorrectPad(const KTensor& x, int k) {
  const int adj_h = x.h % 2 == 0 ? 1 : 0, adj_w = x.w % 2 == 0 ? 1 : 0;
  return {k / 2 - adj_h, k / 2, k / 2 - adj_w, k / 2};
}

// [ReLU, separable conv, BN] twice; the first may stride 2 (with Keras's padding).
KTensor SepBlock(KerasBuilder& b, const KTensor& in, int filters, int k, int stride,
                 const std::string& id) {
  KTensor x = b.Activation(in, "relu", "sep_relu_1_" + id);
  Padding pad = Padding::kSame;
  if (stride == 2) {
    const auto p = CorrectPad(x, k);
    x = b.ZeroPad(x, p[0], p[1], p[2], p[3], "separable_conv_1_pad_" + id);
    pad = Padding::kValid;
  }
  x = b.SeparableConv(x, filters, k, stride, pad, false, "separable_conv_1_" + id);
  x = b.BatchNorm(x, "separable_conv_1_bn_" + id);
  x = b.Activation(x, "relu", "sep_relu_2_" + id);
  x = b.SeparableConv(x, filters, k, 1, Padding::kSame, false, "separable_conv_2_" + id);
  return b.BatchNorm(x, "separable_conv_2_bn_" + id);
}

// Makes the previous cell's output p match ip's size (and `filters` channels).
KTensor Adjust(KerasBuilder& b, const KTensor* p, const KTensor& ip, int filters,
               const std::string& id) {
  if (!p) return ip;
  if (p->h != ip.h) {
    KTensor r = b.Activation(*p, "relu", "adjust_relu_1_" + id);
    KTensor p1 = b.AvgPool(r, 1, 2, Padding::kValid, "adjust_avg_pool_1_" + id);
    p1 = b.Conv(p1, filters / 2, 1, 1, 1, Padding::kSame, false, "adjust_conv_1_" + id);
    KTensor p2 = b.ZeroPad(r, 0, 1, 0, 1, "adjust_pad_" + id);
    p2 = b.Crop(p2, 1, 0, 1, 0, "adjust_crop_" + id);
    p2 = b.AvgPool(p2, 1, 2, Padding::kValid, "adjust_avg_pool_2_" + id);
    p2 = b.Conv(p2, filters / 2, 1, 1, 1, Padding::kSame, false, "adjust_conv_2_" + id);
    return b.BatchNorm(b.Concat({p1, p2}, "adjust_concat_" + id), "adjust_bn_" + id);
  }
  if (p->c != filters) {
    KTensor r = b.Activation(*p, "relu", "adjust_relu_projection_" + id);
    r = b.Conv(r, filters, 1, 1, 1, Padding::kSame, false, "adjust_conv_projection_" + id);
    return b.BatchNorm(r, "adjust_bn_" + id);
  }
  return *p;
}

// The cell's 1x1 squeeze of its main input.
KTensor Squeeze(KerasBuilder& b, const KTensor& ip, int filters, const std::string& kind,
                const std::string& id) {
  KTensor h = b.Activation(ip, "relu", kind + "_relu_1_" + id);
  h = b.Conv(h, filters, 1, 1, 1, Padding::kSame, false, kind + "_conv_1_" + id);
  return b.BatchNorm(h, kind + "_bn_1_" + id);
}

KTensor NormalCell(KerasBuilder& b, const KTensor& ip, const KTensor* prev, int f,
                   const std::string& id) {
  const KTensor p = Adjust(b, prev, ip, f, id);
  const KTensor h = Squeeze(b, ip, f, "normal", id);
  const KTensor x1 = b.Add({SepBlock(b, h, f, 5, 1, "normal_left1_" + id),
                            SepBlock(b, p, f, 3, 1, "normal_right1_" + id)},
                           "normal_add_1_" + id);
  const KTensor x2 = b.Add({SepBlock(b, p, f, 5, 1, "normal_left2_" + id),
                            SepBlock(b, p, f, 3, 1, "normal_right2_" + id)},
                           "normal_add_2_" + id);
  const KTensor x3 =
      b.Add({b.AvgPool(h, 3, 1, Padding::kSame, "normal_left3_" + id), p}, "normal_add_3_" + id);
  const KTensor x4 = b.Add({b.AvgPool(p, 3, 1, Padding::kSame, "normal_left4_" + id),
                            b.AvgPool(p, 3, 1, Padding::kSame, "normal_right4_" + id)},
                           "normal_add_4_" + id);
  const KTensor x5 =
      b.Add({SepBlock(b, h, f, 3, 1, "normal_left5_" + id), h}, "normal_add_5_" + id);
  return b.Concat({p, x1, x2, x3, x4, x5}, "normal_concat_" + id);
}

KTensor ReductionCell(KerasBuilder& b, const KTensor& ip, const KTensor* prev, int f,
                      const std::string& id) {
  const KTensor p = Adjust(b, prev, ip, f, id);
  const KTensor h = Squeeze(b, ip, f, "reduction", id);
  const auto pad = CorrectPad(h, 3);
  const KTensor h3 = b.ZeroPad(h, pad[0], pad[1], pad[2], pad[3], "reduction_pad_1_" + id);
  const KTensor x1 = b.Add({SepBlock(b, h, f, 5, 2, "reduction_left1_" + id),
                            SepBlock(b, p, f, 7, 2, "reduction_right1_" + id)},
                           "reduction_add_1_" + id);
  const KTensor x2 = b.Add({b.MaxPool(h3, 3, 2, Padding::kValid, "reduction_left2_" + id),
                            SepBlock(b, p, f, 7, 2, "reduction_right2_" + id)},
                           "reduction_add_2_" + id);
  const KTensor x3 = b.Add({b.AvgPool(h3, 3, 2, Padding::kValid, "reduction_left3_" + id),
                            SepBlock(b, p, f, 5, 2, "reduction_right3_" + id)},
                           "reduction_add3_" + id);
  const KTensor x4 = b.Add({x2, b.AvgPool(x1, 3, 1, Padding::kSame, "reduction_left4_" + id)},
                           "reduction_add4a_" + id);
  const KTensor x5 = b.Add({SepBlock(b, x1, f, 3, 1, "reduction_left5_" + id),
                            b.MaxPool(h3, 3, 2, Padding::kValid, "reduction_right5_" + id)},
                           "reduction_add4_" + id);
  return b.Concat({x2, x3, x4, x5}, "reduction_concat_" + id);
}

}  // namespace

Result<Graph> NasNetMobile(const std::string& model, const ZooOptions& o) {
  constexpr int kPenultimate = 1056, kBlocks = 4, kStem = 32, kMult = 2;
  const int F = kPenultimate / 24;
  KerasBuilder b(model, o.keras);
  KTensor x = b.Input(o.input, o.input, 3);
  x = b.Conv(x, kStem, 3, 3, 2, Padding::kValid, false, "stem_conv1");
  x = b.BatchNorm(x, "stem_bn1");
  // Each cell takes (x, p): its main input and the output of the cell before that.
  KTensor p;
  bool has_p = false;
  auto cell = [&](bool reduction, int filters, const std::string& id) {
    const KTensor next = reduction ? ReductionCell(b, x, has_p ? &p : nullptr, filters, id)
                                   : NormalCell(b, x, has_p ? &p : nullptr, filters, id);
    p = x;
    has_p = true;
    x = next;
  };
  cell(true, F / (kMult * kMult), "stem_1");
  cell(true, F / kMult, "stem_2");
  for (int i = 0; i < kBlocks; ++i) cell(false, F, fmt::format("{}", i));
  cell(true, F * kMult, fmt::format("reduce_{}", kBlocks));
  for (int i = 0; i < kBlocks; ++i) cell(false, F * kMult, fmt::format("{}", kBlocks + i + 1));
  cell(true, F * kMult * kMult, fmt::format("reduce_{}", 2 * kBlocks));
  for (int i = 0; i < kBlocks; ++i)
    cell(false, F * kMult * kMult, fmt::format("{}", 2 * kBlocks + i + 1));
  x = b.Activation(x, "relu", "activation_final");
  x = ClassifierHead(b, x, o, "global_average_pooling2d");
  return std::move(b).Finish(x);
}

}  // namespace respect::zoo
