#include "learn/pointer_net.h"

#include <cmath>
#include <limits>

namespace respect::learn {

namespace {
torch::Tensor UniformParameter(int size, int hidden) {
  const double r = 1.0 / std::sqrt(static_cast<double>(hidden));
  return torch::empty({size}).uniform_(-r, r);
}
}  // namespace

AttentionImpl::AttentionImpl(int hidden) {
  w_ref = register_module("w_ref", torch::nn::Linear(hidden, hidden));
  w_q = register_module("w_q", torch::nn::Linear(hidden, hidden));
  v = register_parameter("v", UniformParameter(hidden, hidden));
}

PointerNetImpl::PointerNetImpl(const PolicyConfig& c) : config(c) {
  const int h = c.hidden, width = EmbeddingWidth(c.embedding());
  embed = register_module("embed", torch::nn::Linear(width, h));
  norm = register_module("norm", torch::nn::BatchNorm1d(h));
  // Dropout 0: decoding must be a deterministic function of the weights.
  if (c.encoder == "lstm") {
    encoder_lstm =
        register_module("encoder", torch::nn::LSTM(torch::nn::LSTMOptions(h, h).batch_first(true)));
  } else {
    torch::nn::TransformerEncoderLayer layer(
        torch::nn::TransformerEncoderLayerOptions(h, c.encoder_heads)
            .dim_feedforward(2 * h)
            .dropout(0.0));
    encoder_tf = register_module("encoder", torch::nn::TransformerEncoder(layer, c.encoder_layers));
  }
  if (c.decoder == "lstm") {
    decoder_lstm = register_module("decoder", torch::nn::LSTMCell(h, h));
  } else {
    torch::nn::TransformerDecoderLayer layer(
        torch::nn::TransformerDecoderLayerOptions(h, c.decoder_heads)
            .dim_feedforward(2 * h)
            .dropout(0.0));
    decoder_tf = register_module("decoder", torch::nn::TransformerDecoder(layer, c.decoder_layers));
  }
  decoder_start = register_parameter("decoder_start", UniformParameter(h, h));
  glimpse = register_module("glimpse", Attention(h));
  pointer = register_module("pointer", Attention(h));
}

Rollout PointerNetImpl::Decode(const GraphBatch& batch, bool sample, bool precedence_mask,
                               std::chrono::steady_clock::time_point deadline) {
  const int64_t b = batch.features.size(0), n = batch.features.size(1), h = config.hidden;
  torch::Tensor emb = embed(batch.features.reshape({b * n, -1}));
  emb = norm(emb).reshape({b, n, h});

  // Encoder: a context vector per node, and the decoder's initial state.
  torch::Tensor ctx, state_h, state_c;
  if (encoder_lstm) {
    auto out = encoder_lstm->forward(emb);
    ctx = std::get<0>(out);
    state_h = std::get<0>(std::get<1>(out))[0];
    state_c = std::get<1>(std::get<1>(out))[0];
  } else {
    ctx = encoder_tf(emb.transpose(0, 1)).transpose(0, 1);
    state_h = ctx.mean(1);  // a Transformer has no final state: start from the mean context
    state_c = torch::zeros_like(state_h);
  }
  const torch::Tensor ref_g = glimpse->w_ref(ctx), ref_p = pointer->w_ref(ctx);
  const torch::Tensor memory = decoder_tf ? ctx.transpose(0, 1) : torch::Tensor();

  const auto rows = torch::arange(b, torch::kLong);
  torch::Tensor chosen = torch::zeros({b, n}, torch::kBool);
  torch::Tensor pending = batch.adjacency.sum(1);  // unemitted predecessors per node
  torch::Tensor input = decoder_start.unsqueeze(0).expand({b, h});
  std::vector<torch::Tensor> inputs, picks;
  torch::Tensor log_prob = torch::zeros({b});
  const float neg_inf = -std::numeric_limits<float>::infinity();
  for (int64_t step = 0; step < n; ++step) {
    if (deadline != std::chrono::steady_clock::time_point{} && (step & 15) == 0 &&
        std::chrono::steady_clock::now() > deadline)
      return {torch::Tensor(), torch::Tensor(), false};
    torch::Tensor q;
    if (decoder_lstm) {
      std::tie(state_h, state_c) = decoder_lstm(input, std::make_tuple(state_h, state_c));
      q = state_h;
    } else {
      inputs.push_back(input);
      q = decoder_tf(torch::stack(inputs, 0), memory)[step];
    }
    torch::Tensor blocked = chosen;
    if (precedence_mask) blocked = blocked.logical_or(pending > 0.5);
    for (int k = 0; k < config.glimpses; ++k) {
      torch::Tensor u = torch::tanh(ref_g + glimpse->w_q(q).unsqueeze(1)).matmul(glimpse->v);
      torch::Tensor a = torch::softmax(u.masked_fill(blocked, neg_inf), 1);
      q = torch::bmm(a.unsqueeze(1), ref_g).squeeze(1);
    }
    torch::Tensor u = torch::tanh(ref_p + pointer->w_q(q).unsqueeze(1)).matmul(pointer->v);
    torch::Tensor logits = (config.tanh_clip * torch::tanh(u)).masked_fill(blocked, neg_inf);
    torch::Tensor logp = torch::log_softmax(logits, 1);
    torch::Tensor pick = sample ? torch::multinomial(logp.exp(), 1).squeeze(1) : logp.argmax(1);
    log_prob = log_prob + logp.gather(1, pick.unsqueeze(1)).squeeze(1);
    chosen = chosen.scatter(1, pick.unsqueeze(1), true);
    pending = pending - batch.adjacency.index({rows, pick});
    input = emb.index({rows, pick});
    picks.push_back(pick);
  }
  return {torch::stack(picks, 1), log_prob};
}

}  // namespace respect::learn

namespace respect::learn {

EmbeddedGraph EmbedForPolicy(const Graph& g, const std::vector<double>& weight_mib,
                             const EmbeddingOptions& options) {
  EmbeddedGraph e;
  e.n = g.num_ops();
  e.width = EmbeddingWidth(options);
  e.features = EmbedGraph(g, weight_mib, options);
  for (int v = 0; v < e.n; ++v)
    for (int s : g.succs(v)) e.edges.emplace_back(v, s);
  return e;
}

GraphBatch StackGraphs(const std::vector<const EmbeddedGraph*>& graphs,
                       const std::vector<int>* row_of) {
  const int64_t b = static_cast<int64_t>(graphs.size());
  const int n = graphs.front()->n, width = graphs.front()->width;
  torch::Tensor features = torch::empty({b, n, width});
  torch::Tensor adjacency = torch::zeros({b, n, n});
  auto f = features.accessor<float, 3>();
  auto a = adjacency.accessor<float, 3>();
  for (int64_t i = 0; i < b; ++i) {
    const EmbeddedGraph& e = *graphs[i];
    for (int v = 0; v < n; ++v) {
      const int r = row_of ? (*row_of)[v] : v;
      for (int k = 0; k < width; ++k) f[i][r][k] = e.features[static_cast<size_t>(v) * width + k];
    }
    for (auto [u, v] : e.edges) a[i][row_of ? (*row_of)[u] : u][row_of ? (*row_of)[v] : v] = 1.0f;
  }
  return {features, adjacency};
}

}  // namespace respect::learn
