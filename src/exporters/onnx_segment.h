// Writes pipeline segments of an .onnx model as .onnx models of their own: the segment's nodes in
// execution order (preceded by the Constant / ConstantOfShape nodes the importer folded, when the
// segment reads them), the initializers it reads (each once), its inputs and outputs typed from
// the model's declarations or, for intermediate tensors, from ONNX shape inference; the model's
// IR version, opsets, producer, doc string, metadata and local functions are kept.
#pragma once

#include <memory>
#include <string>

#include "core/graph.h"
#include "core/status.h"
#include "exporters/segment_plan.h"

namespace respect {

class OnnxSegmenter {
 public:
  // `bytes`: the original file; `g` its import.
  static Result<std::unique_ptr<OnnxSegmenter>> Create(const std::string& bytes, const Graph& g);
  ~OnnxSegmenter();
  // The segment's model bytes; `index` names it (graph name suffix).
  Result<std::string> SegmentBytes(const SegmentPlan& seg, int index) const;

 private:
  OnnxSegmenter();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The ONNX checker (full check) and strict shape inference on a model's bytes.
Status CheckOnnxModel(const std::string& bytes);

}  // namespace respect
