// Helpers shared by the tests: paths to ../shared and tiny graphs drawn by hand.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/graph.h"
#include "cost/cost_model.h"
#include "cost/device_profile.h"
#include "schedulers/objective.h"
#include "schedulers/schedule.h"

namespace respect {
// A random small DNN-like graph (dp_cuts_test.cpp): the synthetic generator's DAG with real
// tensors, MACs, parameters and, with_fallback, a few operators the Edge TPU cannot run.
// share_constants: now and then two operators' weights are one stored constant (as converters
// de-duplicate them); the ilp then models parameters approximately, and exact schedules in the
// execution order only (tests of those exact claims pass false).
Graph RandomNet(int n, uint32_t seed, bool with_fallback = true, bool share_constants = true);
// `chains` parallel chains of `length` operators between one source and one sink (a GML graph:
// parameter bytes 1000 x (1 + id % 7), no tensors' sizes): (length + 1)^chains + 2 downsets.
Graph ParallelChains(int chains, int length);
// The usb profile with a 6 MB cache, so that random graphs stream parameters.
DeviceProfile SmallCacheUsb();
// Calls visit for every valid assignment of g's operators to K non-empty stages (each stage
// running in the execution order), by enumeration: tiny graphs only.
void ForEachValidSchedule(const Graph& g, int K, bool align_children,
                          const std::function<void(const Schedule&)>& visit);
// The best objective value over every valid assignment with K non-empty stages, each stage
// running in the execution order (what the ilp proves), by enumeration: tiny graphs only.
double BruteForceBest(const CostModel& m, int K, Objective o, double lambda = 1.0,
                      bool align_children = false);
// A model (a path or a zoo: spec) with the usb profile's cost model, which points into the
// graph (so both live on the heap together); null, with the reason added as a test failure,
// where either does not load.
struct UsbModel {
  Graph graph;
  std::unique_ptr<CostModel> cost;
};
std::unique_ptr<UsbModel> LoadUsbModel(const std::string& spec);
}  // namespace respect

namespace respect::testing {

inline std::string SharedPath(const std::string& rel) {
  return std::string(RESPECT_SHARED_DIR) + "/" + rel;
}

inline Tensor Int8Tensor(std::string name, std::vector<int64_t> shape) {
  Tensor t;
  t.name = std::move(name);
  t.shape = std::move(shape);
  t.dtype = DType::kInt8;
  return t;
}

// A graph of n operators "v0".."v{n-1}" with the given edges; each operator has one output
// tensor of 4 bytes and (optionally) a parameter of param[i] bytes.
inline Result<Graph> MakeDag(int n, const std::vector<std::pair<int, int>>& edges,
                             const std::vector<int64_t>& param = {}) {
  GraphBuilder b("dag");
  for (int i = 0; i < n; ++i) {
    Tensor t;
    t.name = "t" + std::to_string(i);
    t.shape = {1};
    t.dtype = DType::kFloat32;
    b.AddTensor(std::move(t));
  }
  for (int i = 0; i < n; ++i) {
    Operator op;
    op.name = "v" + std::to_string(i);
    op.type = "node";
    op.outputs = {i};
    b.AddOp(std::move(op));
  }
  for (auto [u, v] : edges) b.op(v).inputs.push_back(u);
  for (int i = 0; i < static_cast<int>(param.size()); ++i) b.AddParameter(i, param[i]);
  return std::move(b).Build();
}

}  // namespace respect::testing
