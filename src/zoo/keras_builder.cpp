#include "zoo/keras_builder.h"

#include <fmt/format.h>

#include "core/op_classes.h"

namespace respect {
namespace {

int ConvOut(int in, int k, int stride, Padding pad, int dilation = 1) {
  if (pad == Padding::kSame) return (in + stride - 1) / stride;
  const int eff = dilation * (k - 1) + 1;
  return in >= eff ? (in - eff) / stride + 1 : 0;
}

int64_t Elems(const KTensor& t) { return int64_t{t.h} * t.w * t.c; }

}  // namespace

KerasBuilder::KerasBuilder(std::string model_name, bool keras_granularity)
    : b_(std::move(model_name)), keras_(keras_granularity) {}

int KerasBuilder::NewTensor(const std::string& name, int h, int w, int c, bool flat) {
  Tensor t;
  t.name = name;
  t.shape = flat ? std::vector<int64_t>{1, c} : std::vector<int64_t>{1, h, w, c};
  t.dtype = keras_ ? DType::kFloat32 : DType::kInt8;
  return b_.AddTensor(std::move(t));
}

int KerasBuilder::Constant(const std::string& name, std::vector<int64_t> shape, int elem_bytes) {
  Tensor t;
  t.name = name;
  t.shape = std::move(shape);
  t.dtype = elem_bytes == 4 ? (keras_ ? DType::kFloat32 : DType::kInt32) : DType::kInt8;
  t.is_constant = true;
  t.bytes = elem_bytes * t.NumElements();
  return b_.AddTensor(std::move(t));
}

int KerasBuilder::EmitOp(const std::string& name, const std::string& type, std::vector<int> inputs,
                         int output, std::map<std::string, int64_t> attrs) {
  Operator op;
  op.name = name;
  op.type = type;
  op.op_class = ClassifyOpType(type);
  op.inputs = std::move(inputs);
  op.outputs = {output};
  op.attrs = std::move(attrs);
  return b_.AddOp(std::move(op));
}

KTensor KerasBuilder::Out(int tensor, int h, int w, int c, bool flat) {
  KTensor t;
  t.id = tensor;
  t.h = h;
  t.w = w;
  t.c = c;
  t.flat = flat;
  return t;
}

KTensor KerasBuilder::Input(int h, int w, int c, const std::string& name) {
  int in = NewTensor(name, h, w, c);
  b_.AddInput(in);
  if (!keras_) return Out(in, h, w, c);
  int out = NewTensor(name + ":0", h, w, c);
  EmitOp(name, "InputLayer", {in}, out, {{"macs", 0}});
  return Out(out, h, w, c);
}

KTensor KerasBuilder::Conv(const KTensor& x, int filters, int kh, int kw, int stride, Padding pad,
                           bool bias, const std::string& name, int dilation) {
  const int oh = ConvOut(x.h, kh, stride, pad, dilation),
            ow = ConvOut(x.w, kw, stride, pad, dilation);
  const int out = NewTensor(name, oh, ow, filters);
  const int64_t macs = int64_t{oh} * ow * filters * kh * kw * x.c;
  if (keras_) {
    std::vector<int> in = {x.id, Constant(name + "/kernel", {kh, kw, x.c, filters}, 4)};
    if (bias) in.push_back(Constant(name + "/bias", {filters}, 4));
    EmitOp(name, "Conv2D", in, out, {{"macs", macs}});
    return Out(out, oh, ow, filters);
  }
  // int8 TFLite: weights [out, kh, kw, in], int32 bias always present (BN folds into it).
  int op = EmitOp(name, "CONV_2D",
                  {x.id, Constant(name + "/weights", {filters, kh, kw, x.c}, 1),
                   Constant(name + "/bias", {filters}, 4)},
                  out, {{"weight_input", 1}, {"weight_channel_axis", 0}});
  KTensor r = Out(out, oh, ow, filters);
  r.bn_fold_op = r.act_fuse_op = op;
  return r;
}

KTensor KerasBuilder::DepthwiseConv(const KTensor& x, int kh, int kw, int stride, Padding pad,
                                    bool bias, const std::string& name, int depth_multiplier) {
  const int oh = ConvOut(x.h, kh, stride, pad), ow = ConvOut(x.w, kw, stride, pad);
  const int oc = x.c * depth_multiplier;
  const int out = NewTensor(name, oh, ow, oc);
  if (keras_) {
    std::vector<int> in = {
        x.id, Constant(name + "/depthwise_kernel", {kh, kw, x.c, depth_multiplier}, 4)};
    if (bias) in.push_back(Constant(name + "/bias", {oc}, 4));
    EmitOp(name, "DepthwiseConv2D", in, out, {{"macs", int64_t{oh} * ow * oc * kh * kw}});
    return Out(out, oh, ow, oc);
  }
  int op = EmitOp(
      name, "DEPTHWISE_CONV_2D",
      {x.id, Constant(name + "/weights", {1, kh, kw, oc}, 1), Constant(name + "/bias", {oc}, 4)},
      out, {{"weight_input", 1}, {"weight_channel_axis", 3}});
  KTensor r = Out(out, oh, ow, oc);
  r.bn_fold_op = r.act_fuse_op = op;
  return r;
}

KTensor KerasBuilder::SeparableConv(const KTensor& x, int filters, int k, int stride, Padding pad,
                                    bool bias, const std::string& name) {
  if (!keras_) {
    KTensor dw = DepthwiseConv(x, k, k, stride, pad, false, name + "_depthwise");
    return Conv(dw, filters, 1, 1, 1, Padding::kValid, bias, name);
  }
  const int oh = ConvOut(x.h, k, stride, pad), ow = ConvOut(x.w, k, stride, pad);
  const int out = NewTensor(name, oh, ow, filters);
  std::vector<int> in = {x.id, Constant(name + "/depthwise_kernel", {k, k, x.c, 1}, 4),
                         Constant(name + "/pointwise_kernel", {1, 1, x.c, filters}, 4)};
  if (bias) in.push_back(Constant(name + "/bias", {filters}, 4));
  const int64_t macs = int64_t{oh} * ow * x.c * k * k + int64_t{oh} * ow * x.c * filters;
  EmitOp(name, "SeparableConv2D", in, out, {{"macs", macs}});
  return Out(out, oh, ow, filters);
}

KTensor KerasBuilder::BatchNorm(const KTensor& x, const std::string& name, bool scale) {
  if (keras_) {
    const int out = NewTensor(name, x.h, x.w, x.c, x.flat);
    std::vector<int> in = {x.id};
    if (scale) in.push_back(Constant(name + "/gamma", {x.c}, 4));
    for (const char* p : {"/beta", "/moving_mean", "/moving_variance"})
      in.push_back(Constant(name + p, {x.c}, 4));
    EmitOp(name, "BatchNormalization", in, out, {{"macs", Elems(x)}});
    return Out(out, x.h, x.w, x.c, x.flat);
  }
  if (x.bn_fold_op >= 0) {  // folded into the conv's weights and bias
    KTensor r = x;
    r.bn_fold_op = -1;
    return r;
  }
  // A batch norm after a non-conv op stays as a per-channel multiply and add.
  const int mid = NewTensor(name + "/mul", x.h, x.w, x.c, x.flat);
  EmitOp(name + "/mul", "MUL", {x.id, Constant(name + "/scale", {x.c}, 1)}, mid);
  const int out = NewTensor(name, x.h, x.w, x.c, x.flat);
  int add = EmitOp(name, "ADD", {mid, Constant(name + "/offset", {x.c}, 1)}, out);
  KTensor r = Out(out, x.h, x.w, x.c, x.flat);
  r.act_fuse_op = add;
  return r;
}

KTensor KerasBuilder::Activation(const KTensor& x, const std::string& fn, const std::string& name) {
  if (keras_) {
    const int out = NewTensor(name, x.h, x.w, x.c, x.flat);
    // MobileNets use the ReLU(6.) layer class; everything else an Activation layer.
    EmitOp(name, fn == "relu6" ? "ReLU" : "Activation", {x.id}, out, {{"macs", Elems(x)}});
    return Out(out, x.h, x.w, x.c, x.flat);
  }
  if (fn == "linear") return x;
  if ((fn == "relu" || fn == "relu6") && x.act_fuse_op >= 0) {
    KTensor r = x;
    r.act_fuse_op = r.bn_fold_op = -1;
    return r;
  }
  const int out = NewTensor(name, x.h, x.w, x.c, x.flat);
  if (fn == "swish") {
    const int sig = NewTensor(name + "/sigmoid", x.h, x.w, x.c, x.flat);
    EmitOp(name + "/sigmoid", "LOGISTIC", {x.id}, sig);
    EmitOp(name, "MUL", {x.id, sig}, out);
  } else {
    const char* type = fn == "relu"         ? "RELU"
                       : fn == "relu6"      ? "RELU6"
                       : fn == "sigmoid"    ? "LOGISTIC"
                       : fn == "softmax"    ? "SOFTMAX"
                       : fn == "hard_swish" ? "HARD_SWISH"
                                            : "TANH";
    EmitOp(name, type, {x.id}, out);
  }
  return Out(out, x.h, x.w, x.c, x.flat);
}

KTensor KerasBuilder::ZeroPad(const KTensor& x, int top, int bottom, int left, int right,
                              const std::string& name) {
  const int oh = x.h + top + bottom, ow = x.w + left + right;
  const int out = NewTensor(name, oh, ow, x.c);
  if (keras_)
    EmitOp(name, "ZeroPadding2D", {x.id}, out, {{"macs", 0}});
  else
    EmitOp(name, "PAD", {x.id, Constant(name + "/paddings", {4, 2}, 4)}, out);
  return Out(out, oh, ow, x.c);
}

KTensor KerasBuilder::Crop(const KTensor& x, int top, int bottom, int left, int right,
                           const std::string& name) {
  const int oh = x.h - top - bottom, ow = x.w - left - right;
  const int out = NewTensor(name, oh, ow, x.c);
  if (keras_)
    EmitOp(name, "Cropping2D", {x.id}, out, {{"macs", 0}});
  else
    EmitOp(name, "STRIDED_SLICE",
           {x.id, Constant(name + "/begin", {4}, 4), Constant(name + "/end", {4}, 4),
            Constant(name + "/strides", {4}, 4)},
           out);
  return Out(out, oh, ow, x.c);
}

KTensor KerasBuilder::MaxPool(const KTensor& x, int k, int stride, Padding pad,
                              const std::string& name) {
  const int oh = ConvOut(x.h, k, stride, pad), ow = ConvOut(x.w, k, stride, pad);
  const int out = NewTensor(name, oh, ow, x.c);
  EmitOp(name, keras_ ? "MaxPooling2D" : "MAX_POOL_2D", {x.id}, out,
         {{"kernel_h", k}, {"kernel_w", k}});
  return Out(out, oh, ow, x.c);
}

KTensor KerasBuilder::AvgPool(const KTensor& x, int k, int stride, Padding pad,
                              const std::string& name) {
  const int oh = ConvOut(x.h, k, stride, pad), ow = ConvOut(x.w, k, stride, pad);
  const int out = NewTensor(name, oh, ow, x.c);
  EmitOp(name, keras_ ? "AveragePooling2D" : "AVERAGE_POOL_2D", {x.id}, out,
         {{"kernel_h", k}, {"kernel_w", k}});
  return Out(out, oh, ow, x.c);
}

KTensor KerasBuilder::GlobalAvgPool(const KTensor& x, const std::string& name, bool keepdims) {
  const int out = keepdims ? NewTensor(name, 1, 1, x.c) : NewTensor(name, 1, 1, x.c, true);
  if (keras_)
    EmitOp(name, "GlobalAveragePooling2D", {x.id}, out);
  else
    EmitOp(name, "MEAN", {x.id, Constant(name + "/axis", {2}, 4)}, out);
  return Out(out, 1, 1, x.c, !keepdims);
}

KTensor KerasBuilder::Dense(const KTensor& x, int units, const std::string& name,
                            const std::string& act) {
  const int in = x.flat ? x.c : static_cast<int>(Elems(x));
  const int out = NewTensor(name, 1, 1, units, true);
  if (keras_) {
    EmitOp(name, "Dense",
           {x.id, Constant(name + "/kernel", {in, units}, 4), Constant(name + "/bias", {units}, 4)},
           out, {{"macs", int64_t{in} * units}});
    return Out(out, 1, 1, units, true);
  }
  int op = EmitOp(
      name, "FULLY_CONNECTED",
      {x.id, Constant(name + "/weights", {units, in}, 1), Constant(name + "/bias", {units}, 4)},
      out, {{"k", in}});
  KTensor r = Out(out, 1, 1, units, true);
  r.bn_fold_op = r.act_fuse_op = op;
  return act.empty() ? r : Activation(r, act, name + "/" + act);
}

KTensor KerasBuilder::Flatten(const KTensor& x, const std::string& name) {
  const int c = static_cast<int>(Elems(x));
  const int out = NewTensor(name, 1, 1, c, true);
  if (keras_)
    EmitOp(name, "Flatten", {x.id}, out, {{"macs", 0}});
  else
    EmitOp(name, "RESHAPE", {x.id, Constant(name + "/shape", {2}, 4)}, out);
  return Out(out, 1, 1, c, true);
}

KTensor KerasBuilder::Reshape(const KTensor& x, int h, int w, int c, const std::string& name) {
  const int out = NewTensor(name, h, w, c);
  if (keras_)
    EmitOp(name, "Reshape", {x.id}, out, {{"macs", 0}});
  else
    EmitOp(name, "RESHAPE", {x.id, Constant(name + "/shape", {4}, 4)}, out);
  return Out(out, h, w, c);
}

KTensor KerasBuilder::Dropout(const KTensor& x, const std::string& name) {
  if (!keras_) return x;  // identity at inference; the converter removes it
  const int out = NewTensor(name, x.h, x.w, x.c, x.flat);
  EmitOp(name, "Dropout", {x.id}, out, {{"macs", 0}});
  return Out(out, x.h, x.w, x.c, x.flat);
}

KTensor KerasBuilder::Add(const std::vector<KTensor>& xs, const std::string& name) {
  const KTensor& x = xs[0];
  if (keras_) {
    const int out = NewTensor(name, x.h, x.w, x.c, x.flat);
    std::vector<int> in;
    for (const auto& t : xs) in.push_back(t.id);
    EmitOp(name, "Add", in, out, {{"macs", Elems(x) * static_cast<int64_t>(xs.size() - 1)}});
    return Out(out, x.h, x.w, x.c, x.flat);
  }
  int acc = x.id, op = -1;
  for (size_t i = 1; i < xs.size(); ++i) {
    const std::string n = i + 1 == xs.size() ? name : fmt::format("{}/{}", name, i);
    const int out = NewTensor(n, x.h, x.w, x.c, x.flat);
    op = EmitOp(n, "ADD", {acc, xs[i].id}, out);
    acc = out;
  }
  KTensor r = Out(acc, x.h, x.w, x.c, x.flat);
  r.act_fuse_op = op;
  return r;
}

KTensor KerasBuilder::Multiply(const std::vector<KTensor>& xs, const std::string& name) {
  const KTensor& x = xs[0].flat && !xs[1].flat ? xs[1] : xs[0];  // broadcast (SE blocks)
  const int out = NewTensor(name, x.h, x.w, x.c, x.flat);
  EmitOp(name, keras_ ? "Multiply" : "MUL", {xs[0].id, xs[1].id}, out,
         keras_ ? std::map<std::string, int64_t>{{"macs", Elems(x)}}
                : std::map<std::string, int64_t>{});
  return Out(out, x.h, x.w, x.c, x.flat);
}

KTensor KerasBuilder::Concat(const std::vector<KTensor>& xs, const std::string& name) {
  int c = 0;
  std::vector<int> in;
  for (const auto& t : xs) {
    c += t.c;
    in.push_back(t.id);
  }
  const int out = NewTensor(name, xs[0].h, xs[0].w, c, xs[0].flat);
  EmitOp(name, keras_ ? "Concatenate" : "CONCATENATION", in, out, {{"macs", 0}});
  return Out(out, xs[0].h, xs[0].w, c, xs[0].flat);
}

KTensor KerasBuilder::ScaleAdd(const KTensor& x, const KTensor& y, const std::string& name) {
  if (keras_) {
    const int out = NewTensor(name, x.h, x.w, x.c);
    EmitOp(name, "Lambda", {x.id, y.id}, out, {{"macs", 2 * Elems(x)}});
    return Out(out, x.h, x.w, x.c);
  }
  const int scaled = NewTensor(name + "/mul", y.h, y.w, y.c);
  EmitOp(name + "/mul", "MUL", {y.id, Constant(name + "/scale", {1}, 1)}, scaled);
  const int out = NewTensor(name, x.h, x.w, x.c);
  int add = EmitOp(name, "ADD", {x.id, scaled}, out);
  KTensor r = Out(out, x.h, x.w, x.c);
  r.act_fuse_op = add;
  return r;
}

KTensor KerasBuilder::Preprocess(const KTensor& x, const std::string& type, int64_t params,
                                 const std::string& name) {
  if (!keras_) return x;  // folded into the input quantisation
  const int out = NewTensor(name, x.h, x.w, x.c);
  std::vector<int> in = {x.id};
  if (params > 0) in.push_back(Constant(name + "/stats", {params}, 4));
  EmitOp(name, type, in, out, {{"macs", Elems(x)}});
  return Out(out, x.h, x.w, x.c);
}

Result<Graph> KerasBuilder::Finish(const KTensor& output) && {
  b_.AddOutput(output.id);
  return std::move(b_).Build();
}

}  // namespace respect
