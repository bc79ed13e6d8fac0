// The training curve picture of `respect train`: reward and mismatch per epoch (training
// samples and greedy decoding of the evaluation graphs), as a standalone SVG.
#pragma once

#include <string>
#include <vector>

namespace respect {

struct CurvePoint {
  int epoch = 0;
  double train_reward = 0, eval_reward = 0, train_mismatch = 0, eval_mismatch = 0;
};

// A horizontal line in the mismatch panel: what a reference order scores on the evaluation
// graphs (HeightEstimateOrder in learn/imitation_task.h), to read the evaluation curve against.
struct CurveReference {
  std::string label;
  double mismatch = 0;
};

std::string TrainingCurveSvg(const std::vector<CurvePoint>& points, const std::string& title,
                             const std::vector<CurveReference>& eval_references = {});

}  // namespace respect
