// End-to-end checks of the respect binary: exit codes, one-line errors, parseable JSON, and no
// partial output files.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "test_util.h"

namespace respect {
namespace {

using testing::SharedPath;

// A temporary path unique to this process (tests and CI runs may share /tmp).
std::string TempPath(const std::string& name) {
  return ::testing::TempDir() + std::to_string(getpid()) + "_" + name;
}

struct CliRun {
  int code;
  std::string out, err;
};

CliRun Respect(const std::string& args) {
  // CTest runs tests in parallel processes: each call gets its own stderr file.
  static int calls = 0;
  const std::string err_file = TempPath("stderr_" + std::to_string(calls++) + ".txt");
  const std::string cmd = std::string(RESPECT_BINARY) + " " + args + " 2>" + err_file;
  CliRun r{};
  FILE* p = popen(cmd.c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream e(err_file);
  r.err.assign(std::istreambuf_iterator<char>(e), {});
  std::remove(err_file.c_str());
  return r;
}

TEST(Cli, InspectJsonHasTheDocumentedFields) {
  CliRun r = Respect("inspect " + SharedPath("models/tflite/pretrainedResnet_quant.tflite") + " --json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  for (const char* key : {"name", "num_nodes", "num_edges", "depth", "max_in_degree", "param_bytes", "macs", "ops"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["num_nodes"], 16);
  ASSERT_EQ(j["ops"].size(), 16u);
  for (const auto& op : j["ops"])
    for (const char* key : {"name", "type", "param_bytes", "macs", "output_bytes", "inputs"})
      EXPECT_TRUE(op.contains(key)) << key;
  int64_t sum_macs = 0;
  for (const auto& op : j["ops"]) sum_macs += op["macs"].get<int64_t>();
  EXPECT_EQ(sum_macs, j["macs"].get<int64_t>());
}

TEST(Cli, InspectHumanSummaryAndPictures) {
  const std::string svg = TempPath("g.svg"), dot = TempPath("g.dot");
  CliRun r = Respect("inspect zoo:mobilenet_v2 --svg " + svg + " --dot " + dot);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("operators"), std::string::npos);
  EXPECT_NE(r.out.find("largest layers by parameters"), std::string::npos);
  std::ifstream s(svg);
  std::string content((std::istreambuf_iterator<char>(s)), {});
  EXPECT_NE(content.find("<svg"), std::string::npos);
  EXPECT_NE(content.find("block_16_project"), std::string::npos);
}

TEST(Cli, BadInputsExitTwoWithOneLine) {
  const std::string junk = TempPath("junk.tflite");
  { std::ofstream(junk) << "TFL3 garbage"; }
  for (const std::string& args : std::vector<std::string>
       {"inspect /no/such/file.tflite", "inspect " + junk, "inspect zoo:nosuchnet",
        "inspect synth:n=1", "inspect " + SharedPath("docs/PROBLEM.md")}) {
    SCOPED_TRACE(args);
    CliRun r = Respect(args);
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(r.out.empty());
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(r.err.rfind("respect: error: ", 0), 0u) << r.err;
  }
}

TEST(Cli, FailedSvgLeavesNoFile) {
  const std::string svg = TempPath("big.svg");
  std::remove(svg.c_str());
  CliRun r = Respect("inspect " + SharedPath("data/dag_benchmarks/rand_graph_5000_1.gml") + " --svg " + svg);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("too large to draw"), std::string::npos) << r.err;
  EXPECT_FALSE(std::ifstream(svg).good());
}

TEST(Cli, ZooListsModels) {
  CliRun r = Respect("zoo --json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_GE(j.size(), 16u);
  CliRun usage = Respect("frobnicate");
  EXPECT_NE(usage.code, 0);
}

}  // namespace
}  // namespace respect
