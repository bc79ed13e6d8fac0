// Calibration: the least-squares solver, and the shipped usb-max profile being exactly the
// output of `respect calibrate` with physically sensible constants.
#include "cost/calibration.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "cost/device_profile.h"
#include "models/model_source.h"

namespace respect {
namespace {

TEST(Calibration, NnlsRecoversAnExactNonNegativeSolution) {
  const std::vector<std::vector<double>> A = {{1, 0, 2}, {0, 1, 1}, {1, 1, 0}, {2, 1, 1}};
  const std::vector<double> x = {0.5, 2, 1.5};
  std::vector<double> b;
  for (const auto& row : A) b.push_back(row[0] * x[0] + row[1] * x[1] + row[2] * x[2]);
  const std::vector<double> got = SolveNnls(A, b);
  for (int j = 0; j < 3; ++j) EXPECT_NEAR(got[j], x[j], 1e-9);
}

TEST(Calibration, NnlsClampsAtZero) {
  // Unconstrained least squares would want x1 = -1.
  const std::vector<std::vector<double>> A = {{1, 0}, {0, 1}};
  const std::vector<double> got = SolveNnls(A, {2, -1});
  EXPECT_NEAR(got[0], 2, 1e-12);
  EXPECT_EQ(got[1], 0);
}

TEST(Calibration, ShippedProfileIsTheCalibrationOutput) {
  auto shipped = LoadDeviceProfile("usb-max");
  ASSERT_TRUE(shipped.ok());
  auto mask = SelectFreeConstants(*shipped, CoralCalibrationRows());
  ASSERT_TRUE(mask.ok()) << mask.error().message;
  auto r =
      Calibrate(*shipped, CoralCalibrationRows(), CoralValidationRows(), *mask, CoralTableSource());
  ASSERT_TRUE(r.ok()) << r.error().message;
  const DeviceProfile& p = r->profile;
  // Every note the fit writes is the shipped one (fitted constants cite the table, the others
  // say why they stay at their bounds).
  for (const auto& [key, note] : p.sources) {
    if (note.rfind("fitted by", 0) != 0 && note.rfind("held at", 0) != 0) continue;
    EXPECT_EQ(note, shipped->sources.at(key)) << key;
  }
  EXPECT_NEAR(p.util_conv, shipped->util_conv, 1e-9 * shipped->util_conv);
  EXPECT_NEAR(p.util_depthwise, shipped->util_depthwise, 1e-9 * shipped->util_depthwise);
  EXPECT_NEAR(p.vector_elems_per_cycle, shipped->vector_elems_per_cycle,
              1e-9 * shipped->vector_elems_per_cycle);
  EXPECT_NEAR(p.link_in_bytes_per_s, shipped->link_in_bytes_per_s, 1e-3);
  EXPECT_NEAR(p.op_overhead_cycles, shipped->op_overhead_cycles, 1e-6);
  EXPECT_NEAR(p.invoke_overhead_s, shipped->invoke_overhead_s, 1e-12);
  EXPECT_NEAR(p.cpu_macs_per_s, shipped->cpu_macs_per_s, 1e-6 * shipped->cpu_macs_per_s);
  // Physical ranges: utilisation in (0, 1], link at most USB 3.0's 500 MB/s.
  EXPECT_GT(p.util_conv, 0);
  EXPECT_LE(p.util_conv, 1);
  EXPECT_LE(p.util_depthwise, p.util_conv);  // depthwise convs use the array poorly
  EXPECT_LE(p.link_in_bytes_per_s, 500e6 + 1);
  EXPECT_GT(p.link_in_bytes_per_s, 100e6);
  // Issue 16's targets: leave-one-out median at most 15%, every row within 35% (fit and LOO).
  EXPECT_LE(r->loo_median_abs_pct, 15);
  for (const auto& f : r->fitted) {
    EXPECT_LT(std::abs(f.error_pct), 35) << f.row.label;
    EXPECT_LT(std::abs(f.loo_error_pct), 35) << f.row.label;
  }
  // Large models are dominated by streaming parameters over the link.
  for (const auto& f : r->fitted)
    if (f.row.model.find("vgg16") != std::string::npos) {
      EXPECT_GT(f.transfer_ms, 0.8 * f.predicted_ms);
    }
}

// The selection is the subset with the lowest leave-one-out median (then maximum): no other
// subset cross-validates better on the same rows.
TEST(Calibration, SelectionHasTheLowestCrossValidatedError) {
  auto base = LoadDeviceProfile("usb-max");
  ASSERT_TRUE(base.ok());
  const auto& rows = CoralCalibrationRows();
  auto mask = SelectFreeConstants(*base, rows);
  ASSERT_TRUE(mask.ok());
  auto chosen = Calibrate(*base, rows, {}, *mask);
  ASSERT_TRUE(chosen.ok());
  for (unsigned m = 1; m <= kAllCalibrationConstants; ++m) {
    auto other = Calibrate(*base, rows, {}, m);
    ASSERT_TRUE(other.ok());
    EXPECT_LE(chosen->loo_median_abs_pct, other->loo_median_abs_pct + 1e-12) << m;
    if (other->loo_median_abs_pct == chosen->loo_median_abs_pct) {
      EXPECT_LE(chosen->loo_max_abs_pct, other->loo_max_abs_pct + 1e-12) << m;
    }
  }
  EXPECT_EQ(chosen->free_mask, *mask);
}

// Each term of the report, recomputed by hand from the stage's work and the fitted constants;
// the terms add up to the prediction.
TEST(Calibration, TermSharesAreTheCostModelsTerms) {
  auto base = LoadDeviceProfile("usb-max");
  ASSERT_TRUE(base.ok());
  auto r = Calibrate(*base, CoralCalibrationRows(), {}, kAllCalibrationConstants);
  ASSERT_TRUE(r.ok());
  const DeviceProfile& p = r->profile;
  for (const auto& f : r->fitted) {
    SCOPED_TRACE(f.row.label);
    ASSERT_EQ(f.term_ms.size(), CalibrationConstants().size() + 1);
    double sum = 0;
    for (double t : f.term_ms) sum += t;
    EXPECT_NEAR(sum, f.predicted_ms, 1e-9 * f.predicted_ms);
    EXPECT_NEAR(f.term_ms[0], p.invoke_overhead_s * 1e3, 1e-12);
    EXPECT_NEAR(f.term_ms[0] + f.term_ms[1] + f.term_ms[2] + f.term_ms[3] + f.term_ms[4],
                f.overhead_ms + f.compute_ms, 1e-9 * f.predicted_ms);
    EXPECT_NEAR(f.term_ms[5], f.transfer_ms, 1e-9 * f.predicted_ms);
  }
  // A rows file of three small models with made-up latencies, fitted with only the conv
  // utilisation free: the conv term of a row is its conv and FC MACs / (4096 x clock x
  // utilisation), computed here by hand from the graph.
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("respect-rows-" + std::to_string(::getpid()) + ".json"))
                               .string();
  auto write = [&](const std::string& text) {
    std::FILE* fh = std::fopen(path.c_str(), "w");
    std::fputs(text.c_str(), fh);
    std::fclose(fh);
  };
  write(R"([{"model": "zoo:mobilenet:input=32,alpha=0.25", "ms": 0.5},
            {"model": "zoo:mobilenet:input=64,alpha=0.25", "ms": 0.9, "cpu_ms": 3, "label": "m64"},
            {"model": "zoo:squeezenet:input=64", "ms": 1.1}])");
  auto rows = LoadCalibrationRows(path);
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[1].label, "m64");
  EXPECT_EQ((*rows)[1].cpu_ms, 3);
  EXPECT_EQ((*rows)[0].label, "zoo:mobilenet:input=32,alpha=0.25");
  auto fit = Calibrate(*base, *rows, {}, 1u << 2);  // conv utilisation only
  ASSERT_TRUE(fit.ok()) << fit.error().message;
  auto g = LoadModel("zoo:squeezenet:input=64");
  ASSERT_TRUE(g.ok());
  int64_t conv_macs = 0;
  for (const auto& op : g->ops)
    if (op.op_class == OpClass::kConv || op.op_class == OpClass::kFullyConnected)
      conv_macs += op.macs;
  const double by_hand =
      conv_macs / (4096.0 * fit->profile.clock_hz * fit->profile.util_conv) * 1e3;
  EXPECT_NEAR(fit->fitted[2].term_ms[2], by_hand, 1e-9 * by_hand);
  for (const char* bad : {"{}", "[{\"ms\": 1}]", "[{\"model\": \"zoo:mobilenet\", \"ms\": -1}]",
                          "[{\"model\": \"zoo:mobilenet\", \"ms\": 1, \"cpu_ms\": \"x\"}]"}) {
    write(bad);
    auto r2 = LoadCalibrationRows(path);
    ASSERT_FALSE(r2.ok()) << bad;
    EXPECT_NE(r2.error().message.find(path), std::string::npos) << r2.error().message;
  }
  std::remove(path.c_str());
}

// Leave-one-out: each fitted row's cross-validated error is the error of a fit to the other
// rows predicting it, and the summary is their median and maximum.
TEST(Calibration, LeaveOneOutErrorsComeFromFitsWithoutTheRow) {
  auto shipped = LoadDeviceProfile("usb-max");
  ASSERT_TRUE(shipped.ok());
  const auto& rows = CoralCalibrationRows();
  auto r = Calibrate(*shipped, rows, {});
  ASSERT_TRUE(r.ok());
  std::vector<double> abs_errors;
  for (size_t i = 0; i < rows.size(); ++i) {
    std::vector<CalibrationRow> rest;
    for (size_t k = 0; k < rows.size(); ++k)
      if (k != i) rest.push_back(rows[k]);
    auto without = Calibrate(*shipped, rest, {rows[i]});
    ASSERT_TRUE(without.ok());
    EXPECT_NEAR(r->fitted[i].loo_error_pct, without->validation[0].error_pct, 1e-9)
        << rows[i].label;
    abs_errors.push_back(std::abs(without->validation[0].error_pct));
  }
  std::sort(abs_errors.begin(), abs_errors.end());
  EXPECT_NEAR(r->loo_max_abs_pct, abs_errors.back(), 1e-9);
  EXPECT_GE(r->loo_median_abs_pct, abs_errors.front());
  EXPECT_LE(r->loo_median_abs_pct, abs_errors.back());
  // Cross-validated errors are never smaller in total than the fit's own.
  double fit = 0, loo = 0;
  for (const auto& f : r->fitted) {
    fit += f.error_pct * f.error_pct;
    loo += f.loo_error_pct * f.loo_error_pct;
  }
  EXPECT_GE(loo, fit);
}

}  // namespace
}  // namespace respect

namespace respect {
namespace {

// Fitting a subset: the other constants stay at their physical bounds, and the fewer-constant
// fit is cross-validated with the same subset.
TEST(Calibration, SubsetsKeepTheOtherConstantsAtTheirBounds) {
  auto base = LoadDeviceProfile("usb-max");
  ASSERT_TRUE(base.ok());
  const auto& names = CalibrationConstants();
  const unsigned invoke = 1u << (std::find(names.begin(), names.end(), "invoke") - names.begin());
  const unsigned link = 1u << (std::find(names.begin(), names.end(), "link") - names.begin());
  auto r = Calibrate(*base, CoralCalibrationRows(), {}, invoke | link);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const DeviceProfile& p = r->profile;
  EXPECT_EQ(p.util_conv, 1.0);
  EXPECT_EQ(p.util_depthwise, 1.0);
  EXPECT_EQ(p.op_overhead_cycles, 0.0);
  EXPECT_EQ(p.vector_elems_per_cycle, 4096.0);
  EXPECT_GT(p.invoke_overhead_s, 0);
  EXPECT_LE(p.link_in_bytes_per_s, 500e6 + 1);
  EXPECT_GT(r->loo_max_abs_pct, 0);
  EXPECT_LE(r->loo_median_abs_pct, r->loo_max_abs_pct);
  // With nothing free the prediction is the physical floor: every model faster than measured.
  auto floor = Calibrate(*base, CoralCalibrationRows(), {}, 0);
  ASSERT_TRUE(floor.ok());
  for (const auto& f : floor->fitted) EXPECT_LT(f.predicted_ms, f.row.tpu_ms) << f.row.label;
}

}  // namespace
}  // namespace respect

namespace respect {
namespace {

// The table's "DenseNet" row does not say which depth. The rows files in docs/calibration
// differ only in that row; with DenseNet-169 the cross-validated selection predicts every row
// within 35%, with DenseNet-121 or -201 it misses the DenseNet row by more (README, the
// calibration section). CoralCalibrationRows() is the DenseNet-169 file.
TEST(Calibration, TheDenseNetRowIsTheDepthTheOtherRowsAreConsistentWith) {
  auto base = LoadDeviceProfile("usb-max");
  ASSERT_TRUE(base.ok());
  const std::string dir =
      std::string(RESPECT_SOURCE_DIR) + "/docs/calibration/coral-table-densenet";
  for (const char* depth : {"121", "169", "201"}) {
    SCOPED_TRACE(depth);
    auto rows = LoadCalibrationRows(dir + depth + ".json");
    ASSERT_TRUE(rows.ok()) << rows.error().message;
    auto mask = SelectFreeConstants(*base, *rows);
    ASSERT_TRUE(mask.ok());
    auto r = Calibrate(*base, *rows, {}, *mask);
    ASSERT_TRUE(r.ok());
    if (std::string(depth) == "169") {
      EXPECT_LT(r->loo_max_abs_pct, 35);
      ASSERT_EQ(rows->size(), CoralCalibrationRows().size());
      for (size_t i = 0; i < rows->size(); ++i) {
        EXPECT_EQ((*rows)[i].model, CoralCalibrationRows()[i].model);
        EXPECT_EQ((*rows)[i].tpu_ms, CoralCalibrationRows()[i].tpu_ms);
      }
    } else {
      EXPECT_GT(r->loo_max_abs_pct, 35);
    }
  }
}

}  // namespace
}  // namespace respect
