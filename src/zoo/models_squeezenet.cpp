#include "zoo/models.h"

namespace respect::zoo {

// SqueezeNet 1.1 (Iandola et al. 2016; the layout of the reference implementations and of the
// ONNX model zoo file): 3x3/64 stem, eight Fire modules, 1x1 conv classifier. Pools are
// "valid", which equals the reference's ceil-mode pooling at 224x224.
Result<Graph> SqueezeNet(const std::string& model, const ZooOptions& o) {
  KerasBuilder b(model, o.keras);
  auto conv_relu = [&](KTensor x, int f, int k, int stride, Padding pad, const std::string& name) {
    return b.Activation(b.Conv(x, f, k, k, stride, pad, true, name), "relu", name + "_relu");
  };
  auto fire = [&](KTensor x, int squeeze, int expand, const std::string& name) {
    KTensor s = conv_relu(x, squeeze, 1, 1, Padding::kValid, name + "_squeeze1x1");
    KTensor e1 = conv_relu(s, expand, 1, 1, Padding::kValid, name + "_expand1x1");
    KTensor e3 = conv_relu(s, expand, 3, 1, Padding::kSame, name + "_expand3x3");
    return b.Concat({e1, e3}, name + "_concat");
  };
  KTensor x = b.Input(o.input, o.input, 3);
  x = conv_relu(x, 64, 3, 2, Padding::kValid, "conv1");
  x = b.MaxPool(x, 3, 2, Padding::kValid, "pool1");
  x = fire(fire(x, 16, 64, "fire2"), 16, 64, "fire3");
  x = b.MaxPool(x, 3, 2, Padding::kValid, "pool3");
  x = fire(fire(x, 32, 128, "fire4"), 32, 128, "fire5");
  x = b.MaxPool(x, 3, 2, Padding::kValid, "pool5");
  x = fire(fire(x, 48, 192, "fire6"), 48, 192, "fire7");
  x = fire(fire(x, 64, 256, "fire8"), 64, 256, "fire9");
  if (o.include_top) {
    x = b.Dropout(x, "drop9");
    x = conv_relu(x, o.classes, 1, 1, Padding::kValid, "conv10");
    x = b.GlobalAvgPool(x, "pool10");
    x = b.Activation(x, "softmax", "softmax");
  }
  return std::move(b).Finish(x);
}

}  // namespace respect::zoo
