#include "exporters/segments.h"

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>

#include "core/file_io.h"
#include "exporters/onnx_segment.h"
#include "exporters/segment_plan.h"
#include "exporters/tflite_segment.h"
#include "models/model_source.h"

namespace respect {

namespace fs = std::filesystem;

namespace {

// Removes a directory tree when it goes out of scope, unless released.
class TempDir {
 public:
  explicit TempDir(std::string path) : path_(std::move(path)) {}
  ~TempDir() {
    if (!path_.empty()) {
      std::error_code ec;
      fs::remove_all(path_, ec);
    }
  }
  const std::string& path() const { return path_; }
  void Release() { path_.clear(); }

 private:
  std::string path_;
};

// The directory an export replaces: checked before anything is written. `marker` is the file a
// previous export of the same kind holds (an existing DIR is replaced only if it is empty or
// holds it). Returns the absolute target.
Result<fs::path> ExportTarget(const std::string& out_dir, const std::string& marker,
                              const std::string& kind) {
  std::error_code ec;
  const fs::path target = fs::absolute(out_dir, ec);
  if (ec) return Error{fmt::format("{}: {}", out_dir, ec.message())};
  if (fs::exists(target, ec)) {
    if (!fs::is_directory(target, ec))
      return Error{fmt::format("{}: exists and is not a directory", out_dir)};
    if (!fs::is_empty(target, ec) && !fs::exists(target / marker, ec))
      return Error{fmt::format("{}: exists and is not a previous {} (no {}): not replacing it",
                               out_dir, kind, marker)};
  }
  if (!target.parent_path().empty() && !fs::is_directory(target.parent_path(), ec))
    return Error{fmt::format("{}: the parent directory does not exist", out_dir)};
  return target;
}

// A temporary directory beside the target, created empty.
Result<std::unique_ptr<TempDir>> TempBeside(const fs::path& target) {
  auto tmp = std::make_unique<TempDir>(
      fmt::format("{}.tmp.{}", target.string(), static_cast<long>(getpid())));
  std::error_code ec;
  fs::remove_all(tmp->path(), ec);
  if (!fs::create_directory(tmp->path(), ec))
    return Error{fmt::format("{}: cannot create: {}", tmp->path(), ec.message())};
  return tmp;
}

// Into place: a previous export moves aside first and is removed once the new one is there.
Status MoveIntoPlace(TempDir& tmp, const fs::path& target, const std::string& out_dir) {
  std::error_code ec;
  const std::string aside = fmt::format("{}.old.{}", target.string(), static_cast<long>(getpid()));
  const bool had = fs::exists(target, ec);
  if (had) {
    fs::rename(target, aside, ec);
    if (ec) return Error{fmt::format("{}: cannot replace: {}", out_dir, ec.message())};
  }
  fs::rename(tmp.path(), target, ec);
  if (ec) {
    if (had) fs::rename(aside, target, ec);
    return Error{fmt::format("{}: cannot rename into place", out_dir)};
  }
  tmp.Release();
  if (had) fs::remove_all(aside, ec);
  return Status::Ok();
}

nlohmann::json TensorJson(const Graph& g, int t) {
  const Tensor& ten = g.tensors[t];
  return {{"name", ten.name},
          {"shape", ten.shape},
          {"dtype", DTypeName(ten.dtype)},
          {"bytes", ten.bytes}};
}

// Re-imports a written segment and maps it back onto the original graph by tensor names: its
// operators (by their outputs), inputs and outputs.
Result<SegmentPlan> Reimported(const std::string& path, const Graph& g, const SegmentPlan& planned,
                               const std::map<std::string, int>& tensor_id,
                               const std::map<int, int>& op_by_output) {
  auto sg = LoadModel(path);
  if (!sg)
    return Error{fmt::format("{} does not re-import: {}", fs::path(path).filename().string(),
                             sg.error().message)};
  SegmentPlan back;
  auto id = [&](const std::string& name) -> Result<int> {
    auto it = tensor_id.find(name);
    if (it == tensor_id.end()) return Error{fmt::format("tensor '{}' is not in the model", name)};
    return it->second;
  };
  for (const Operator& op : sg->ops) {
    auto t = id(sg->tensors[op.outputs[0]].name);
    if (!t) return t.error();
    auto it = op_by_output.find(*t);
    if (it == op_by_output.end())
      return Error{fmt::format("operator producing '{}' is not in the model",
                               sg->tensors[op.outputs[0]].name)};
    const Operator& orig = g.ops[it->second];
    if (orig.type != op.type || orig.inputs.size() != op.inputs.size() ||
        orig.outputs.size() != op.outputs.size() || orig.param_bytes != op.param_bytes ||
        orig.macs != op.macs)
      return Error{fmt::format(
          "operator '{}' changed in {}: type {} / {}, {} / {} inputs, {} / {} parameter bytes, "
          "{} / {} MACs (model / segment)",
          orig.name, fs::path(path).filename().string(), orig.type, op.type, orig.inputs.size(),
          op.inputs.size(), orig.param_bytes, op.param_bytes, orig.macs, op.macs)};
    for (size_t k = 0; k < op.inputs.size(); ++k)
      if ((op.inputs[k] < 0) != (orig.inputs[k] < 0) ||
          (op.inputs[k] >= 0 && sg->tensors[op.inputs[k]].name != g.tensors[orig.inputs[k]].name))
        return Error{fmt::format("operator '{}' reads different tensors in {}", orig.name,
                                 fs::path(path).filename().string())};
    back.ops.push_back(it->second);
  }
  for (int t : sg->inputs) {
    auto i = id(sg->tensors[t].name);
    if (!i) return i.error();
    back.inputs.push_back(*i);
  }
  for (int t : sg->outputs) {
    auto i = id(sg->tensors[t].name);
    if (!i) return i.error();
    back.outputs.push_back(*i);
  }
  if (back.ops != planned.ops)
    return Error{fmt::format("{} holds other operators than planned", path)};
  back.passthrough = planned.passthrough;
  return back;
}

}  // namespace

Result<SegmentExport> ExportPipeline(const std::string& model_path, const Graph& g,
                                     const Schedule& s, const std::string& out_dir,
                                     const nlohmann::json& stage_costs) {
  const std::string ext = FileExtension(model_path);
  std::error_code ec;
  if ((ext != "tflite" && ext != "onnx") || !fs::is_regular_file(model_path, ec))
    return Error{fmt::format(
        "'{}' is not a .tflite or .onnx file: there is no model file to cut into segments "
        "(zoo, GML and JSON graphs carry no weights)",
        model_path)};
  for (const Operator& op : g.ops)
    if (op.type == "edgetpu-custom-op")
      return Error{
          "the model is already compiled for the Edge TPU (an edgetpu-custom-op): cut the CPU "
          "model into "
          "segments, then compile each segment with edgetpu_compiler"};
  if (out_dir.empty()) return Error{"no output directory given"};
  auto plan = PlanPipeline(g, s);
  if (!plan) return plan.error();
  auto bytes = ReadFileBytes(model_path);
  if (!bytes) return bytes.error();
  const int k = static_cast<int>(plan->segments.size());
  const std::string stem = FileStem(model_path);

  // Build every segment in memory first: a writer error leaves nothing behind.
  std::unique_ptr<OnnxSegmenter> onnx;
  if (ext == "onnx") {
    auto made = OnnxSegmenter::Create(*bytes, g);
    if (!made) return Error{fmt::format("{}: {}", model_path, made.error().message)};
    onnx = std::move(*made);
  }
  SegmentExport out;
  out.dir = out_dir;
  std::vector<std::string> contents;
  for (int i = 0; i < k; ++i) {
    const SegmentPlan& seg = plan->segments[i];
    auto b = onnx ? onnx->SegmentBytes(seg, i) : TfliteSegmentBytes(*bytes, g, seg);
    if (!b) return Error{fmt::format("segment {}: {}", i, b.error().message)};
    if (onnx)
      if (auto st = CheckOnnxModel(*b); !st)
        return Error{fmt::format("segment {}: {}", i, st.error().message)};
    contents.push_back(std::move(*b));
    out.files.push_back(fmt::format("{}_segment_{}_of_{}.{}", stem, i, k, ext));
  }

  // pipeline.json
  nlohmann::json segs = nlohmann::json::array();
  for (int i = 0; i < k; ++i) {
    const SegmentPlan& seg = plan->segments[i];
    nlohmann::json ins = nlohmann::json::array(), outs = nlohmann::json::array();
    for (int t : seg.inputs) {
      nlohmann::json j = TensorJson(g, t);
      // Where it comes from: the latest earlier segment that outputs it, or the model's inputs.
      int from = -1;
      for (int j2 = 0; j2 < i; ++j2)
        for (int o : plan->segments[j2].outputs)
          if (o == t) from = j2;
      j["from_segment"] = from < 0 ? nlohmann::json(nullptr) : nlohmann::json(from);
      j["produced_by_segment"] =
          plan->producer[t] < 0 ? nlohmann::json(nullptr) : nlohmann::json(plan->producer[t]);
      ins.push_back(j);
    }
    for (int t : seg.outputs) {
      nlohmann::json j = TensorJson(g, t);
      std::vector<int> to;
      for (int j2 = i + 1; j2 < k; ++j2)
        for (int in : plan->segments[j2].inputs)
          if (in == t) to.push_back(j2);
      j["to_segments"] = to;
      outs.push_back(j);
    }
    nlohmann::json through = nlohmann::json::array();
    for (int t : seg.passthrough) through.push_back(g.tensors[t].name);
    nlohmann::json sj = {{"index", i},
                         {"file", out.files[i]},
                         {"operators", seg.ops.size()},
                         {"inputs", ins},
                         {"outputs", outs},
                         {"passed_through", through},
                         {"replicas", s.Replicas(i)},
                         {"bytes", contents[i].size()}};
    if (stage_costs.is_array() && i < static_cast<int>(stage_costs.size()))
      sj["predicted"] = stage_costs[i];
    segs.push_back(sj);
  }
  nlohmann::json model_in = nlohmann::json::array(), model_out = nlohmann::json::array();
  for (int t : g.inputs) model_in.push_back(g.tensors[t].name);
  for (int t : g.outputs) model_out.push_back(g.tensors[t].name);
  out.pipeline = {
      {"model", model_path},
      {"format", ext},
      {"stages", k},
      {"tpus", s.Tpus()},
      {"inputs", model_in},
      {"outputs", model_out},
      {"signature", ext == "tflite" ? TfliteSignatureJson(*bytes) : nlohmann::json(nullptr)},
      {"segments", segs},
      {"rules",
       "segments run in order; segment i runs on `replicas` devices, each loading its file, "
       "which take inferences round-robin (inference n on replica n mod replicas) and hand "
       "results on in order; tensors pass by name; every output of a "
       "non-final segment is an input of a later one; segment 0's inputs are the model's "
       "inputs in order; the last segment's outputs are the model's outputs in order"}};

  // Write into a temporary directory beside the target, validate, then rename into place.
  auto target = ExportTarget(out_dir, "pipeline.json", "export");
  if (!target) return target.error();
  auto tmp_dir = TempBeside(*target);
  if (!tmp_dir) return tmp_dir.error();
  TempDir& tmp = **tmp_dir;
  for (int i = 0; i < k; ++i)
    if (auto st = WriteFileAtomic((fs::path(tmp.path()) / out.files[i]).string(), contents[i]); !st)
      return st.error();
  if (auto st = WriteFileAtomic((fs::path(tmp.path()) / "pipeline.json").string(),
                                out.pipeline.dump(2) + "\n");
      !st)
    return st.error();

  std::map<std::string, int> tensor_id;
  for (size_t t = 0; t < g.tensors.size(); ++t)
    tensor_id.emplace(g.tensors[t].name, static_cast<int>(t));
  std::map<int, int> op_by_output;  // an operator by its first output
  for (int v = 0; v < g.num_ops(); ++v) op_by_output[g.ops[v].outputs[0]] = v;
  PipelinePlan back;
  back.producer = plan->producer;
  for (int i = 0; i < k; ++i) {
    auto seg = Reimported((fs::path(tmp.path()) / out.files[i]).string(), g, plan->segments[i],
                          tensor_id, op_by_output);
    if (!seg) return Error{fmt::format("validation: {}", seg.error().message)};
    if (seg->inputs != plan->segments[i].inputs || seg->outputs != plan->segments[i].outputs)
      return Error{
          fmt::format("validation: {} does not have the planned inputs and outputs", out.files[i])};
    back.segments.push_back(std::move(*seg));
  }
  if (auto st = CheckPipelinePlan(g, back); !st) return Error{"validation: " + st.error().message};

  if (auto st = MoveIntoPlace(tmp, *target, out_dir); !st) return st.error();
  return out;
}

Result<std::string> ExportDeployment(const std::vector<std::string>& model_paths,
                                     const std::vector<const Graph*>& graphs, const Deployment& d,
                                     const std::string& out_dir) {
  auto target = ExportTarget(out_dir, "deployment.json", "deployment export");
  if (!target) return target.error();
  auto tmp_dir = TempBeside(*target);
  if (!tmp_dir) return tmp_dir.error();
  TempDir& tmp = **tmp_dir;
  std::vector<std::string> folders;
  std::vector<std::vector<std::string>> files;
  nlohmann::json models = nlohmann::json::array();
  for (size_t m = 0; m < d.models.size(); ++m) {
    const std::string folder = fmt::format("{}_{}", m, FileStem(model_paths[m]));
    auto r = ExportPipeline(model_paths[m], *graphs[m], d.models[m].schedule,
                            (fs::path(tmp.path()) / folder).string(), nullptr);
    if (!r) return Error{fmt::format("{}: {}", model_paths[m], r.error().message)};
    folders.push_back(folder);
    files.push_back(r->files);
    models.push_back({{"name", d.models[m].name},
                      {"file", model_paths[m]},
                      {"dir", folder},
                      {"rate_ips", d.models[m].rate_ips},
                      {"replicas", ReplicasToJson(d.models[m].schedule)},
                      {"tpus", d.models[m].tpus},
                      {"shared", d.models[m].shared}});
  }
  nlohmann::json tpus = nlohmann::json::array();
  for (size_t t = 0; t < d.tpus.size(); ++t) {
    nlohmann::json compile = nlohmann::json::array();
    for (const auto& seg : d.tpus[t].segments)
      compile.push_back({{"model", d.models[seg.model].name},
                         {"stage", seg.stage},
                         {"file", folders[seg.model] + "/" + files[seg.model][seg.stage]}});
    tpus.push_back({{"index", t}, {"compile", compile}, {"busy", d.tpus[t].busy}});
  }
  const nlohmann::json manifest = {
      {"ratio", d.ratio},
      {"limit", d.limit},
      {"models", models},
      {"tpus", tpus},
      {"rules",
       "each TPU runs the segment files listed under it; where it lists several, compile them "
       "together with edgetpu_compiler in the listed order (co-compilation: the earlier files' "
       "parameters are cached first) and serve their invokes one at a time; each model's folder "
       "holds its pipeline.json, whose segment i runs on `replicas` TPUs in turn"}};
  if (auto st = WriteFileAtomic((fs::path(tmp.path()) / "deployment.json").string(),
                                manifest.dump(2) + "\n");
      !st)
    return st.error();
  if (auto st = MoveIntoPlace(tmp, *target, out_dir); !st) return st.error();
  return target->string();
}

}  // namespace respect
