#include <dirent.h>
#include <gtest/gtest.h>

#include <cstring>
#include <set>

#include "core/file_io.h"
#include "importers/importers.h"
#include "test_util.h"

namespace respect {
namespace {

using testing::SharedPath;

std::vector<std::string> SharedModels(const std::string& dir, const std::string& ext) {
  std::vector<std::string> out;
  DIR* d = opendir(SharedPath(dir).c_str());
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n.size() > ext.size() && n.compare(n.size() - ext.size(), ext.size(), ext) == 0)
      out.push_back(SharedPath(dir + "/" + n));
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

// An independent reading of a .tflite file, straight from the FlatBuffer wire format (root
// offset, vtables, vectors), sharing no code with the importer or its generated schema.
class RawTflite {
 public:
  explicit RawTflite(const std::string& bytes) : b_(bytes) {}
  uint32_t U32(size_t p) const {
    uint32_t v;
    std::memcpy(&v, &b_[p], 4);
    return v;
  }
  int32_t I32(size_t p) const {
    int32_t v;
    std::memcpy(&v, &b_[p], 4);
    return v;
  }
  uint16_t U16(size_t p) const {
    uint16_t v;
    std::memcpy(&v, &b_[p], 2);
    return v;
  }
  size_t Root() const { return U32(0); }
  // Address of field `id` of the table at t, or 0 if absent.
  size_t Field(size_t t, int id) const {
    const size_t vt = t - I32(t);
    const uint16_t vt_size = U16(vt);
    const size_t slot = 4 + 2 * static_cast<size_t>(id);
    if (slot >= vt_size) return 0;
    const uint16_t off = U16(vt + slot);
    return off ? t + off : 0;
  }
  size_t Vector(size_t field) const { return field ? field + U32(field) : 0; }
  uint32_t Length(size_t vec) const { return vec ? U32(vec) : 0; }
  size_t TableAt(size_t vec, uint32_t i) const {
    size_t e = vec + 4 + 4 * i;
    return e + U32(e);
  }
  int32_t IntAt(size_t vec, uint32_t i) const { return I32(vec + 4 + 4 * i); }

 private:
  const std::string& b_;
};

struct RawFigures {
  uint32_t num_ops = 0, folded_ops = 0;
  int64_t param_bytes = 0;  // distinct constant tensors read by some operator
};

RawFigures ReadRaw(const std::string& bytes) {
  RawTflite r(bytes);
  const size_t model = r.Root();
  const size_t subgraphs = r.Vector(r.Field(model, 2));
  const size_t buffers = r.Vector(r.Field(model, 4));
  const size_t sg = r.TableAt(subgraphs, 0);
  const size_t tensors = r.Vector(r.Field(sg, 0));
  const size_t ops = r.Vector(r.Field(sg, 3));
  RawFigures f;
  f.num_ops = r.Length(ops);
  std::set<int32_t> read;
  auto has_data = [&](int32_t t) {
    const size_t buf_field = r.Field(r.TableAt(tensors, static_cast<uint32_t>(t)), 2);
    const uint32_t buf = buf_field ? r.U32(buf_field) : 0;
    return buf != 0 && r.Length(r.Vector(r.Field(r.TableAt(buffers, buf), 0))) > 0;
  };
  std::set<int32_t> computed_constants;  // outputs of operators that read constants only
  for (uint32_t i = 0; i < f.num_ops; ++i) {
    const size_t inputs = r.Vector(r.Field(r.TableAt(ops, i), 1));
    bool from_constants = r.Length(inputs) > 0;
    for (uint32_t k = 0; k < r.Length(inputs); ++k) {
      const int32_t t = r.IntAt(inputs, k);
      read.insert(t);
      if (t >= 0) from_constants &= has_data(t) || computed_constants.count(t) > 0;
    }
    if (!from_constants) continue;
    ++f.folded_ops;
    const size_t outputs = r.Vector(r.Field(r.TableAt(ops, i), 2));
    for (uint32_t k = 0; k < r.Length(outputs); ++k) computed_constants.insert(r.IntAt(outputs, k));
  }
  for (int32_t t : read) {
    if (t < 0) continue;
    const size_t tensor = r.TableAt(tensors, static_cast<uint32_t>(t));
    const size_t buf_field = r.Field(tensor, 2);
    const uint32_t buf = buf_field ? r.U32(buf_field) : 0;
    if (buf == 0) continue;
    const size_t data = r.Vector(r.Field(r.TableAt(buffers, buf), 0));
    f.param_bytes += r.Length(data);
  }
  return f;
}

TEST(TfliteImporter, EverySharedModelImportsAndAgreesWithRawReading) {
  const auto models = SharedModels("models/tflite", ".tflite");
  ASSERT_GE(models.size(), 18u) << "shared models not found under " << SharedPath("models/tflite");
  for (const auto& path : models) {
    SCOPED_TRACE(path);
    auto g = ImportTflite(path);
    ASSERT_TRUE(g.ok()) << g.error().message;
    auto bytes = ReadFileBytes(path);
    ASSERT_TRUE(bytes.ok());
    const RawFigures raw = ReadRaw(*bytes);
    // Operators computed from constants alone (DEQUANTIZE of fp16 weights) are folded into their
    // readers' parameters.
    EXPECT_EQ(static_cast<uint32_t>(g->num_ops()), raw.num_ops - raw.folded_ops);
    EXPECT_EQ(g->TotalParamBytes(), raw.param_bytes);
    int64_t sum_outputs = 0;
    for (const auto& op : g->ops) sum_outputs += op.output_bytes;
    EXPECT_GT(sum_outputs, 0);
  }
}

TEST(TfliteImporter, MobileNetFiguresMatchPublishedOnes) {
  // Op counts from the files' own metadata (MANIFEST.tsv); MACs from the TF-slim MobileNet
  // tables: v1 0.25/128 = 14 M, v2 1.0/224 = 300 M.
  auto v1 = ImportTflite(SharedPath("models/tflite/mobilenet_v1_0.25_128_quant.tflite"));
  ASSERT_TRUE(v1.ok());
  EXPECT_EQ(v1->num_ops(), 31);
  EXPECT_NEAR(v1->TotalMacs(), 14e6, 0.05 * 14e6);
  auto v2 = ImportTflite(SharedPath("models/tflite/mobilenet_v2_1.0_224_quant.tflite"));
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->num_ops(), 66);
  EXPECT_NEAR(v2->TotalMacs(), 300e6, 0.02 * 300e6);
  EXPECT_EQ(v2->ops[0].type, "CONV_2D");
  // First conv: 3x3, 3 -> 32 channels, 112x112 output, uint8 weights + int32 bias.
  EXPECT_EQ(v2->ops[0].macs, 112LL * 112 * 32 * 27);
  EXPECT_EQ(v2->ops[0].param_bytes, 32 * 27 + 32 * 4);
}

TEST(TfliteImporter, EdgeTpuCustomOpIsOpaque) {
  auto g = ImportTflite(SharedPath("models/tflite/mobilenet_v1_0.25_128_quant_edgetpu.tflite"));
  ASSERT_TRUE(g.ok()) << g.error().message;
  ASSERT_EQ(g->num_ops(), 1);
  EXPECT_EQ(g->ops[0].type, "edgetpu-custom-op");
  EXPECT_EQ(g->ops[0].op_class, OpClass::kCustom);
  EXPECT_GT(g->ops[0].custom_data_bytes, 400000);  // the compiled executable with its weights
  auto seg = ImportTflite(SharedPath(
      "models/tflite/ssd_mobilenet_v1_coco_quant_postprocess_segment_2_of_3_edgetpu.tflite"));
  ASSERT_TRUE(seg.ok());
  std::set<std::string> types;
  for (const auto& op : seg->ops) types.insert(op.type);
  EXPECT_TRUE(types.count("TFLite_Detection_PostProcess"));
  EXPECT_TRUE(types.count("DEQUANTIZE"));
}

TEST(TfliteImporter, OptionalInputsAndLstm) {
  auto g = ImportTflite(SharedPath("models/tflite/keras_lstm_mnist_ptq.tflite"));
  ASSERT_TRUE(g.ok()) << g.error().message;
  bool saw_lstm = false;
  for (const auto& op : g->ops)
    if (op.type == "UNIDIRECTIONAL_SEQUENCE_LSTM") {
      saw_lstm = true;
      EXPECT_GT(op.macs, 0);
      EXPECT_NE(std::find(op.inputs.begin(), op.inputs.end(), -1), op.inputs.end());
    }
  EXPECT_TRUE(saw_lstm);
}

TEST(TfliteImporter, BadInputGivesOneLineErrors) {
  auto bytes = ReadFileBytes(SharedPath("models/tflite/vww_96_int8.tflite"));
  ASSERT_TRUE(bytes.ok());
  const auto* data = reinterpret_cast<const uint8_t*>(bytes->data());
  for (size_t cut : {size_t{0}, size_t{7}, size_t{100}, bytes->size() / 2, bytes->size() - 1}) {
    auto g = ImportTfliteBuffer("cut.tflite", data, cut);
    ASSERT_FALSE(g.ok()) << "truncated at " << cut;
    EXPECT_EQ(g.error().message.find('\n'), std::string::npos);
    EXPECT_EQ(g.error().message.rfind("cut.tflite: ", 0), 0u) << g.error().message;
  }
  const std::string text = "this is not a model at all";
  auto g =
      ImportTfliteBuffer("x.tflite", reinterpret_cast<const uint8_t*>(text.data()), text.size());
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.error().message.find("not a TFLite model"), std::string::npos);
  auto missing = ImportTflite("/nonexistent/model.tflite");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("No such file"), std::string::npos);
}

}  // namespace
}  // namespace respect
