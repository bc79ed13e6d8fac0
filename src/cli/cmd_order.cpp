#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/file_io.h"
#include "exporters/reorder.h"
#include "memory/orderers.h"
#include "models/model_source.h"
#include "report/memory_report.h"

namespace respect::cli {

namespace {

std::string Bytes(int64_t b) {
  if (b >= 4 * 1048576) return fmt::format("{:.2f} MiB", b / 1048576.0);
  if (b >= 4096) return fmt::format("{:.1f} KiB", b / 1024.0);
  return fmt::format("{} B", b);
}

}  // namespace

Runner AddOrder(CLI::App& app) {
  struct Options {
    std::string model, method = "auto", svg, out;
    bool inplace = false, json = false;
    double time_limit = 30;
    int64_t lattice_cap = 2'000'000;
  };
  auto o = std::make_shared<Options>();
  app.add_option("MODEL", o->model, "model file, zoo:NAME[:k=v,...] or synth:...")->required();
  app.add_option("--method", o->method, "ordering method:" + OrderMethodsHelp())
      ->check(CLI::IsMember(OrderMethods()))
      ->capture_default_str();
  app.add_flag("--inplace", o->inplace,
               "let an element-wise or reshape-like operator write its output over a "
               "same-size input that dies at it (HMCOS / TFLite-style planners)");
  app.add_option("--time-limit", o->time_limit, "wall-clock seconds")
      ->check(CLI::Range(0.01, 86400.0))
      ->capture_default_str();
  app.add_option("--lattice-cap", o->lattice_cap,
                 "dp: enumerate at most N downsets; past that the best heuristic "
                 "is returned unproven")
      ->check(CLI::Range(int64_t{1}, int64_t{100'000'000}))
      ->capture_default_str();
  app.add_flag("--json", o->json,
               "print one JSON object: model, method, conventions, inplace, peak_bytes, "
               "lower_bound_bytes, gap, proven_optimal, peak_step, live_at_peak[], order[], "
               "footprint_bytes[], solve_seconds, note");
  app.add_option("--svg", o->svg, "draw the live-memory curve over the steps to FILE");
  app.add_option("--out", o->out,
                 "FILE.tflite / FILE.onnx: the model file with its operators stored in the new "
                 "order, everything else unchanged; any other name: the result JSON (as --json "
                 "prints it); written atomically");
  app.footer(
      "Peak activation memory of a sequential order, under these conventions: graph inputs live "
      "from the\n"
      "start; parameters are excluded; an operator's inputs and outputs coexist while it runs; a "
      "tensor\n"
      "is freed after its last consumer; graph outputs live to the end.\n"
      "Examples:\n  respect order zoo:inception_v3\n  respect order model.tflite --method greedy "
      "--inplace\n"
      "  respect order zoo:resnet50 --json --svg memory.svg\n"
      "  respect order model.tflite --method dp --out model.reordered.tflite");
  return [o] {
    auto g = LoadModel(o->model);
    if (!g) return Fail(g.error().message);
    if (g->num_ops() == 0) return Fail(fmt::format("{}: the graph has no operators", o->model));
    OrderRequest r;
    r.method = o->method;
    r.memory.inplace = o->inplace;
    r.time_limit_s = o->time_limit;
    r.lattice_cap = o->lattice_cap;
    auto res = RunOrderer(*g, r);
    if (!res) return Fail(fmt::format("{}: {}", o->model, res.error().message));
    const nlohmann::json j = OrderResultJson(*g, r, *res);
    if (!o->out.empty()) {
      const std::string ext = std::filesystem::path(o->out).extension().string();
      if (ext == ".tflite" || ext == ".onnx") {
        if (auto st = WriteReorderedModel(o->model, *g, res->order, o->out); !st)
          return Fail(st.error().message);
      } else if (auto st = WriteFileAtomic(o->out, j.dump(2) + "\n"); !st) {
        return Fail(st.error().message);
      }
    }
    if (!o->svg.empty()) {
      const std::string title = fmt::format("{}: live activations over the order ({}{})", g->name,
                                            res->method, o->inplace ? ", in place" : "");
      if (auto st = WriteFileAtomic(o->svg, MemoryCurveSvg(*g, *res, title)); !st)
        return Fail(st.error().message);
    }
    if (o->json) {
      std::printf("%s\n", j.dump(2).c_str());
      return 0;
    }
    std::printf("model %s   %d operators   method %s\n", g->name.c_str(), g->num_ops(),
                res->method.c_str());
    std::printf("conventions: %s\n", ConventionsText(r.memory).c_str());
    std::printf("peak %s (%lld bytes)", Bytes(res->profile.peak).c_str(),
                static_cast<long long>(res->profile.peak));
    if (res->profile.peak_step >= 0)
      std::printf(" at step %d (%s)", res->profile.peak_step,
                  g->ops[res->order[res->profile.peak_step]].name.c_str());
    // The largest first, at most 20 (--json lists them all).
    std::vector<int> shown = res->profile.live_at_peak;
    std::stable_sort(shown.begin(), shown.end(),
                     [&](int a, int b) { return g->tensors[a].bytes > g->tensors[b].bytes; });
    constexpr size_t kShown = 20;
    std::printf("\nlive at the peak (%zu tensors):", shown.size());
    for (size_t i = 0; i < std::min(shown.size(), kShown); ++i)
      std::printf(" %s (%s)", g->tensors[shown[i]].name.c_str(),
                  Bytes(g->tensors[shown[i]].bytes).c_str());
    if (shown.size() > kShown) std::printf(" and %zu smaller", shown.size() - kShown);
    std::printf("\nlower bound %s   gap %.1f%%   %s   (%.3f s; %s)\n",
                Bytes(res->lower_bound).c_str(), 100 * res->gap,
                res->proven_optimal ? "proven optimal" : "not proven optimal", res->seconds,
                res->note.c_str());
    return 0;
  };
}

}  // namespace respect::cli
