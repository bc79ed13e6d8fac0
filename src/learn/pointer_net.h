// RESPECT's policy network in LibTorch (paper section 3, Algorithm 1; Bello et al. 2016):
// linear node embedding + BatchNorm -> encoder (LSTM or Transformer) -> decoder (LSTM cell or
// Transformer) with one glimpse and a tanh-clipped pointer; chosen nodes are masked, and in
// precedence-masked mode so are nodes with an unemitted predecessor.
//
// Internal to src/learn: only the files that train or run the network include this header
// (it pulls in <torch/torch.h>, which compiles slowly); the rest of respect sees learn/policy.h.
#pragma once

#include <torch/torch.h>

#include <chrono>
#include <utility>
#include <vector>

#include "core/graph.h"
#include "learn/policy_config.h"

namespace respect::learn {

// A batch of graphs of the same size n.
struct GraphBatch {
  torch::Tensor features;   // [B, n, F] float: EmbedGraph rows
  torch::Tensor adjacency;  // [B, n, n] float: 1 where u -> v (row = producer)
};

// One graph, embedded and with its edges, ready to be stacked into a batch.
struct EmbeddedGraph {
  int n = 0, width = 0;
  std::vector<float> features;             // n x width, row v = operator v
  std::vector<std::pair<int, int>> edges;  // u -> v
};
EmbeddedGraph EmbedForPolicy(const Graph& g, const std::vector<double>& weight_mib,
                             const EmbeddingOptions& options);
// All graphs must have the same n. `row_of` (optional) permutes rows: node v goes to row
// row_of[v] (edges follow), so the network reads the nodes in that order.
GraphBatch StackGraphs(const std::vector<const EmbeddedGraph*>& graphs,
                       const std::vector<int>* row_of = nullptr);

struct Rollout {
  torch::Tensor order;     // [B, n] int64: emitted node ids
  torch::Tensor log_prob;  // [B] float: sum of the log-probabilities of the picks
  bool complete = true;    // false: the deadline stopped the decode (order and log_prob undefined)
};

// One attention head of Bello et al.: u_j = v . tanh(W_ref c_j + W_q q).
struct AttentionImpl : torch::nn::Module {
  explicit AttentionImpl(int hidden);
  torch::nn::Linear w_ref{nullptr}, w_q{nullptr};
  torch::Tensor v;
};
TORCH_MODULE(Attention);

struct PointerNetImpl : torch::nn::Module {
  explicit PointerNetImpl(const PolicyConfig& config);

  // sample: draw each pick from the policy (training); otherwise take the most likely (greedy).
  // precedence_mask: only nodes whose predecessors are all emitted may be picked.
  // A deadline (default: none) is checked every 16 steps; past it the rollout is incomplete.
  Rollout Decode(const GraphBatch& batch, bool sample, bool precedence_mask,
                 std::chrono::steady_clock::time_point deadline = {});

  PolicyConfig config;
  torch::nn::Linear embed{nullptr};
  torch::nn::BatchNorm1d norm{nullptr};
  torch::nn::LSTM encoder_lstm{nullptr};
  torch::nn::TransformerEncoder encoder_tf{nullptr};
  torch::nn::LSTMCell decoder_lstm{nullptr};
  torch::nn::TransformerDecoder decoder_tf{nullptr};
  torch::Tensor decoder_start;  // [H]: the first decoder input (trainable)
  Attention glimpse{nullptr}, pointer{nullptr};
};
TORCH_MODULE(PointerNet);

// Greedy decoding of one graph ([n, F] features; succs in row numbering) by an LSTM-LSTM
// network, with the per-step work in plain loops (see fast_decode.cpp). Same result as
// Decode(sample = false) on a batch of one.
// Past `deadline` (if set) the remaining picks are the ready rows in row order and *stopped
// is set.
// tanh of x[0..n) in place, within 4e-7 relative (the fast decoder's attention).
void TanhInPlace(float* x, size_t n);

std::vector<int> GreedyDecodeLstm(PointerNetImpl& net, const torch::Tensor& features,
                                  const std::vector<std::vector<int>>& succs, bool precedence_mask,
                                  std::chrono::steady_clock::time_point deadline = {},
                                  bool* stopped = nullptr);

// What a respect::Policy holds.
struct PolicyState {
  PolicyConfig config;
  nlohmann::json info = nlohmann::json::object();
  PointerNet net{nullptr};
};

}  // namespace respect::learn
