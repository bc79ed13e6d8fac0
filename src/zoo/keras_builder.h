// A small Keras-like builder for the zoo: layer calls compute output shapes (NHWC, batch 1) and
// parameter counts exactly as Keras does, and emit either one node per layer (keras granularity)
// or the fused int8-TFLite operators (fused granularity: BatchNormalization and activations fold
// into the preceding conv/dense; a standalone BN becomes MUL+ADD; padding stays explicit).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/graph.h"

namespace respect {

struct KTensor {
  int id = -1;              // tensor id in the builder
  int h = 1, w = 1, c = 1;  // spatial dims and channels; for flat tensors h = w = 1
  bool flat = false;
  // Fused mode only: the conv/dense that produced this tensor, into which a following
  // BatchNormalization folds, and the op into which a following ReLU/ReLU6 fuses (-1 = none).
  int bn_fold_op = -1;
  int act_fuse_op = -1;
};

enum class Padding { kValid, kSame };

class KerasBuilder {
 public:
  KerasBuilder(std::string model_name, bool keras_granularity);

  KTensor Input(int h, int w, int c, const std::string& name = "input_1");
  KTensor Conv(const KTensor& x, int filters, int kh, int kw, int stride, Padding pad, bool bias,
               const std::string& name, int dilation = 1);
  KTensor DepthwiseConv(const KTensor& x, int kh, int kw, int stride, Padding pad, bool bias,
                        const std::string& name, int depth_multiplier = 1);
  // SeparableConv2D: depthwise + pointwise in one Keras layer (two TFLite ops).
  KTensor SeparableConv(const KTensor& x, int filters, int k, int stride, Padding pad, bool bias,
                        const std::string& name);
  KTensor BatchNorm(const KTensor& x, const std::string& name, bool scale = true);
  KTensor Activation(const KTensor& x, const std::string& fn, const std::string& name);
  // An activation that Keras runs inside the preceding Conv2D/Dense layer (activation=...):
  // no extra node at keras granularity; fused or separate op at fused granularity.
  KTensor InlineActivation(const KTensor& x, const std::string& fn, const std::string& name) {
    return keras_ ? x : Activation(x, fn, name);
  }
  bool keras() const { return keras_; }
  // Keras's automatic layer names: "conv2d", "conv2d_1", "conv2d_2", ...
  std::string AutoName(const std::string& base) {
    const int n = auto_names_[base]++;
    return n == 0 ? base : base + "_" + std::to_string(n);
  }
  KTensor ZeroPad(const KTensor& x, int top, int bottom, int left, int right,
                  const std::string& name);
  // Cropping2D: drops rows/columns at the edges (fused: STRIDED_SLICE).
  KTensor Crop(const KTensor& x, int top, int bottom, int left, int right, const std::string& name);
  KTensor MaxPool(const KTensor& x, int k, int stride, Padding pad, const std::string& name);
  KTensor AvgPool(const KTensor& x, int k, int stride, Padding pad, const std::string& name);
  KTensor GlobalAvgPool(const KTensor& x, const std::string& name, bool keepdims = false);
  KTensor Dense(const KTensor& x, int units, const std::string& name, const std::string& act = "");
  KTensor Flatten(const KTensor& x, const std::string& name);
  KTensor Reshape(const KTensor& x, int h, int w, int c, const std::string& name);
  KTensor Dropout(const KTensor& x, const std::string& name);
  KTensor Add(const std::vector<KTensor>& xs, const std::string& name);
  KTensor Multiply(const std::vector<KTensor>& xs, const std::string& name);
  KTensor Concat(const std::vector<KTensor>& xs, const std::string& name);
  // Lambda(x + scale * y) of Inception-ResNet: one Keras layer; fused: MUL + ADD.
  KTensor ScaleAdd(const KTensor& x, const KTensor& y, const std::string& name);
  // Keras Rescaling / Normalization preprocessing layers (EfficientNet-style).
  KTensor Preprocess(const KTensor& x, const std::string& type, int64_t params,
                     const std::string& name);

  Result<Graph> Finish(const KTensor& output) &&;

 private:
  int NewTensor(const std::string& name, int h, int w, int c, bool flat = false);
  int Constant(const std::string& name, std::vector<int64_t> shape, int elem_bytes);
  int EmitOp(const std::string& name, const std::string& type, std::vector<int> inputs, int output,
             std::map<std::string, int64_t> attrs = {});
  KTensor Out(int tensor, int h, int w, int c, bool flat = false);
  int WeightBytes() const { return keras_ ? 4 : 1; }
  int BiasBytes() const { return 4; }

  GraphBuilder b_;
  bool keras_;
  std::map<std::string, int> auto_names_;
};

}  // namespace respect
