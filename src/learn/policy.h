// A RESPECT policy as the rest of respect uses it: create, save, load, and decode operator
// orders for a graph. No LibTorch types here; the network lives in learn/pointer_net.h.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/graph.h"
#include "core/status.h"
#include "learn/policy_config.h"

namespace respect {

struct DecodeOptions {
  bool precedence_mask = true;  // only ready nodes may be picked: every order is topological
  int samples = 0;              // extra sampled orders after the greedy one
  uint64_t seed = 1;            // for the samples
  // Greedy decoding of LSTM-LSTM policies in plain loops (fast_decode.cpp) rather than
  // LibTorch calls per step; same orders, several times faster. false: the LibTorch path.
  bool fast = true;
  // Past this point (if set) the greedy decode stops and completes its order with the ready
  // nodes in row order (still topological when masked), the samples are skipped, and
  // *stopped_early (if given) is set.
  std::chrono::steady_clock::time_point deadline{};
  bool* stopped_early = nullptr;
};

namespace learn {
struct PolicyState;
}

class Policy {
 public:
  // A freshly initialised network (weights drawn from `seed`).
  static Result<Policy> Create(const PolicyConfig& config, uint64_t seed);
  // Reads a file written by Save (or by `respect train`). Corrupt or foreign files are errors.
  static Result<Policy> Load(const std::string& path);
  // Atomic write: the architecture, the weights and `info` (free-form training metadata).
  Status Save(const std::string& path, const nlohmann::json& info = nlohmann::json::object()) const;

  const PolicyConfig& config() const;
  const nlohmann::json& info() const;

  // The greedy order first, then options.samples sampled ones. Rows are fed to the network in
  // a fixed shuffled order (the paper shuffles rows; training graphs have random ids), so the
  // result does not depend on how the file happened to number the operators beyond their ids.
  // weight_mib: per operator, as the labels use them (ParamWeightsMiB for real models).
  std::vector<std::vector<int>> Orders(const Graph& g, const std::vector<double>& weight_mib,
                                       const DecodeOptions& options) const;

  learn::PolicyState& state() const { return *state_; }

 private:
  std::shared_ptr<learn::PolicyState> state_;
};

// The policy shipped in the repository (policies/respect.pt): RESPECT_POLICY if set, else the
// copy next to the executable's source tree.
std::string DefaultPolicyPath();

}  // namespace respect
