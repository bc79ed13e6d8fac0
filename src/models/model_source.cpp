#include "models/model_source.h"

#include <fmt/format.h>

#include "core/file_io.h"
#include "importers/importers.h"
#include "synth/synthetic_dag.h"
#include "zoo/zoo.h"

namespace respect {

Result<Graph> LoadModel(const std::string& spec) {
  if (spec.rfind("zoo:", 0) == 0) return BuildZooModel(spec.substr(4));
  if (spec.rfind("synth:", 0) == 0) {
    auto options = ParseSyntheticSpec(spec.substr(6));
    if (!options) return options.error();
    auto dag = GenerateSyntheticDag(*options);
    if (!dag) return dag.error();
    return std::move(dag->graph);
  }
  const std::string ext = FileExtension(spec);
  if (ext == "tflite") return ImportTflite(spec);
  if (ext == "onnx") return ImportOnnx(spec);
  if (ext == "gml") return ImportGml(spec);
  if (ext == "json") return ImportJsonGraph(spec);
  // Unknown extension: recognise the format by its first bytes.
  auto bytes = ReadFileBytes(spec);
  if (!bytes) return bytes.error();
  const std::string& b = *bytes;
  if (b.size() >= 8 && b.compare(4, 4, "TFL3") == 0)
    return ImportTfliteBuffer(spec, reinterpret_cast<const uint8_t*>(b.data()), b.size());
  const size_t first = b.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && b[first] == '{') return ImportJsonGraphText(spec, b);
  if (first != std::string::npos && b.compare(first, 5, "graph") == 0)
    return ImportGmlText(spec, b);
  return Error{
      fmt::format("{}: unrecognised model format (expected .tflite, .onnx, .gml or .json, "
                  "or zoo:NAME / synth:...)",
                  spec)};
}

}  // namespace respect
