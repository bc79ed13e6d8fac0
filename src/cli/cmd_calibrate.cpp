#include <algorithm>
#include <cstdio>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.h"
#include "core/file_io.h"
#include "cost/calibration.h"

namespace respect::cli {

Runner AddCalibrate(CLI::App& app) {
  struct Options {
    std::string device = "usb-max", out, name;
    std::vector<std::string> free;
    bool json = false, select = false;
  };
  auto o = std::make_shared<Options>();
  app.add_option("--device", o->device, "base profile whose free constants are fitted (its clock, "
                                        "MAC array and cache are kept)")->capture_default_str();
  app.add_option("--out", o->out, "write the fitted profile to FILE (atomically)");
  app.add_option("--name", o->name, "name of the written profile (default: the base's)");
  app.add_flag("--json", o->json, "print the fit as JSON (constants, rows, errors)");
  app.add_option("--free", o->free, "fit only these constants (invoke, op, conv, depthwise, vector, link; default: "
                                    "all six); the others stay at their physical bounds")
      ->delimiter(',');
  app.add_flag("--select", o->select, "fit every subset of the six constants and list them by leave-one-out "
                                      "error (median, then max): which constants the data supports");
  app.footer("Fits invoke overhead, per-op overhead, conv and depthwise utilisation, vector rate\n"
             "and link bandwidth to Coral's published single-TPU latencies (ANCHORS.md), which\n"
             "were measured at the max clock: calibrate usb-max. Rows of the same table that\n"
             "are not fitted are predicted as a hold-out check.\n"
             "Example:\n  respect calibrate --device usb-max --out devices/usb-max.json");
  return [o] {
    auto base = LoadDeviceProfile(o->device);
    if (!base) return Fail(base.error().message);
    const auto& names = CalibrationConstants();
    unsigned mask = o->free.empty() ? kAllCalibrationConstants : 0;
    for (const auto& f : o->free) {
      auto it = std::find(names.begin(), names.end(), f);
      if (it == names.end())
        return Fail(fmt::format("--free: unknown constant '{}' (invoke, op, conv, depthwise, vector, link)", f));
      mask |= 1u << (it - names.begin());
    }
    if (o->select) {
      struct Line {
        unsigned mask;
        double rms, median, max;
      };
      std::vector<Line> lines;
      for (unsigned m = 1; m <= kAllCalibrationConstants; ++m) {
        auto c = Calibrate(*base, CoralCalibrationRows(), {}, m);
        if (!c) return Fail(c.error().message);
        lines.push_back({m, c->rms_error_pct, c->loo_median_abs_pct, c->loo_max_abs_pct});
      }
      std::sort(lines.begin(), lines.end(), [](const Line& a, const Line& b) {
        return a.median != b.median ? a.median < b.median : a.max < b.max;
      });
      std::printf("%-40s %9s %11s %9s\n", "free constants", "fit rms", "LOO median", "LOO max");
      for (const Line& l : lines) {
        std::string which;
        for (size_t i = 0; i < names.size(); ++i)
          if (l.mask >> i & 1) which += (which.empty() ? "" : ",") + names[i];
        std::printf("%-40s %8.1f%% %10.1f%% %8.1f%%\n", which.c_str(), l.rms, l.median, l.max);
      }
      return 0;
    }
    auto r = Calibrate(*base, CoralCalibrationRows(), CoralValidationRows(), mask);
    if (!r) return Fail(r.error().message);
    DeviceProfile& p = r->profile;
    if (!o->name.empty()) p.name = o->name;
    nlohmann::json profile_json = DeviceProfileToJson(p);
    if (!o->out.empty())
      if (auto st = WriteFileAtomic(o->out, profile_json.dump(2) + "\n"); !st) return Fail(st.error().message);
    auto rows_json = [](const std::vector<CalibrationResult::RowFit>& rows) {
      nlohmann::json a = nlohmann::json::array();
      for (const auto& f : rows)
        a.push_back({{"model", f.row.model}, {"label", f.row.label}, {"measured_ms", f.row.tpu_ms},
                     {"predicted_ms", f.predicted_ms}, {"error_pct", f.error_pct},
                     {"compute_ms", f.compute_ms}, {"transfer_ms", f.transfer_ms},
                     {"overhead_ms", f.overhead_ms}, {"streamed_bytes", f.streamed_bytes},
                     {"measured_cpu_ms", f.row.cpu_ms}, {"predicted_cpu_ms", f.predicted_cpu_ms},
                     {"loo_error_pct", f.loo_error_pct}});
      return a;
    };
    if (o->json) {
      nlohmann::json j = {{"profile", profile_json},
                          {"fitted", rows_json(r->fitted)},
                          {"validation", rows_json(r->validation)},
                          {"rms_error_pct", r->rms_error_pct},
                          {"validation_rms_error_pct", r->validation_rms_error_pct},
                          {"loo_median_abs_error_pct", r->loo_median_abs_pct},
                          {"loo_max_abs_error_pct", r->loo_max_abs_pct}};
      std::printf("%s\n", j.dump(2).c_str());
      return 0;
    }
    std::printf("fitted constants (%s, clock %.0f MHz, cache %.2f MiB):\n", p.name.c_str(),
                p.clock_hz / 1e6, p.param_cache_bytes / 1048576.0);
    std::printf("  invoke overhead      %8.3f ms\n", p.invoke_overhead_s * 1e3);
    std::printf("  per-op overhead      %8.0f cycles (%.1f us)\n", p.op_overhead_cycles,
                p.op_overhead_cycles / p.clock_hz * 1e6);
    std::printf("  conv/FC utilisation  %8.3f\n", p.util_conv);
    std::printf("  depthwise util.      %8.3f\n", p.util_depthwise);
    std::printf("  vector rate          %8.1f elements/cycle\n", p.vector_elems_per_cycle);
    std::printf("  link bandwidth       %8.1f MB/s\n", p.link_in_bytes_per_s / 1e6);
    std::printf("  host CPU             %8.2f GMAC/s + %.1f us/op\n", p.cpu_macs_per_s / 1e9,
                p.cpu_op_overhead_s * 1e6);
    // Per row: the measured and predicted times, the fit error, the leave-one-out error (fitted
    // rows), and each term's share of the predicted time, so a reader sees why a model is slow.
    auto table = [](const char* title, const std::vector<CalibrationResult::RowFit>& rows, double rms, bool loo) {
      std::printf("\n%s\n%-26s %9s %9s %8s %8s %8s %8s %8s %9s %8s\n", title, "model", "measured", "predicted",
                  "error", loo ? "LOO err" : "", "compute", "transfer", "overhead", "streamed", "cpu pred");
      for (const auto& f : rows) {
        const double t = std::max(1e-9, f.predicted_ms);
        std::printf("%-26s %7.1fms %7.1fms %+7.1f%% %s %7.0f%% %7.0f%% %7.0f%% %7.2fMiB %6.0fms\n", f.row.label.c_str(),
                    f.row.tpu_ms, f.predicted_ms, f.error_pct,
                    loo ? fmt::format("{:+7.1f}%", f.loo_error_pct).c_str() : "        ", 100 * f.compute_ms / t,
                    100 * f.transfer_ms / t, 100 * f.overhead_ms / t, f.streamed_bytes / 1048576.0,
                    f.predicted_cpu_ms);
      }
      std::printf("rms relative error %.1f%%\n", rms);
    };
    table("fitted rows (ANCHORS.md calibration set; compute/transfer/overhead: shares of the prediction):",
          r->fitted, r->rms_error_pct, true);
    std::printf("leave-one-out (each row predicted from a fit to the others): median |error| %.1f%%, max %.1f%%\n",
                r->loo_median_abs_pct, r->loo_max_abs_pct);
    table("hold-out rows (same published table, not fitted):", r->validation, r->validation_rms_error_pct, false);
    if (!o->out.empty()) std::printf("\nwrote %s\n", o->out.c_str());
    return 0;
  };
}

}  // namespace respect::cli
