#include "bench/memory_suite.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "memory/orderers.h"
#include "models/model_source.h"

namespace respect {

std::vector<std::string> DefaultMemoryModels(const std::string& models_dir) {
  std::vector<std::string> out = {"zoo:nasnet_mobile",       "zoo:inception_v3",
                                  "zoo:inception_resnet_v2", "zoo:randwire:seed=0",
                                  "zoo:randwire:seed=1",     "zoo:randwire:seed=2",
                                  "zoo:randwire:seed=3"};
  std::vector<std::string> files;
  for (const char* sub : {"tflite", "onnx"}) {
    const std::filesystem::path dir = std::filesystem::path(models_dir) / sub;
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) continue;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
      const std::string ext = e.path().extension().string();
      if (ext == ".tflite" || ext == ".onnx") files.push_back(e.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  out.insert(out.end(), files.begin(), files.end());
  return out;
}

Result<MemorySuiteResult> RunMemorySuite(const MemorySuiteOptions& o) {
  MemorySuiteResult out;
  out.options = o;
  const std::vector<std::string> models =
      o.models.empty() ? DefaultMemoryModels(o.models_dir) : o.models;
  if (models.empty()) return Error{"no models to order"};
  for (size_t i = 0; i < models.size(); ++i) {
    auto g = LoadModel(models[i]);
    if (!g) return Error{fmt::format("{}: {}", models[i], g.error().message)};
    for (bool inplace : {false, true}) {
      MemoryRow row;
      row.model = models[i];
      row.ops = g->num_ops();
      row.inplace = inplace;
      for (const auto& method : o.methods) {
        if (o.progress)
          o.progress(fmt::format("[{}/{}] {}{} {}", i + 1, models.size(), models[i],
                                 inplace ? " --inplace" : "", method));
        OrderRequest r;
        r.method = method;
        r.memory.inplace = inplace;
        r.time_limit_s = o.time_limit_s;
        MemoryRun run;
        run.method = method;
        auto res = RunOrderer(*g, r);
        if (!res) {
          run.note = res.error().message;
        } else {
          run.ok = true;
          run.peak = res->profile.peak;
          run.lower_bound = res->lower_bound;
          run.proven = res->proven_optimal;
          run.seconds = res->seconds;
          run.note = res->note;
        }
        row.runs.push_back(std::move(run));
      }
      out.rows.push_back(std::move(row));
    }
  }
  return out;
}

}  // namespace respect
