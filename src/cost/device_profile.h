// Device profiles: every constant of the Edge TPU cost model, as data. Profiles ship as JSON
// files in devices/ (embedded into the binary at build time) and are selected by name ("usb",
// "usb-max", "pcie", "usb2") or by the path of a JSON file of the same form. Each constant in the
// shipped files carries a note saying where it comes from (datasheet, driver source, fit).
#pragma once

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "core/graph.h"
#include "core/status.h"

namespace respect {

struct DeviceProfile {
  std::string name;
  std::string description;

  // On-chip compute. Times of on-chip work are in cycles so that a profile at another clock
  // (the std runtime's 250 MHz against max's 500 MHz) keeps its per-cycle constants.
  int64_t mac_array = 4096;  // MACs per cycle at full utilisation (64 x 64)
  double clock_hz = 500e6;
  // Fraction of the MAC array an op class achieves (conv, depthwise, fully_connected).
  double util_conv = 1.0, util_depthwise = 1.0, util_fully_connected = 1.0;
  // Elements per cycle of the vector path: pooling, element-wise, reductions, data movement.
  double vector_elems_per_cycle = 64;
  double op_overhead_cycles = 0;  // fixed cost of every operator run on the TPU

  // Memory and link.
  int64_t param_cache_bytes = 8 << 20;  // on-chip parameter cache usable by the compiler
  double link_in_bytes_per_s = 400e6;   // host -> TPU (inputs, streamed parameters)
  double link_out_bytes_per_s = 400e6;  // TPU -> host (outputs)
  double invoke_overhead_s = 0;         // fixed host + driver cost of one invoke of a segment

  // Host CPU for operators the Edge TPU cannot run.
  double cpu_macs_per_s = 10e9;
  double cpu_op_overhead_s = 0;
  std::set<std::string> cpu_op_types;   // operator types that fall back to the CPU
  std::set<std::string> free_op_types;  // pure metadata ops (reshape...): no cost at all

  // The host that drives every TPU, shared by all stages and replicas (PROBLEM.md section 7):
  // it caps the throughput of a pipeline however many TPUs it has. Optional in a profile's
  // JSON; the defaults are those of DeviceProfileFromJson.
  int host_cores = 4;        // CPU cores that run invokes and fallback operators
  double host_invoke_s = 0;  // host CPU seconds one invoke of a segment costs (a profile's
                             // JSON defaults it to invoke_overhead_s)
  // One host controller's bandwidth, shared by the TPUs behind it: every byte any TPU moves
  // over its link also crosses its controller. 0: unlimited (a profile's JSON defaults them to
  // the link's rates).
  double controller_in_bytes_per_s = 0, controller_out_bytes_per_s = 0;
  int tpus_per_controller = 0;  // TPUs behind one controller (0: every TPU behind one)
  // Controllers `tpus` TPUs need (each a full one of tpus_per_controller).
  int Controllers(int tpus) const {
    return tpus_per_controller <= 0
               ? 1
               : std::max(1, (tpus + tpus_per_controller - 1) / tpus_per_controller);
  }

  // Where each constant comes from, by field name (kept when a profile is rewritten).
  std::map<std::string, std::string> sources;

  double peak_macs_per_s() const { return static_cast<double>(mac_array) * clock_hz; }
  double Utilisation(OpClass c) const;
  // True when op runs on the host CPU (its type is listed, or it is an opaque op other than
  // the Edge TPU's own compiled subgraph).
  bool FallsBackToCpu(const Operator& op) const;
  bool IsFree(const Operator& op) const { return free_op_types.count(op.type) > 0; }
};

// Names of the profiles built into the binary.
std::vector<std::string> BuiltinDeviceNames();
// A built-in name or the path of a JSON profile.
Result<DeviceProfile> LoadDeviceProfile(const std::string& name_or_path);
Result<DeviceProfile> DeviceProfileFromJson(const nlohmann::json& j, const std::string& origin);
nlohmann::json DeviceProfileToJson(const DeviceProfile& p);

}  // namespace respect
