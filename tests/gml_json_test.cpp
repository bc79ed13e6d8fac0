#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "core/analysis.h"
#include "core/file_io.h"
#include "importers/importers.h"
#include "models/model_source.h"
#include "test_util.h"

namespace respect {
namespace {

using testing::SharedPath;

int CountOccurrences(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

TEST(GmlImporter, BenchmarkGraphsImport) {
  for (const char* name : {"rand_graph_1000_1", "rand_graph_sparse_1000_2", "rand_graph_5000_1"}) {
    SCOPED_TRACE(name);
    const std::string path = SharedPath(std::string("data/dag_benchmarks/") + name + ".gml");
    auto text = ReadFileBytes(path);
    ASSERT_TRUE(text.ok());
    auto g = ImportGml(path);
    ASSERT_TRUE(g.ok()) << g.error().message;
    EXPECT_EQ(g->num_ops(), CountOccurrences(*text, "node ["));
    EXPECT_LE(g->num_edges(), CountOccurrences(*text, "edge ["));
    EXPECT_GT(g->TotalParamBytes(), 0);
  }
}

TEST(GmlImporter, HandWrittenGraphAndErrors) {
  const std::string ok = R"(graph [ directed 1
    node [ id 5 label "a" parameter 100 ]
    node [ id 7 label "b" parameter 0 ]
    edge [ source 5 target 7 parameter 64 ] ])";
  auto g = ImportGmlText("t.gml", ok);
  ASSERT_TRUE(g.ok()) << g.error().message;
  EXPECT_EQ(g->num_ops(), 2);
  EXPECT_EQ(g->num_edges(), 1);
  EXPECT_EQ(g->ops[0].param_bytes, 100);
  EXPECT_EQ(g->ops[0].output_bytes, 64);

  const std::string cycle = R"(graph [ directed 1 node [ id 0 ] node [ id 1 ]
    edge [ source 0 target 1 ] edge [ source 1 target 0 ] ])";
  auto c = ImportGmlText("c.gml", cycle);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("cycle"), std::string::npos) << c.error().message;

  auto dangling = ImportGmlText("d.gml", "graph [ node [ id 0 ] edge [ source 0 target 9 ] ]");
  ASSERT_FALSE(dangling.ok());
  EXPECT_NE(dangling.error().message.find("missing node"), std::string::npos);

  auto truncated = ImportGmlText("t.gml", "graph [ node [ id 0 ");
  ASSERT_FALSE(truncated.ok());
  EXPECT_NE(truncated.error().message.find("end of file"), std::string::npos);

  std::string deep = "graph [ ";
  for (int i = 0; i < 10000; ++i) deep += "x [ ";
  EXPECT_FALSE(ImportGmlText("deep.gml", deep).ok());  // no stack overflow
}

TEST(JsonGraph, RoundTripIsLossless) {
  for (const std::string& model :
       {SharedPath("models/tflite/mobilenet_v2_1.0_224_quant.tflite"),
        std::string("zoo:inception_v3"), SharedPath("data/respect_paper_graphs/xception.json")}) {
    SCOPED_TRACE(model);
    auto g = LoadModel(model);
    ASSERT_TRUE(g.ok()) << g.error().message;
    const std::string text = GraphToJson(*g);
    auto back = ImportJsonGraphText("round.json", text);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(GraphToJson(*back), text);
    EXPECT_EQ(back->num_edges(), g->num_edges());
    EXPECT_EQ(back->TotalParamBytes(), g->TotalParamBytes());
    EXPECT_EQ(back->TotalMacs(), g->TotalMacs());
  }
}

TEST(JsonGraph, RespectDumpsAndPublishedStages) {
  const std::string path = SharedPath("data/respect_paper_graphs/resnet50.json");
  auto g = ImportJsonGraph(path);
  ASSERT_TRUE(g.ok()) << g.error().message;
  EXPECT_EQ(g->num_ops(), 177);
  EXPECT_EQ(g->num_edges(), 192);
  EXPECT_EQ(Depth(*g), 169);  // 168 levels of real layers (Table 1) + the virtual source and sink
  EXPECT_GE(g->FindOp("source"), 0);
  auto stages = ReadPublishedStages(path);
  ASSERT_TRUE(stages.ok()) << stages.error().message;
  EXPECT_EQ(stages->size(), 3u);
  for (const auto& [variant, by_k] : *stages) {
    ASSERT_TRUE(by_k.count(4) && by_k.count(5) && by_k.count(6)) << variant;
    for (const auto& [layer, stage] : by_k.at(4)) EXPECT_GE(g->FindOp(layer), 0) << layer;
  }
}

TEST(JsonGraph, MalformedInputErrors) {
  EXPECT_FALSE(ImportJsonGraphText("a.json", "{ not json").ok());
  EXPECT_FALSE(ImportJsonGraphText("a.json", "[1, 2, 3]").ok());
  auto missing =
      ImportJsonGraphText("a.json", R"({"nodes": [{"id": 0, "name": "a"}], "edges": [[0, 3]]})");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("missing node"), std::string::npos);
  auto cyc =
      ImportJsonGraphText("a.json", R"({"nodes": [{"id": 0, "name": "a"}, {"id": 1, "name": "b"}],
                                              "edges": [[0, 1], [1, 0]]})");
  ASSERT_FALSE(cyc.ok());
  EXPECT_NE(cyc.error().message.find("cycle"), std::string::npos);
  auto wrong_type =
      ImportJsonGraphText("a.json", R"({"nodes": [{"id": "x", "name": 3}], "edges": []})");
  ASSERT_FALSE(wrong_type.ok());
  EXPECT_EQ(wrong_type.error().message.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace respect
