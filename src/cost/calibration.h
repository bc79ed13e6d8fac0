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
// Utilisations are bounded by 1 (the MAC array cannot beat its peak). Nothing is fitted per
// model: the same six numbers must explain every row. The cache size, MAC array and clock are
// not fitted (datasheet values). The host CPU rate (MACs/s) is fitted separately to the CPU
// column; its per-op overhead is set to 0.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "cost/device_profile.h"

namespace respect {

struct CalibrationRow {
  std::string model;   // zoo spec, e.g. "resnet50:input=299"
  double tpu_ms = 0;   // published Edge TPU latency
  double cpu_ms = 0;   // published desktop-CPU latency (0 = none)
  std::string label;   // as the source table names it
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
  };
  std::vector<RowFit> fitted, validation;
  double rms_error_pct = 0, validation_rms_error_pct = 0;
  // Leave-one-out cross-validation over the fitted rows (fit on all but one, predict it).
  double loo_median_abs_pct = 0, loo_max_abs_pct = 0;
};

// The six fitted constants, by name: invoke, op, conv, depthwise, vector, link. A constant that is
// not free stays at its physical bound (no invoke or per-op overhead, utilisation 1, one vector
// element per MAC column per cycle, USB 3.0's 500 MB/s).
const std::vector<std::string>& CalibrationConstants();
inline constexpr unsigned kAllCalibrationConstants = 63;

// Fits `base`'s free constants (bit i of free_mask: CalibrationConstants()[i]) to `rows`, then
// predicts `validation` with the result, and cross-validates the fit (each row predicted from
// the others, with the same free constants).
Result<CalibrationResult> Calibrate(const DeviceProfile& base, const std::vector<CalibrationRow>& rows,
                                    const std::vector<CalibrationRow>& validation,
                                    unsigned free_mask = kAllCalibrationConstants);

// Non-negative least squares min |A x - b| subject to x >= 0, exact for the few columns used
// here (every active set is tried). Exposed for tests.
std::vector<double> SolveNnls(const std::vector<std::vector<double>>& A, const std::vector<double>& b);

}  // namespace respect
