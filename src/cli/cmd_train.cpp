#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <memory>

#include "cli/commands.h"
#include "core/file_io.h"
#include "learn/trainer.h"
#include "report/training_curve.h"

namespace respect::cli {

namespace {

// Reference lines for the curve's mismatch panel: what the ASAP level alone, one hop of
// descendants and the exact height score on the run's evaluation graphs (list labels only:
// exact labels would mean solving the evaluation set again).
std::vector<CurveReference> EvalReferences(const TrainConfig& config) {
  if (config.labels == LabelSource::kExact) return {};
  auto graphs = MakeLabelledGraphs(config.eval, config.eval_graphs, config.capacity, config.labels,
                                   config.exact_time_limit_s);
  if (!graphs) return {};
  const bool sinks_first = config.labels == LabelSource::kListBackward;
  return {{"ASAP level alone", EvaluateReferenceOrder(*graphs, 0, sinks_first).mismatch},
          {"+ children (1 hop)", EvaluateReferenceOrder(*graphs, 1, sinks_first).mismatch},
          {"exact height",
           EvaluateReferenceOrder(*graphs, std::numeric_limits<int>::max(), sinks_first).mismatch}};
}

Result<std::vector<CurvePoint>> CurvePointsFromHistory(const std::string& out) {
  auto text = ReadFileBytes((std::filesystem::path(out) / "history.json").string());
  if (!text) return Error{text.error().message};
  auto hist = nlohmann::json::parse(*text, nullptr, false);
  if (hist.is_discarded() || !hist.is_array() || hist.empty())
    return Error{fmt::format("{}/history.json: no epochs recorded", out)};
  std::vector<CurvePoint> points;
  for (const auto& h : hist) {
    if (!h.is_object() || !h.contains("epoch") || !h.contains("eval_mismatch"))
      return Error{fmt::format("{}/history.json: not a training history", out)};
    points.push_back({h["epoch"].get<int>(), h.value("train_reward", 0.0),
                      h.value("eval_reward", 0.0), h.value("train_mismatch", 0.0),
                      h["eval_mismatch"].get<double>()});
  }
  return points;
}

Result<std::string> WriteCurve(const std::string& out, const std::vector<CurvePoint>& points,
                               const std::vector<CurveReference>& references) {
  const std::string svg = (std::filesystem::path(out) / "training-curve.svg").string();
  if (auto st = WriteFileAtomic(svg, TrainingCurveSvg(points, "respect train: " + out, references));
      !st)
    return Error{st.error().message};
  return svg;
}

}  // namespace

Runner AddTrain(CLI::App& app) {
  struct Options {
    std::string config, out = "train-out";
    bool resume = false, print_config = false, quiet = false, curve = false;
    int epochs = 0;
    TrainDistribution dist;
    int nproc = 0;
  };
  auto o = std::make_shared<Options>();
  app.add_option("--config", o->config,
                 "JSON training config; keys missing from it keep their defaults "
                 "(see --print-config)")
      ->check(CLI::ExistingFile);
  app.add_option("--out", o->out,
                 "output directory: policy.pt, checkpoint.pt, history.json, "
                 "training-curve.svg")
      ->capture_default_str();
  app.add_flag("--resume", o->resume,
               "continue from OUT/checkpoint.pt (same config); a killed run "
               "loses at most the epoch in progress");
  app.add_option("--epochs", o->epochs, "override the config's epoch count (e.g. to extend a run)");
  app.add_flag("--print-config", o->print_config,
               "print the effective config (defaults + --config) and exit");
  app.add_flag("--quiet,-q", o->quiet, "no progress on stderr");
  app.add_flag("--curve", o->curve,
               "redraw OUT/training-curve.svg from OUT/history.json and exit (for a run "
               "in progress or stopped; the same --config draws its reference lines)");
  CLI::Option* world_size_opt =
      app.add_option("--world-size", o->dist.world_size,
                     "data-parallel training: the number of worker processes "
                     "(on one or several machines)")
          ->check(CLI::Range(1, 4096))
          ->capture_default_str();
  CLI::Option* rank_opt =
      app.add_option("--rank", o->dist.rank,
                     "this worker's rank in [0, world-size); rank 0 serves the rendezvous "
                     "and writes the files")
          ->capture_default_str();
  CLI::Option* master_opt = app.add_option("--master", o->dist.master,
                                           "HOST:PORT of rank 0 (every worker passes the same)")
                                ->capture_default_str();
  app.add_option("--dist-timeout", o->dist.timeout_s,
                 "seconds to wait for the group to form and for each "
                 "collective; a lost worker fails the others after this")
      ->check(CLI::Range(1.0, 86400.0))
      ->capture_default_str();
  app.add_option("--nproc", o->nproc,
                 "start N local workers (ranks 0..N-1 on 127.0.0.1) instead of one process")
      ->check(CLI::Range(1, 256));
  app.footer(
      "Trains RESPECT's pointer network with REINFORCE on synthetic graphs (PROBLEM.md section "
      "4).\n"
      "Defaults are the paper's: LSTM-LSTM, hidden 256, d = 6, 10240 graphs of n = 30 nodes with\n"
      "L in [10, 25] levels, weights U[0, 5), capacity W = 35, RESPECT's list-scheduler labels,\n"
      "Adam lr 1e-4, batch 128, gradient clip 1.0, greedy-rollout baseline replaced after a "
      "paired\n"
      "t-test (alpha 0.05 on 1000 graphs), 100 epochs, evaluation on 100 graphs of n = 50, L in\n"
      "[16, 40]. The improvements are config switches: \"labels\": \"exact\", \"precedence_mask\": "
      "true,\n"
      "\"policy\": {\"normalize_features\": true}. Deterministic from \"seed\"; \"threads\": 0 "
      "uses\n"
      "every core.\n"
      "Data-parallel: --nproc N starts N local workers; on several machines run one `respect "
      "train` per\n"
      "worker with the same --config, --out, --world-size and --master HOST:PORT (rank 0's "
      "address, a free\n"
      "port) and its own --rank. \"shards\" in the config fixes how each batch is split, so a run "
      "gives the\n"
      "same result on any number of workers. Launchers' variables work too: WORLD_SIZE, RANK, "
      "MASTER_ADDR\n"
      "and MASTER_PORT fill whatever the flags leave unset (torchrun, SLURM job scripts).\n"
      "Examples:\n  respect train --print-config > my.json\n"
      "  respect train --config policies/respect-train.json --out runs/respect --nproc 2\n"
      "  respect train --config policies/respect-train.json --out runs/respect\n"
      "  respect train --config policies/respect-train.json --out runs/respect --resume\n"
      "  respect train --config policies/respect-train.json --out runs/respect --curve");
  return [o, world_size_opt, rank_opt, master_opt] {
    if (o->nproc <= 1) {
      const DistributionGiven given{world_size_opt->count() > 0, rank_opt->count() > 0,
                                    master_opt->count() > 0};
      if (auto st = ApplyLauncherEnvironment(&o->dist, given,
                                             [](const char* n) { return std::getenv(n); });
          !st)
        return Fail(st.error().message);
    }
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
    if (o->curve) {
      auto points = CurvePointsFromHistory(o->out);
      if (!points) return Fail(points.error().message);
      auto svg = WriteCurve(o->out, *points, EvalReferences(config));
      if (!svg) return Fail(svg.error().message);
      const CurvePoint& last = points->back();
      std::printf("%s: %zu epochs, last %d: eval mismatch %.2f, reward %.4f\n", svg->c_str(),
                  points->size(), last.epoch, last.eval_mismatch, last.eval_reward);
      return 0;
    }
    const bool tty = isatty(STDERR_FILENO);
    // The reference lines, computed once (rank 0 redraws the curve after every epoch).
    std::vector<CurveReference> references;
    bool have_references = false;
    auto curve_references = [&]() -> const std::vector<CurveReference>& {
      if (!have_references) references = EvalReferences(config), have_references = true;
      return references;
    };
    auto progress = [&](const TrainProgress& p) {
      if (p.phase == "epoch" && o->dist.rank == 0) {
        // The picture follows the run: history.json is saved before this phase is reported. A
        // failure here is not the run's: the curve is redrawn at the end, and by --curve.
        if (auto points = CurvePointsFromHistory(o->out); points)
          (void)WriteCurve(o->out, *points, curve_references());
      }
      if (o->quiet) return;
      if (p.phase == "labels") {
        fmt::print(
            stderr,
            "train: {} training graphs{}, drawn and labelled as batches need them; evaluation and "
            "t-test sets first...\n",
            config.train_graphs, config.fresh_graphs ? " per epoch" : "");
        return;
      }
      if (p.phase == "train" && tty) {
        const int width = 30, done = p.batches ? width * p.batch / p.batches : 0;
        fmt::print(stderr,
                   "\repoch {:>3}/{} [{}{}] {:>4}/{}  loss {:+.4f}  reward {:.4f}  mismatch {:.2f} "
                   " {:.0f} s ",
                   p.epoch, p.epochs, std::string(done, '#'), std::string(width - done, '.'),
                   p.batch, p.batches, p.loss, p.reward, p.mismatch, p.elapsed_s);
      }
      if (p.phase == "epoch") {
        const EpochStats& s = p.stats;
        fmt::print(stderr,
                   "{}epoch {:>3}/{}  loss {:+.4f}  train reward {:.4f} mismatch {:.2f}  |  eval "
                   "reward {:.4f} "
                   "mismatch {:.2f} recall {:.4f}  |  baseline {} (p = {:.3g})  {:.0f} s{}\n",
                   tty ? "\r" : "", s.epoch, p.epochs, s.loss, s.train_reward, s.train_mismatch,
                   s.eval_reward, s.eval_mismatch, s.eval_recall,
                   s.baseline_replaced ? "replaced" : "kept", s.baseline_p_value, p.elapsed_s,
                   s.comm_seconds > 0
                       ? fmt::format("  (all-reduce {:.2f} s of {:.2f})", s.comm_seconds, s.seconds)
                       : std::string());
      }
    };
    if (o->nproc > 1) {
      // Local workers: one child per rank, the parent waits; a failed worker stops the rest.
      TrainDistribution d = o->dist;
      d.world_size = o->nproc;
      if (o->dist.master == TrainDistribution{}.master) d.master = "127.0.0.1:29500";
      std::vector<pid_t> pids;
      for (int r = 0; r < o->nproc; ++r) {
        std::fflush(stdout);
        std::fflush(stderr);
        const pid_t pid = fork();
        if (pid < 0) return Fail("--nproc: fork failed");
        if (pid == 0) {
          d.rank = r;
          auto h = Train(config, o->out, o->resume,
                         r == 0 ? std::function<void(const TrainProgress&)>(progress)
                                : std::function<void(const TrainProgress&)>(),
                         d);
          if (!h) {
            std::fprintf(stderr, "respect: error: %s\n", h.error().message.c_str());
            std::fflush(stderr);
            _exit(2);
          }
          std::fflush(stdout);
          _exit(0);
        }
        pids.push_back(pid);
      }
      int code = 0;
      for (size_t left = pids.size(); left > 0; --left) {
        int status = 0;
        const pid_t done = wait(&status);
        if (done < 0) break;
        const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
        if (!ok && code == 0) {
          code = 2;
          for (pid_t p : pids)
            if (p != done) kill(p, SIGTERM);
        }
      }
      if (tty && !o->quiet) fmt::print(stderr, "\n");
      if (code != 0) return Fail(fmt::format("--nproc {}: a worker failed (see above)", o->nproc));
      auto points = CurvePointsFromHistory(o->out);
      if (!points) return Fail(points.error().message);
      if (auto svg = WriteCurve(o->out, *points, curve_references()); !svg)
        return Fail(svg.error().message);
      const CurvePoint& last = points->back();
      std::printf("trained %d epochs on %d workers: eval mismatch %.2f of %d, reward %.4f\n",
                  last.epoch, o->nproc, last.eval_mismatch, config.eval.num_nodes,
                  last.eval_reward);
      std::printf("policy: %s/policy.pt\n", o->out.c_str());
      return 0;
    }
    auto history = Train(config, o->out, o->resume, progress, o->dist);
    if (tty && !o->quiet) fmt::print(stderr, "\n");
    if (!history) return Fail(history.error().message);
    if (o->dist.rank != 0) return 0;  // rank 0 writes the files and the summary
    std::vector<CurvePoint> points;
    for (const auto& s : *history)
      points.push_back({s.epoch, s.train_reward, s.eval_reward, s.train_mismatch, s.eval_mismatch});
    auto svg = WriteCurve(o->out, points, curve_references());
    if (!svg) return Fail(svg.error().message);
    if (!history->empty()) {
      const EpochStats& s = history->back();
      std::printf("trained %d epochs: eval mismatch %.2f of %d, recall %.4f, reward %.4f\n",
                  s.epoch, s.eval_mismatch, config.eval.num_nodes, s.eval_recall, s.eval_reward);
    }
    std::printf("policy: %s/policy.pt   curve: %s\n", o->out.c_str(), svg->c_str());
    return 0;
  };
}

}  // namespace respect::cli
