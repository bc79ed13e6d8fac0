// Calibration of a device profile against published single-TPU latencies.
//
// The cost model of one TPU running a whole model is linear in six physical constants:
//   T = invoke_overhead + n_ops * op_overhead_cycles / clock
//     + conv_macs / (mac_array * clock * util_conv)           (conv and fully-connected)
//     + dw_macs / (mac_array * clock * util_depthwise)
//     + vector_elems / (vector_elems_per_cycle * clock)
//     + (in_bytes + out_bytes + streamed_param_bytes) / link_bandwidth
// so the fit is a non-negative least squares on the reciprocal constants, weighted so that
// every model's relative error counts the same (a 2 ms model matters as much as a 300 ms one).
// Every constant has a physical bound (no overheads, utilisation 1, one element per MAC per
// cycle, USB 3.0's 500 MB/s) and is fitted as the bound plus a non-negative excess. Which
// constants are fitted at all is chosen by leave-one-out cross-validation (SelectFreeConstants):
// with nine rows, six free constants interpolate, and the subset that predicts held-out rows
// best is the honest one; the others stay at their bounds. Nothing is fitted per model. The
// cache size, MAC array and clock are not fitted (datasheet values). The host CPU rate (MACs/s)
// is fitted separately to the CPU column; its per-op overhead is set to 0.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "cost/device_profile.h"

namespace respect {

struct CalibrationRow {
  std::string model;  // zoo spec, e.g. "resnet50:input=299"
  double tpu_ms = 0;  // published Edge TPU latency
  double cpu_ms = 0;  // published desktop-CPU latency (0 = none)
  std::string label;  // as the source table names it
};

// ANCHORS.md's calibration set: Coral's benchmark table, USB Accelerator on USB 3.0.
const std::vector<CalibrationRow>& CoralCalibrationRows();
// Further rows of the same published table, never fitted: reported as a hold-out check.
const std::vector<CalibrationRow>& CoralValidationRows();

struct CalibrationResult {
  DeviceProfile profile;  // the base profile with the fitted constants
  struct RowFit {
    CalibrationRow row;
    double predicted_ms = 0, error_pct = 0;
    double predicted_cpu_ms = 0;
    double compute_ms = 0, transfer_ms = 0, overhead_ms = 0;
    int64_t streamed_bytes = 0;
    double loo_error_pct = 0;  // fitted rows: the error when this row is left out of the fit
    // The predicted time by term (ms), in CalibrationConstants() order (invoke, op, conv,
    // depthwise, vector, link), then the host CPU's share: why the model is as slow as it is.
    std::vector<double> term_ms;
  };
  std::vector<RowFit> fitted, validation;
  double rms_error_pct = 0, validation_rms_error_pct = 0;
  // Leave-one-out cross-validation over the fitted rows (fit on all but one, predict it).
  double loo_median_abs_pct = 0, loo_max_abs_pct = 0;
  unsigned free_mask = 0;  // the constants that were fitted (bit i: CalibrationConstants()[i])
};

// The six fitted constants, by name: invoke, op, conv, depthwise, vector, link. A constant that is
// not free stays at its physical bound (no invoke or per-op overhead, utilisation 1, one vector
// element per MAC column per cycle, USB 3.0's 500 MB/s).
const std::vector<std::string>& CalibrationConstants();
inline constexpr unsigned kAllCalibrationConstants = 63;

// Fits `base`'s free constants (bit i of free_mask: CalibrationConstants()[i]) to `rows`, then
// predicts `validation` with the result, and cross-validates the fit (each row predicted from
// the others, with the same free constants). `rows_source` says where the rows come from, for
// the fitted profile's per-constant notes (CoralTableSource() for the built-in rows); empty:
// "N measured rows".
Result<CalibrationResult> Calibrate(const DeviceProfile& base,
                                    const std::vector<CalibrationRow>& rows,
                                    const std::vector<CalibrationRow>& validation,
                                    unsigned free_mask = kAllCalibrationConstants,
                                    const std::string& rows_source = "");
// The built-in rows' source, as the shipped profiles cite it.
std::string CoralTableSource();

// Every non-empty subset of the constants (bit i: CalibrationConstants()[i]) fitted to `rows`
// and cross-validated, best first: lowest leave-one-out median |error|, then the lowest maximum,
// then the fewest constants. `respect calibrate --select` prints this ranking.
struct SubsetFit {
  unsigned mask = 0;
  double fit_rms_pct = 0, loo_median_pct = 0, loo_max_pct = 0;
};
Result<std::vector<SubsetFit>> RankFreeConstantSubsets(const DeviceProfile& base,
                                                       const std::vector<CalibrationRow>& rows);
// The subset to fit, chosen by cross-validation: the first of that ranking. This is what
// `respect calibrate` fits unless told otherwise.
Result<unsigned> SelectFreeConstants(const DeviceProfile& base,
                                     const std::vector<CalibrationRow>& rows);

// Rows from a JSON file: an array of {"model": MODEL, "ms": measured TPU ms, "cpu_ms": optional,
// "label": optional}, where MODEL is anything the CLI accepts (zoo:..., a .tflite file...), so a
// user can calibrate against their own measurements.
Result<std::vector<CalibrationRow>> LoadCalibrationRows(const std::string& path);

// Non-negative least squares min |A x - b| subject to x >= 0, exact for the few columns used
// here (every active set is tried). Exposed for tests.
std::vector<double> SolveNnls(const std::vector<std::vector<double>>& A,
                              const std::vector<double>& b);

}  // namespace respect
