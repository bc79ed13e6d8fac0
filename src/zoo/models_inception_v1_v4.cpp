// Inception v1 (GoogLeNet) and Inception v4, the two Inception models of Coral's benchmark table
// that keras.applications lacks.
#include <fmt/format.h>

#include "zoo/models.h"

namespace respect::zoo {

// GoogLeNet (Szegedy et al. 2015) as the BVLC reference and the ONNX model-zoo file have it:
// convolutions with bias and ReLU, 5x5 branches, no auxiliary heads; the two local response
// normalisations are left out (the int8 TFLite models Coral benchmarks have none; they carry
// no parameters). Pools are "same", which equals the reference's ceil-mode pools at 224x224.
Result<Graph> InceptionV1(const std::string& model, const ZooOptions& o) {
  KerasBuilder b(model, o.keras);
  const Padding S = Padding::kSame;
  auto conv = [&](KTensor x, int f, int k, int stride, const std::string& name) {
    return b.InlineActivation(b.Conv(x, f, k, k, stride, S, true, name), "relu", name + "/relu");
  };
  auto module = [&](KTensor x, const std::string& name, int c1, int c3r, int c3, int c5r, int c5,
                    int pp) {
    KTensor b1 = conv(x, c1, 1, 1, name + "/1x1");
    KTensor b3 = conv(conv(x, c3r, 1, 1, name + "/3x3_reduce"), c3, 3, 1, name + "/3x3");
    KTensor b5 = conv(conv(x, c5r, 1, 1, name + "/5x5_reduce"), c5, 5, 1, name + "/5x5");
    KTensor bp = conv(b.MaxPool(x, 3, 1, S, name + "/pool"), pp, 1, 1, name + "/pool_proj");
    return b.Concat({b1, b3, b5, bp}, name + "/output");
  };
  KTensor x = b.Input(o.input, o.input, 3);
  x = conv(x, 64, 7, 2, "conv1/7x7_s2");
  x = b.MaxPool(x, 3, 2, S, "pool1/3x3_s2");
  x = conv(x, 64, 1, 1, "conv2/3x3_reduce");
  x = conv(x, 192, 3, 1, "conv2/3x3");
  x = b.MaxPool(x, 3, 2, S, "pool2/3x3_s2");
  x = module(x, "inception_3a", 64, 96, 128, 16, 32, 32);
  x = module(x, "inception_3b", 128, 128, 192, 32, 96, 64);
  x = b.MaxPool(x, 3, 2, S, "pool3/3x3_s2");
  x = module(x, "inception_4a", 192, 96, 208, 16, 48, 64);
  x = module(x, "inception_4b", 160, 112, 224, 24, 64, 64);
  x = module(x, "inception_4c", 128, 128, 256, 24, 64, 64);
  x = module(x, "inception_4d", 112, 144, 288, 32, 64, 64);
  x = module(x, "inception_4e", 256, 160, 320, 32, 128, 128);
  x = b.MaxPool(x, 3, 2, S, "pool4/3x3_s2");
  x = module(x, "inception_5a", 256, 160, 320, 32, 128, 128);
  x = module(x, "inception_5b", 384, 192, 384, 48, 128, 128);
  if (o.include_top) {
    x = b.GlobalAvgPool(x, "pool5/7x7_s1");
    x = b.Dropout(x, "pool5/drop_7x7_s1");
    x = b.Dense(x, o.classes, "loss3/classifier", "softmax");
  }
  return std::move(b).Finish(x);
}

// Inception v4 (Szegedy et al. 2017) as TF-slim defines it (the model Coral compiles): every
// convolution without bias, then batch norm (no scale) and ReLU; no auxiliary head.
Result<Graph> InceptionV4(const std::string& model, const ZooOptions& o) {
  KerasBuilder b(model, o.keras);
  const Padding V = Padding::kValid, S = Padding::kSame;
  auto cb = [&](KTensor x, int f, int kh, int kw, int stride = 1, Padding pad = Padding::kSame) {
    x = b.Conv(x, f, kh, kw, stride, pad, false, b.AutoName("conv2d"));
    x = b.BatchNorm(x, b.AutoName("batch_normalization"), /*scale=*/false);
    return b.Activation(x, "relu", b.AutoName("activation"));
  };
  auto max_pool = [&](KTensor x) { return b.MaxPool(x, 3, 2, V, b.AutoName("max_pooling2d")); };
  auto avg_pool = [&](KTensor x) { return b.AvgPool(x, 3, 1, S, b.AutoName("average_pooling2d")); };
  auto concat = [&](std::vector<KTensor> xs) { return b.Concat(xs, b.AutoName("concatenate")); };

  KTensor x = b.Input(o.input, o.input, 3);
  x = cb(cb(cb(x, 32, 3, 3, 2, V), 32, 3, 3, 1, V), 64, 3, 3);
  x = concat({max_pool(x), cb(x, 96, 3, 3, 2, V)});
  x = concat({cb(cb(x, 64, 1, 1), 96, 3, 3, 1, V),
              cb(cb(cb(cb(x, 64, 1, 1), 64, 1, 7), 64, 7, 1), 96, 3, 3, 1, V)});
  x = concat({cb(x, 192, 3, 3, 2, V), max_pool(x)});
  for (int i = 0; i < 4; ++i)  // Inception-A, 35x35
    x = concat({cb(x, 96, 1, 1), cb(cb(x, 64, 1, 1), 96, 3, 3),
                cb(cb(cb(x, 64, 1, 1), 96, 3, 3), 96, 3, 3), cb(avg_pool(x), 96, 1, 1)});
  x = concat({cb(x, 384, 3, 3, 2, V), cb(cb(cb(x, 192, 1, 1), 224, 3, 3), 256, 3, 3, 2, V),
              max_pool(x)});   // Reduction-A
  for (int i = 0; i < 7; ++i)  // Inception-B, 17x17
    x = concat({cb(x, 384, 1, 1), cb(cb(cb(x, 192, 1, 1), 224, 1, 7), 256, 7, 1),
                cb(cb(cb(cb(cb(x, 192, 1, 1), 192, 7, 1), 224, 1, 7), 224, 7, 1), 256, 1, 7),
                cb(avg_pool(x), 128, 1, 1)});
  x = concat({cb(cb(x, 192, 1, 1), 192, 3, 3, 2, V),
              cb(cb(cb(cb(x, 256, 1, 1), 256, 1, 7), 320, 7, 1), 320, 3, 3, 2, V),
              max_pool(x)});     // Reduction-B
  for (int i = 0; i < 3; ++i) {  // Inception-C, 8x8
    KTensor b1 = cb(x, 384, 1, 1);
    KTensor b2 = cb(cb(cb(x, 384, 1, 1), 448, 3, 1), 512, 1, 3);
    x = concat({cb(x, 256, 1, 1), concat({cb(b1, 256, 1, 3), cb(b1, 256, 3, 1)}),
                concat({cb(b2, 256, 1, 3), cb(b2, 256, 3, 1)}), cb(avg_pool(x), 256, 1, 1)});
  }
  if (o.include_top) {
    x = b.GlobalAvgPool(x, "avg_pool");
    x = b.Dropout(x, "dropout");
    x = b.Dense(x, o.classes, "predictions", "softmax");
  }
  return std::move(b).Finish(x);
}

}  // namespace respect::zoo
