#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.h"
#include "core/file_io.h"
#include "learn/trainer.h"
#include "report/training_curve.h"

namespace respect::cli {

Runner AddTrain(CLI::App& app) {
  struct Options {
    std::string config, out = "train-out";
    bool resume = false, print_config = false, quiet = false;
    int epochs = 0;
  };
  auto o = std::make_shared<Options>();
  app.add_option("--config", o->config, "JSON training config; keys missing from it keep their defaults "
                                        "(see --print-config)")->check(CLI::ExistingFile);
  app.add_option("--out", o->out, "output directory: policy.pt, checkpoint.pt, history.json, "
                                  "training-curve.svg")->capture_default_str();
  app.add_flag("--resume", o->resume, "continue from OUT/checkpoint.pt (same config); a killed run "
                                      "loses at most the epoch in progress");
  app.add_option("--epochs", o->epochs, "override the config's epoch count (e.g. to extend a run)");
  app.add_flag("--print-config", o->print_config, "print the effective config (defaults + --config) and exit");
  app.add_flag("--quiet,-q", o->quiet, "no progress on stderr");
  app.footer(
      "Trains RESPECT's pointer network with REINFORCE on synthetic graphs (PROBLEM.md section 4).\n"
      "Defaults are the paper's: LSTM-LSTM, hidden 256, d = 6, 10240 graphs of n = 30 nodes with\n"
      "L in [10, 25] levels, weights U[0, 5), capacity W = 35, RESPECT's list-scheduler labels,\n"
      "Adam lr 1e-4, batch 128, gradient clip 1.0, greedy-rollout baseline replaced after a paired\n"
      "t-test (alpha 0.05 on 1000 graphs), 100 epochs, evaluation on 100 graphs of n = 50, L in\n"
      "[16, 40]. The improvements are config switches: \"labels\": \"exact\", \"precedence_mask\": true,\n"
      "\"policy\": {\"normalize_features\": true}. Deterministic from \"seed\"; \"threads\": 0 uses\n"
      "every core.\n"
      "Examples:\n  respect train --print-config > my.json\n"
      "  respect train --config policies/respect-train.json --out runs/respect\n"
      "  respect train --config policies/respect-train.json --out runs/respect --resume");
  return [o] {
    TrainConfig config;
    if (!o->config.empty()) {
      auto text = ReadFileBytes(o->config, 1 << 20);
      if (!text) return Fail(text.error().message);
      auto j = nlohmann::json::parse(*text, nullptr, false);
      if (j.is_discarded()) return Fail(fmt::format("{}: not valid JSON", o->config));
      auto c = TrainConfigFromJson(j);
      if (!c) return Fail(fmt::format("{}: {}", o->config, c.error().message));
      config = *c;
    }
    if (o->epochs > 0) config.epochs = o->epochs;
    if (o->print_config) {
      std::printf("%s\n", TrainConfigToJson(config).dump(2).c_str());
      return 0;
    }
    const bool tty = isatty(STDERR_FILENO);
    auto progress = [&](const TrainProgress& p) {
      if (o->quiet) return;
      if (p.phase == "labels") {
        fmt::print(stderr, "train: generating {} training graphs and their labels...\n", config.train_graphs);
        return;
      }
      if (p.phase == "train" && tty) {
        const int width = 30, done = p.batches ? width * p.batch / p.batches : 0;
        fmt::print(stderr, "\repoch {:>3}/{} [{}{}] {:>4}/{}  loss {:+.4f}  reward {:.4f}  mismatch {:.2f}  {:.0f} s ",
                   p.epoch, p.epochs, std::string(done, '#'), std::string(width - done, '.'), p.batch,
                   p.batches, p.loss, p.reward, p.mismatch, p.elapsed_s);
      }
      if (p.phase == "epoch") {
        const EpochStats& s = p.stats;
        fmt::print(stderr, "{}epoch {:>3}/{}  loss {:+.4f}  train reward {:.4f} mismatch {:.2f}  |  eval reward {:.4f} "
                   "mismatch {:.2f} recall {:.4f}  |  baseline {} (p = {:.3g})  {:.0f} s\n",
                   tty ? "\r" : "", s.epoch, p.epochs, s.loss, s.train_reward, s.train_mismatch, s.eval_reward,
                   s.eval_mismatch, s.eval_recall, s.baseline_replaced ? "replaced" : "kept", s.baseline_p_value,
                   p.elapsed_s);
      }
    };
    auto history = Train(config, o->out, o->resume, progress);
    if (tty && !o->quiet) fmt::print(stderr, "\n");
    if (!history) return Fail(history.error().message);
    std::vector<CurvePoint> points;
    for (const auto& s : *history)
      points.push_back({s.epoch, s.train_reward, s.eval_reward, s.train_mismatch, s.eval_mismatch});
    const std::string svg = (std::filesystem::path(o->out) / "training-curve.svg").string();
    if (auto st = WriteFileAtomic(svg, TrainingCurveSvg(points, "respect train: " + o->out)); !st)
      return Fail(st.error().message);
    if (!history->empty()) {
      const EpochStats& s = history->back();
      std::printf("trained %d epochs: eval mismatch %.2f of %d, recall %.4f, reward %.4f\n", s.epoch,
                  s.eval_mismatch, config.eval.num_nodes, s.eval_recall, s.eval_reward);
    }
    std::printf("policy: %s/policy.pt   curve: %s\n", o->out.c_str(), svg.c_str());
    return 0;
  };
}

}  // namespace respect::cli
