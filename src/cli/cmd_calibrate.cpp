#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "core/file_io.h"
#include "cost/calibration.h"

namespace respect::cli {

Runner AddCalibrate(CLI::App& app) {
  struct Options {
    std::string device = "usb-max", out, name, rows;
    std::vector<std::string> free;
    bool json = false, select = false;
  };
  auto o = std::make_shared<Options>();
  app.add_option("--device", o->device,
                 "base profile whose free constants are fitted (its clock, "
                 "MAC array and cache are kept)")
      ->capture_default_str();
  app.add_option("--out", o->out, "write the fitted profile to FILE (atomically)");
  app.add_option("--name", o->name, "name of the written profile (default: the base's)");
  app.add_flag("--json", o->json, "print the fit as JSON (constants, rows, errors)");
  app.add_option("--free", o->free,
                 "fit only these constants (invoke, op, conv, depthwise, vector, link); "
                 "the others stay at their physical bounds. Default: the subset that "
                 "leave-one-out cross-validation selects (see --select)")
      ->delimiter(',');
  app.add_flag("--select", o->select,
               "fit every subset of the six constants and list them by leave-one-out "
               "error (median, then max): which constants the data supports");
  app.add_option("--rows", o->rows,
                 "fit these measurements instead of Coral's table: a JSON array of "
                 "{\"model\": MODEL, \"ms\": latency, \"cpu_ms\": optional, \"label\": optional}")
      ->check(CLI::ExistingFile);
  app.footer(
      "Fits the constants of the cost model (invoke overhead, per-op overhead, conv and\n"
      "depthwise utilisation, vector rate, link bandwidth) to Coral's published\n"
      "single-TPU latencies, measured at the max clock: calibrate usb-max. Which\n"
      "constants are fitted is chosen by leave-one-out cross-validation; the others stay\n"
      "at their physical bounds. The report gives, per model, the fit error, the\n"
      "cross-validated error (the row predicted by a fit to the others) and each term's\n"
      "share of the predicted time. Rows of the same table that are not fitted are\n"
      "predicted as a hold-out check.\n"
      "Examples:\n  respect calibrate --device usb-max --out devices/usb-max.json\n"
      "  respect calibrate --rows my-measurements.json --free invoke,op,conv --json");
  return [o] {
    auto base = LoadDeviceProfile(o->device);
    if (!base) return Fail(base.error().message);
    const auto& names = CalibrationConstants();
    std::vector<CalibrationRow> rows = CoralCalibrationRows();
    std::vector<CalibrationRow> holdout = CoralValidationRows();
    if (!o->rows.empty()) {
      auto r = LoadCalibrationRows(o->rows);
      if (!r) return Fail(r.error().message);
      if (r->size() < 3)
        return Fail(
            fmt::format("{}: calibration needs at least 3 rows, got {}", o->rows, r->size()));
      rows = *r;
      holdout.clear();
    }
    // The names of the constants in a subset (bit i: names[i]).
    auto names_of = [&names](unsigned m, const char* sep) {
      std::string s;
      for (size_t i = 0; i < names.size(); ++i)
        if (m >> i & 1) s += (s.empty() ? "" : sep) + names[i];
      return s;
    };
    unsigned mask = 0;
    for (const auto& f : o->free) {
      auto it = std::find(names.begin(), names.end(), f);
      if (it == names.end())
        return Fail(fmt::format(
            "--free: unknown constant '{}' (invoke, op, conv, depthwise, vector, link)", f));
      mask |= 1u << (it - names.begin());
    }
    if (o->select) {
      auto ranked = RankFreeConstantSubsets(*base, rows);
      if (!ranked) return Fail(ranked.error().message);
      std::printf("%-40s %9s %11s %9s\n", "free constants", "fit rms", "LOO median", "LOO max");
      for (const SubsetFit& f : *ranked)
        std::printf("%-40s %8.1f%% %10.1f%% %8.1f%%\n", names_of(f.mask, ",").c_str(),
                    f.fit_rms_pct, f.loo_median_pct, f.loo_max_pct);
      return 0;
    }
    if (mask == 0) {
      auto selected = SelectFreeConstants(*base, rows);
      if (!selected) return Fail(selected.error().message);
      mask = *selected;
    }
    auto r = Calibrate(*base, rows, holdout, mask, o->rows.empty() ? CoralTableSource() : "");
    if (!r) return Fail(r.error().message);
    nlohmann::json free_json = nlohmann::json::array();
    for (size_t i = 0; i < names.size(); ++i)
      if (mask >> i & 1) free_json.push_back(names[i]);
    DeviceProfile& p = r->profile;
    if (!o->name.empty()) p.name = o->name;
    nlohmann::json profile_json = DeviceProfileToJson(p);
    if (!o->out.empty())
      if (auto st = WriteFileAtomic(o->out, profile_json.dump(2) + "\n"); !st)
        return Fail(st.error().message);
    auto rows_json = [&names](const std::vector<CalibrationResult::RowFit>& fits) {
      nlohmann::json a = nlohmann::json::array();
      for (const auto& f : fits) {
        nlohmann::json terms;
        for (size_t i = 0; i < names.size(); ++i) terms[names[i]] = f.term_ms[i];
        terms["cpu"] = f.term_ms[names.size()];
        a.push_back({{"model", f.row.model},
                     {"label", f.row.label},
                     {"measured_ms", f.row.tpu_ms},
                     {"predicted_ms", f.predicted_ms},
                     {"error_pct", f.error_pct},
                     {"compute_ms", f.compute_ms},
                     {"transfer_ms", f.transfer_ms},
                     {"overhead_ms", f.overhead_ms},
                     {"streamed_bytes", f.streamed_bytes},
                     {"measured_cpu_ms", f.row.cpu_ms},
                     {"predicted_cpu_ms", f.predicted_cpu_ms},
                     {"loo_error_pct", f.loo_error_pct},
                     {"terms_ms", terms}});
      }
      return a;
    };
    if (o->json) {
      nlohmann::json j = {{"profile", profile_json},
                          {"free_constants", free_json},
                          {"fitted", rows_json(r->fitted)},
                          {"validation", rows_json(r->validation)},
                          {"rms_error_pct", r->rms_error_pct},
                          {"validation_rms_error_pct", r->validation_rms_error_pct},
                          {"loo_median_abs_error_pct", r->loo_median_abs_pct},
                          {"loo_max_abs_error_pct", r->loo_max_abs_pct}};
      std::printf("%s\n", j.dump(2).c_str());
      return 0;
    }
    std::printf(
        "fitted constants (%s, clock %.0f MHz, cache %.2f MiB; fitted: %s; the others at their "
        "bounds):\n",
        p.name.c_str(), p.clock_hz / 1e6, p.param_cache_bytes / 1048576.0,
        names_of(mask, ", ").c_str());
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
    auto table = [&names](const char* title, const std::vector<CalibrationResult::RowFit>& fits,
                          double rms, bool loo) {
      std::printf("\n%s\n%-26s %8s %9s %7s %7s", title, "model", "measured", "predicted", "error",
                  loo ? "LOO" : "");
      for (const auto& n : names) std::printf(" %6s", n.substr(0, 6).c_str());
      std::printf(" %6s %9s\n", "cpu", "streamed");
      for (const auto& f : fits) {
        const double t = std::max(1e-9, f.predicted_ms);
        std::printf("%-26s %6.1fms %7.1fms %+6.1f%% %s", f.row.label.substr(0, 26).c_str(),
                    f.row.tpu_ms, f.predicted_ms, f.error_pct,
                    loo ? fmt::format("{:+6.1f}%", f.loo_error_pct).c_str() : "       ");
        for (double ms : f.term_ms) std::printf(" %5.0f%%", 100 * ms / t);
        std::printf(" %6.2fMiB\n", f.streamed_bytes / 1048576.0);
      }
      std::printf("rms relative error %.1f%%\n", rms);
    };
    table(
        "fitted rows (error: the fit's; LOO: predicted by a fit to the other rows; then each "
        "term's share "
        "of the prediction):",
        r->fitted, r->rms_error_pct, true);
    std::printf(
        "leave-one-out (each row predicted from a fit to the others): median |error| %.1f%%, max "
        "%.1f%%\n",
        r->loo_median_abs_pct, r->loo_max_abs_pct);
    if (!r->validation.empty())
      table("hold-out rows (same published table, not fitted):", r->validation,
            r->validation_rms_error_pct, false);
    if (!o->out.empty()) std::printf("\nwrote %s\n", o->out.c_str());
    return 0;
  };
}

}  // namespace respect::cli
