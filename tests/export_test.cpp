// Segment export: every uncompiled shared .tflite model cut into 2-4 segments re-imports with the
// same operators, the runner's rules hold, constant buffers and operator options are
// byte-identical and carried once; every shared .onnx model's segments, chained by onnxruntime,
// give bit-identical outputs to the whole model; model inputs read late and model outputs produced
// early are routed through; bad requests fail with one line and leave nothing behind.
#include <flatbuffers/flatbuffers.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "core/file_io.h"
#include "cost/cost_model.h"
#include "cost/device_profile.h"
#include "cost/segment_scan.h"
#include "exporters/segment_plan.h"
#include "exporters/segments.h"
#include "models/model_source.h"
#include "test_util.h"
#include "tflite_subset_generated.h"

namespace respect {
namespace {

namespace fs = std::filesystem;
namespace fb = tflite_subset;

std::vector<std::string> SharedModels(const char* sub, const char* ext) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(testing::SharedPath(std::string("models/") + sub)))
    if (e.path().extension() == ext) out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

bool Compiled(const Graph& g) {
  for (const Operator& op : g.ops)
    if (op.type == "edgetpu-custom-op") return true;
  return false;
}

// K contiguous chunks of the file's operator order (topological for every importer here).
Schedule Chunks(const Graph& g, int k) {
  std::vector<int> stage(g.num_ops());
  for (int v = 0; v < g.num_ops(); ++v)
    stage[v] = static_cast<int>(static_cast<int64_t>(v) * k / g.num_ops());
  return Schedule(k, stage);
}

std::string TempOut(const std::string& name) {
  const std::string dir = ::testing::TempDir() + "/respect_export_" + name;
  fs::remove_all(dir);
  return dir;
}

// The runner's rules, read back from pipeline.json alone.
void ExpectRunnerRules(const nlohmann::json& p) {
  const auto& segs = p["segments"];
  ASSERT_GE(segs.size(), 1u);
  std::vector<std::string> in0, last_out;
  for (const auto& t : segs[0]["inputs"]) in0.push_back(t["name"]);
  for (const auto& t : segs.back()["outputs"]) last_out.push_back(t["name"]);
  EXPECT_EQ(in0, p["inputs"].get<std::vector<std::string>>());
  EXPECT_EQ(last_out, p["outputs"].get<std::vector<std::string>>());
  std::set<std::string> seen(in0.begin(), in0.end());  // names available so far
  for (size_t i = 0; i < segs.size(); ++i) {
    for (const auto& t : segs[i]["inputs"])
      if (i > 0) {
        EXPECT_TRUE(seen.count(t["name"]))
            << "segment " << i << " takes " << t["name"] << " before anyone outputs it";
        ASSERT_FALSE(t["from_segment"].is_null());
        EXPECT_LT(t["from_segment"].get<int>(), static_cast<int>(i));
      }
    for (const auto& t : segs[i]["outputs"]) {
      if (i + 1 < segs.size()) {
        bool later = false;
        for (size_t j = i + 1; j < segs.size(); ++j)
          for (const auto& u : segs[j]["inputs"]) later = later || u["name"] == t["name"];
        EXPECT_TRUE(later) << "segment " << i << " outputs " << t["name"]
                           << ", which no later segment takes";
      }
      seen.insert(t["name"].get<std::string>());
    }
  }
}

nlohmann::json ReadJson(const std::string& path) {
  std::ifstream f(path);
  return nlohmann::json::parse(f);
}

// The inline bytes of a table (from its vtable's object size).
std::string TableBytes(const void* table) {
  const auto* obj = reinterpret_cast<const uint8_t*>(table);
  const uint8_t* vt = obj - flatbuffers::ReadScalar<flatbuffers::soffset_t>(obj);
  const auto size = flatbuffers::ReadScalar<flatbuffers::voffset_t>(vt + 2);
  return std::string(reinterpret_cast<const char*>(obj) + 4, size - 4);  // past the vtable offset
}

// Where in the file a table stores the field at vtable offset `voffset` (0 when the field is
// absent), so a test can rewrite that value in place.
size_t FieldPosition(const std::string& file, const void* table, flatbuffers::voffset_t voffset) {
  const auto* t = reinterpret_cast<const flatbuffers::Table*>(table);
  const auto field = t->GetOptionalFieldOffset(voffset);
  if (field == 0) return 0;
  return static_cast<size_t>(reinterpret_cast<const uint8_t*>(t) + field -
                             reinterpret_cast<const uint8_t*>(file.data()));
}

struct TfliteFacts {
  std::map<std::string, std::string> constant_data;  // tensor name -> its buffer's bytes
  std::map<std::string, std::string> options;        // operator (first output) -> options bytes
  std::map<std::string, std::string> quant_scale;    // tensor name -> scale bytes
  int buffers_with_data = 0;
};

TfliteFacts ReadTfliteFacts(const std::string& bytes) {
  TfliteFacts f;
  const auto* m = fb::GetModel(bytes.data());
  const auto* sg = m->subgraphs()->Get(0);
  for (const auto* b : *m->buffers()) f.buffers_with_data += b->data() && b->data()->size() > 0;
  for (const auto* t : *sg->tensors()) {
    const auto* b = m->buffers()->Get(t->buffer());
    if (b->data() && b->data()->size() > 0)
      f.constant_data[t->name()->str()] =
          std::string(reinterpret_cast<const char*>(b->data()->data()), b->data()->size());
    if (t->quantization() && t->quantization()->scale())
      f.quant_scale[t->name()->str()] =
          std::string(reinterpret_cast<const char*>(t->quantization()->scale()->data()),
                      4 * t->quantization()->scale()->size());
  }
  for (const auto* op : *sg->operators())
    if (op->builtin_options())
      f.options[sg->tensors()->Get(op->outputs()->Get(0))->name()->str()] =
          std::to_string(op->builtin_options_type()) + ":" + TableBytes(op->builtin_options());
  return f;
}

TEST(Export, TfliteSegmentsKeepEverythingByteForByte) {
  int models = 0;
  for (const std::string& path : SharedModels("tflite", ".tflite")) {
    auto g = LoadModel(path);
    ASSERT_TRUE(g.ok()) << g.error().message;
    if (Compiled(*g)) continue;
    ++models;
    auto original = ReadFileBytes(path);
    ASSERT_TRUE(original.ok());
    const TfliteFacts orig = ReadTfliteFacts(*original);
    for (int k : {2, 4}) {
      if (k > g->num_ops()) continue;  // tools_split_concat: 3 operators
      SCOPED_TRACE(path + " k=" + std::to_string(k));
      const std::string dir = TempOut("tflite");
      auto r = ExportPipeline(path, *g, Chunks(*g, k), dir, nullptr);
      ASSERT_TRUE(r.ok()) << r.error().message;
      ASSERT_EQ(r->files.size(), static_cast<size_t>(k));
      ExpectRunnerRules(ReadJson(dir + "/pipeline.json"));
      int ops = 0;
      for (const auto& file : r->files) {
        auto seg = LoadModel(dir + "/" + file);
        ASSERT_TRUE(seg.ok()) << seg.error().message;
        ops += seg->num_ops();
        auto bytes = ReadFileBytes(dir + "/" + file);
        ASSERT_TRUE(bytes.ok());
        const TfliteFacts f = ReadTfliteFacts(*bytes);
        std::set<std::string> distinct;
        for (const auto& [name, data] : f.constant_data) {
          ASSERT_TRUE(orig.constant_data.count(name)) << name;
          EXPECT_EQ(data, orig.constant_data.at(name)) << "constant " << name << " changed";
        }
        for (const auto& [name, opt] : f.options)
          EXPECT_EQ(opt, orig.options.at(name)) << "options of " << name;
        for (const auto& [name, s] : f.quant_scale)
          EXPECT_EQ(s, orig.quant_scale.at(name)) << "scale of " << name;
        // Each buffer once: no more buffers with data than distinct original buffers read.
        std::set<uint32_t> orig_buffers;
        const auto* om = fb::GetModel(original->data());
        for (const auto* t : *om->subgraphs()->Get(0)->tensors())
          if (f.constant_data.count(t->name()->str())) orig_buffers.insert(t->buffer());
        EXPECT_LE(f.buffers_with_data,
                  static_cast<int>(orig_buffers.size()) + 2);  // + kept metadata
      }
      EXPECT_EQ(ops, g->num_ops());
    }
  }
  EXPECT_EQ(models, 14);  // every shared .tflite that is not compiled for the Edge TPU
}

// Runs the model and its segments with onnxruntime (tests/node/run_segments.js).
nlohmann::json RunWithOnnxRuntime(const std::string& model, const std::string& dir) {
  const std::string tool = std::string(RESPECT_SOURCE_DIR) + "/tests/node/run_segments.js";
  const std::string modules =
      std::string(RESPECT_SOURCE_DIR) + "/tests/node/node_modules/onnxruntime-node";
  if (!fs::exists(modules)) {
    ADD_FAILURE() << "onnxruntime-node is not installed: the README's test command "
                     "(scripts/run_tests.sh) runs "
                     "npm install --ignore-scripts in tests/node";
    return nullptr;
  }
  const std::string out = dir + ".ort.json";
  const std::string cmd = "node '" + tool + "' '" + model + "' '" + dir + "' 7 > '" + out + "'";
  const int rc = std::system(cmd.c_str());
  auto text = ReadFileBytes(out);
  EXPECT_TRUE(text.ok());
  if (!text.ok() || text->empty()) {
    ADD_FAILURE() << "run_segments.js failed (" << rc << ")";
    return nullptr;
  }
  EXPECT_EQ(rc, 0) << *text;
  return nlohmann::json::parse(*text);
}

TEST(Export, OnnxSegmentsGiveBitIdenticalOutputsInOnnxRuntime) {
  int models = 0;
  for (const std::string& path : SharedModels("onnx", ".onnx")) {
    auto g = LoadModel(path);
    ASSERT_TRUE(g.ok()) << g.error().message;
    SCOPED_TRACE(path);
    const std::string dir = TempOut("onnx");
    auto r = ExportPipeline(path, *g, Chunks(*g, 3), dir, nullptr);
    if (!r.ok()) {
      // A cut through a tensor whose shape depends on data is refused, nothing written.
      EXPECT_NE(r.error().message.find("not static"), std::string::npos) << r.error().message;
      EXPECT_FALSE(fs::exists(dir));
      continue;
    }
    ++models;
    ExpectRunnerRules(ReadJson(dir + "/pipeline.json"));
    const nlohmann::json ort = RunWithOnnxRuntime(path, dir);
    ASSERT_FALSE(ort.is_null());
    EXPECT_EQ(ort["mismatches"], 0) << ort.dump();
    EXPECT_GT(ort["elements"].get<int>(), 0);
  }
  EXPECT_EQ(models, 5);
}

// Stage 0 holds exactly the ancestors of one model output's producer: that output is produced
// early and must pass through every later segment; the other outputs come from later stages.
Schedule OutputEarly(const Graph& g, int* routed) {
  for (int t : g.outputs) {
    const int p = g.tensors[t].producer;
    if (p < 0) continue;
    std::vector<char> up(g.num_ops(), 0);
    std::vector<int> work = {p};
    up[p] = 1;
    while (!work.empty()) {
      const int v = work.back();
      work.pop_back();
      for (int u : g.preds(v))
        if (!up[u]) {
          up[u] = 1;
          work.push_back(u);
        }
    }
    int count = 0;
    for (char c : up) count += c;
    if (count == g.num_ops()) continue;
    std::vector<int> stage(g.num_ops());
    for (int v = 0; v < g.num_ops(); ++v) stage[v] = up[v] ? 0 : 1;
    *routed = t;
    return Schedule(2, stage);
  }
  *routed = -1;
  return {};
}

TEST(Export, ModelOutputsProducedEarlyAndInputsReadLateAreRouted) {
  // ONNX: the face detector's two outputs (scores, boxes); onnxruntime checks the routed chain.
  {
    const std::string path = testing::SharedPath("models/onnx/version-slim-320.onnx");
    auto g = LoadModel(path);
    ASSERT_TRUE(g.ok());
    int routed = -1;
    const Schedule s = OutputEarly(*g, &routed);
    ASSERT_GE(routed, 0);
    const std::string dir = TempOut("onnx_routed");
    auto r = ExportPipeline(path, *g, s, dir, nullptr);
    ASSERT_TRUE(r.ok()) << r.error().message;
    const nlohmann::json p = ReadJson(dir + "/pipeline.json");
    ExpectRunnerRules(p);
    const std::string name = g->tensors[routed].name;
    EXPECT_EQ(p["segments"][1]["passed_through"], nlohmann::json::array({name}));
    const nlohmann::json ort = RunWithOnnxRuntime(path, dir);
    ASSERT_FALSE(ort.is_null());
    EXPECT_EQ(ort["mismatches"], 0);
  }
  // TFLite: the short-range face detector's outputs.
  {
    const std::string path = testing::SharedPath("models/tflite/face_detection_short_range.tflite");
    auto g = LoadModel(path);
    ASSERT_TRUE(g.ok());
    int routed = -1;
    const Schedule early = OutputEarly(*g, &routed);
    ASSERT_GE(routed, 0);
    const std::string dir = TempOut("tflite_routed");
    auto r = ExportPipeline(path, *g, early, dir, nullptr);
    ASSERT_TRUE(r.ok()) << r.error().message;
    ExpectRunnerRules(ReadJson(dir + "/pipeline.json"));
    // A model input read late (passed through segment 0):
    // LiteRt.ModelInputReadLateIsPassedThroughAndRuns (litert_test.cpp) on a model made for it,
    // since fp16 weights are now folded into their readers.
  }
}

TEST(Export, BadRequestsFailWithOneLineAndWriteNothing) {
  const std::string tfl = testing::SharedPath("models/tflite/mobilenet_v1_0.25_128_quant.tflite");
  auto g = LoadModel(tfl);
  ASSERT_TRUE(g.ok());
  auto one_line = [](const std::string& message) {
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  };
  // No model file to cut.
  auto zoo = LoadModel("zoo:inception_v3");
  ASSERT_TRUE(zoo.ok());
  const std::string dir = TempOut("bad");
  auto r = ExportPipeline("zoo:inception_v3", *zoo, Chunks(*zoo, 2), dir, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("no model file to cut"), std::string::npos) << r.error().message;
  one_line(r.error().message);
  // An already-compiled model.
  const std::string compiled =
      testing::SharedPath("models/tflite/mobilenet_v1_0.25_128_quant_edgetpu.tflite");
  auto c = LoadModel(compiled);
  ASSERT_TRUE(c.ok());
  r = ExportPipeline(compiled, *c, Schedule(1, {0}), dir, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("edgetpu_compiler"), std::string::npos) << r.error().message;
  // An empty stage, and a backward edge.
  std::vector<int> stage(g->num_ops(), 0);
  stage.back() = 2;
  r = ExportPipeline(tfl, *g, Schedule(3, stage), dir, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("stage 1 of 3 has no operators"), std::string::npos)
      << r.error().message;
  std::vector<int> backwards(g->num_ops(), 1);
  backwards.back() = 0;
  r = ExportPipeline(tfl, *g, Schedule(2, backwards), dir, nullptr);
  ASSERT_FALSE(r.ok());
  one_line(r.error().message);
  EXPECT_FALSE(fs::exists(dir));
  // An operator whose options table the writer does not know (here a CONV_2D whose options type
  // is rewritten to ConcatEmbeddingsOptions, a table with vectors): refused, naming the operator.
  {
    auto bytes = ReadFileBytes(tfl);
    ASSERT_TRUE(bytes.ok());
    std::string patched = *bytes;
    const auto* ops = fb::GetModel(bytes->data())->subgraphs()->Get(0)->operators();
    const size_t at = FieldPosition(*bytes, ops->Get(0), 10);  // Operator.builtin_options_type
    ASSERT_NE(at, 0u);
    patched[at] = 3;
    const std::string odd = ::testing::TempDir() + "/respect_odd_options.tflite";
    ASSERT_TRUE(WriteFileAtomic(odd, patched).ok());
    auto og = LoadModel(odd);
    ASSERT_TRUE(og.ok()) << og.error().message;
    r = ExportPipeline(odd, *og, Chunks(*og, 2), dir, nullptr);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("(" + og->ops[0].type + ")"), std::string::npos)
        << r.error().message;
    EXPECT_NE(r.error().message.find("BuiltinOptions type 3"), std::string::npos)
        << r.error().message;
    one_line(r.error().message);
    EXPECT_FALSE(fs::exists(dir));
  }
  // A directory that is not a previous export is not replaced; a previous export is.
  fs::create_directories(dir);
  { std::ofstream(dir + "/precious.txt") << "keep"; }
  r = ExportPipeline(tfl, *g, Chunks(*g, 2), dir, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(fs::exists(dir + "/precious.txt"));
  fs::remove_all(dir);
  ASSERT_TRUE(ExportPipeline(tfl, *g, Chunks(*g, 3), dir, nullptr).ok());
  ASSERT_TRUE(ExportPipeline(tfl, *g, Chunks(*g, 2), dir, nullptr).ok());
  EXPECT_FALSE(fs::exists(dir + "/mobilenet_v1_0.25_128_quant_segment_2_of_3.tflite"));
  EXPECT_TRUE(fs::exists(dir + "/mobilenet_v1_0.25_128_quant_segment_1_of_2.tflite"));
  // Nothing but the export is left beside it (no temporary directories).
  int siblings = 0;
  for (const auto& e : fs::directory_iterator(fs::path(dir).parent_path()))
    siblings += e.path().filename().string().rfind(fs::path(dir).filename().string(), 0) == 0;
  EXPECT_EQ(siblings, 1);
}

// A converter stores identical constants once, with several tensors pointing at one buffer. A
// real model file made so (two same-size biases of MobileNet v1 pointed at one buffer): the
// model's parameter total counts the buffer once, as the file stores it; so does a stage holding
// both readers, in the evaluator and in dp's scanner; per-operator figures still name what each
// operator reads; a segment holding both carries the buffer once.
TEST(Export, SharedConstantBuffersAreCountedAndCarriedOnce) {
  const std::string path = testing::SharedPath("models/tflite/mobilenet_v1_0.25_128_quant.tflite");
  auto bytes = ReadFileBytes(path);
  ASSERT_TRUE(bytes.ok());
  std::string patched = *bytes;
  const auto* m = fb::GetModel(bytes->data());
  const auto* tensors = m->subgraphs()->Get(0)->tensors();
  // Two constant tensors of the same stored size, each with its buffer field present.
  int a = -1, b = -1;
  std::map<size_t, int> by_size;
  for (int t = 0; t < static_cast<int>(tensors->size()) && b < 0; ++t) {
    const auto* ft = tensors->Get(t);
    const auto* buf = m->buffers()->Get(ft->buffer());
    if (!buf->data() || buf->data()->size() == 0) continue;
    auto [it, fresh] = by_size.emplace(buf->data()->size(), t);
    if (!fresh) {
      a = it->second;
      b = t;
    }
  }
  ASSERT_GE(b, 0);
  const size_t at = FieldPosition(*bytes, tensors->Get(b), 8);  // Tensor.buffer
  ASSERT_NE(at, 0u);
  flatbuffers::WriteScalar<uint32_t>(&patched[at], tensors->Get(a)->buffer());
  const std::string shared_path = ::testing::TempDir() + "/respect_shared_buffer.tflite";
  ASSERT_TRUE(WriteFileAtomic(shared_path, patched).ok());

  auto orig = LoadModel(path);
  auto g = LoadModel(shared_path);
  ASSERT_TRUE(orig.ok() && g.ok()) << (g.ok() ? "" : g.error().message);
  const int64_t size = g->tensors[b].bytes;
  EXPECT_EQ(g->StorageOf(b), a);
  EXPECT_TRUE(g->StorageShared(a));
  EXPECT_EQ(g->TotalParamBytes(), orig->TotalParamBytes() - size);
  for (int v = 0; v < g->num_ops(); ++v) EXPECT_EQ(g->ops[v].param_bytes, orig->ops[v].param_bytes);
  auto usb = LoadDeviceProfile("usb");
  ASSERT_TRUE(usb.ok());
  CostModel cm(*g, *usb);
  const PipelineCost one = cm.Evaluate(std::vector<int>(g->num_ops(), 0), 1);
  EXPECT_EQ(one.stages[0].param_bytes, g->TotalParamBytes());
  // dp's scanner charges the same as the evaluator on every segment.
  std::vector<int> order(g->num_ops());
  for (int v = 0; v < g->num_ops(); ++v) order[v] = v;
  SegmentScanner scan(cm, order);
  scan.Start(0);
  for (int j = 0; j < g->num_ops(); ++j) scan.Extend();
  EXPECT_EQ(scan.cost().param_bytes, one.stages[0].param_bytes);
  // One segment with both readers carries the buffer once.
  const std::string dir = TempOut("shared_buffer");
  std::vector<int> stage(g->num_ops(), 0);
  stage.back() = 1;
  auto r = ExportPipeline(shared_path, *g, Schedule(2, stage), dir, nullptr);
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto seg = ReadFileBytes(dir + "/" + r->files[0]);
  ASSERT_TRUE(seg.ok());
  const auto* sm = fb::GetModel(seg->data());
  std::set<uint32_t> buffers_of_pair;
  for (const auto* t : *sm->subgraphs()->Get(0)->tensors())
    if (t->name()->str() == g->tensors[a].name || t->name()->str() == g->tensors[b].name)
      buffers_of_pair.insert(t->buffer());
  EXPECT_EQ(buffers_of_pair.size(), 1u);
  auto sg = LoadModel(dir + "/" + r->files[0]);
  ASSERT_TRUE(sg.ok());
  EXPECT_EQ(sg->TotalParamBytes(), cm.Evaluate(stage, 2).stages[0].param_bytes);
}

// The CLI: schedule --export and export --schedule write the same files.
TEST(Export, CommandLine) {
  const std::string tfl = testing::SharedPath("models/tflite/mobilenet_v2_1.0_224_quant.tflite");
  const std::string a = TempOut("cli_a"), b = TempOut("cli_b"),
                    plan = ::testing::TempDir() + "/respect_plan.json";
  std::string cmd = std::string(RESPECT_BINARY) + " schedule '" + tfl +
                    "' -k 3 --method dp -q --out '" + plan + "' --export '" + a + "' > /dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  cmd = std::string(RESPECT_BINARY) + " export '" + tfl + "' --schedule '" + plan + "' --out '" +
        b + "' -q";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  for (int i = 0; i < 3; ++i) {
    const std::string f =
        "mobilenet_v2_1.0_224_quant_segment_" + std::to_string(i) + "_of_3.tflite";
    auto x = ReadFileBytes(a + "/" + f), y = ReadFileBytes(b + "/" + f);
    ASSERT_TRUE(x.ok() && y.ok()) << f;
    EXPECT_EQ(*x, *y) << f;
  }
  const nlohmann::json p = ReadJson(a + "/pipeline.json");
  EXPECT_EQ(p["stages"], 3);
  EXPECT_TRUE(p["segments"][0]["predicted"].contains("latency_ms"));
  for (const auto& seg : p["segments"]) EXPECT_EQ(seg["replicas"], 1);
  EXPECT_EQ(p["tpus"], 3);
  // A hybrid schedule: each stage's segment written once, its replica count recorded, and the
  // same schedule read back from the JSON exports the same files.
  const std::string h = TempOut("cli_h"), hplan = ::testing::TempDir() + "/respect_hplan.json";
  cmd = std::string(RESPECT_BINARY) + " schedule '" + tfl + "' --tpus 5 -k 2 -q --out '" + hplan +
        "' --export '" + h + "' > /dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  const nlohmann::json hp = ReadJson(h + "/pipeline.json"), hj = ReadJson(hplan);
  ASSERT_EQ(hp["segments"].size(), hj["replicas"].size());
  int tpus = 0;
  for (size_t k = 0; k < hp["segments"].size(); ++k) {
    EXPECT_EQ(hp["segments"][k]["replicas"], hj["replicas"][k]);
    tpus += hp["segments"][k]["replicas"].get<int>();
  }
  EXPECT_EQ(hp["tpus"], tpus);
  EXPECT_EQ(hj["tpus"], tpus);
  EXPECT_GT(tpus, static_cast<int>(hp["segments"].size()));  // some stage is replicated
  EXPECT_LE(tpus, 5);
  const std::string h2 = TempOut("cli_h2");
  cmd = std::string(RESPECT_BINARY) + " export '" + tfl + "' --schedule '" + hplan + "' --out '" +
        h2 + "' -q";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_EQ(ReadJson(h2 + "/pipeline.json")["segments"][0]["replicas"], hj["replicas"][0]);
  // Errors: one line on stderr, exit 2.
  cmd = std::string(RESPECT_BINARY) + " schedule zoo:inception_v3 -k 2 -q --export '" +
        TempOut("cli_c") + "' > /dev/null 2> '" + plan + ".err'";
  EXPECT_EQ(WEXITSTATUS(std::system(cmd.c_str())), 2);
  auto err = ReadFileBytes(plan + ".err");
  ASSERT_TRUE(err.ok());
  EXPECT_NE(err->find("no model file to cut"), std::string::npos) << *err;
}

}  // namespace
}  // namespace respect
