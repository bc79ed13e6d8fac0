// EfficientNet-EdgeTPU S/M/L (Gupta & Tan 2019, "Accelerator-aware Neural Network Design using
// AutoML"), following the TensorFlow TPU reference implementation (efficientnet_edgetpu_builder):
// ReLU instead of swish, no squeeze-excitation, and "fused" MBConv blocks in the early stages,
// where a full KxK convolution replaces the 1x1 expansion + depthwise pair because the Edge TPU
// runs regular convolutions far better than depthwise ones.
#include <fmt/format.h>

#include <cmath>

#include "zoo/models.h"

namespace respect::zoo {
namespace {

// round_filters of the reference: scale by the width coefficient, round to a multiple of 8, and
// never round down by more than 10%.
int RoundFilters(int filters, double width) {
  const double scaled = filters * width;
  int rounded = std::max(8, static_cast<int>(scaled + 4) / 8 * 8);
  if (rounded < 0.9 * scaled) rounded += 8;
  return rounded;
}

struct BlockSpec {
  int repeats, kernel, stride, expand, in_filters, out_filters;
  bool fused;    // KxK conv expansion instead of 1x1 expand + KxK depthwise
  bool no_skip;  // the first stage has no residual connection even where shapes allow one
};

}  // namespace

Result<Graph> EfficientNetEdgeTpu(const std::string& model, const ZooOptions& o, double width,
                                  double depth) {
  // The reference's block strings: r1_k3_s11_e4_i24_o24_c1_noskip, r2_k3_s22_e8_i24_o32_c1,
  // r4_k3_s22_e8_i32_o48_c1, r5_k5_s22_e8_i48_o96, r4_k5_s11_e8_i96_o144, r2_k5_s22_e8_i144_o192.
  const BlockSpec stages[] = {
      {1, 3, 1, 4, 24, 24, true, true},    {2, 3, 2, 8, 24, 32, true, false},
      {4, 3, 2, 8, 32, 48, true, false},   {5, 5, 2, 8, 48, 96, false, false},
      {4, 5, 1, 8, 96, 144, false, false}, {2, 5, 2, 8, 144, 192, false, false}};
  KerasBuilder b(model, o.keras);
  KTensor x = b.Input(o.input, o.input, 3);
  x = b.Conv(x, RoundFilters(32, width), 3, 3, 2, Padding::kSame, false, "stem_conv");
  x = b.Activation(b.BatchNorm(x, "stem_bn"), "relu", "stem_relu");
  int id = 0;
  for (const BlockSpec& s : stages) {
    const int repeats = static_cast<int>(std::ceil(depth * s.repeats));
    const int out_filters = RoundFilters(s.out_filters, width);
    for (int r = 0; r < repeats; ++r, ++id) {
      const std::string p = fmt::format("block{}_", id);
      // The expansion width comes from the block's declared input filters, not from the tensor:
      // in the first stage the stem gives 32 channels while the block declares 24.
      const int in_filters = r == 0 ? RoundFilters(s.in_filters, width) : out_filters;
      const int stride = r == 0 ? s.stride : 1;
      const int mid = in_filters * s.expand;
      const int x_channels = x.c;
      KTensor y = x;
      if (s.fused) {
        y = b.Conv(y, mid, s.kernel, s.kernel, stride, Padding::kSame, false, p + "fused_conv");
        y = b.Activation(b.BatchNorm(y, p + "fused_bn"), "relu", p + "fused_relu");
      } else {
        y = b.Conv(y, mid, 1, 1, 1, Padding::kSame, false, p + "expand_conv");
        y = b.Activation(b.BatchNorm(y, p + "expand_bn"), "relu", p + "expand_relu");
        y = b.DepthwiseConv(y, s.kernel, s.kernel, stride, Padding::kSame, false, p + "dwconv");
        y = b.Activation(b.BatchNorm(y, p + "dw_bn"), "relu", p + "dw_relu");
      }
      y = b.Conv(y, out_filters, 1, 1, 1, Padding::kSame, false, p + "project_conv");
      y = b.BatchNorm(y, p + "project_bn");
      const bool skip = !s.no_skip && stride == 1 && x_channels == out_filters;
      x = skip ? b.Add({x, y}, p + "add") : y;
    }
  }
  x = b.Conv(x, RoundFilters(1280, width), 1, 1, 1, Padding::kSame, false, "head_conv");
  x = b.Activation(b.BatchNorm(x, "head_bn"), "relu", "head_relu");
  if (o.include_top) {
    x = b.GlobalAvgPool(x, "avg_pool");
    x = b.Dropout(x, "top_dropout");
    x = b.Dense(x, o.classes, "predictions", "softmax");
  }
  return std::move(b).Finish(x);
}

}  // namespace respect::zoo
