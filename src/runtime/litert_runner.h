// Runs exported .tflite pipelines in a real TensorFlow Lite interpreter and checks them against
// the whole model.
//
// The interpreter is TensorFlow Lite's WebAssembly build with its XNNPACK CPU kernels
// (@litertjs/core, pinned in tools/litert/package.json), driven under Node.js by
// tools/litert/run_tflite_pipeline.mjs: the whole model and each pipeline run on the same seeded
// random inputs, segments are chained by tensor name as Coral's PipelinedModelRunner chains them,
// and the pipeline's final outputs must equal the whole model's bit for bit. Any error the
// runtime reports (a node that fails to prepare or invoke) fails the run.
//
// Nothing here is needed to schedule or export: the runner is found at run time, and its absence
// is a clear error, never a crash.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace respect {

struct SegmentRun {
  std::string file;
  double invoke_ms = 0;  // best of the repeats
};

struct PipelineRun {
  std::string dir;
  bool ok = false;  // every segment ran and the outputs are bit-identical
  int64_t elements = 0, mismatches = 0;
  double max_abs_diff = 0;
  std::vector<SegmentRun> segments;
  std::string error;  // why it failed to run (empty when it ran)
};

struct ModelRun {
  bool whole_ok = false;    // the whole model runs in this interpreter
  std::string whole_error;  // why not (a custom operator, a type the runtime does not map, ...)
  double whole_ms = 0;
  std::vector<PipelineRun> pipelines;  // in the order asked
};

// The runner script (tools/litert/run_tflite_pipeline.mjs) with its package installed. Looked for
// in `dir` when given, else $RESPECT_LITERT_DIR, else the source tree this binary was built from,
// else ../tools/litert beside the executable. Errors say what is missing and how to install it.
Result<std::string> FindLiteRtRunner(const std::string& dir = "");

// Runs `model` whole and then each pipeline directory (pipeline.json + segments) in one Node.js
// process. seed: the random inputs; repeat: invokes per model, the best time kept. Errors: the
// runner could not start or printed nothing it understood.
Result<ModelRun> RunTflitePipelines(const std::string& runner, const std::string& model,
                                    const std::vector<std::string>& dirs, int seed = 1,
                                    int repeat = 1);

}  // namespace respect
