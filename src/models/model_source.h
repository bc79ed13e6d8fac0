// Resolves a MODEL argument of the CLI into a Graph:
//   path.tflite | path.onnx | path.gml | path.json   (format by extension, else by content)
//   zoo:NAME[:key=value,...]                         (zoo/zoo.h)
//   synth:n=50,deg=6,levels=16-40,seed=1             (synth/synthetic_dag.h)
#pragma once

#include <string>

#include "core/graph.h"
#include "core/status.h"

namespace respect {

Result<Graph> LoadModel(const std::string& spec);

}  // namespace respect
