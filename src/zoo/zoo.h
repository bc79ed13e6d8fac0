// Built-in model zoo: generators for the RESPECT paper's Keras ImageNet models and Coral's
// benchmark models, at any input resolution, in two granularities:
//   fused (default): one operator per op of an int8 TFLite model: batch norm folded into the
//                    conv, activation fused, explicit padding kept; int8 weights (1 byte) and
//                    int32 biases (4 bytes).
//   keras:           one node per Keras layer, unfused (like the RESPECT authors' dumps);
//                    float32 parameters (4 bytes each), so param bytes = 4 x Keras params.
// The classifier head (global pool + dense) is included unless top=0.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/graph.h"
#include "core/status.h"

namespace respect {

struct ZooOptions {
  int input = 0;            // input resolution; 0 = the model's default
  bool keras = false;       // granularity=keras
  bool include_top = true;  // top=1 (classifier) or top=0 (feature extractor, as the dumps)
  double alpha = 1.0;       // width multiplier (mobilenet, mobilenet_v2)
  int classes = 1000;
  int nodes = 0;      // randwire: nodes per stage (0 = 32, the paper's N)
  uint64_t seed = 0;  // randwire: the seed of its random graphs
};

struct ZooModelInfo {
  std::string name;
  std::string description;
  int default_input;
  // Published parameter counts (Keras applications / the model's paper or reference code),
  // with and without the classifier, at alpha = 1.
  int64_t params_with_top;
  int64_t params_without_top;
  // false where the count depends on options (randwire's random graphs): the figures are then
  // this builder's at the defaults, and the published one is in the description.
  bool published_exact = true;
};

const std::vector<ZooModelInfo>& ZooModels();
// Parses "resnet50" or "resnet50:input=299,granularity=keras,top=0,alpha=0.5" (randwire also
// takes nodes=N and seed=S).
Result<Graph> BuildZooModel(const std::string& spec);
Result<Graph> BuildZooModel(const std::string& name, const ZooOptions& options);

}  // namespace respect
