// Greedy decoding of one graph by an LSTM-LSTM policy without a framework call per step.
//
// Why: decoding is sequential, one node per step, and LibTorch costs tens of microseconds per
// operator call, a dozen calls per step; the attention over every node is O(n) per step on
// top. For a 782-node graph that is hundreds of milliseconds, almost all of it overhead. Here
// everything that does not depend on the previous pick (embedding, the LSTM input projections,
// the attention reference projections) is computed once with LibTorch in big matrix products,
// and the per-step recurrence runs in plain loops over contiguous floats. With precedence
// masking, the glimpse and the pointer only need the ready nodes (masked nodes get probability
// zero), so a step costs O(ready x hidden) instead of O(n x hidden).
// The result equals PointerNetImpl::Decode(greedy) up to float rounding in the last bits
// (tested: identical orders).
#include <algorithm>
#include <cmath>
#include <limits>

#include "learn/pointer_net.h"

namespace respect::learn {

namespace {

// Row-major [rows x cols] float matrix copied out of a tensor.
struct Matrix {
  int rows = 0, cols = 0;
  std::vector<float> data;
  explicit Matrix(const torch::Tensor& t) {
    const torch::Tensor c = t.contiguous().to(torch::kFloat);
    rows = static_cast<int>(c.size(0));
    cols = c.dim() > 1 ? static_cast<int>(c.size(1)) : 1;
    data.assign(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
  }
  const float* row(int r) const { return &data[static_cast<size_t>(r) * cols]; }
};

// out[0..rows) += W x, with W given transposed ([cols x rows], row-major) so the loop is a
// sequence of contiguous axpys, which compilers vectorise without reassociating sums.
void AddMatVecT(const Matrix& wt, const float* x, float* out) {
  for (int j = 0; j < wt.rows; ++j) {
    const float xj = x[j];
    const float* w = wt.row(j);
    for (int i = 0; i < wt.cols; ++i) out[i] += w[i] * xj;
  }
}

float Sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

// One LSTM step (PyTorch gate order i, f, g, o); gates holds W_ih x + b_ih + b_hh on entry.
void LstmStep(const Matrix& w_hh_t, std::vector<float>& gates, std::vector<float>& h,
              std::vector<float>& c) {
  const int hd = static_cast<int>(h.size());
  AddMatVecT(w_hh_t, h.data(), gates.data());
  for (int k = 0; k < hd; ++k) {
    const float i = Sigmoid(gates[k]), f = Sigmoid(gates[hd + k]);
    const float g = std::tanh(gates[2 * hd + k]), o = Sigmoid(gates[3 * hd + k]);
    c[k] = f * c[k] + i * g;
    h[k] = o * std::tanh(c[k]);
  }
}

}  // namespace

// A rational approximation of tanh (odd degree-13 numerator over even degree-6 denominator, the
// minimax fit Eigen uses for float), within 4e-7 relative of the exact value: about LibTorch's
// own vectorised tanh (1 ulp) for argmax purposes, at a fraction of its cost. Built for AVX2 too,
// picked at run time where the CPU has it.
__attribute__((target_clones("avx2", "default"))) void TanhInPlace(float* x, size_t n) {
  constexpr float clamp = 7.90531110763549805f;
  for (size_t i = 0; i < n; ++i) {
    float v = x[i];  // clamped without std::min, which keeps the loop from vectorising
    v = v > clamp ? clamp : v;
    v = v < -clamp ? -clamp : v;
    const float v2 = v * v;
    float p = -2.76076847742355e-16f;
    p = p * v2 + 2.00018790482477e-13f;
    p = p * v2 + -8.60467152213735e-11f;
    p = p * v2 + 5.12229709037114e-08f;
    p = p * v2 + 1.48572235717979e-05f;
    p = p * v2 + 6.37261928875436e-04f;
    p = p * v2 + 4.89352455891786e-03f;
    float q = 1.19825839466702e-06f;
    q = q * v2 + 1.18534705686654e-04f;
    q = q * v2 + 2.26843463243900e-03f;
    q = q * v2 + 4.89352518554385e-03f;
    x[i] = p * v / q;
  }
}

namespace {

// x . y with eight running sums (a pattern the compiler vectorises; one running sum would make
// every addition wait for the one before).
float Dot(const float* x, const float* y, int n) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int k = 0;
  for (; k + 8 <= n; k += 8)
    for (int j = 0; j < 8; ++j) acc[j] += x[k + j] * y[k + j];
  float s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (; k < n; ++k) s += x[k] * y[k];
  return s;
}

}  // namespace

std::vector<int> GreedyDecodeLstm(PointerNetImpl& net, const torch::Tensor& features,
                                  const std::vector<std::vector<int>>& succs, bool precedence_mask,
                                  std::chrono::steady_clock::time_point deadline, bool* stopped) {
  torch::NoGradGuard no_grad;
  const int n = static_cast<int>(features.size(0)), hd = net.config.hidden;
  // Everything independent of the picks, in bulk.
  const torch::Tensor emb = net.norm(net.embed(features));  // [n, H]
  auto enc = net.encoder_lstm->named_parameters();
  auto dec = net.decoder_lstm->named_parameters();
  const Matrix enc_in(
      torch::addmm(enc["bias_ih_l0"] + enc["bias_hh_l0"], emb, enc["weight_ih_l0"].t()));
  const Matrix enc_hh_t(enc["weight_hh_l0"].t());
  const torch::Tensor dec_bias = dec["bias_ih"] + dec["bias_hh"];
  const Matrix dec_in(torch::addmm(dec_bias, emb, dec["weight_ih"].t()));
  const Matrix dec_start(torch::addmv(dec_bias, dec["weight_ih"], net.decoder_start));
  const Matrix dec_hh_t(dec["weight_hh"].t());

  std::vector<float> h(hd, 0.0f), c(hd, 0.0f), gates(4 * hd);
  std::vector<float> ctx(static_cast<size_t>(n) * hd);
  for (int t = 0; t < n; ++t) {
    std::copy(enc_in.row(t), enc_in.row(t) + 4 * hd, gates.begin());
    LstmStep(enc_hh_t, gates, h, c);
    std::copy(h.begin(), h.end(), ctx.begin() + static_cast<size_t>(t) * hd);
  }
  const torch::Tensor ctx_t = torch::from_blob(ctx.data(), {n, hd}, torch::kFloat);
  const Matrix ref_g(net.glimpse->w_ref(ctx_t)), ref_p(net.pointer->w_ref(ctx_t));
  const Matrix wq_g_t(net.glimpse->w_q->weight.t()), wq_p_t(net.pointer->w_q->weight.t());
  const Matrix bq_g(net.glimpse->w_q->bias), bq_p(net.pointer->w_q->bias);
  const Matrix v_g(net.glimpse->v), v_p(net.pointer->v);
  const float clip = static_cast<float>(net.config.tanh_clip);

  std::vector<int> pending(n, 0), order, candidates;
  std::vector<char> chosen(n, 0);
  for (int u = 0; u < n; ++u)
    for (int s : succs[u]) ++pending[s];
  std::vector<float> q(hd), proj(hd), u(n), a(n), block;
  order.reserve(n);
  int prev = -1;
  for (int step = 0; step < n; ++step) {
    const float* in = prev < 0 ? dec_start.data.data() : dec_in.row(prev);
    std::copy(in, in + 4 * hd, gates.begin());
    LstmStep(dec_hh_t, gates, h, c);
    // Candidates in row order, so ties go to the smaller row as torch's argmax does.
    candidates.clear();
    for (int r = 0; r < n; ++r)
      if (!chosen[r] && (!precedence_mask || pending[r] == 0)) candidates.push_back(r);
    if (deadline != std::chrono::steady_clock::time_point{} && (step & 63) == 0 &&
        std::chrono::steady_clock::now() > deadline) {
      // Out of time: the rest in row order, each once its predecessors are placed (Kahn).
      if (stopped) *stopped = true;
      std::vector<int> ready = candidates;
      for (size_t head = 0; head < ready.size(); ++head) {
        const int r = ready[head];
        if (chosen[r]) continue;
        order.push_back(r);
        chosen[r] = 1;
        for (int s : succs[r])
          if (--pending[s] == 0 && !chosen[s]) ready.push_back(s);
      }
      for (int r = 0; r < n; ++r)  // unmasked decoding: whatever is left
        if (!chosen[r]) order.push_back(r);
      return order;
    }
    q = h;
    // u[r] = v . tanh(ref[r] + W_q q + b_q) for every candidate, in blocks of rows that stay in
    // the L1 cache, by loops the compiler vectorises (the tanh: TanhInPlace). libm's scalar tanh
    // was most of the decode time on wide graphs.
    auto scores = [&](const Matrix& ref, const Matrix& wq_t, const Matrix& bq, const Matrix& v) {
      std::copy(bq.data.begin(), bq.data.end(), proj.begin());
      AddMatVecT(wq_t, q.data(), proj.data());
      const int count = static_cast<int>(candidates.size());
      constexpr int kRows = 16;
      block.resize(static_cast<size_t>(kRows) * hd);
      for (int c0 = 0; c0 < count; c0 += kRows) {
        const int rows = std::min(kRows, count - c0);
        for (int ci = 0; ci < rows; ++ci) {
          const float* rr = ref.row(candidates[c0 + ci]);
          float* out = &block[static_cast<size_t>(ci) * hd];
          for (int k = 0; k < hd; ++k) out[k] = rr[k] + proj[k];
        }
        TanhInPlace(block.data(), static_cast<size_t>(rows) * hd);
        for (int ci = 0; ci < rows; ++ci)
          u[candidates[c0 + ci]] = Dot(v.data.data(), &block[static_cast<size_t>(ci) * hd], hd);
      }
    };
    for (int gl = 0; gl < net.config.glimpses; ++gl) {
      scores(ref_g, wq_g_t, bq_g, v_g);
      float top = -std::numeric_limits<float>::infinity(), total = 0;
      for (int r : candidates) top = std::max(top, u[r]);
      for (int r : candidates) total += (a[r] = std::exp(u[r] - top));
      std::fill(q.begin(), q.end(), 0.0f);
      for (int r : candidates) {
        const float w = a[r] / total;
        const float* rr = ref_g.row(r);
        for (int k = 0; k < hd; ++k) q[k] += w * rr[k];
      }
    }
    scores(ref_p, wq_p_t, bq_p, v_p);
    int pick = candidates.front();
    float best = -std::numeric_limits<float>::infinity();
    for (int r : candidates) {
      const float logit = clip * std::tanh(u[r]);
      if (logit > best) best = logit, pick = r;
    }
    order.push_back(pick);
    chosen[pick] = 1;
    for (int s : succs[pick]) --pending[s];
    prev = pick;
  }
  return order;
}

}  // namespace respect::learn
