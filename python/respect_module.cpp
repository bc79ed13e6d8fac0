// The Python module `respect._core` (re-exported by respect/__init__.py): pybind11 bindings over
// the same library code the CLI runs. No second implementation: every number comes from the one
// evaluator, every JSON from the functions the CLI prints. Errors become Python exceptions with
// the CLI's one-line messages (ValueError for bad input, RuntimeError otherwise). Long calls
// (schedule, order, export checks, policy evaluation) release the GIL and run on a worker
// thread; Ctrl-C in the main thread raises KeyboardInterrupt at once and asks the solve to stop
// (it ends at its next check, at the latest at its time limit, without touching Python).
#include <fmt/format.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/file_io.h"
#include "core/graph.h"
#include "core/op_classes.h"
#include "cost/cost_model.h"
#include "cost/device_profile.h"
#include "cost/pipeline_sim.h"
#include "exporters/segments.h"
#include "importers/importers.h"
#include "learn/imitation_task.h"
#include "learn/policy.h"
#include "learn/policy_config.h"
#include "learn/rl_scheduler.h"
#include "learn/trainer.h"
#include "memory/orderers.h"
#include "models/model_source.h"
#include "report/graph_report.h"
#include "report/memory_report.h"
#include "report/pipeline_report.h"
#include "report/schedule_json.h"
#include "runtime/litert_runner.h"
#include "schedulers/lower_bounds.h"
#include "schedulers/objective.h"
#include "schedulers/scheduler.h"

namespace py = pybind11;
using nlohmann::json;

namespace respect {
namespace {

// ---- Conversions.

py::object ToPython(const json& j) { return py::module_::import("json").attr("loads")(j.dump()); }
json FromPython(const py::handle& o) {
  return json::parse(py::module_::import("json").attr("dumps")(o).cast<std::string>());
}

template <typename T>
T Unwrap(Result<T> r) {
  if (!r) throw py::value_error(r.error().message);
  return std::move(*r);
}
void Check(const Status& s) {
  if (!s) throw py::value_error(s.error().message);
}

// Runs `work` on a worker thread with the GIL released; Ctrl-C (in the main thread) sets `cancel`
// and raises KeyboardInterrupt without waiting for the worker, which owns what it uses.
template <typename T>
T Interruptible(std::function<T()> work,
                const std::shared_ptr<std::atomic<bool>>& cancel = nullptr) {
  auto task = std::make_shared<std::packaged_task<T()>>(std::move(work));
  std::future<T> done = task->get_future();
  std::thread worker([task] { (*task)(); });
  for (;;) {
    bool ready;
    {
      py::gil_scoped_release release;
      ready = done.wait_for(std::chrono::milliseconds(50)) == std::future_status::ready;
    }
    if (ready) break;
    if (PyErr_CheckSignals() != 0) {
      if (cancel) cancel->store(true);
      // Give the solve a moment to stop (the ilp kills CBC within 0.1 s); past that it is left
      // to finish on its own, owning what it uses.
      bool stopped;
      {
        py::gil_scoped_release release;
        stopped = done.wait_for(std::chrono::seconds(2)) == std::future_status::ready;
      }
      if (stopped)
        worker.join();
      else
        worker.detach();
      throw py::error_already_set();
    }
  }
  worker.join();
  return done.get();
}

// ---- Graph.

struct PyGraph {
  std::shared_ptr<const Graph> g;
};

struct PyOperator {
  std::shared_ptr<const Graph> g;
  int index;
  const Operator& op() const { return g->ops[index]; }
};

std::shared_ptr<const Graph> Share(Graph g) { return std::make_shared<const Graph>(std::move(g)); }

PyGraph Load(const py::object& spec, const std::string& format) {
  if (py::isinstance<py::bytes>(spec) || py::isinstance<py::bytearray>(spec)) {
    const std::string bytes =
        py::module_::import("builtins").attr("bytes")(spec).cast<std::string>();
    std::string fmt_name = format;
    if (fmt_name.empty()) {
      if (bytes.size() >= 8 && bytes.compare(4, 4, "TFL3") == 0)
        fmt_name = "tflite";
      else if (!bytes.empty() && bytes.find_first_not_of(" \t\r\n") != std::string::npos &&
               bytes[bytes.find_first_not_of(" \t\r\n")] == '{')
        fmt_name = "json";
      else if (bytes.find("graph") != std::string::npos && bytes.find('[') != std::string::npos &&
               bytes.find("node") != std::string::npos && bytes.size() < (1u << 30) &&
               bytes.find('\0') == std::string::npos)
        fmt_name = "gml";
      else
        fmt_name = "onnx";
    }
    if (fmt_name == "tflite")
      return {Share(Unwrap(ImportTfliteBuffer(
          "<bytes>", reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size())))};
    if (fmt_name == "onnx") return {Share(Unwrap(ImportOnnxBuffer("<bytes>", bytes)))};
    if (fmt_name == "json") return {Share(Unwrap(ImportJsonGraphText("<bytes>", bytes)))};
    if (fmt_name == "gml") return {Share(Unwrap(ImportGmlText("<bytes>", bytes)))};
    throw py::value_error(fmt::format("format '{}': expected tflite, onnx, json or gml", fmt_name));
  }
  const std::string s = py::str(spec).cast<std::string>();  // str and os.PathLike
  return {Share(Unwrap(LoadModel(s)))};
}

PyGraph FromLists(const std::string& name, const py::list& operators, const py::list& edges) {
  GraphBuilder b(name);
  std::map<std::string, int> ids;
  for (const auto& item : operators) {
    py::dict d = py::reinterpret_borrow<py::dict>(item);
    if (!d.contains("name")) throw py::value_error("every operator needs a \"name\"");
    Operator op;
    op.name = d["name"].cast<std::string>();
    if (ids.count(op.name))
      throw py::value_error(fmt::format("operator '{}' appears twice", op.name));
    op.type = d.contains("type") ? d["type"].cast<std::string>() : "layer";
    op.op_class = ClassifyOpType(op.type);
    const int64_t params = d.contains("param_bytes") ? d["param_bytes"].cast<int64_t>() : 0;
    const int64_t out_bytes = d.contains("output_bytes") ? d["output_bytes"].cast<int64_t>() : 0;
    op.macs = d.contains("macs") ? d["macs"].cast<int64_t>() : 0;
    if (params < 0 || out_bytes < 0 || op.macs < 0)
      throw py::value_error(
          fmt::format("operator '{}': sizes and MACs must not be negative", op.name));
    Tensor out;
    out.name = op.name + ":0";
    out.dtype = DType::kUInt8;
    out.shape = {std::max<int64_t>(out_bytes, 1)};
    out.bytes = out_bytes;
    op.outputs = {b.AddTensor(std::move(out))};
    op.param_bytes = params;
    const int id = b.AddOp(std::move(op));
    b.AddParameter(id, params);
    ids[b.op(id).name] = id;
  }
  for (const auto& item : edges) {
    auto pair = item.cast<std::pair<py::object, py::object>>();
    auto find = [&](const py::object& o) {
      if (py::isinstance<py::int_>(o)) {
        const int i = o.cast<int>();
        if (i < 0 || i >= static_cast<int>(ids.size()))
          throw py::value_error(fmt::format("edge to operator {}: no such index", i));
        return i;
      }
      auto it = ids.find(py::str(o).cast<std::string>());
      if (it == ids.end())
        throw py::value_error(
            fmt::format("edge names an unknown operator '{}'", py::str(o).cast<std::string>()));
      return it->second;
    };
    const int u = find(pair.first), v = find(pair.second);
    auto& ins = b.op(v).inputs;
    const int t = b.op(u).outputs[0];
    if (std::find(ins.begin(), ins.end(), t) == ins.end()) ins.push_back(t);
  }
  return {Share(Unwrap(std::move(b).Build(/*keep_costs=*/true)))};
}

// ---- Schedules.

struct PyDevice {
  DeviceProfile p;
};

DeviceProfile DeviceOf(const py::object& device) {
  if (py::isinstance<PyDevice>(device)) return device.cast<PyDevice>().p;
  return Unwrap(LoadDeviceProfile(py::str(device).cast<std::string>()));
}

Schedule ScheduleOf(const Graph& g, const py::object& assignment, int stages) {
  if (py::hasattr(assignment, "_respect_schedule"))
    return assignment.attr("_respect_schedule")().cast<Schedule>();
  if (py::isinstance<py::dict>(assignment)) {
    json j = {{"assignment", FromPython(assignment)}};
    if (stages > 0) j["stages"] = stages;
    return Unwrap(ScheduleFromJson(g, j, "assignment"));
  }
  std::vector<int> stage_of;
  try {
    stage_of = assignment.cast<std::vector<int>>();
  } catch (const py::cast_error&) {
    throw py::value_error(
        "assignment: a list of stage indices (one per operator, in graph.operators order), a "
        "dict of operator name to stage, or a Schedule");
  }
  if (static_cast<int>(stage_of.size()) != g.num_ops())
    throw py::value_error(
        fmt::format("assignment: {} stages given for {} operators", stage_of.size(), g.num_ops()));
  int k = stages;
  for (int s : stage_of) k = std::max(k, s + 1);
  return Schedule(k, std::move(stage_of));
}

struct PySchedule {
  std::shared_ptr<const Graph> g;
  DeviceProfile device;
  Objective objective = Objective::kThroughput;
  ScheduleOutcome outcome;
  json Json() const { return ScheduleOutcomeJson(*g, device, objective, outcome); }
};

ScheduleRequest MakeRequest(int stages, const std::string& objective, double time_limit,
                            double paper_lambda, bool align_children, int64_t lattice_cap,
                            const std::string& policy, int rl_samples, uint64_t seed, int tpus) {
  if (tpus < 0 || tpus > 4096)
    throw py::value_error(fmt::format("tpus: {} is not 1 to 4096", tpus));
  if (stages == 0) stages = tpus > 0 ? tpus : 4;  // the default: 4, or up to one per TPU
  if (stages < 1) throw py::value_error(fmt::format("stages: {} is not a pipeline size", stages));
  if (!(time_limit > 0)) throw py::value_error("time_limit must be positive (seconds)");
  ScheduleRequest req;
  req.stages = stages;
  req.objective = Unwrap(ParseObjective(objective));
  req.time_limit_s = time_limit;
  req.paper_lambda = paper_lambda;
  req.align_children = align_children;
  req.lattice_cap = lattice_cap;
  req.rl.policy_path = policy;
  req.rl.samples = rl_samples;
  req.rl.seed = seed;
  req.tpus = tpus;
  return req;
}

PySchedule DoSchedule(const PyGraph& graph, int stages, const std::string& method,
                      const std::string& objective, double time_limit, const py::object& device,
                      double paper_lambda, bool align_children, int64_t lattice_cap,
                      const std::string& policy, int rl_samples, uint64_t seed, int tpus) {
  ScheduleRequest req = MakeRequest(stages, objective, time_limit, paper_lambda, align_children,
                                    lattice_cap, policy, rl_samples, seed, tpus);
  auto cancel = std::make_shared<std::atomic<bool>>(false);
  req.cancel = cancel;
  const DeviceProfile d = DeviceOf(device);
  std::shared_ptr<const Graph> g = graph.g;
  auto outcome = Interruptible<Result<ScheduleOutcome>>(
      [g, d, req, method] {
        const CostModel model(*g, d);
        return ScheduleWithBaseline(method, model, req);
      },
      cancel);
  if (!outcome) throw py::value_error(fmt::format("{}: {}", g->name, outcome.error().message));
  return {g, d, req.objective, std::move(*outcome)};
}

// Replica counts given to evaluate() / simulate() (None: the schedule's own).
void SetReplicas(Schedule& s, const py::object& replicas) {
  if (replicas.is_none()) return;
  std::vector<int> r;
  try {
    r = replicas.cast<std::vector<int>>();
  } catch (const py::cast_error&) {
    throw py::value_error("replicas: a list of counts, one per stage");
  }
  s.replicas = std::move(r);
}

py::dict Evaluate(const PyGraph& graph, const py::object& assignment, const py::object& device,
                  int stages, const py::object& replicas) {
  Schedule s = ScheduleOf(*graph.g, assignment, stages);
  SetReplicas(s, replicas);
  Check(ValidateSchedule(*graph.g, s));
  const CostModel model(*graph.g, DeviceOf(device));
  return ToPython(PipelineCostJson(EvaluateSchedule(model, s)));
}

// Every lower bound on a request's optimum (schedulers/lower_bounds.h), in the objective's
// unit (seconds, or the paper score), and the best with its name.
py::dict LowerBounds(const PyGraph& graph, int stages, const std::string& objective,
                     const py::object& device, double paper_lambda, int tpus, double time_limit) {
  ScheduleRequest req =
      MakeRequest(stages, objective, time_limit, paper_lambda, false, 500'000, "", 0, 1, tpus);
  if (req.stages > graph.g->num_ops())
    throw py::value_error(
        fmt::format("{} stages for {} operators", req.stages, graph.g->num_ops()));
  const CostModel model(*graph.g, DeviceOf(device));
  const Deadline deadline = Deadline::clock::now() + std::chrono::duration_cast<Deadline::duration>(
                                                         std::chrono::duration<double>(time_limit));
  const LowerBound best = BestLowerBound(model, req);
  json j = {{"simple", SimpleLowerBound(model, req)},
            {"head_tail", HeadTailLowerBound(model, req)},
            {"host_cut", HostCutLowerBound(model, req)},
            {"boundary", BoundaryLowerBound(model, req, deadline, best.value)},
            {"paper", PaperLowerBound(model, req)}};
  double top = best.value;
  std::string name = best.name;
  if (j["boundary"].get<double>() > top) {
    top = j["boundary"].get<double>();
    name = "boundary";
  }
  j["best"] = top;
  j["best_from"] = name;
  return ToPython(j);
}

py::dict Simulate(const PyGraph& graph, const py::object& assignment, const py::object& device,
                  int inferences, const py::object& replicas) {
  if (inferences < 1) throw py::value_error("inferences must be at least 1");
  const Graph& g = *graph.g;
  Schedule s = assignment.is_none() ? Schedule(1, std::vector<int>(g.num_ops(), 0))
                                    : ScheduleOf(g, assignment, 0);
  SetReplicas(s, replicas);
  Check(ValidateSchedule(g, s));
  const DeviceProfile d = DeviceOf(device);
  const CostModel model(g, d);
  const PipelineCost cost = EvaluateSchedule(model, s);
  const PipelineSimulation sim = SimulatePipeline(cost, inferences);
  json j = PipelineCostJson(cost);
  j["model"] = g.name;
  j["device"] = d.name;
  j["num_stages"] = s.num_stages;
  j["replicas"] = ReplicasToJson(s);
  j["simulation"] = SimulationJson(sim);
  return ToPython(j);
}

py::dict Order(const PyGraph& graph, const std::string& method, bool inplace, double time_limit,
               int64_t lattice_cap, const std::string& out) {
  if (graph.g->num_ops() == 0)
    throw py::value_error(fmt::format("{}: the graph has no operators", graph.g->name));
  OrderRequest r;
  r.method = method;
  r.memory.inplace = inplace;
  r.time_limit_s = time_limit;
  r.lattice_cap = lattice_cap;
  std::shared_ptr<const Graph> g = graph.g;
  auto res = Interruptible<Result<OrderResult>>([g, r] { return RunOrderer(*g, r); });
  if (!res) throw py::value_error(fmt::format("{}: {}", g->name, res.error().message));
  return ToPython(OrderResultJson(*g, r, *res));
}

py::dict Export(const std::string& model_path, const py::object& schedule,
                const std::string& out_dir, const py::object& device, bool check, int seed) {
  const PyGraph graph = Load(py::str(model_path), "");
  const Schedule s = ScheduleOf(*graph.g, schedule, 0);
  std::string runner;
  if (check) {
    if (FileExtension(model_path) != "tflite")
      throw py::value_error("check runs .tflite pipelines (TensorFlow Lite)");
    runner = Unwrap(FindLiteRtRunner());
  }
  const CostModel model(*graph.g, DeviceOf(device));
  const json costs = PipelineCostJson(EvaluateSchedule(model, s))["stages"];
  SegmentExport ex = Unwrap(ExportPipeline(model_path, *graph.g, s, out_dir, costs));
  json j = ex.pipeline;
  j["dir"] = ex.dir;
  if (check) {
    const std::string dir = ex.dir;
    auto run = Interruptible<Result<ModelRun>>([runner, model_path, dir, seed] {
      return RunTflitePipelines(runner, model_path, {dir}, seed, 3);
    });
    if (!run) throw std::runtime_error(run.error().message);
    json c = {{"runs_whole", run->whole_ok}, {"whole_invoke_ms", run->whole_ms}};
    if (!run->whole_ok) c["error"] = run->whole_error;
    if (!run->pipelines.empty()) {
      const PipelineRun& p = run->pipelines[0];
      c["bit_identical"] = p.ok;
      c["elements"] = p.elements;
      c["mismatches"] = p.mismatches;
      c["error"] = p.error;
      c["segment_invoke_ms"] = json::array();
      for (const auto& seg : p.segments) c["segment_invoke_ms"].push_back(seg.invoke_ms);
    }
    j["check"] = c;
  }
  return ToPython(j);
}

// ---- Policies.

struct PyPolicy {
  std::shared_ptr<const Policy> policy;
  std::string path;
};

PyPolicy LoadPolicy(const std::string& path) {
  const std::string p = path.empty() ? DefaultPolicyPath() : path;
  return {std::make_shared<const Policy>(Unwrap(Policy::Load(p))), p};
}

py::dict EvalPolicy(const PyPolicy& pol, int graphs, uint64_t seed, const std::string& labels) {
  if (graphs < 1) throw py::value_error("graphs must be at least 1");
  const LabelSource source = Unwrap(ParseLabelSource(labels));
  auto policy = pol.policy;
  auto j = Interruptible<Result<json>>([policy, graphs, seed, source]() -> Result<json> {
    auto set =
        MakeLabelledGraphs(EvalGraphOptions(policy->config(), seed), graphs, 35.0, source, 10.0);
    if (!set) return set.error();
    return json{{"graphs", graphs},
                {"nodes", 50},
                {"seed", seed},
                {"masked", EvalMetricsJson(EvaluatePolicy(*policy, *set, true))},
                {"unmasked", EvalMetricsJson(EvaluatePolicy(*policy, *set, false))}};
  });
  if (!j) throw py::value_error(j.error().message);
  return ToPython(*j);
}

std::vector<std::string> PolicyOrder(const PyPolicy& pol, const PyGraph& graph) {
  const Graph& g = *graph.g;
  const auto orders = pol.policy->Orders(g, ParamWeightsMiB(g), {true, 0, 1});
  std::vector<std::string> names;
  for (int v : orders.at(0)) names.push_back(g.ops[v].name);
  return names;
}

std::string Repr(const PyGraph& g) {
  return fmt::format(
      "<respect.Graph '{}': {} operators, {} edges, {:.2f} MiB parameters, {:.1f} M MACs>",
      g.g->name, g.g->num_ops(), g.g->num_edges(), g.g->TotalParamBytes() / 1048576.0,
      g.g->TotalMacs() / 1e6);
}

py::dict Plan(const PyGraph& graph, double fps, int max_tpus, const py::object& device,
              double time_limit, bool baselines) {
  if (fps < 0) throw py::value_error("fps must be positive (inferences per second)");
  if (!(time_limit > 0)) throw py::value_error("time_limit must be positive (seconds)");
  PlanOptions po;
  po.max_tpus = max_tpus > 0 ? max_tpus : (fps > 0 ? 16 : 8);
  po.fps = fps;
  po.baselines = baselines;
  po.request.time_limit_s = time_limit;
  auto cancel = std::make_shared<std::atomic<bool>>(false);
  po.request.cancel = cancel;
  const DeviceProfile d = DeviceOf(device);
  std::shared_ptr<const Graph> g = graph.g;
  auto plan = Interruptible<Result<json>>(
      [g, d, po]() -> Result<json> {
        const CostModel model(*g, d);
        auto p = PlanTpus(model, po);
        if (!p) return p.error();
        return CapacityPlanJson(*g, d, *p, po.fps, po.max_tpus);
      },
      cancel);
  if (!plan) throw py::value_error(fmt::format("{}: {}", g->name, plan.error().message));
  return ToPython(*plan);
}

py::dict Deploy(const std::vector<PyGraph>& graphs, const std::vector<double>& fps,
                const std::vector<double>& weights, int tpus, int max_tpus,
                const py::object& device, bool share, double time_limit) {
  if (graphs.empty()) throw py::value_error("graphs: give at least one model");
  if (!fps.empty() == !weights.empty()) throw py::value_error("give fps or weights (one of them)");
  const std::vector<double>& rates = fps.empty() ? weights : fps;
  if (rates.size() != graphs.size())
    throw py::value_error(
        fmt::format("{} models need {} rates, got {}", graphs.size(), graphs.size(), rates.size()));
  if (!weights.empty() && tpus <= 0) throw py::value_error("weights need tpus");
  if (!(time_limit > 0)) throw py::value_error("time_limit must be positive (seconds)");
  const DeviceProfile d = DeviceOf(device);
  auto cancel = std::make_shared<std::atomic<bool>>(false);
  auto result = Interruptible<Result<json>>(
      [graphs, rates, d, tpus, max_tpus, share, time_limit, cancel,
       targets = weights.empty()]() -> Result<json> {
        std::vector<std::unique_ptr<CostModel>> costs;
        std::vector<DeploymentModelSpec> specs;
        std::vector<const Graph*> gs;
        for (size_t m = 0; m < graphs.size(); ++m) {
          costs.push_back(std::make_unique<CostModel>(*graphs[m].g, d));
          specs.push_back({graphs[m].g->name, costs.back().get(), rates[m]});
          gs.push_back(graphs[m].g.get());
        }
        DeploymentOptions o;
        o.share = share;
        o.request.time_limit_s = time_limit;
        o.request.cancel = cancel;
        Result<Deployment> plan = Error{""};
        if (tpus > 0) {
          o.tpus = tpus;
          plan = PlanDeployment(specs, o);
        } else {
          plan = FewestTpusDeployment(specs, o, max_tpus > 0 ? max_tpus : 16);
        }
        if (!plan) return plan.error();
        json j = DeploymentJson(gs, d, *plan);
        j["targets_met"] = targets ? json(plan->ratio >= 1 - 1e-12) : json(nullptr);
        return j;
      },
      cancel);
  if (!result) throw py::value_error(result.error().message);
  return ToPython(*result);
}

}  // namespace
}  // namespace respect

PYBIND11_MODULE(_core, m) {
  using namespace respect;
  m.doc() =
      "respect: split DNNs across pipelined Edge TPUs and order their operators (native core).";
  RegisterRlScheduler();

  py::class_<PyOperator>(m, "Operator", "One operator of a Graph (read-only).")
      .def_property_readonly(
          "index", [](const PyOperator& o) { return o.index; }, "position in graph.operators")
      .def_property_readonly("name", [](const PyOperator& o) { return o.op().name; })
      .def_property_readonly(
          "type", [](const PyOperator& o) { return o.op().type; },
          "as the source format spells it (CONV_2D, Conv, ...)")
      .def_property_readonly(
          "op_class", [](const PyOperator& o) { return std::string(OpClassName(o.op().op_class)); },
          "cost family: conv, depthwise_conv, fully_connected, pool, elementwise, reduce, "
          "data_movement, custom, other")
      .def_property_readonly("param_bytes", [](const PyOperator& o) { return o.op().param_bytes; })
      .def_property_readonly("macs", [](const PyOperator& o) { return o.op().macs; })
      .def_property_readonly("output_bytes",
                             [](const PyOperator& o) { return o.op().output_bytes; })
      .def_property_readonly(
          "inputs",
          [](const PyOperator& o) {
            std::vector<std::string> names;
            for (int u : o.g->preds(o.index)) names.push_back(o.g->ops[u].name);
            return names;
          },
          "names of the operators it reads from")
      .def("__repr__", [](const PyOperator& o) {
        return fmt::format("<respect.Operator {} '{}' {}>", o.index, o.op().name, o.op().type);
      });

  py::class_<PyGraph>(
      m, "Graph",
      "A model as respect sees it: operators connected by tensors (respect.load, respect.graph).")
      .def_property_readonly("name", [](const PyGraph& g) { return g.g->name; })
      .def_property_readonly(
          "operators",
          [](const PyGraph& g) {
            std::vector<PyOperator> ops;
            for (int v = 0; v < g.g->num_ops(); ++v) ops.push_back({g.g, v});
            return ops;
          },
          "the operators, in the graph's order (assignments are indexed by it)")
      .def_property_readonly(
          "edges",
          [](const PyGraph& g) {
            std::vector<std::pair<std::string, std::string>> e;
            for (int v = 0; v < g.g->num_ops(); ++v)
              for (int w : g.g->succs(v)) e.emplace_back(g.g->ops[v].name, g.g->ops[w].name);
            return e;
          },
          "(producer, consumer) operator names")
      .def_property_readonly(
          "param_bytes", [](const PyGraph& g) { return g.g->TotalParamBytes(); },
          "bytes of every distinct stored constant")
      .def_property_readonly("macs", [](const PyGraph& g) { return g.g->TotalMacs(); })
      .def_property_readonly("num_edges", [](const PyGraph& g) { return g.g->num_edges(); })
      .def("__len__", [](const PyGraph& g) { return g.g->num_ops(); })
      .def("__repr__", &Repr)
      .def(
          "to_json", [](const PyGraph& g) { return ToPython(json::parse(GraphToJson(*g.g))); },
          "the graph in respect's JSON graph format (docs/graph-format.md), as a dict");

  py::class_<PyDevice>(m, "Device",
                       "A device profile: the cost model's constants (respect.device).")
      .def_property_readonly("name", [](const PyDevice& d) { return d.p.name; })
      .def_property(
          "param_cache_bytes", [](const PyDevice& d) { return d.p.param_cache_bytes; },
          [](PyDevice& d, int64_t v) { d.p.param_cache_bytes = v; },
          "on-chip parameter cache usable by the compiler")
      .def_property(
          "clock_hz", [](const PyDevice& d) { return d.p.clock_hz; },
          [](PyDevice& d, double v) { d.p.clock_hz = v; })
      .def_property(
          "link_in_bytes_per_s", [](const PyDevice& d) { return d.p.link_in_bytes_per_s; },
          [](PyDevice& d, double v) { d.p.link_in_bytes_per_s = v; })
      .def_property(
          "link_out_bytes_per_s", [](const PyDevice& d) { return d.p.link_out_bytes_per_s; },
          [](PyDevice& d, double v) { d.p.link_out_bytes_per_s = v; })
      .def_property(
          "invoke_overhead_s", [](const PyDevice& d) { return d.p.invoke_overhead_s; },
          [](PyDevice& d, double v) { d.p.invoke_overhead_s = v; })
      .def_property(
          "cpu_macs_per_s", [](const PyDevice& d) { return d.p.cpu_macs_per_s; },
          [](PyDevice& d, double v) { d.p.cpu_macs_per_s = v; })
      .def(
          "to_json", [](const PyDevice& d) { return ToPython(DeviceProfileToJson(d.p)); },
          "every field, as a profile .json file holds it")
      .def(
          "with_changes",
          [](const PyDevice& d, const py::dict& changes) {
            json j = DeviceProfileToJson(d.p);
            const json wanted = FromPython(changes);
            for (const auto& [k, v] : wanted.items()) {
              if (!j.contains(k)) throw py::value_error(fmt::format("device: no field '{}'", k));
              j[k] = v;
            }
            return PyDevice{Unwrap(DeviceProfileFromJson(j, d.p.name))};
          },
          py::arg("changes"),
          "a copy with some fields changed, by their JSON names, checked as a profile file is")
      .def("__repr__", [](const PyDevice& d) {
        return fmt::format("<respect.Device '{}': cache {:.1f} MiB, clock {:.0f} MHz>", d.p.name,
                           d.p.param_cache_bytes / 1048576.0, d.p.clock_hz / 1e6);
      });

  py::class_<Schedule>(m, "_Assignment");

  py::class_<PySchedule>(m, "Schedule",
                         "A scheduled pipeline: what `respect schedule --json` reports.")
      .def_property_readonly("method", [](const PySchedule& s) { return s.outcome.result.method; })
      .def_property_readonly(
          "stages", [](const PySchedule& s) { return s.outcome.result.schedule.num_stages; })
      .def_property_readonly(
          "replicas",
          [](const PySchedule& s) { return ToPython(ReplicasToJson(s.outcome.result.schedule)); },
          "replica count of each stage (1 each for a plain pipeline)")
      .def_property_readonly(
          "tpus", [](const PySchedule& s) { return s.outcome.cost.tpus; },
          "TPUs the schedule uses (the sum of replicas)")
      .def_property_readonly(
          "assignment", [](const PySchedule& s) { return s.outcome.result.schedule.stage_of; },
          "stage of each operator, in graph.operators order")
      .def_property_readonly(
          "stage_of", [](const PySchedule& s) { return ToPython(s.Json()["assignment"]); },
          "operator name -> stage")
      .def_property_readonly(
          "order", [](const PySchedule& s) { return ToPython(s.Json()["order"]); },
          "execution order (operator names); [] when the graph's own")
      .def_property_readonly("stage_costs",
                             [](const PySchedule& s) { return ToPython(s.Json()["stage_costs"]); })
      .def_property_readonly("period_ms",
                             [](const PySchedule& s) { return s.outcome.cost.period_s * 1e3; })
      .def_property_readonly("latency_ms",
                             [](const PySchedule& s) { return s.outcome.cost.latency_s * 1e3; })
      .def_property_readonly("throughput_ips",
                             [](const PySchedule& s) { return s.outcome.cost.throughput_ips; })
      .def_property_readonly("objective_value",
                             [](const PySchedule& s) { return s.outcome.result.objective_value; })
      .def_property_readonly("lower_bound",
                             [](const PySchedule& s) { return s.outcome.result.lower_bound; })
      .def_property_readonly(
          "lower_bound_from", [](const PySchedule& s) { return s.outcome.result.bound_name; },
          "where lower_bound comes from: 'simple', 'head-tail', or the method's own proof")
      .def_property_readonly("gap", [](const PySchedule& s) { return s.outcome.result.gap; })
      .def_property_readonly(
          "proven", [](const PySchedule& s) { return s.outcome.result.proven_optimal; },
          "proven optimal (see note for over which schedules)")
      .def_property_readonly("solve_seconds",
                             [](const PySchedule& s) { return s.outcome.result.solve_seconds; })
      .def_property_readonly("note", [](const PySchedule& s) { return s.outcome.result.note; })
      .def_property_readonly("compiler_period_ms",
                             [](const PySchedule& s) {
                               return s.outcome.compiler ? s.outcome.compiler->period_s * 1e3 : 0.0;
                             })
      .def_property_readonly(
          "speedup_vs_compiler",
          [](const PySchedule& s) { return s.Json()["speedup_vs_compiler"].get<double>(); })
      .def(
          "to_json", [](const PySchedule& s) { return ToPython(s.Json()); },
          "the same object `respect schedule --json` prints, as a dict")
      .def("_respect_schedule", [](const PySchedule& s) { return s.outcome.result.schedule; })
      .def("__repr__", [](const PySchedule& s) {
        return fmt::format(
            "<respect.Schedule {} stages by {}: period {:.3f} ms, {}>",
            s.outcome.result.schedule.num_stages, s.outcome.result.method,
            s.outcome.cost.period_s * 1e3,
            s.outcome.result.proven_optimal ? "proven optimal" : "not proven optimal");
      });

  py::class_<PyPolicy>(m, "Policy",
                       "A trained RESPECT pointer-network policy (respect.load_policy).")
      .def_property_readonly("path", [](const PyPolicy& p) { return p.path; })
      .def_property_readonly(
          "config",
          [](const PyPolicy& p) { return ToPython(PolicyConfigToJson(p.policy->config())); })
      .def("order", &PolicyOrder, py::arg("graph"),
           "the greedy operator order the policy emits for a graph (operator names)")
      .def("__repr__", [](const PyPolicy& p) {
        return fmt::format("<respect.Policy {} (hidden {})>", p.path, p.policy->config().hidden);
      });

  m.def("load", &Load, py::arg("spec"), py::arg("format") = "",
        R"(Read a model into a Graph.

spec: a path (.tflite, .onnx, .gml, .json), a "zoo:NAME[:k=v,...]" or "synth:..." spec as the CLI
takes, or the file's bytes (format guessed from the content, or given: "tflite", "onnx", "json",
"gml"). Raises ValueError with the CLI's one-line message on any bad input.

>>> g = respect.load("zoo:resnet50")
>>> len(g.operators), g.param_bytes)");
  m.def("graph", &FromLists, py::arg("name"), py::arg("operators"), py::arg("edges"),
        R"(Build a Graph from Python lists.

operators: dicts with "name" and optionally "type", "param_bytes", "macs", "output_bytes" (the
bytes of the operator's output tensor, what crosses a stage boundary). edges: (producer,
consumer) pairs of operator names or indices. Raises ValueError on cycles, unknown names,
duplicates or negative sizes.)");
  m.def("schedule", &DoSchedule, py::arg("graph"), py::kw_only(), py::arg("stages") = 0,
        py::arg("method") = "auto", py::arg("objective") = "throughput",
        py::arg("time_limit") = 30.0, py::arg("device") = "usb", py::arg("paper_lambda") = 1.0,
        py::arg("align_children") = false, py::arg("lattice_cap") = 500000, py::arg("policy") = "",
        py::arg("rl_samples") = 0, py::arg("seed") = 1, py::arg("tpus") = 0,
        R"(Split a graph into a pipeline of `stages` Edge TPUs (default 4).

tpus: a hybrid pipeline on at most this many TPUs (stage cuts and each stage's replica count
chosen together; `stages` is then the most stages, default up to tpus): exact and auto prove the
optimum over every (cuts, replicas) choice; other methods cut `stages` stages and give the spare
TPUs greedily. Schedule.replicas holds the counts.

method: auto (default), exact, ilp, dp, list, compiler, profiling, rl, rl-ilp (respect.methods()).
objective: throughput (the slowest stage), latency (their sum) or paper (paper_lambda x the largest
stage's parameter MiB + boundary crossings). time_limit: wall-clock seconds, honoured on any
input. device: a profile name (respect.devices()), a profile .json path, or a respect.Device.
Returns a Schedule: assignment, stage costs, period, latency, bound, gap, proven, note;
Schedule.to_json() equals `respect schedule --json`. The GIL is released while it solves;
Ctrl-C raises KeyboardInterrupt.

>>> s = respect.schedule(respect.load("zoo:resnet50"), stages=4)
>>> s.period_ms, s.proven)");
  m.def("evaluate", &Evaluate, py::arg("graph"), py::arg("assignment"), py::kw_only(),
        py::arg("device") = "usb", py::arg("stages") = 0, py::arg("replicas") = py::none(),
        R"(Score your own schedule with the one evaluator.

assignment: a list of stage indices, one per operator in graph.operators order; or a dict of
operator name to stage (as the JSON's "assignment"); or a Schedule. stages: the pipeline size when
trailing stages are empty (default: the largest stage + 1). Returns {"stages": [...], "period_ms",
"latency_ms", "throughput_ips", "bottleneck_stage"}. Raises ValueError saying why an invalid
schedule is invalid (a stage out of range, an edge going backwards).)");
  m.def("lower_bounds", &LowerBounds, py::arg("graph"), py::kw_only(), py::arg("stages") = 4,
        py::arg("objective") = "throughput", py::arg("device") = "usb",
        py::arg("paper_lambda") = 1.0, py::arg("tpus") = 0, py::arg("time_limit") = 10.0,
        R"(Lower bounds on the optimum of a request, each valid over every schedule (any order
inside each stage), in the objective's unit (seconds for throughput and latency, the score for
paper): {"simple", "head_tail", "host_cut", "boundary" (within time_limit), "paper", "best",
"best_from"}.
A bound that does not apply is 0. The gap of any schedule s to the optimum is at most
(s - best) / s.

>>> b = respect.lower_bounds(respect.load("zoo:resnet50"), stages=4)
>>> b["best"], b["best_from"])");
  m.def("simulate", &Simulate, py::arg("graph"), py::arg("assignment") = py::none(), py::kw_only(),
        py::arg("device") = "usb", py::arg("inferences") = 100, py::arg("replicas") = py::none(),
        R"(Run a schedule (default: the whole model on one TPU) in the discrete-event pipeline
simulator; returns what `respect simulate --json` prints (stage costs and "simulation").
replicas: each stage's replica count (default: the schedule's own, else one each).)");
  m.def("deploy", &Deploy, py::arg("graphs"), py::kw_only(), py::arg("fps") = std::vector<double>{},
        py::arg("weights") = std::vector<double>{}, py::arg("tpus") = 0, py::arg("max_tpus") = 0,
        py::arg("device") = "usb", py::arg("share") = true, py::arg("time_limit") = 10.0,
        R"(Several models on one set of TPUs: what `respect plan M1 M2 ... --json` prints.

fps: each model's required rate (with tpus=0: the fewest TPUs, up to max_tpus (default 16), that
meet them all; "targets_met" says whether they are); weights: relative rates, with tpus. Each model
gets TPUs of its own (its best hybrid schedule) or a TPU co-compiled with other whole models
(share=False forbids it); the plan maximises the common ratio of achieved to required rate,
exactly over those choices. Returns models[] (rate_ips, stages, replicas, tpus, shared),
tpu_list[] (segments in co-compile order, busy, cached_bytes, streamed_bytes), ratio, limit,
proven, host loads.

>>> d = respect.deploy([respect.load("zoo:mobilenet_v2"), respect.load("zoo:resnet50")], fps=[60, 20])
>>> d["tpus"], d["ratio"])");
  m.def("plan", &Plan, py::arg("graph"), py::kw_only(), py::arg("fps") = 0.0,
        py::arg("max_tpus") = 0, py::arg("device") = "usb", py::arg("time_limit") = 10.0,
        py::arg("baselines") = true,
        R"(How many TPUs does the model need? For T = 1.. max_tpus (default 8; 16 with fps) the best
hybrid pipeline (cuts and replicas, proven where the lattice fits), beside the best plain T-stage
pipeline and Coral's compiler with T segments; with fps, it stops at the first T that reaches it.
Returns what `respect plan --json` prints: points[], answer_tpus (None: not reached), verdict,
host_floor_ms (no number of TPUs gets below it on this host) and floor_limit.

>>> p = respect.plan(respect.load("zoo:resnet50"), fps=400)
>>> p["answer_tpus"], p["verdict"])");
  m.def("order", &Order, py::arg("graph"), py::kw_only(), py::arg("method") = "auto",
        py::arg("inplace") = false, py::arg("time_limit") = 30.0, py::arg("lattice_cap") = 2000000,
        py::arg("out") = "",
        R"(Order the operators for the smallest peak of activation memory (`respect order`).

method: auto, given, rpo, greedy, dp, fusion-ilp. Returns what `respect order --json` prints:
peak_bytes, lower_bound_bytes, proven_optimal, order (names), live_at_peak, note.)");
  m.def(
      "export", &Export, py::arg("model_path"), py::arg("schedule"), py::arg("out_dir"),
      py::kw_only(), py::arg("device") = "usb", py::arg("check") = false, py::arg("seed") = 1,
      R"(Cut a .tflite/.onnx model into one file per stage (`respect export`); returns pipeline.json
as a dict, with "dir". schedule: a Schedule, a list of stages or a dict name -> stage.
check=True runs the whole model and the segments in TensorFlow Lite (needs Node.js and
tools/litert installed) and adds "check": bit_identical, segment_invoke_ms, ...)");
  m.def(
      "inspect", [](const PyGraph& g) { return ToPython(json::parse(InspectJson(*g.g))); },
      py::arg("graph"), "What `respect inspect --json` prints for a graph, as a dict.");
  m.def("devices", &BuiltinDeviceNames, "Names of the built-in device profiles.");
  m.def(
      "device", [](const std::string& name) { return PyDevice{Unwrap(LoadDeviceProfile(name))}; },
      py::arg("name"),
      "A device profile by name (respect.devices()) or .json path; change fields with "
      "with_changes().");
  m.def(
      "methods",
      [] {
        std::vector<std::string> names;
        for (const auto& s : Schedulers()) names.push_back(s.name);
        return names;
      },
      "Names of the scheduling methods.");
  m.def("load_policy", &LoadPolicy, py::arg("path") = "",
        "Load a trained policy (default: the shipped policies/respect.pt).");
  m.def("eval_policy", &EvalPolicy, py::arg("policy"), py::kw_only(), py::arg("graphs") = 100,
        py::arg("seed") = 7, py::arg("labels") = "list",
        R"(Evaluate a policy on synthetic 50-node graphs as `respect eval` does: mismatch, recall,
reward and the fraction of topological orders, for masked and unmasked greedy decoding.)");
}
