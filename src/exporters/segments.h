// `respect schedule --export DIR` / `respect export`: cuts a .tflite or .onnx model into one file
// per pipeline stage, `<stem>_segment_<i>_of_<K>.<ext>` as Coral's tools name them, plus
// `pipeline.json` (per segment: its file, its inputs and outputs in order with shapes, types and
// the segment producing each input, and the stage costs the cost model predicts).
//
// Nothing is written unless everything validates: the segments are built in a temporary
// directory beside DIR, each is re-imported with respect's own importers (and .onnx ones pass the
// ONNX checker and strict shape inference), the plan rebuilt from the written files must satisfy
// CheckPipelinePlan (the runner's rules), and only then is the directory renamed into place. A
// DIR that exists is replaced only when it is empty or a previous export (holds pipeline.json).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/graph.h"
#include "core/status.h"
#include "schedulers/deployment.h"
#include "schedulers/schedule.h"

namespace respect {

struct SegmentExport {
  std::string dir;
  std::vector<std::string> files;  // segment file names, in order
  nlohmann::json pipeline;         // what pipeline.json holds
};

// model_path: the .tflite / .onnx file `g` was imported from. stage_costs: per stage, the cost
// model's figures (a JSON array, or null to leave them out).
Result<SegmentExport> ExportPipeline(const std::string& model_path, const Graph& g,
                                     const Schedule& s, const std::string& out_dir,
                                     const nlohmann::json& stage_costs);

// A deployment of several models (schedulers/deployment.h) into one directory, atomically: each
// model's segments in a folder of its own (`<i>_<stem>/`, as ExportPipeline writes them) and
// `deployment.json`, which names per TPU the segment files to co-compile, in their compile
// order, with the TPU's planned busy fraction, and per model its folder, rate and replicas.
// model_paths[m] and graphs[m] are model m's file and graph. A DIR that exists is replaced only
// when it is empty or a previous deployment export (holds deployment.json).
Result<std::string> ExportDeployment(const std::vector<std::string>& model_paths,
                                     const std::vector<const Graph*>& graphs, const Deployment& d,
                                     const std::string& out_dir);

}  // namespace respect
