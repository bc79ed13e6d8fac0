// The architecture of a RESPECT policy: everything needed to rebuild the network before its
// weights are loaded. Stored inside every policy file.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/status.h"
#include "learn/imitation_task.h"

namespace respect {

struct PolicyConfig {
  std::string encoder = "lstm";  // lstm | transformer
  std::string decoder = "lstm";  // lstm | transformer
  int hidden = 256;              // embedding and hidden width (the paper: 256 for both)
  int max_parents = 6;           // d of the embedding (the paper trains with d = 6)
  bool normalize_features = false;
  bool alap_feature = false;   // append the ALAP level to each row (EmbeddingOptions::alap)
  bool child_feature = false;  // append the earliest child's level (EmbeddingOptions::first_child)
  double tanh_clip = 10;       // C of the pointer
  int glimpses = 1;
  // Transformer sizes (the paper: encoder 1 layer and 1 head, decoder 2 and 2).
  int encoder_layers = 1, encoder_heads = 1, decoder_layers = 2, decoder_heads = 2;

  EmbeddingOptions embedding() const {
    return {max_parents, normalize_features, alap_feature, child_feature};
  }
};

nlohmann::json PolicyConfigToJson(const PolicyConfig& c);
// Unknown keys and bad values are errors (a typo must not silently fall back to a default).
Result<PolicyConfig> PolicyConfigFromJson(const nlohmann::json& j);

}  // namespace respect
