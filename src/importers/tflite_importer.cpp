// .tflite importer over the project's own schema subset (tflite_subset.fbs). The whole buffer is
// checked by the FlatBuffers verifier before any field is read, so corrupt offsets are reported,
// never followed.
#include <flatbuffers/flatbuffers.h>
#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <unordered_map>

#include "core/file_io.h"
#include "importers/importers.h"
#include "importers/tflite_ops.h"
#include "tflite_subset_generated.h"

namespace respect {
namespace {

namespace fb = tflite_subset;
constexpr int32_t kCustomCode = 32;

DType ToDType(int8_t t) {
  switch (t) {
    case fb::TensorType_FLOAT32:
      return DType::kFloat32;
    case fb::TensorType_FLOAT16:
      return DType::kFloat16;
    case fb::TensorType_INT32:
      return DType::kInt32;
    case fb::TensorType_UINT8:
      return DType::kUInt8;
    case fb::TensorType_INT64:
      return DType::kInt64;
    case fb::TensorType_STRING:
      return DType::kString;
    case fb::TensorType_BOOL:
      return DType::kBool;
    case fb::TensorType_INT16:
      return DType::kInt16;
    case fb::TensorType_COMPLEX64:
      return DType::kComplex64;
    case fb::TensorType_INT8:
      return DType::kInt8;
    case fb::TensorType_FLOAT64:
      return DType::kFloat64;
    case fb::TensorType_COMPLEX128:
      return DType::kComplex128;
    case fb::TensorType_UINT64:
      return DType::kUInt64;
    case fb::TensorType_RESOURCE:
      return DType::kResource;
    case fb::TensorType_VARIANT:
      return DType::kVariant;
    case fb::TensorType_UINT32:
      return DType::kUInt32;
    case fb::TensorType_UINT16:
      return DType::kUInt16;
    case fb::TensorType_INT4:
      return DType::kInt4;
    case fb::TensorType_BFLOAT16:
      return DType::kBFloat16;
    default:
      return DType::kUnknown;
  }
}

// Sets the attributes ComputeMacs needs for this operator type (see OpClass).
void SetCostAttrs(const std::string& type, const fb::Operator& fop, Operator& op,
                  const GraphBuilder& b) {
  auto shape_of = [&](size_t input) -> const std::vector<int64_t>* {
    if (input >= op.inputs.size() || op.inputs[input] < 0) return nullptr;
    return &b.tensor(op.inputs[input]).shape;
  };
  if (type == "CONV_2D") {
    op.attrs = {{"weight_input", 1}, {"weight_channel_axis", 0}};
  } else if (type == "DEPTHWISE_CONV_2D") {
    op.attrs = {{"weight_input", 1}, {"weight_channel_axis", 3}};
  } else if (type == "TRANSPOSE_CONV") {
    // inputs: output_shape, weights [out_ch, kh, kw, in_ch], data
    op.attrs = {
        {"weight_input", 1}, {"weight_channel_axis", 3}, {"transposed", 1}, {"data_input", 2}};
  } else if (type == "CONV_3D") {
    op.attrs = {{"weight_input", 1}, {"weight_channel_axis", 4}};
  } else if (type == "FULLY_CONNECTED") {
    if (auto* w = shape_of(1); w && w->size() == 2) op.attrs["k"] = (*w)[1];
  } else if (type == "BATCH_MATMUL") {
    if (auto* a = shape_of(0); a && !a->empty()) op.attrs["k"] = a->back();
  } else if (type == "UNIDIRECTIONAL_SEQUENCE_LSTM" || type == "LSTM" ||
             type == "UNIDIRECTIONAL_SEQUENCE_RNN" || type == "RNN") {
    // Every time step multiplies the input and recurrent state by each 2-D weight matrix.
    int64_t weight_elems = 0;
    for (int t : op.inputs)
      if (t >= 0 && b.tensor(t).is_constant && b.tensor(t).shape.size() == 2)
        weight_elems += std::max<int64_t>(0, b.tensor(t).NumElements());
    int64_t steps = 0;
    if (!op.outputs.empty()) {
      const Tensor& out = b.tensor(op.outputs[0]);
      const int64_t elems = out.NumElements();
      if (elems > 0 && !out.shape.empty() && out.shape.back() > 0) steps = elems / out.shape.back();
    }
    // In double: corrupt shapes must not overflow; Build rejects implausible results.
    op.attrs["macs"] =
        static_cast<int64_t>(std::min(1e17, static_cast<double>(steps) * weight_elems));
  } else if (ClassifyOpType(type) == OpClass::kPool) {
    if (const auto* pool = fop.builtin_options_as_Pool2DOptions()) {
      op.attrs["kernel_h"] = pool->filter_height();
      op.attrs["kernel_w"] = pool->filter_width();
    }
  }
}

// Is `op` computed from constants alone, so that its outputs are constants too (a DEQUANTIZE of
// fp16 or int8 weights, a TRANSPOSE or RESHAPE of a weight, a DENSIFY of a sparse weight)? Such a
// tensor is not an activation to pass between TPUs: it is folded into a parameter of its readers.
// Not folded: custom operators, operators with state or randomness, control flow, operators
// reading a variable tensor or without inputs, and operators writing a model output.
bool FoldsIntoConstant(const Operator& op, const std::set<int>& graph_outputs,
                       const flatbuffers::Vector<flatbuffers::Offset<fb::Tensor>>* ftensors,
                       const GraphBuilder& b) {
  static const std::set<std::string> kStateful = {"MULTINOMIAL",
                                                  "VAR_HANDLE",
                                                  "READ_VARIABLE",
                                                  "ASSIGN_VARIABLE",
                                                  "CALL_ONCE",
                                                  "WHILE",
                                                  "IF",
                                                  "CALL",
                                                  "HASHTABLE",
                                                  "HASHTABLE_FIND",
                                                  "HASHTABLE_IMPORT",
                                                  "HASHTABLE_SIZE",
                                                  "STABLEHLO_RNG_BIT_GENERATOR"};
  if (op.op_class == OpClass::kCustom || kStateful.count(op.type) ||
      op.type.rfind("RANDOM", 0) == 0 || op.type.rfind("BUILTIN_", 0) == 0)
    return false;
  int present = 0;
  for (int t : op.inputs) {
    if (t < 0) continue;
    if (!b.tensor(t).is_constant || ftensors->Get(t)->is_variable()) return false;
    ++present;
  }
  if (present == 0) return false;
  for (int t : op.outputs)
    if (graph_outputs.count(t) || ftensors->Get(t)->is_variable()) return false;
  return true;
}

}  // namespace

Result<Graph> ImportTfliteBuffer(const std::string& name, const uint8_t* data, size_t size) {
  auto fail = [&](const std::string& what) { return Error{fmt::format("{}: {}", name, what)}; };
  if (size < 8) return fail("not a TFLite model (file too short)");
  if (!flatbuffers::BufferHasIdentifier(data, fb::ModelIdentifier()))
    return fail("not a TFLite model (no TFL3 file identifier)");
  if (size >= FLATBUFFERS_MAX_BUFFER_SIZE) return fail("file too large for a FlatBuffer");
  flatbuffers::Verifier::Options vopts;
  vopts.max_depth = 64;
  vopts.max_tables = 50'000'000;
  flatbuffers::Verifier verifier(data, size, vopts);
  if (!fb::VerifyModelBuffer(verifier))
    return fail("corrupt or truncated TFLite FlatBuffer (verification failed)");
  const fb::Model* model = fb::GetModel(data);
  if (!model->subgraphs() || model->subgraphs()->size() == 0) return fail("model has no subgraph");
  const fb::SubGraph* sg = model->subgraphs()->Get(0);
  const auto* codes = model->operator_codes();
  const auto* buffers = model->buffers();
  const auto* ftensors = sg->tensors();
  const auto* fops = sg->operators();
  if (!ftensors || !fops || fops->size() == 0) return fail("main subgraph has no operators");

  GraphBuilder b(FileStem(name));
  const int num_tensors = static_cast<int>(ftensors->size());
  for (int i = 0; i < num_tensors; ++i) {
    const fb::Tensor* ft = ftensors->Get(i);
    Tensor t;
    t.name = ft->name() ? ft->name()->str() : fmt::format("tensor_{}", i);
    if (ft->shape())
      for (int32_t d : *ft->shape()) t.shape.push_back(d);
    t.dtype = ToDType(ft->type());
    const uint32_t buf = ft->buffer();
    if (buf != 0) {
      if (!buffers || buf >= buffers->size())
        return fail(fmt::format("tensor '{}' refers to missing buffer {}", t.name, buf));
      const fb::Buffer* fbuf = buffers->Get(buf);
      uint64_t stored = fbuf->data() ? fbuf->data()->size() : 0;
      // Files over 2 GiB keep buffers past the FlatBuffer: offset > 1 marks such a buffer.
      if (stored == 0 && fbuf->offset() > 1) {
        if (fbuf->offset() > size || fbuf->size() > size - fbuf->offset())
          return fail(fmt::format("buffer {} lies outside the file", buf));
        stored = fbuf->size();
      }
      if (stored > 0) {
        t.is_constant = true;
        t.bytes = static_cast<int64_t>(stored);
        t.storage =
            static_cast<int>(buf);  // tensors sharing a buffer share its bytes (counted once)
      }
    }
    b.AddTensor(std::move(t));
  }
  auto tensor_ref = [&](int32_t t, bool optional) -> Result<int> {
    if ((optional && t == -1) || (t >= 0 && t < num_tensors)) return t;
    return Error{fmt::format("{}: operator refers to invalid tensor index {}", name, t)};
  };
  if (sg->inputs())
    for (int32_t t : *sg->inputs()) {
      auto r = tensor_ref(t, false);
      if (!r) return r.error();
      if (!b.tensor(*r).is_constant) b.AddInput(*r);
    }
  if (sg->outputs())
    for (int32_t t : *sg->outputs()) {
      auto r = tensor_ref(t, false);
      if (!r) return r.error();
      b.AddOutput(*r);
    }

  std::set<int> graph_outputs;
  if (sg->outputs())
    for (int32_t t : *sg->outputs()) graph_outputs.insert(t);

  std::unordered_map<std::string, int> name_uses;
  for (int i = 0; i < static_cast<int>(fops->size()); ++i) {
    const fb::Operator* fop = fops->Get(i);
    if (!codes || fop->opcode_index() >= codes->size())
      return fail(fmt::format("operator {} has invalid opcode index {}", i, fop->opcode_index()));
    const fb::OperatorCode* code = codes->Get(fop->opcode_index());
    const int32_t builtin =
        std::max<int32_t>(code->deprecated_builtin_code(), code->builtin_code());
    Operator op;
    if (builtin == kCustomCode) {
      op.type = code->custom_code() && code->custom_code()->size() > 0 ? code->custom_code()->str()
                                                                       : "CUSTOM";
      op.op_class = OpClass::kCustom;
      op.custom_data_bytes = fop->custom_options() ? fop->custom_options()->size() : 0;
    } else {
      op.type = TfliteBuiltinName(builtin);
      op.op_class = ClassifyOpType(op.type);
    }
    if (fop->inputs())
      for (int32_t t : *fop->inputs()) {
        auto r = tensor_ref(t, true);
        if (!r) return r.error();
        op.inputs.push_back(*r);
      }
    if (fop->outputs())
      for (int32_t t : *fop->outputs()) {
        auto r = tensor_ref(t, false);
        if (!r) return r.error();
        op.outputs.push_back(*r);
      }
    if (op.outputs.empty()) return fail(fmt::format("operator {} ({}) has no output", i, op.type));
    if (FoldsIntoConstant(op, graph_outputs, ftensors, b)) {
      // Its outputs are parameters of their readers: each segment that reads one carries this
      // operator and its constants (exporters/tflite_segment.cpp). A folded output stands for the
      // stored bytes it is computed from (an fp16 weight and its DEQUANTIZE: the fp16 bytes).
      std::set<int> sources;
      for (int t : op.inputs)
        if (t >= 0) sources.insert(t);
      int64_t stored = 0;
      for (int t : sources) stored += b.tensor(t).bytes;
      for (int t : op.outputs) {
        Tensor& out = b.tensor(t);
        if (out.is_constant)
          return fail(
              fmt::format("operator {} ({}) writes constant tensor '{}'", i, op.type, out.name));
        out.is_constant = true;
        out.bytes = stored;
      }
      continue;
    }
    op.source_index = i;
    // TFLite operators carry no names; the first output tensor's name identifies them.
    std::string base = b.tensor(op.outputs[0]).name;
    const int uses = name_uses[base]++;
    op.name = uses == 0 ? base : fmt::format("{}#{}", base, uses);
    SetCostAttrs(op.type, *fop, op, b);
    b.AddOp(std::move(op));
  }
  auto g = std::move(b).Build();
  if (!g) return fail(g.error().message);
  return g;
}

Result<Graph> ImportTflite(const std::string& path) {
  auto bytes = ReadFileBytes(path);
  if (!bytes) return bytes.error();
  return ImportTfliteBuffer(path, reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size());
}

}  // namespace respect
