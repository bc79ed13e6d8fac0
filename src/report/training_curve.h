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

std::string TrainingCurveSvg(const std::vector<CurvePoint>& points, const std::string& title);

}  // namespace respect
