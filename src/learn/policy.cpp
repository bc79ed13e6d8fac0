#include "learn/policy.h"

#include <fmt/format.h>

#include <cstdlib>
#include <numeric>
#include <random>
#include <sstream>

#include "core/analysis.h"
#include "core/file_io.h"
#include "learn/pointer_net.h"

namespace respect {

nlohmann::json PolicyConfigToJson(const PolicyConfig& c) {
  nlohmann::json j = {{"encoder", c.encoder},
                      {"decoder", c.decoder},
                      {"hidden", c.hidden},
                      {"max_parents", c.max_parents},
                      {"normalize_features", c.normalize_features},
                      {"alap_feature", c.alap_feature},
                      {"tanh_clip", c.tanh_clip},
                      {"glimpses", c.glimpses},
                      {"encoder_layers", c.encoder_layers},
                      {"encoder_heads", c.encoder_heads},
                      {"decoder_layers", c.decoder_layers},
                      {"decoder_heads", c.decoder_heads}};
  if (c.child_feature)
    j["child_feature"] = true;  // absent when off: older checkpoints still resume
  return j;
}

Result<PolicyConfig> PolicyConfigFromJson(const nlohmann::json& j) {
  PolicyConfig c;
  if (!j.is_object()) return Error{"policy config: expected a JSON object"};
  try {
    for (auto it = j.begin(); it != j.end(); ++it) {
      const std::string& k = it.key();
      if (k == "encoder")
        c.encoder = it->get<std::string>();
      else if (k == "decoder")
        c.decoder = it->get<std::string>();
      else if (k == "hidden")
        c.hidden = it->get<int>();
      else if (k == "max_parents")
        c.max_parents = it->get<int>();
      else if (k == "normalize_features")
        c.normalize_features = it->get<bool>();
      else if (k == "alap_feature")
        c.alap_feature = it->get<bool>();
      else if (k == "child_feature")
        c.child_feature = it->get<bool>();
      else if (k == "tanh_clip")
        c.tanh_clip = it->get<double>();
      else if (k == "glimpses")
        c.glimpses = it->get<int>();
      else if (k == "encoder_layers")
        c.encoder_layers = it->get<int>();
      else if (k == "encoder_heads")
        c.encoder_heads = it->get<int>();
      else if (k == "decoder_layers")
        c.decoder_layers = it->get<int>();
      else if (k == "decoder_heads")
        c.decoder_heads = it->get<int>();
      else
        return Error{fmt::format("policy config: unknown key '{}'", k)};
    }
  } catch (const nlohmann::json::exception&) {
    return Error{"policy config: a value has the wrong type"};
  }
  for (const std::string* part : {&c.encoder, &c.decoder})
    if (*part != "lstm" && *part != "transformer")
      return Error{fmt::format(
          "policy config: encoder/decoder must be lstm or transformer, not '{}'", *part)};
  if (c.hidden < 1 || c.hidden > 4096) return Error{"policy config: hidden must be in 1..4096"};
  if (c.max_parents < 1 || c.max_parents > 64)
    return Error{"policy config: max_parents must be in 1..64"};
  if (c.glimpses < 0 || c.glimpses > 8) return Error{"policy config: glimpses must be in 0..8"};
  if (!(c.tanh_clip > 0)) return Error{"policy config: tanh_clip must be positive"};
  for (int v : {c.encoder_layers, c.encoder_heads, c.decoder_layers, c.decoder_heads})
    if (v < 1 || v > 64)
      return Error{"policy config: transformer layers and heads must be in 1..64"};
  if (c.encoder == "transformer" && c.hidden % c.encoder_heads != 0)
    return Error{"policy config: hidden must be divisible by encoder_heads"};
  if (c.decoder == "transformer" && c.hidden % c.decoder_heads != 0)
    return Error{"policy config: hidden must be divisible by decoder_heads"};
  return c;
}

Result<Policy> Policy::Create(const PolicyConfig& config, uint64_t seed) {
  auto checked = PolicyConfigFromJson(PolicyConfigToJson(config));
  if (!checked) return checked.error();
  Policy p;
  p.state_ = std::make_shared<learn::PolicyState>();
  p.state_->config = *checked;
  torch::manual_seed(seed);
  p.state_->net = learn::PointerNet(*checked);
  p.state_->net->eval();
  return p;
}

namespace {
constexpr const char* kFormat = "respect-policy-1";
}

Status Policy::Save(const std::string& path, const nlohmann::json& info) const {
  try {
    torch::serialize::OutputArchive archive;
    archive.write("format", c10::IValue(std::string(kFormat)));
    archive.write("config", c10::IValue(PolicyConfigToJson(state_->config).dump()));
    archive.write("info", c10::IValue(info.dump()));
    torch::serialize::OutputArchive weights;
    state_->net->save(weights);
    archive.write("net", weights);
    std::ostringstream out;
    archive.save_to(out);
    return WriteFileAtomic(path, out.str());
  } catch (const c10::Error& e) {
    return Error{fmt::format("{}: cannot save the policy", path)};
  }
}

Result<Policy> Policy::Load(const std::string& path) {
  auto bytes = ReadFileBytes(path, 1ull << 30);
  if (!bytes) return bytes.error();
  try {
    std::istringstream in(*bytes);
    torch::serialize::InputArchive archive;
    archive.load_from(in);
    c10::IValue format, config_text, info_text;
    if (!archive.try_read("format", format) || !format.isString() ||
        format.toStringRef() != kFormat)
      return Error{fmt::format("{}: not a respect policy file", path)};
    if (!archive.try_read("config", config_text) || !config_text.isString())
      return Error{fmt::format("{}: the policy file has no architecture", path)};
    auto config = PolicyConfigFromJson(nlohmann::json::parse(config_text.toStringRef()));
    if (!config) return Error{fmt::format("{}: {}", path, config.error().message)};
    auto p = Create(*config, 0);
    if (!p) return p.error();
    torch::serialize::InputArchive weights;
    archive.read("net", weights);
    p->state_->net->load(weights);
    p->state_->net->eval();
    if (archive.try_read("info", info_text) && info_text.isString())
      p->state_->info = nlohmann::json::parse(info_text.toStringRef(), nullptr, false);
    return p;
  } catch (const c10::Error&) {
    return Error{fmt::format("{}: corrupt or truncated policy file", path)};
  } catch (const nlohmann::json::exception&) {
    return Error{fmt::format("{}: corrupt policy file (bad metadata)", path)};
  }
}

const PolicyConfig& Policy::config() const { return state_->config; }
const nlohmann::json& Policy::info() const { return state_->info; }

std::vector<std::vector<int>> Policy::Orders(const Graph& g, const std::vector<double>& weight_mib,
                                             const DecodeOptions& options) const {
  const int n = g.num_ops();
  if (n == 0) return {{}};
  torch::NoGradGuard no_grad;
  const learn::EmbeddedGraph e = learn::EmbedForPolicy(g, weight_mib, state_->config.embedding());
  // A fixed row shuffle (seed 0), so the network never sees the file's topological numbering as
  // row order: training graphs present nodes in random order.
  std::vector<int> row_of(n), node_of(n);
  std::iota(row_of.begin(), row_of.end(), 0);
  std::shuffle(row_of.begin(), row_of.end(), std::mt19937_64(0));
  for (int v = 0; v < n; ++v) node_of[row_of[v]] = v;
  const learn::GraphBatch batch = learn::StackGraphs({&e}, &row_of);
  auto to_nodes = [&](const torch::Tensor& rows) {
    std::vector<int> order(n);
    auto r = rows.accessor<int64_t, 1>();
    for (int i = 0; i < n; ++i) order[i] = node_of[r[i]];
    return order;
  };
  std::vector<std::vector<int>> orders;
  if (options.fast && state_->net->encoder_lstm && state_->net->decoder_lstm) {
    std::vector<std::vector<int>> succs(n);  // in row numbering
    for (auto [u, v] : e.edges) succs[row_of[u]].push_back(row_of[v]);
    std::vector<int> order =
        learn::GreedyDecodeLstm(*state_->net, batch.features[0], succs, options.precedence_mask,
                                options.deadline, options.stopped_early);
    for (int& r : order) r = node_of[r];
    orders.push_back(std::move(order));
  } else {
    const learn::Rollout greedy =
        state_->net->Decode(batch, false, options.precedence_mask, options.deadline);
    if (greedy.complete) {
      orders.push_back(to_nodes(greedy.order[0]));
    } else {  // out of time: Kahn's order stands in, as the fast decoder's ready-order tail does
      if (options.stopped_early) *options.stopped_early = true;
      orders.push_back(TopologicalOrder(g, TopoOrderKind::kKahnFifo));
    }
  }
  const bool late = options.deadline != std::chrono::steady_clock::time_point{} &&
                    std::chrono::steady_clock::now() > options.deadline;
  if (late && options.samples > 0 && options.stopped_early) *options.stopped_early = true;
  if (options.samples > 0 && !late) {
    torch::manual_seed(options.seed);
    const learn::GraphBatch many{batch.features.expand({options.samples, n, -1}).contiguous(),
                                 batch.adjacency.expand({options.samples, n, n}).contiguous()};
    const learn::Rollout sampled =
        state_->net->Decode(many, true, options.precedence_mask, options.deadline);
    if (!sampled.complete && options.stopped_early) *options.stopped_early = true;  // no samples
    for (int s = 0; sampled.complete && s < options.samples; ++s)
      orders.push_back(to_nodes(sampled.order[s]));
  }
  return orders;
}

std::string DefaultPolicyPath() {
  if (const char* env = std::getenv("RESPECT_POLICY"); env && *env) return env;
  return RESPECT_SOURCE_DIR "/policies/respect.pt";
}

}  // namespace respect
