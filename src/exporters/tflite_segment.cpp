#include "exporters/tflite_segment.h"

#include <flatbuffers/flatbuffers.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <map>

#include "tflite_subset_generated.h"

namespace respect {

namespace {

namespace fb = tflite_subset;

// BuiltinOptions members whose tables hold scalar fields only (numbers, booleans, enums: no
// string, vector, table or union), by the format's union value. Their bytes are copied as they
// are. Tables with offsets (ReshapeOptions, SqueezeOptions: rebuilt; ConcatEmbeddings, control
// flow's subgraph references, VarHandle's strings, Bucketize's boundaries, ...) are not here.
const std::map<int, const char*>& ScalarOptions() {
  static const std::map<int, const char*> m = {
      {1, "Conv2DOptions"},
      {2, "DepthwiseConv2DOptions"},
      {4, "LSHProjectionOptions"},
      {5, "Pool2DOptions"},
      {6, "SVDFOptions"},
      {7, "RNNOptions"},
      {8, "FullyConnectedOptions"},
      {9, "SoftmaxOptions"},
      {10, "ConcatenationOptions"},
      {11, "AddOptions"},
      {12, "L2NormOptions"},
      {13, "LocalResponseNormalizationOptions"},
      {14, "LSTMOptions"},
      {15, "ResizeBilinearOptions"},
      {18, "SkipGramOptions"},
      {19, "SpaceToDepthOptions"},
      {20, "EmbeddingLookupSparseOptions"},
      {21, "MulOptions"},
      {22, "PadOptions"},
      {23, "GatherOptions"},
      {24, "BatchToSpaceNDOptions"},
      {25, "SpaceToBatchNDOptions"},
      {26, "TransposeOptions"},
      {27, "ReducerOptions"},
      {28, "SubOptions"},
      {29, "DivOptions"},
      {31, "SequenceRNNOptions"},
      {32, "StridedSliceOptions"},
      {33, "ExpOptions"},
      {34, "TopKV2Options"},
      {35, "SplitOptions"},
      {36, "LogSoftmaxOptions"},
      {37, "CastOptions"},
      {38, "DequantizeOptions"},
      {39, "MaximumMinimumOptions"},
      {40, "ArgMaxOptions"},
      {41, "LessOptions"},
      {42, "NegOptions"},
      {43, "PadV2Options"},
      {44, "GreaterOptions"},
      {45, "GreaterEqualOptions"},
      {46, "LessEqualOptions"},
      {47, "SelectOptions"},
      {48, "SliceOptions"},
      {49, "TransposeConvOptions"},
      {50, "SparseToDenseOptions"},
      {51, "TileOptions"},
      {52, "ExpandDimsOptions"},
      {53, "EqualOptions"},
      {54, "NotEqualOptions"},
      {55, "ShapeOptions"},
      {56, "PowOptions"},
      {57, "ArgMinOptions"},
      {58, "FakeQuantOptions"},
      {59, "PackOptions"},
      {60, "LogicalOrOptions"},
      {61, "OneHotOptions"},
      {62, "LogicalAndOptions"},
      {63, "LogicalNotOptions"},
      {64, "UnpackOptions"},
      {65, "FloorDivOptions"},
      {66, "SquareOptions"},
      {67, "ZerosLikeOptions"},
      {68, "FillOptions"},
      {69, "BidirectionalSequenceLSTMOptions"},
      {70, "BidirectionalSequenceRNNOptions"},
      {71, "UnidirectionalSequenceLSTMOptions"},
      {72, "FloorModOptions"},
      {73, "RangeOptions"},
      {74, "ResizeNearestNeighborOptions"},
      {75, "LeakyReluOptions"},
      {76, "SquaredDifferenceOptions"},
      {77, "MirrorPadOptions"},
      {78, "AbsOptions"},
      {79, "SplitVOptions"},
      {80, "UniqueOptions"},
      {81, "ReverseV2Options"},
      {82, "AddNOptions"},
      {83, "GatherNdOptions"},
      {84, "CosOptions"},
      {85, "WhereOptions"},
      {86, "RankOptions"},
      {87, "ReverseSequenceOptions"},
      {88, "MatrixDiagOptions"},
      {89, "QuantizeOptions"},
      {90, "MatrixSetDiagOptions"},
      {91, "HardSwishOptions"},
      {94, "DepthToSpaceOptions"},
      {95, "NonMaxSuppressionV4Options"},
      {96, "NonMaxSuppressionV5Options"},
      {97, "ScatterNdOptions"},
      {98, "SelectV2Options"},
      {99, "DensifyOptions"},
      {100, "SegmentSumOptions"},
      {101, "BatchMatMulOptions"},
      {102, "CumsumOptions"},
      {104, "BroadcastToOptions"},
      {105, "Rfft2dOptions"},
      {106, "Conv3DOptions"},
      {116, "GeluOptions"},
  };
  return m;
}

using Table = flatbuffers::Table;

bool Present(const Table* t, int slot) {
  return t->GetOptionalFieldOffset(static_cast<flatbuffers::voffset_t>(4 + 2 * slot)) != 0;
}

// The first field at or after `slot` the table sets (-1: none): fields the writer does not know.
int FirstSetFrom(const Table* t, int slot) {
  const uint8_t* vt = t->GetVTable();
  const int slots = (flatbuffers::ReadScalar<flatbuffers::voffset_t>(vt) - 4) / 2;
  for (int s = slot; s < slots; ++s)
    if (flatbuffers::ReadScalar<flatbuffers::voffset_t>(vt + 4 + 2 * s) != 0) return s;
  return -1;
}

// Copies a table of scalars byte for byte: its vtable, then its inline bytes at the same address
// modulo 8 (so every field keeps its alignment), with the vtable offset rewritten.
Result<flatbuffers::Offset<void>> CopyScalarTable(flatbuffers::FlatBufferBuilder& fbb,
                                                  const uint8_t* base, size_t size,
                                                  const Table* t) {
  const uint8_t* obj = reinterpret_cast<const uint8_t*>(t);
  const uint8_t* end = base + size;
  if (obj < base || obj + 4 > end) return Error{"options table outside the file"};
  const uint8_t* vt = obj - flatbuffers::ReadScalar<flatbuffers::soffset_t>(obj);
  if (vt < base || vt + 4 > end) return Error{"options vtable outside the file"};
  const auto vt_size = flatbuffers::ReadScalar<flatbuffers::voffset_t>(vt);
  const auto obj_size = flatbuffers::ReadScalar<flatbuffers::voffset_t>(vt + 2);
  if (vt_size < 4 || vt_size % 2 != 0 || vt + vt_size > end || obj_size < 4 || obj + obj_size > end)
    return Error{"corrupt options table"};
  for (int s = 0; s < (vt_size - 4) / 2; ++s)
    if (flatbuffers::ReadScalar<flatbuffers::voffset_t>(vt + 4 + 2 * s) >= obj_size)
      return Error{"corrupt options table (a field past its end)"};
  std::string copy(reinterpret_cast<const char*>(obj), obj_size);
  for (int i = vt_size / 2 - 1; i >= 0; --i)
    fbb.PushElement<flatbuffers::voffset_t>(
        flatbuffers::ReadScalar<flatbuffers::voffset_t>(vt + 2 * i));
  const auto vtable_at = fbb.GetSize();
  const size_t mod = static_cast<size_t>(obj - base) % 8;
  fbb.PreAlign(obj_size + mod, 8);
  const auto obj_at = fbb.GetSize() + obj_size;
  flatbuffers::WriteScalar<flatbuffers::soffset_t>(
      copy.data(),
      static_cast<flatbuffers::soffset_t>(vtable_at) - static_cast<flatbuffers::soffset_t>(obj_at));
  fbb.PushBytes(reinterpret_cast<const uint8_t*>(copy.data()), obj_size);
  if (fbb.GetSize() != obj_at) return Error{"internal error while copying an options table"};
  return flatbuffers::Offset<void>(obj_at);
}

template <typename T>
flatbuffers::Offset<flatbuffers::Vector<T>> CopyVector(flatbuffers::FlatBufferBuilder& fbb,
                                                       const flatbuffers::Vector<T>* v) {
  if (!v) return 0;
  return fbb.CreateVector(v->data(), v->size());
}

// One sparse index vector (CSR segments or indices), rebuilt from the schema subset.
Result<std::pair<fb::SparseIndexVector, flatbuffers::Offset<void>>> CopyIndexVector(
    flatbuffers::FlatBufferBuilder& fbb, fb::SparseIndexVector type, const void* value) {
  if (type == fb::SparseIndexVector_NONE) return std::pair{type, flatbuffers::Offset<void>(0)};
  if (!value) return Error{"sparse index vector without a table"};
  switch (type) {
    case fb::SparseIndexVector_Int32Vector: {
      auto v = CopyVector(fbb, static_cast<const fb::Int32Vector*>(value)->values());
      return std::pair{type, fb::CreateInt32Vector(fbb, v).Union()};
    }
    case fb::SparseIndexVector_Uint16Vector: {
      const auto* src = static_cast<const fb::Uint16Vector*>(value)->values();
      if (src) fbb.ForceVectorAlignment(src->size(), sizeof(uint16_t), 4);
      auto v = CopyVector(fbb, src);
      return std::pair{type, fb::CreateUint16Vector(fbb, v).Union()};
    }
    case fb::SparseIndexVector_Uint8Vector: {
      const auto* src = static_cast<const fb::Uint8Vector*>(value)->values();
      if (src) fbb.ForceVectorAlignment(src->size(), sizeof(uint8_t), 4);
      auto v = CopyVector(fbb, src);
      return std::pair{type, fb::CreateUint8Vector(fbb, v).Union()};
    }
    default:
      return Error{fmt::format("sparse index vector of unknown type {}", static_cast<int>(type))};
  }
}

// A sparse constant's sparsity parameters, field by field (every field the format declares).
Result<flatbuffers::Offset<fb::SparsityParameters>> CopySparsity(
    flatbuffers::FlatBufferBuilder& fbb, const fb::SparsityParameters* sp) {
  if (!sp) return Error{"sparsity parameters without a table"};
  if (int s = FirstSetFrom(reinterpret_cast<const Table*>(sp), 3); s >= 0)
    return Error{fmt::format(
        "its sparsity parameters set field {}, which the segment writer does not know", s)};
  std::vector<flatbuffers::Offset<fb::DimensionMetadata>> dims;
  if (sp->dim_metadata())
    for (const fb::DimensionMetadata* d : *sp->dim_metadata()) {
      if (int s = FirstSetFrom(reinterpret_cast<const Table*>(d), 6); s >= 0)
        return Error{fmt::format(
            "its sparse dimension metadata sets field {}, which the segment writer does not know",
            s)};
      auto seg = CopyIndexVector(fbb, d->array_segments_type(), d->array_segments());
      if (!seg) return seg.error();
      auto idx = CopyIndexVector(fbb, d->array_indices_type(), d->array_indices());
      if (!idx) return idx.error();
      dims.push_back(fb::CreateDimensionMetadata(fbb, d->format(), d->dense_size(), seg->first,
                                                 seg->second, idx->first, idx->second));
    }
  auto order = CopyVector(fbb, sp->traversal_order());
  auto blocks = CopyVector(fbb, sp->block_map());
  auto dims_vec = sp->dim_metadata() ? fbb.CreateVector(dims) : 0;
  fb::SparsityParametersBuilder b(fbb);
  if (sp->traversal_order()) b.add_traversal_order(order);
  if (sp->block_map()) b.add_block_map(blocks);
  if (sp->dim_metadata()) b.add_dim_metadata(dims_vec);
  return b.Finish();
}

// Writes one segment file, a job per method: check the file against its import, choose the file's
// operators and tensors the segment needs, then write buffers, tensors, operator codes, operators
// and the model around them.
class SegmentWriter {
 public:
  SegmentWriter(const std::string& bytes, const Graph& g, const SegmentPlan& seg)
      : bytes(bytes), g(g), seg(seg), fbb(bytes.size() / 2 + 1024) {}

  Result<std::string> Write() {
    if (auto st = Open(); !st) return st.error();
    ChooseOperators();
    if (auto st = ChooseTensors(); !st) return st.error();
    if (auto st = WriteBuffers(); !st) return st.error();
    if (auto st = WriteTensors(); !st) return st.error();
    if (auto st = WriteOperatorCodes(); !st) return st.error();
    if (auto st = WriteOperators(); !st) return st.error();
    return Finish();
  }

 private:
  std::string op_label(int f) const {
    const int v = graph_op_of[f];
    return v >= 0 ? fmt::format("operator '{}' ({})", g.ops[v].name, g.ops[v].type)
                  : fmt::format("operator {} of the file (folded into a constant)", f);
  }

  // The file verifies, has one subgraph, and matches its import.
  Status Open() {
    data = reinterpret_cast<const uint8_t*>(bytes.data());
    flatbuffers::Verifier::Options vopts;
    vopts.max_depth = 64;
    vopts.max_tables = 50'000'000;
    flatbuffers::Verifier verifier(data, bytes.size(), vopts);
    if (!fb::VerifyModelBuffer(verifier)) return Error{"corrupt TFLite file"};
    model = fb::GetModel(data);
    if (!model->subgraphs() || model->subgraphs()->size() != 1)
      return Error{"models with several subgraphs (control flow) cannot be cut into segments yet"};
    sg = model->subgraphs()->Get(0);
    ftensors = sg->tensors();
    fops = sg->operators();
    codes = model->operator_codes();
    buffers = model->buffers();
    if (!ftensors || !fops || !codes || ftensors->size() != g.tensors.size())
      return Error{"the file does not match its import"};
    nt = static_cast<int>(ftensors->size());
    nf = static_cast<int>(fops->size());
    auto ops = GraphOpsOfTfliteFile(g, nf);
    if (!ops) return ops.error();
    graph_op_of = std::move(*ops);
    return {};
  }

  void ChooseOperators() {
    std::vector<int> file_producer(nt, -1);
    for (int f = 0; f < nf; ++f)
      if (const auto* outs = fops->Get(f)->outputs())
        for (int32_t t : *outs)
          if (t >= 0 && t < nt) file_producer[t] = f;

    // The segment's file operators: the folded operators its operators read from, transitively
    // (each segment that reads a folded constant carries its own copy), in the file's order, then
    // its own operators in execution order.
    std::vector<char> carried_op(nf, 0);
    std::vector<int> pending;
    auto want_producers = [&](int f) {
      if (const auto* ins = fops->Get(f)->inputs())
        for (int32_t t : *ins) {
          if (t < 0 || t >= nt) continue;
          const int p = file_producer[t];
          if (p >= 0 && graph_op_of[p] < 0 && !carried_op[p]) {
            carried_op[p] = 1;
            pending.push_back(p);
          }
        }
    };
    for (int v : seg.ops) want_producers(g.ops[v].source_index);
    while (!pending.empty()) {
      const int f = pending.back();
      pending.pop_back();
      want_producers(f);
    }
    file_ops.clear();
    for (int f = 0; f < nf; ++f)
      if (carried_op[f]) file_ops.push_back(f);
    for (int v : seg.ops) file_ops.push_back(g.ops[v].source_index);
  }

  Status ChooseTensors() {
    // The segment's tensors, in the file's order.
    used.assign(nt, 0);
    auto use = [&](int t) -> Status {
      if (t < -1 || t >= nt) return Error{fmt::format("invalid tensor index {}", t)};
      if (t >= 0) used[t] = 1;
      return {};
    };
    for (int f : file_ops) {
      const fb::Operator* fop = fops->Get(f);
      for (const auto* list : {fop->inputs(), fop->outputs(), fop->intermediates()})
        if (list)
          for (int32_t t : *list)
            if (auto st = use(t); !st) return st.error();
    }
    for (int t : seg.inputs) used[t] = 1;
    for (int t : seg.outputs) used[t] = 1;
    new_tensor.assign(nt, -1);
    int count = 0;
    for (int t = 0; t < nt; ++t)
      if (used[t]) new_tensor[t] = count++;
    return {};
  }

  Status WriteBuffers() {
    // Buffers: 0 stays the empty sentinel; each non-empty buffer a segment tensor (or kept
    // metadata) points at is carried once, however many tensors share it.
    const int nb = buffers ? static_cast<int>(buffers->size()) : 0;
    std::vector<int> new_buffer(nb, -1);
    std::vector<int> carried;  // old buffer ids, in new order from 1
    auto carry = [&](uint32_t b, bool keep_empty) -> Result<int> {
      if (b == 0) return 0;
      if (static_cast<int>(b) >= nb) return Error{fmt::format("reference to missing buffer {}", b)};
      const fb::Buffer* fbuf = buffers->Get(b);
      if (fbuf->offset() > 1 || fbuf->size() > 0)
        return Error{
            "buffers stored after the FlatBuffer (models over 2 GiB) cannot be cut into segments "
            "yet"};
      if (!keep_empty && (!fbuf->data() || fbuf->data()->size() == 0)) return 0;
      if (new_buffer[b] < 0) {
        carried.push_back(static_cast<int>(b));
        new_buffer[b] = static_cast<int>(carried.size());
      }
      return new_buffer[b];
    };
    tensor_buffer.assign(nt, 0);
    for (int t = 0; t < nt; ++t)
      if (used[t]) {
        auto b = carry(ftensors->Get(t)->buffer(), false);
        if (!b) return b.error();
        tensor_buffer[t] = *b;
      }
    if (model->metadata())
      for (const fb::Metadata* m : *model->metadata()) {
        const std::string name = m->name() ? m->name()->str() : "";
        if (name == "TFLITE_METADATA") continue;  // describes the whole model's inputs and outputs
        auto b = carry(m->buffer(), true);
        if (!b) return b.error();
        meta.push_back({name, *b});
      }
    buffer_tables.push_back(fb::CreateBuffer(fbb));
    for (int b : carried) {
      const auto* d = buffers->Get(b)->data();
      flatbuffers::Offset<flatbuffers::Vector<uint8_t>> vec = 0;
      if (d) {
        fbb.ForceVectorAlignment(d->size(), sizeof(uint8_t),
                                 16);  // as converters align constant data
        vec = fbb.CreateVector(d->data(), d->size());
      }
      fb::BufferBuilder bb(fbb);
      if (d) bb.add_data(vec);
      buffer_tables.push_back(bb.Finish());
    }
    return {};
  }

  Status WriteTensors() {
    // Tensors.
    for (int t = 0; t < nt; ++t) {
      if (!used[t]) continue;
      const fb::Tensor* ft = ftensors->Get(t);
      const Table* raw = reinterpret_cast<const Table*>(ft);
      const std::string label = fmt::format("tensor '{}'", g.tensors[t].name);
      flatbuffers::Offset<fb::SparsityParameters> sparsity = 0;
      if (Present(raw, 6)) {
        auto sp = CopySparsity(fbb, ft->sparsity());
        if (!sp) return Error{label + ": " + sp.error().message};
        sparsity = *sp;
      }
      if (int s = FirstSetFrom(raw, 9); s >= 0)
        return Error{fmt::format(
            "{}: sets field {} of Tensor, which the segment writer does not know", label, s)};
      flatbuffers::Offset<fb::QuantizationParameters> quant = 0;
      if (const fb::QuantizationParameters* q = ft->quantization()) {
        const Table* rq = reinterpret_cast<const Table*>(q);
        if (Present(rq, 4) || Present(rq, 5))
          return Error{label + ": custom quantisation details cannot be written"};
        if (int s = FirstSetFrom(rq, 7); s >= 0)
          return Error{fmt::format(
              "{}: sets field {} of its quantisation, which the segment writer does not know",
              label, s)};
        auto mn = CopyVector(fbb, q->min());
        auto mx = CopyVector(fbb, q->max());
        auto sc = CopyVector(fbb, q->scale());
        auto zp = CopyVector(fbb, q->zero_point());
        fb::QuantizationParametersBuilder qb(fbb);
        if (q->min()) qb.add_min(mn);
        if (q->max()) qb.add_max(mx);
        if (q->scale()) qb.add_scale(sc);
        if (q->zero_point()) qb.add_zero_point(zp);
        if (Present(rq, 6)) qb.add_quantized_dimension(q->quantized_dimension());
        quant = qb.Finish();
      }
      auto shape = CopyVector(fbb, ft->shape());
      auto signature = CopyVector(fbb, ft->shape_signature());
      auto name = ft->name() ? fbb.CreateString(ft->name()->c_str(), ft->name()->size()) : 0;
      fb::TensorBuilder tb(fbb);
      if (ft->shape()) tb.add_shape(shape);
      tb.add_type(ft->type());
      tb.add_buffer(static_cast<uint32_t>(tensor_buffer[t]));
      if (ft->name()) tb.add_name(name);
      if (ft->quantization()) tb.add_quantization(quant);
      if (Present(raw, 5)) tb.add_is_variable(ft->is_variable());
      if (ft->shape_signature()) tb.add_shape_signature(signature);
      if (Present(raw, 6)) tb.add_sparsity(sparsity);
      if (Present(raw, 8)) tb.add_has_rank(ft->has_rank());
      tensor_tables.push_back(tb.Finish());
    }
    return {};
  }

  Status WriteOperatorCodes() {
    // Operator codes the segment uses, in the file's order.
    new_code.assign(codes->size(), -1);
    for (int f : file_ops) {
      const uint32_t c = fops->Get(f)->opcode_index();
      if (c >= codes->size())
        return Error{fmt::format("{}: invalid opcode index {}", op_label(f), c)};
      new_code[c] = 0;
    }
    for (uint32_t c = 0; c < codes->size(); ++c) {
      if (new_code[c] < 0) continue;
      new_code[c] = static_cast<int>(code_tables.size());
      const fb::OperatorCode* oc = codes->Get(c);
      const Table* raw = reinterpret_cast<const Table*>(oc);
      if (int s = FirstSetFrom(raw, 4); s >= 0)
        return Error{fmt::format(
            "operator code {} sets field {}, which the segment writer does not know", c, s)};
      auto custom = oc->custom_code()
                        ? fbb.CreateString(oc->custom_code()->c_str(), oc->custom_code()->size())
                        : 0;
      fb::OperatorCodeBuilder cb(fbb);
      if (Present(raw, 0)) cb.add_deprecated_builtin_code(oc->deprecated_builtin_code());
      if (oc->custom_code()) cb.add_custom_code(custom);
      if (Present(raw, 2)) cb.add_version(oc->version());
      if (Present(raw, 3)) cb.add_builtin_code(oc->builtin_code());
      code_tables.push_back(cb.Finish());
    }
    return {};
  }

  Status WriteOperators() {
    // Operators, in the segment's execution order.
    auto remap_list = [&](const flatbuffers::Vector<int32_t>* v) {
      std::vector<int32_t> out;
      if (v)
        for (int32_t t : *v) out.push_back(t < 0 ? t : new_tensor[t]);
      return out;
    };
    for (int v : file_ops) {
      const fb::Operator* fop = fops->Get(v);
      const Table* raw = reinterpret_cast<const Table*>(fop);
      if (int s = FirstSetFrom(raw, 9); s >= 0)
        return Error{fmt::format(
            "{}: sets field {} of Operator (large custom options, builtin_options_2 or newer), "
            "which the segment writer cannot reproduce",
            op_label(v), s)};
      const int type = static_cast<int>(fop->builtin_options_type());
      flatbuffers::Offset<void> options = 0;
      if (type != 0) {
        if (!fop->builtin_options())
          return Error{fmt::format("{}: options type {} without a table", op_label(v), type)};
        const Table* opt = reinterpret_cast<const Table*>(fop->builtin_options());
        if (type == fb::BuiltinOptions_ReshapeOptions ||
            type == fb::BuiltinOptions_SqueezeOptions) {
          if (int s = FirstSetFrom(opt, 1); s >= 0)
            return Error{
                fmt::format("{}: its options set field {}, which the segment writer does not know",
                            op_label(v), s)};
          const auto* dims = type == fb::BuiltinOptions_ReshapeOptions
                                 ? fop->builtin_options_as_ReshapeOptions()->new_shape()
                                 : fop->builtin_options_as_SqueezeOptions()->squeeze_dims();
          auto vec = CopyVector(fbb, dims);
          flatbuffers::uoffset_t start = fbb.StartTable();
          if (dims) fbb.AddOffset(4, vec);
          options = flatbuffers::Offset<void>(fbb.EndTable(start));
        } else if (ScalarOptions().count(type)) {
          auto copied = CopyScalarTable(fbb, data, bytes.size(), opt);
          if (!copied) return Error{fmt::format("{}: {}", op_label(v), copied.error().message)};
          options = *copied;
        } else {
          return Error{fmt::format(
              "{}: its options (BuiltinOptions type {}) are not a table the segment writer can "
              "reproduce exactly",
              op_label(v), type)};
        }
      }
      auto in = fbb.CreateVector(remap_list(fop->inputs()));
      auto out = fbb.CreateVector(remap_list(fop->outputs()));
      flatbuffers::Offset<flatbuffers::Vector<int32_t>> inter = 0;
      if (fop->intermediates()) inter = fbb.CreateVector(remap_list(fop->intermediates()));
      auto custom = CopyVector(fbb, fop->custom_options());
      auto mutating = CopyVector(fbb, fop->mutating_variable_inputs());
      fb::OperatorBuilder ob(fbb);
      ob.add_opcode_index(static_cast<uint32_t>(new_code[fop->opcode_index()]));
      ob.add_inputs(in);
      ob.add_outputs(out);
      if (type != 0) {
        ob.add_builtin_options_type(fop->builtin_options_type());
        ob.add_builtin_options(options);
      }
      if (fop->custom_options()) ob.add_custom_options(custom);
      if (Present(raw, 6)) ob.add_custom_options_format(fop->custom_options_format());
      if (fop->mutating_variable_inputs()) ob.add_mutating_variable_inputs(mutating);
      if (fop->intermediates()) ob.add_intermediates(inter);
      op_tables.push_back(ob.Finish());
    }
    return {};
  }

  std::string Finish() {
    std::vector<int32_t> ins, outs;
    for (int t : seg.inputs) ins.push_back(new_tensor[t]);
    for (int t : seg.outputs) outs.push_back(new_tensor[t]);
    auto tensors_vec = fbb.CreateVector(tensor_tables);
    auto ins_vec = fbb.CreateVector(ins);
    auto outs_vec = fbb.CreateVector(outs);
    auto ops_vec = fbb.CreateVector(op_tables);
    auto sg_name = sg->name() ? fbb.CreateString(sg->name()->c_str(), sg->name()->size()) : 0;
    fb::SubGraphBuilder sb(fbb);
    sb.add_tensors(tensors_vec);
    sb.add_inputs(ins_vec);
    sb.add_outputs(outs_vec);
    sb.add_operators(ops_vec);
    if (sg->name()) sb.add_name(sg_name);
    auto subgraph = sb.Finish();

    std::vector<flatbuffers::Offset<fb::Metadata>> meta_tables;
    for (const MetaEntry& m : meta)
      meta_tables.push_back(fb::CreateMetadata(fbb, fbb.CreateString(m.name), m.buffer));
    auto codes_vec = fbb.CreateVector(code_tables);
    auto subgraphs_vec = fbb.CreateVector(std::vector<flatbuffers::Offset<fb::SubGraph>>{subgraph});
    auto description = model->description() ? fbb.CreateString(model->description()->c_str(),
                                                               model->description()->size())
                                            : 0;
    auto buffers_vec = fbb.CreateVector(buffer_tables);
    auto meta_vec = fbb.CreateVector(meta_tables);
    fb::ModelBuilder mb(fbb);
    mb.add_version(model->version());
    mb.add_operator_codes(codes_vec);
    mb.add_subgraphs(subgraphs_vec);
    if (model->description()) mb.add_description(description);
    mb.add_buffers(buffers_vec);
    if (!meta.empty()) mb.add_metadata(meta_vec);
    fb::FinishModelBuffer(fbb, mb.Finish());
    return std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
  }

  struct MetaEntry {
    std::string name;
    int buffer;
  };
  const std::string& bytes;
  const Graph& g;
  const SegmentPlan& seg;
  flatbuffers::FlatBufferBuilder fbb;
  const uint8_t* data = nullptr;
  const fb::Model* model = nullptr;
  const fb::SubGraph* sg = nullptr;
  const flatbuffers::Vector<flatbuffers::Offset<fb::Tensor>>* ftensors = nullptr;
  const flatbuffers::Vector<flatbuffers::Offset<fb::Operator>>* fops = nullptr;
  const flatbuffers::Vector<flatbuffers::Offset<fb::OperatorCode>>* codes = nullptr;
  const flatbuffers::Vector<flatbuffers::Offset<fb::Buffer>>* buffers = nullptr;
  int nt = 0, nf = 0;
  std::vector<int> graph_op_of;  // per file operator: its graph operator, -1 when folded
  std::vector<int> file_ops;     // the segment's file operators, in the order written
  std::vector<char> used;        // per file tensor: in the segment
  std::vector<int> new_tensor;   // per file tensor: its index in the segment (-1: not in it)
  std::vector<int> tensor_buffer;
  std::vector<MetaEntry> meta;
  std::vector<int> new_code;
  std::vector<flatbuffers::Offset<fb::Buffer>> buffer_tables;
  std::vector<flatbuffers::Offset<fb::Tensor>> tensor_tables;
  std::vector<flatbuffers::Offset<fb::OperatorCode>> code_tables;
  std::vector<flatbuffers::Offset<fb::Operator>> op_tables;
};

}  // namespace

Result<std::vector<int>> GraphOpsOfTfliteFile(const Graph& g, int file_operators) {
  std::vector<int> graph_op_of(file_operators, -1);
  for (int v = 0; v < g.num_ops(); ++v) {
    const int f = g.ops[v].source_index;
    if (f < 0 || f >= file_operators || graph_op_of[f] >= 0)
      return Error{"the file does not match its import"};
    graph_op_of[f] = v;
  }
  return graph_op_of;
}

Result<std::string> TfliteSegmentBytes(const std::string& bytes, const Graph& g,
                                       const SegmentPlan& seg) {
  return SegmentWriter(bytes, g, seg).Write();
}

nlohmann::json TfliteSignatureJson(const std::string& bytes) {
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  flatbuffers::Verifier verifier(data, bytes.size());
  if (!fb::VerifyModelBuffer(verifier)) return nullptr;
  const fb::Model* model = fb::GetModel(data);
  if (!model->signature_defs() || !model->subgraphs() || model->subgraphs()->size() == 0)
    return nullptr;
  const auto* tensors = model->subgraphs()->Get(0)->tensors();
  for (const fb::SignatureDef* sig : *model->signature_defs()) {
    if (sig->subgraph_index() != 0 || !tensors) continue;
    nlohmann::json j = {{"key", sig->signature_key() ? sig->signature_key()->str() : ""},
                        {"inputs", nlohmann::json::object()},
                        {"outputs", nlohmann::json::object()}};
    for (auto [list, field] :
         {std::pair{sig->inputs(), "inputs"}, std::pair{sig->outputs(), "outputs"}}) {
      if (!list) continue;
      for (const fb::TensorMap* m : *list) {
        if (!m->name() || m->tensor_index() >= tensors->size()) return nullptr;
        const auto* t = tensors->Get(m->tensor_index());
        j[field][m->name()->str()] = t->name() ? t->name()->str() : "";
      }
    }
    return j;
  }
  return nullptr;
}

}  // namespace respect
