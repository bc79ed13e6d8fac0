// Model importers: one file format in, a validated Graph out, nothing else. Every importer
// returns a one-line Error naming the file and the problem on bad input; none throws or aborts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "core/graph.h"
#include "core/status.h"

namespace respect {

// .tflite (FlatBuffer "TFL3"): the main (first) subgraph. Constant buffers become parameters;
// CUSTOM operators (edgetpu-custom-op included) become opaque kCustom operators named by their
// custom code. Operators are named after their first output tensor.
Result<Graph> ImportTflite(const std::string& path);
Result<Graph> ImportTfliteBuffer(const std::string& name, const uint8_t* data, size_t size);

// .onnx (protobuf ModelProto): shape inference, then the checker. Initializers, and outputs of
// Constant / ConstantOfShape nodes that do not depend on graph inputs, become parameters.
Result<Graph> ImportOnnx(const std::string& path);
Result<Graph> ImportOnnxBuffer(const std::string& name, const std::string& bytes);

// .gml (directed): node attribute `parameter` = parameter bytes; each edge becomes a tensor
// whose size is the edge attribute `parameter` (0 = dependency only).
Result<Graph> ImportGml(const std::string& path);
Result<Graph> ImportGmlText(const std::string& name, const std::string& text);

// .json: the project's own graph format (docs/graph-format.md), or a RESPECT authors' dump
// (nodes with `bytes`, `edges`, `published_stages`), recognised by its fields.
Result<Graph> ImportJsonGraph(const std::string& path);
Result<Graph> ImportJsonGraphText(const std::string& name, const std::string& text);

// Published partitions of a RESPECT dump: variant -> K -> (operator name -> stage).
using PublishedStages = std::map<std::string, std::map<int, std::map<std::string, int>>>;
Result<PublishedStages> ReadPublishedStages(const std::string& path);

// The project's JSON graph format; ImportJsonGraphText(GraphToJson(g)) reproduces g.
std::string GraphToJson(const Graph& g);

}  // namespace respect
