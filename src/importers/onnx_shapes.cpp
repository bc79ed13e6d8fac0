#include "importers/onnx_shapes.h"

#include <onnx/shape_inference/implementation.h>

#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace respect {

using Ints = std::vector<int64_t>;

std::optional<Ints> SmallIntValues(const onnx::TensorProto& t) {
  Ints v;
  if (t.data_type() == onnx::TensorProto::INT64) {
    if (!t.raw_data().empty()) {
      v.resize(t.raw_data().size() / 8);
      std::memcpy(v.data(), t.raw_data().data(), v.size() * 8);
    } else {
      v.assign(t.int64_data().begin(), t.int64_data().end());
    }
  } else if (t.data_type() == onnx::TensorProto::INT32) {
    if (!t.raw_data().empty()) {
      std::vector<int32_t> w(t.raw_data().size() / 4);
      std::memcpy(w.data(), t.raw_data().data(), w.size() * 4);
      v.assign(w.begin(), w.end());
    } else {
      v.assign(t.int32_data().begin(), t.int32_data().end());
    }
  } else {
    return std::nullopt;
  }
  int64_t elems = 1;
  for (int64_t d : t.dims()) elems *= d;
  if (static_cast<int64_t>(v.size()) != elems || elems > 64) return std::nullopt;
  return v;
}

namespace {

const onnx::AttributeProto* Attr(const onnx::NodeProto& n, const char* name) {
  for (const auto& a : n.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

// Static shapes of the values inference knows (every dimension a number).
std::map<std::string, Ints> StaticShapes(const onnx::GraphProto& g) {
  std::map<std::string, Ints> out;
  auto add = [&](const onnx::ValueInfoProto& vi) {
    if (!vi.type().has_tensor_type() || !vi.type().tensor_type().has_shape()) return;
    Ints s;
    for (const auto& d : vi.type().tensor_type().shape().dim()) {
      if (!d.has_dim_value()) return;
      s.push_back(d.dim_value());
    }
    out[vi.name()] = s;
  };
  for (const auto* list : {&g.input(), &g.output(), &g.value_info()})
    for (const auto& vi : *list) add(vi);
  for (const auto& init : g.initializer())
    out[init.name()] = Ints(init.dims().begin(), init.dims().end());
  return out;
}

// One pass: folds the small integer values it can and returns the Reshape outputs whose shapes
// it can now state (and inference had not).
std::map<std::string, Ints> FoldReshapes(const onnx::GraphProto& g) {
  const std::map<std::string, Ints> shapes = StaticShapes(g);
  std::map<std::string, Ints> value;  // folded 1-D integer values
  for (const auto& init : g.initializer())
    if (auto v = SmallIntValues(init); v && init.dims_size() <= 1) value[init.name()] = *v;
  std::map<std::string, Ints> found;
  for (const auto& n : g.node()) {
    auto in = [&](int k) -> const Ints* {
      if (k >= n.input_size()) return nullptr;
      auto it = value.find(n.input(k));
      return it == value.end() ? nullptr : &it->second;
    };
    if (n.output_size() < 1) continue;
    const std::string& out = n.output(0);
    const std::string& op = n.op_type();
    if (op == "Constant") {
      if (const auto* a = Attr(n, "value"); a && a->has_t() && a->t().dims_size() <= 1)
        if (auto v = SmallIntValues(a->t())) value[out] = *v;
    } else if (op == "Shape" && n.input_size() == 1) {
      if (auto it = shapes.find(n.input(0));
          it != shapes.end() && !Attr(n, "start") && !Attr(n, "end"))
        value[out] = it->second;
    } else if ((op == "Unsqueeze" || op == "Squeeze" || op == "Cast" || op == "Identity") &&
               in(0)) {
      value[out] = *in(0);  // a 0-D or 1-D value keeps its numbers
    } else if (op == "Gather" && in(0) && in(1)) {
      const auto* axis = Attr(n, "axis");
      if (axis && axis->i() != 0) continue;
      Ints r;
      bool ok = true;
      for (int64_t i : *in(1)) {
        const int64_t k = i < 0 ? i + static_cast<int64_t>(in(0)->size()) : i;
        if (k < 0 || k >= static_cast<int64_t>(in(0)->size()))
          ok = false;
        else
          r.push_back((*in(0))[k]);
      }
      if (ok) value[out] = r;
    } else if (op == "Concat") {
      Ints r;
      bool ok = n.input_size() > 0;
      for (int k = 0; k < n.input_size() && ok; ++k) {
        if (!in(k))
          ok = false;
        else
          r.insert(r.end(), in(k)->begin(), in(k)->end());
      }
      if (ok) value[out] = r;
    } else if (op == "Reshape" && n.input_size() >= 2 && in(1) && !shapes.count(out)) {
      auto data = shapes.find(n.input(0));
      if (data == shapes.end()) continue;
      int64_t total = 1;
      for (int64_t d : data->second) total *= d;
      Ints s = *in(1);
      int64_t known = 1, infer = -1;
      bool ok = true;
      for (size_t k = 0; k < s.size(); ++k) {
        if (s[k] == 0) {
          if (k >= data->second.size())
            ok = false;
          else
            s[k] = data->second[k];
        }
        if (s[k] == -1) {
          if (infer >= 0) ok = false;
          infer = static_cast<int64_t>(k);
        } else if (s[k] > 0) {
          known *= s[k];
        } else if (s[k] < -1) {
          ok = false;
        }
      }
      if (!ok || known <= 0) continue;
      if (infer >= 0) {
        if (total % known != 0) continue;
        s[infer] = total / known;
      } else if (known != total) {
        continue;
      }
      found[out] = s;
    }
  }
  return found;
}

}  // namespace

void InferOnnxShapes(onnx::ModelProto& model) {
  const onnx::ShapeInferenceOptions options(false, 0, /*data propagation=*/true);
  onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(), options);
  for (int round = 0; round < 16; ++round) {
    const std::map<std::string, Ints> found = FoldReshapes(model.graph());
    if (found.empty()) return;
    onnx::GraphProto* g = model.mutable_graph();
    // Element types inference already knows (the Reshape keeps its data's).
    std::map<std::string, int32_t> elem;
    for (const auto* list : {&g->input(), &g->value_info(), &g->output()})
      for (const auto& v : *list)
        if (v.type().has_tensor_type() && v.type().tensor_type().elem_type() != 0)
          elem[v.name()] = v.type().tensor_type().elem_type();
    for (const auto& init : g->initializer()) elem[init.name()] = init.data_type();
    std::map<std::string, std::string> data_of;
    for (const auto& n : g->node())
      if (n.op_type() == "Reshape" && n.output_size() > 0 && n.input_size() > 0)
        data_of[n.output(0)] = n.input(0);
    bool added = false;
    for (const auto& [name, shape] : found) {
      auto t = elem.find(data_of[name]);
      if (t == elem.end()) continue;
      onnx::ValueInfoProto* vi = nullptr;
      for (auto& v : *g->mutable_value_info())
        if (v.name() == name) vi = &v;
      if (!vi) {
        vi = g->add_value_info();
        vi->set_name(name);
      }
      auto* tt = vi->mutable_type()->mutable_tensor_type();
      tt->set_elem_type(t->second);
      tt->clear_shape();
      for (int64_t d : shape) tt->mutable_shape()->add_dim()->set_dim_value(d);
      added = true;
    }
    if (!added) return;
    onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(), options);
  }
}

}  // namespace respect
