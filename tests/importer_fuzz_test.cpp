// Robustness: feeds the TFLite and ONNX importers many mutated copies of the shared models
// (truncations, byte flips, corrupted 32-bit offsets). Every call must return, with a graph or a
// one-line error; never crash, hang or read out of bounds. Meant to run under AddressSanitizer
// and UndefinedBehaviorSanitizer (the `sanitize` build of the README's test command), where any
// memory error aborts the test. Deterministic: the mutations come from a fixed seed.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "core/file_io.h"
#include "importers/importers.h"
#include "test_util.h"

namespace respect {
namespace {

using testing::SharedPath;

enum class Mutation { kTruncate, kFlipBytes, kCorruptOffset };

std::string Mutate(const std::string& in, Mutation kind, std::mt19937_64& rng) {
  std::string s = in;
  auto pos = [&](size_t limit) { return static_cast<size_t>(rng() % std::max<size_t>(limit, 1)); };
  switch (kind) {
    case Mutation::kTruncate:
      s.resize(pos(s.size()));
      break;
    case Mutation::kFlipBytes:
      for (int i = 0, n = 1 + static_cast<int>(rng() % 8); i < n && !s.empty(); ++i)
        s[pos(s.size())] = static_cast<char>(rng());
      break;
    case Mutation::kCorruptOffset: {
      // FlatBuffers offsets and protobuf lengths are 32-bit-ish little-endian fields: overwrite
      // aligned words with values that point far away, backwards, or just past the end.
      const uint32_t candidates[] = {0xFFFFFFFFu,
                                     0x7FFFFFFFu,
                                     0x80000000u,
                                     static_cast<uint32_t>(s.size()),
                                     static_cast<uint32_t>(s.size() - 2),
                                     static_cast<uint32_t>(rng())};
      for (int i = 0, n = 1 + static_cast<int>(rng() % 3); i < n && s.size() >= 8; ++i) {
        const size_t p = pos(s.size() / 4 - 1) * 4;
        const uint32_t v = candidates[rng() % 6];
        std::memcpy(&s[p], &v, 4);
      }
      break;
    }
  }
  return s;
}

void ExpectCleanResult(const Result<Graph>& g) {
  if (!g.ok()) {
    EXPECT_FALSE(g.error().message.empty());
    EXPECT_EQ(g.error().message.find('\n'), std::string::npos) << g.error().message;
  } else {
    EXPECT_GT(g->num_ops(), 0);
  }
}

TEST(ImporterFuzz, MutatedTfliteModels) {
  std::mt19937_64 rng(20261121);
  int rejected = 0, total = 0;
  for (const char* name : {"mobilenet_v1_0.25_128_quant", "mobilenet_v2_1.0_224_quant",
                           "keras_lstm_mnist_ptq", "pretrainedResnet_quant", "tools_split_concat",
                           "selfie_segmentation", "mobilenet_v1_0.25_128_quant_edgetpu",
                           "posenet_mobilenet_v1_075_353_481_16_quant_decoder"}) {
    auto bytes = ReadFileBytes(SharedPath(std::string("models/tflite/") + name + ".tflite"));
    ASSERT_TRUE(bytes.ok()) << bytes.error().message;
    for (int i = 0; i < 1500; ++i) {
      const std::string m = Mutate(*bytes, static_cast<Mutation>(i % 3), rng);
      auto g =
          ImportTfliteBuffer("fuzz.tflite", reinterpret_cast<const uint8_t*>(m.data()), m.size());
      ExpectCleanResult(g);
      rejected += !g.ok();
      ++total;
    }
  }
  EXPECT_GT(rejected, total / 4);  // the mutations do reach the error paths
}

TEST(ImporterFuzz, MutatedOnnxModels) {
  std::mt19937_64 rng(11212026);
  int rejected = 0, total = 0;
  for (const char* name : {"light_squeezenet", "light_inception_v1", "light_resnet50",
                           "light_densenet121", "version-slim-320"}) {
    auto bytes = ReadFileBytes(SharedPath(std::string("models/onnx/") + name + ".onnx"));
    ASSERT_TRUE(bytes.ok()) << bytes.error().message;
    for (int i = 0; i < 300; ++i) {
      auto g = ImportOnnxBuffer("fuzz.onnx", Mutate(*bytes, static_cast<Mutation>(i % 3), rng));
      ExpectCleanResult(g);
      rejected += !g.ok();
      ++total;
    }
  }
  EXPECT_GT(rejected, total / 4);
}

}  // namespace
}  // namespace respect
