// Exported .tflite pipelines executed in a real TensorFlow Lite interpreter (LiteRT.js, the
// WebAssembly build with XNNPACK, under Node.js: tools/litert), compared bit for bit with the
// whole model; the operators computed from constants alone that make this possible; sparse
// constants and signature names.
#include <flatbuffers/flatbuffers.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "bench/export_suite.h"
#include "core/file_io.h"
#include "exporters/segments.h"
#include "models/model_source.h"
#include "runtime/litert_runner.h"
#include "schedulers/schedule.h"
#include "test_util.h"
#include "tflite_subset_generated.h"

namespace respect {
namespace {

namespace fs = std::filesystem;
namespace fb = tflite_subset;
using testing::SharedPath;

std::string Scratch(const std::string& tag) {
  static int n = 0;
  return (fs::temp_directory_path() /
          ("respect-litert-" + std::to_string(getpid()) + "-" + tag + "-" + std::to_string(n++)))
      .string();
}

std::string Runner() {
  auto r = FindLiteRtRunner();
  if (!r) {
    ADD_FAILURE() << r.error().message
                  << " (the README's test command, scripts/run_tests.sh, installs it)";
    return "";
  }
  return *r;
}

// Every shared uncompiled .tflite model that the interpreter runs whole runs as a pipeline at
// every K it has operators for, bit-identical: each K once, the methods in turn (auto, compiler,
// profiling, dp, a random valid schedule). The full sweep is `respect bench --suite export`.
TEST(LiteRt, SharedModelsRunAsBitIdenticalPipelines) {
  ExportSuiteOptions o;
  o.models = TfliteModelsUnder(SharedPath("models"));
  o.stages = {2, 3, 4, 5, 6};
  o.random_schedules = 1;
  o.one_method_per_k = true;
  o.time_limit_s = 5;
  o.repeat = 1;
  o.runner_dir = fs::path(Runner()).parent_path().string();
  if (o.runner_dir.empty()) return;
  auto r = RunExportSuite(o);
  ASSERT_TRUE(r.ok()) << r.error().message;
  int ran = 0, skipped = 0;
  bool fp16_model = false;
  for (const auto& m : r->models) {
    if (!m.runs_whole) {
      ++skipped;
      std::printf("skipped %s: %s\n", fs::path(m.model).filename().c_str(),
                  m.skipped.substr(0, 160).c_str());
      continue;
    }
    ++ran;
    std::set<int> ks;
    for (const auto& row : m.rows) {
      EXPECT_TRUE(row.ok) << m.model << " K=" << row.stages << " " << row.method << ": "
                          << row.error;
      if (row.ok) ks.insert(row.stages);
    }
    EXPECT_EQ(static_cast<int>(ks.size()), std::min(5, m.ops - 1)) << m.model << ": every K from 2";
    if (fs::path(m.model).filename() == "face_detection_short_range.tflite") fp16_model = true;
    std::printf("ran %s: %zu pipelines bit-identical\n", fs::path(m.model).filename().c_str(),
                ks.size());
  }
  std::printf("%d models ran as pipelines (%d of %d pipelines bit-identical), %d skipped\n", ran,
              r->identical, r->pipelines, skipped);
  EXPECT_GE(ran, 10);  // 12 of the 18 shared files today: the rest are compiled or hold custom ops
  EXPECT_TRUE(fp16_model)
      << "the fp16-weight model (DEQUANTIZE of constants) must be among those run";
  EXPECT_EQ(r->identical, r->pipelines);
}

// fp16 weights dequantized at run time: the DEQUANTIZE operators read constants only, so their
// outputs are parameters of their readers, not activations. None is left in the graph, the
// parameter bytes are the file's (the fp16 bytes), and a segment that reads such a weight
// carries its own DEQUANTIZE.
TEST(LiteRt, OperatorsComputedFromConstantsAreFoldedIntoTheirReaders) {
  const std::string path = SharedPath("models/tflite/face_detection_short_range.tflite");
  auto g = LoadModel(path);
  ASSERT_TRUE(g.ok()) << g.error().message;
  EXPECT_EQ(g->num_ops(), 164 - 74);  // 74 DEQUANTIZE of fp16 constants folded
  for (const Operator& op : g->ops) {
    bool all_constant = true;
    for (int t : op.inputs)
      if (t >= 0) all_constant &= g->tensors[t].is_constant;
    EXPECT_FALSE(all_constant) << op.name << " (" << op.type << ") reads constants only";
    EXPECT_GE(op.source_index, 0);
  }
  EXPECT_EQ(g->TotalParamBytes(), 203132);  // as before folding: the stored fp16 bytes
  // Every K = 3 contiguous cut of the model's order: the segments carry the DEQUANTIZEs they need.
  const int n = g->num_ops();
  std::vector<int> stage(n);
  for (int v = 0; v < n; ++v) stage[v] = v * 3 / n;
  const std::string dir = Scratch("fp16");
  auto ex = ExportPipeline(path, *g, Schedule(3, stage), dir, nullptr);
  ASSERT_TRUE(ex.ok()) << ex.error().message;
  int carried = 0;
  for (const auto& f : ex->files) {
    auto bytes = ReadFileBytes(dir + "/" + f);
    ASSERT_TRUE(bytes.ok());
    const fb::Model* m = fb::GetModel(bytes->data());
    auto seg = LoadModel(dir + "/" + f);
    ASSERT_TRUE(seg.ok());
    carried += static_cast<int>(m->subgraphs()->Get(0)->operators()->size()) - seg->num_ops();
  }
  EXPECT_EQ(carried, 74);  // each dequantized weight has one reader here: carried once
  const nlohmann::json pj = nlohmann::json::parse(*ReadFileBytes(dir + "/pipeline.json"));
  std::map<std::string, bool> constant;
  for (const Tensor& t : g->tensors) constant[t.name] = t.is_constant;
  for (const auto& s : pj["segments"])  // no dequantized weight crosses a boundary
    for (const auto& in : s["inputs"])
      EXPECT_FALSE(constant.at(in["name"].get<std::string>())) << in.dump();
  const std::string runner = Runner();
  if (!runner.empty()) {
    auto run = RunTflitePipelines(runner, path, {dir});
    ASSERT_TRUE(run.ok()) << run.error().message;
    ASSERT_TRUE(run->whole_ok) << run->whole_error;
    ASSERT_EQ(run->pipelines.size(), 1u);
    EXPECT_TRUE(run->pipelines[0].ok) << run->pipelines[0].error;
  }
  fs::remove_all(dir);
}

// A model made sparse here: x[1,4] -> FULLY_CONNECTED(W1 = DENSIFY(sparse [3,4])) -> h[1,3] ->
// FULLY_CONNECTED(W2 = DENSIFY(sparse [2,3])) -> y[1,2], with a signature naming x "in" and y
// "out". W1 and W2 are stored in CSR form (dense rows, sparse columns).
std::string SparseModel() {
  flatbuffers::FlatBufferBuilder fbb;
  auto csr = [&](int rows, const std::vector<int>& segments, const std::vector<int>& indices) {
    auto seg = fb::CreateInt32Vector(fbb, fbb.CreateVector(segments));
    auto idx = fb::CreateInt32Vector(fbb, fbb.CreateVector(indices));
    std::vector<flatbuffers::Offset<fb::DimensionMetadata>> dims = {
        fb::CreateDimensionMetadata(fbb, fb::DimensionType_DENSE, rows),
        fb::CreateDimensionMetadata(fbb, fb::DimensionType_SPARSE_CSR, 0,
                                    fb::SparseIndexVector_Int32Vector, seg.Union(),
                                    fb::SparseIndexVector_Int32Vector, idx.Union())};
    return fb::CreateSparsityParameters(fbb, fbb.CreateVector(std::vector<int>{0, 1}), 0,
                                        fbb.CreateVector(dims));
  };
  auto floats = [&](const std::vector<float>& v) {
    fbb.ForceVectorAlignment(v.size() * 4, 1, 16);
    auto d = fbb.CreateVector(reinterpret_cast<const uint8_t*>(v.data()), v.size() * 4);
    return fb::CreateBuffer(fbb, d);
  };
  std::vector<flatbuffers::Offset<fb::Buffer>> buffers = {
      fb::CreateBuffer(fbb), floats({0.5f, -1.25f, 2.0f, 0.75f, -0.5f}),
      floats({1.5f, -2.0f, 0.25f})};
  auto tensor = [&](const char* name, std::vector<int> shape, uint32_t buffer,
                    flatbuffers::Offset<fb::SparsityParameters> sp = 0) {
    auto s = fbb.CreateVector(shape);
    auto nm = fbb.CreateString(name);
    fb::TensorBuilder b(fbb);
    b.add_shape(s);
    b.add_type(fb::TensorType_FLOAT32);
    b.add_buffer(buffer);
    b.add_name(nm);
    if (!sp.IsNull()) b.add_sparsity(sp);
    return b.Finish();
  };
  auto sp1 =
      csr(3, {0, 2, 3, 5}, {0, 3, 1, 0, 2});  // W1: row 0 cols 0,3; row 1 col 1; row 2 cols 0,2
  auto sp2 = csr(2, {0, 2, 3}, {0, 2, 1});    // W2: row 0 cols 0,2; row 1 col 1
  std::vector<flatbuffers::Offset<fb::Tensor>> tensors = {
      tensor("x", {1, 4}, 0), tensor("w1_sparse", {3, 4}, 1, sp1), tensor("w1", {3, 4}, 0),
      tensor("h", {1, 3}, 0), tensor("w2_sparse", {2, 3}, 2, sp2), tensor("w2", {2, 3}, 0),
      tensor("y", {1, 2}, 0)};
  auto op = [&](uint32_t code, std::vector<int> in, std::vector<int> out) {
    auto i = fbb.CreateVector(in);
    auto o = fbb.CreateVector(out);
    fb::OperatorBuilder b(fbb);
    b.add_opcode_index(code);
    b.add_inputs(i);
    b.add_outputs(o);
    return b.Finish();
  };
  std::vector<flatbuffers::Offset<fb::Operator>> ops = {op(1, {1}, {2}), op(0, {0, 2, -1}, {3}),
                                                        op(1, {4}, {5}), op(0, {3, 5, -1}, {6})};
  std::vector<flatbuffers::Offset<fb::OperatorCode>> codes = {
      fb::CreateOperatorCode(fbb, 9, 0, 1, 9), fb::CreateOperatorCode(fbb, 124, 0, 1, 124)};
  auto sg = fb::CreateSubGraph(
      fbb, fbb.CreateVector(tensors), fbb.CreateVector(std::vector<int>{0}),
      fbb.CreateVector(std::vector<int>{6}), fbb.CreateVector(ops), fbb.CreateString("main"));
  std::vector<flatbuffers::Offset<fb::TensorMap>> ins = {
      fb::CreateTensorMap(fbb, fbb.CreateString("in"), 0)};
  std::vector<flatbuffers::Offset<fb::TensorMap>> outs = {
      fb::CreateTensorMap(fbb, fbb.CreateString("out"), 6)};
  auto sig = fb::CreateSignatureDef(fbb, fbb.CreateVector(ins), fbb.CreateVector(outs),
                                    fbb.CreateString("serving_default"), 0);
  auto model = fb::CreateModel(fbb, 3, fbb.CreateVector(codes), fbb.CreateVector(std::vector{sg}),
                               fbb.CreateString("respect test: sparse weights"),
                               fbb.CreateVector(buffers), 0, 0, fbb.CreateVector(std::vector{sig}));
  fb::FinishModelBuffer(fbb, model);
  return std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
}

TEST(LiteRt, SparseConstantsAndSignaturesAreCarriedIntoSegments) {
  const std::string dir = Scratch("sparse");
  fs::create_directories(dir);
  const std::string path = dir + "/sparse_fc.tflite";
  ASSERT_TRUE(WriteFileAtomic(path, SparseModel()).ok());
  auto g = LoadModel(path);
  ASSERT_TRUE(g.ok()) << g.error().message;
  ASSERT_EQ(g->num_ops(), 2);  // the DENSIFYs are folded into the FCs' weights
  EXPECT_EQ(g->ops[0].param_bytes, 5 * 4);
  EXPECT_EQ(g->ops[1].param_bytes, 3 * 4);
  const std::string out = dir + "/segments";
  auto ex = ExportPipeline(path, *g, Schedule(2, {0, 1}), out, nullptr);
  ASSERT_TRUE(ex.ok()) << ex.error().message;
  const nlohmann::json pj = nlohmann::json::parse(*ReadFileBytes(out + "/pipeline.json"));
  EXPECT_EQ(pj["signature"]["key"], "serving_default");
  EXPECT_EQ(pj["signature"]["inputs"]["in"], "x");
  EXPECT_EQ(pj["signature"]["outputs"]["out"], "y");
  for (const auto& f : ex->files) {
    auto bytes = ReadFileBytes(out + "/" + f);
    ASSERT_TRUE(bytes.ok());
    const fb::Model* m = fb::GetModel(bytes->data());
    const auto* sg = m->subgraphs()->Get(0);
    EXPECT_EQ(sg->operators()->size(), 2u) << f << ": its DENSIFY and its FULLY_CONNECTED";
    int sparse = 0;
    for (const auto* t : *sg->tensors())
      if (t->sparsity()) {
        ++sparse;
        ASSERT_EQ(t->sparsity()->dim_metadata()->size(), 2u);
        EXPECT_EQ(t->sparsity()->dim_metadata()->Get(1)->format(), fb::DimensionType_SPARSE_CSR);
        EXPECT_NE(t->sparsity()->dim_metadata()->Get(1)->array_indices_as_Int32Vector(), nullptr);
      }
    EXPECT_EQ(sparse, 1) << f;
  }
  const std::string runner = Runner();
  if (!runner.empty()) {
    auto run = RunTflitePipelines(runner, path, {out}, 3);
    ASSERT_TRUE(run.ok()) << run.error().message;
    ASSERT_TRUE(run->whole_ok) << run->whole_error;
    ASSERT_EQ(run->pipelines.size(), 1u);
    EXPECT_TRUE(run->pipelines[0].ok) << run->pipelines[0].error;
    EXPECT_EQ(run->pipelines[0].elements, 2);
  }
  fs::remove_all(dir);
}

// x[1,4] -> FULLY_CONNECTED(W [3,4]) -> h[1,3]; ADD(h, y[1,3]) -> z. Cut between the two, the
// model input y is read only by segment 1: segment 0 passes it through.
std::string LateInputModel() {
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<float> w = {0.5f,   -1.0f, 0.25f, 2.0f, 1.5f,   0.0f,
                          -0.75f, 1.0f,  -2.0f, 0.5f, 0.125f, -0.25f};
  fbb.ForceVectorAlignment(w.size() * 4, 1, 16);
  auto wdata = fbb.CreateVector(reinterpret_cast<const uint8_t*>(w.data()), w.size() * 4);
  std::vector<flatbuffers::Offset<fb::Buffer>> buffers = {fb::CreateBuffer(fbb),
                                                          fb::CreateBuffer(fbb, wdata)};
  auto tensor = [&](const char* name, std::vector<int> shape, uint32_t buffer) {
    return fb::CreateTensor(fbb, fbb.CreateVector(shape), fb::TensorType_FLOAT32, buffer,
                            fbb.CreateString(name));
  };
  std::vector<flatbuffers::Offset<fb::Tensor>> tensors = {
      tensor("x", {1, 4}, 0), tensor("w", {3, 4}, 1), tensor("h", {1, 3}, 0),
      tensor("y", {1, 3}, 0), tensor("z", {1, 3}, 0)};
  auto op = [&](uint32_t code, std::vector<int> in, std::vector<int> out) {
    return fb::CreateOperator(fbb, code, fbb.CreateVector(in), fbb.CreateVector(out));
  };
  std::vector<flatbuffers::Offset<fb::Operator>> ops = {op(0, {0, 1, -1}, {2}), op(1, {2, 3}, {4})};
  std::vector<flatbuffers::Offset<fb::OperatorCode>> codes = {
      fb::CreateOperatorCode(fbb, 9, 0, 1, 9), fb::CreateOperatorCode(fbb, 0, 0, 1, 0)};
  auto sg = fb::CreateSubGraph(
      fbb, fbb.CreateVector(tensors), fbb.CreateVector(std::vector<int>{0, 3}),
      fbb.CreateVector(std::vector<int>{4}), fbb.CreateVector(ops), fbb.CreateString("main"));
  auto model = fb::CreateModel(fbb, 3, fbb.CreateVector(codes), fbb.CreateVector(std::vector{sg}),
                               fbb.CreateString("respect test: an input read late"),
                               fbb.CreateVector(buffers));
  fb::FinishModelBuffer(fbb, model);
  return std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
}

TEST(LiteRt, ModelInputReadLateIsPassedThroughAndRuns) {
  const std::string dir = Scratch("late");
  fs::create_directories(dir);
  const std::string path = dir + "/late_input.tflite";
  ASSERT_TRUE(WriteFileAtomic(path, LateInputModel()).ok());
  auto g = LoadModel(path);
  ASSERT_TRUE(g.ok()) << g.error().message;
  ASSERT_EQ(g->num_ops(), 2);
  const std::string out = dir + "/segments";
  auto ex = ExportPipeline(path, *g, Schedule(2, {0, 1}), out, nullptr);
  ASSERT_TRUE(ex.ok()) << ex.error().message;
  const nlohmann::json p = nlohmann::json::parse(*ReadFileBytes(out + "/pipeline.json"));
  EXPECT_EQ(p["segments"][0]["passed_through"], nlohmann::json::array({"y"}));
  bool second_takes_it = false;
  for (const auto& t : p["segments"][1]["inputs"])
    second_takes_it = second_takes_it || t["name"] == "y";
  EXPECT_TRUE(second_takes_it);
  const std::string runner = Runner();
  if (!runner.empty()) {
    auto run = RunTflitePipelines(runner, path, {out}, 5);
    ASSERT_TRUE(run.ok()) << run.error().message;
    ASSERT_TRUE(run->whole_ok) << run->whole_error;
    EXPECT_TRUE(run->pipelines.at(0).ok) << run->pipelines[0].error;
  }
  fs::remove_all(dir);
}

// `respect export --check` and `respect schedule --export --check` run the chain and say so; a
// missing runtime is one clear line, exit 2, and nothing written.
TEST(LiteRt, ExportCheckFromTheCommandLine) {
  const std::string model = SharedPath("models/tflite/pretrainedResnet_quant.tflite");
  const std::string dir = Scratch("cli");
  const std::string out = dir + ".txt";
  std::string cmd = std::string(RESPECT_BINARY) + " schedule '" + model + "' -k 3 --export '" +
                    dir + "' --check --quiet > '" + out + "' 2>&1";
  int rc = std::system(cmd.c_str());
  auto text = ReadFileBytes(out);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(WEXITSTATUS(rc), 0) << *text;
  EXPECT_NE(text->find("bit-identical to the whole model"), std::string::npos) << *text;
  EXPECT_NE(text->find("segment 2"), std::string::npos) << *text;
  fs::remove_all(dir);

  cmd = std::string(RESPECT_BINARY) + " schedule '" + model + "' -k 3 --export '" + dir +
        "' --check --runtime /nonexistent/litert > '" + out + "' 2>&1";
  rc = std::system(cmd.c_str());
  text = ReadFileBytes(out);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(WEXITSTATUS(rc), 2) << *text;
  EXPECT_NE(text->find("--check: /nonexistent/litert: no run_tflite_pipeline.mjs there"),
            std::string::npos)
      << *text;
  EXPECT_EQ(std::count(text->begin(), text->end(), '\n'), 1) << *text;
  EXPECT_FALSE(fs::exists(dir));

  cmd = std::string(RESPECT_BINARY) + " schedule '" + model + "' -k 3 --check > '" + out + "' 2>&1";
  rc = std::system(cmd.c_str());
  EXPECT_EQ(WEXITSTATUS(rc), 2);
  fs::remove(out);
}

}  // namespace
}  // namespace respect
