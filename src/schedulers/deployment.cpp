#include "schedulers/deployment.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <functional>
#include <limits>
#include <optional>
#include <queue>

#include "schedulers/objective.h"

namespace respect {

Result<DeploymentProblem> DeploymentProblem::Build(const std::vector<DeploymentModelSpec>& models,
                                                   const DeploymentOptions& o) {
  if (models.empty()) return Error{"no models to deploy"};
  if (o.tpus < 1 || o.tpus > 64)
    return Error{fmt::format("--tpus must be 1 to 64, got {}", o.tpus)};
  for (const auto& m : models) {
    if (!m.model) return Error{fmt::format("{}: no cost model", m.name)};
    if (!(m.fps > 0) || !std::isfinite(m.fps))
      return Error{fmt::format("{}: the rate (or weight) must be positive, got {}", m.name, m.fps)};
  }
  DeploymentProblem d;
  d.models_ = models;
  d.options_ = o;
  for (const auto& spec : models) {
    std::vector<Point> curve;
    for (int t = 1; t <= o.tpus; ++t) {
      if (Cancelled(o.request)) return Error{"cancelled"};
      ScheduleRequest r = o.request;
      r.objective = Objective::kThroughput;
      r.tpus = o.curve == "compiler" ? 0 : t;
      r.stages = std::min(t, spec.model->graph().num_ops());
      r.deadline = {};
      auto res = RunScheduler(o.curve == "compiler" ? "compiler" : "exact", *spec.model, r);
      if (!res) return Error{fmt::format("{} on {} TPUs: {}", spec.name, t, res.error().message)};
      Point p{res->schedule, EvaluateSchedule(*spec.model, res->schedule), res->proven_optimal};
      // The best of 1..t TPUs by what the TPUs sustain (a schedule on fewer TPUs fits on t).
      if (!curve.empty() && curve.back().cost.stage_period_s <= p.cost.stage_period_s) {
        Point keep = curve.back();
        keep.proven = keep.proven && p.proven;
        p = keep;
      }
      curve.push_back(std::move(p));
    }
    if (o.progress)
      o.progress(fmt::format(
          "{}: best schedules on 1..{} TPUs ({})", spec.name, o.tpus,
          std::all_of(curve.begin(), curve.end(), [](const Point& q) { return q.proven; })
              ? "each proven"
              : "not all proven"));
    d.curve_.push_back(std::move(curve));
  }
  return d;
}

PipelineCost DeploymentProblem::WholeWithCache(int m, int64_t cache) const {
  cache = std::max<int64_t>(cache, 0);
  const auto key = std::make_pair(m, cache);
  if (auto it = whole_.find(key); it != whole_.end()) return it->second;
  DeviceProfile p = models_[m].model->profile();
  p.param_cache_bytes = cache;
  const CostModel alone(models_[m].model->graph(), p);
  return whole_.emplace(key, alone.EvaluateSingle()).first->second;
}

Deployment DeploymentProblem::Score(const DeploymentChoice& c) const {
  const int M = num_models();
  const DeviceProfile& p = models_[0].model->profile();
  Deployment d;
  d.models.resize(M);
  int used = static_cast<int>(c.shared.size());
  for (int m = 0; m < M; ++m) used += c.dedicated[m];
  if (used > options_.tpus) {
    d.ratio = -1;
    return d;
  }
  const double inf = std::numeric_limits<double>::infinity();
  double ratio = inf, cpu = 0, ctrl = 0;
  d.limit = "tpu";
  for (int m = 0; m < M; ++m) {
    DeployedModel& dm = d.models[m];
    dm.name = models_[m].name;
    dm.fps = models_[m].fps;
    if (c.dedicated[m] <= 0) continue;
    const Point& pt = curve_[m][c.dedicated[m] - 1];
    dm.schedule = pt.schedule;
    dm.cost = pt.cost;
    dm.proven = pt.proven;
    dm.capacity_ips = 1.0 / pt.cost.stage_period_s;
    ratio = std::min(ratio, dm.capacity_ips / dm.fps);
    cpu += dm.fps * pt.cost.host_cpu_s;
    ctrl += dm.fps * pt.cost.controller_s;
    for (size_t k = 0; k < pt.cost.stages.size(); ++k)
      for (int r = 0; r < pt.cost.replicas[k]; ++r) {
        DeployedTpu tpu;
        tpu.segments.push_back({m, static_cast<int>(k)});
        tpu.cached_bytes = pt.cost.stages[k].cached_bytes;
        tpu.streamed_bytes = pt.cost.stages[k].streamed_bytes;
        dm.tpus.push_back(static_cast<int>(d.tpus.size()));
        d.tpus.push_back(tpu);
      }
  }
  for (const std::vector<int>& block : c.shared) {
    DeployedTpu tpu;
    int64_t cache = p.param_cache_bytes;
    double busy = 0;  // seconds per unit of ratio
    for (int m : block) {
      DeployedModel& dm = d.models[m];
      dm.cost = WholeWithCache(m, cache);
      dm.schedule = Schedule(1, std::vector<int>(models_[m].model->graph().num_ops(), 0));
      dm.shared = true;
      dm.proven = true;
      dm.tpus = {static_cast<int>(d.tpus.size())};
      const StageCost& st = dm.cost.stages[0];
      dm.capacity_ips = 1.0 / st.latency_s;
      cache -= st.cached_bytes;
      busy += dm.fps * st.latency_s;
      cpu += dm.fps * dm.cost.host_cpu_s;
      ctrl += dm.fps * dm.cost.controller_s;
      tpu.segments.push_back({m, 0});
      tpu.cached_bytes += st.cached_bytes;
      tpu.streamed_bytes += st.streamed_bytes;
    }
    if (1.0 / busy < ratio) {
      ratio = 1.0 / busy;
      d.limit = "shared-tpu";
    }
    d.tpus.push_back(tpu);
  }
  if (cpu > 0 && p.host_cores / cpu < ratio) {
    ratio = p.host_cores / cpu;
    d.limit = "host-cpu";
  }
  const double controllers = p.Controllers(options_.tpus);
  if (ctrl > 0 && controllers / ctrl < ratio) {
    ratio = controllers / ctrl;
    d.limit = "controller";
  }
  d.ratio = ratio;
  d.host_cpu_load = cpu * ratio / p.host_cores;
  d.controller_load = ctrl * ratio / controllers;
  for (DeployedModel& dm : d.models) dm.rate_ips = ratio * dm.fps;
  for (DeployedTpu& tpu : d.tpus)
    for (const auto& seg : tpu.segments) {
      const DeployedModel& dm = d.models[seg.model];
      const int r = dm.cost.Replicas(seg.stage);
      tpu.busy += dm.rate_ips * dm.cost.stages[seg.stage].latency_s / r;
    }
  d.proven = std::all_of(d.models.begin(), d.models.end(),
                         [](const DeployedModel& m) { return m.proven; });
  return d;
}

Result<Deployment> DeploymentProblem::Solve() const {
  const int M = num_models(), T = options_.tpus;
  const bool exhaustive = options_.share && M <= options_.max_exhaustive_models;
  std::optional<Deployment> best;
  int partitions = 0;
  bool thresholds_used = false, cut_short = false;
  constexpr double kMaxAllocations = 20000;
  const auto deadline =
      std::chrono::steady_clock::now() +
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::duration<double>(std::min(options_.request.time_limit_s, 1e7)));
  auto consider = [&](Deployment d) {
    if (d.ratio < 0) return;
    if (!best || d.ratio > best->ratio * (1 + 1e-12) ||
        (d.ratio >= best->ratio * (1 - 1e-12) && d.tpus.size() < best->tpus.size()))
      best = std::move(d);
  };
  // Blocks as a restricted growth string: block[m] <= 1 + max(block[0..m-1]).
  std::vector<int> block(M, 0);
  std::function<void(int, int)> partition = [&](int m, int blocks) {
    if (m == M) {
      if (best && (Cancelled(options_.request) || std::chrono::steady_clock::now() > deadline)) {
        cut_short = true;
        return;
      }
      ++partitions;
      std::vector<std::vector<int>> groups(blocks);
      for (int i = 0; i < M; ++i) groups[block[i]].push_back(i);
      std::vector<int> singles;
      std::vector<std::vector<int>> shared;
      for (auto& g : groups) (g.size() == 1 ? singles.push_back(g[0]) : shared.push_back(g));
      const int left = T - static_cast<int>(shared.size());
      if (left < static_cast<int>(singles.size())) return;
      DeploymentChoice c;
      c.dedicated.assign(M, 0);
      // Every compile order of every shared TPU, with every allocation of the TPUs left.
      for (auto& g : shared) std::sort(g.begin(), g.end());
      std::function<void(size_t)> orders = [&](size_t b) {
        if (b == shared.size()) {
          c.shared = shared;
          std::function<void(size_t, int)> allocate = [&](size_t i, int free) {
            if (i == singles.size()) {
              consider(Score(c));
              return;
            }
            const int later = static_cast<int>(singles.size() - i - 1);
            for (int t = 1; t <= free - later; ++t) {
              c.dedicated[singles[i]] = t;
              allocate(i + 1, free - t);
            }
            c.dedicated[singles[i]] = 0;
          };
          // Every allocation while there are few (compositions: C(left, singles)); past that
          // the thresholds: for each model's curve value lambda, the fewest TPUs each model
          // needs to sustain it (curves are monotone), which is exact for the TPUs' part.
          double count = 1;
          for (size_t i = 0; i < singles.size(); ++i)
            count = count * (left - static_cast<double>(i)) / static_cast<double>(i + 1);
          if (count <= kMaxAllocations) {
            allocate(0, left);
          } else {
            thresholds_used = true;
            std::vector<double> lambdas;
            for (int m : singles)
              for (int t = 1; t <= left; ++t)
                lambdas.push_back(1.0 / (curve_[m][t - 1].cost.stage_period_s * models_[m].fps));
            for (double lambda : lambdas) {
              int need = 0;
              for (int m : singles) {
                int t = 1;
                while (t < left && 1.0 / (curve_[m][t - 1].cost.stage_period_s * models_[m].fps) <
                                       lambda * (1 - 1e-12))
                  ++t;
                c.dedicated[m] = t;
                need += t;
              }
              if (need <= left) consider(Score(c));
            }
            for (int m : singles) c.dedicated[m] = 0;
          }
          return;
        }
        do {
          orders(b + 1);
        } while (std::next_permutation(shared[b].begin(), shared[b].end()));
      };
      orders(0);
      return;
    }
    // A new block first, so the first partition is every model on TPUs of its own (a good
    // incumbent before the time limit); without sharing it is the only one.
    const int lowest = exhaustive ? 0 : blocks;
    for (int b = blocks; b >= lowest; --b) {
      block[m] = b;
      partition(m + 1, std::max(blocks, b + 1));
    }
  };
  partition(0, 0);
  if (!best)
    return Error{fmt::format("{} models do not fit {} TPUs{}", M, T,
                             options_.share ? "" : " (each needs one; let them share)")};
  best->partitions = partitions;
  // Thresholds are exact for the TPUs' part: where the host caps the plan, more TPUs for a model
  // could in principle change its schedule's host costs, so no proof is claimed then.
  if (cut_short || (thresholds_used && (best->limit == "host-cpu" || best->limit == "controller")))
    best->proven = false;
  best->note = fmt::format(
      "{} partitions of the models tried{}; {}", partitions,
      cut_short ? " before the time limit" : "",
      exhaustive ? "every model on TPUs of its own or whole models sharing TPUs in any compile "
                   "order, every allocation"
                 : "each model on TPUs of its own, every allocation");
  return std::move(*best);
}

Result<Deployment> PlanDeployment(const std::vector<DeploymentModelSpec>& models,
                                  const DeploymentOptions& o) {
  auto problem = DeploymentProblem::Build(models, o);
  if (!problem) return problem.error();
  return problem->Solve();
}

Result<Deployment> FewestTpusDeployment(const std::vector<DeploymentModelSpec>& models,
                                        const DeploymentOptions& o, int max_tpus) {
  std::optional<Deployment> last;
  for (int T = 1; T <= max_tpus; ++T) {
    DeploymentOptions ot = o;
    ot.tpus = T;
    auto d = PlanDeployment(models, ot);
    if (!d) {
      if (T < static_cast<int>(models.size()) && !o.share) continue;  // one TPU each at least
      return d.error();
    }
    last = std::move(*d);
    if (last->ratio >= 1 - 1e-12) return std::move(*last);
  }
  if (!last) return Error{fmt::format("no plan on up to {} TPUs", max_tpus)};
  return std::move(*last);
}

DeploymentSimulation SimulateDeployment(const Deployment& d, double load, int inferences) {
  const int M = static_cast<int>(d.models.size()), T = static_cast<int>(d.tpus.size());
  DeploymentSimulation sim;
  sim.model_ips.assign(M, 0);
  sim.tpu_busy.assign(T, 0);
  sim.mean_latency_s.assign(M, 0);
  double slowest = std::numeric_limits<double>::infinity();
  for (const DeployedModel& m : d.models) slowest = std::min(slowest, load * m.rate_ips);
  if (!(slowest > 0) || M == 0) return sim;
  const double horizon = std::max(inferences, 2) / slowest, from = horizon / 2;
  struct Job {
    int model, inference, stage;
    double arrived;
  };
  struct Event {
    double time;
    int64_t seq;
    int tpu;  // -1: an arrival of job at its stage's TPU; else: tpu finished job
    int job;
  };
  auto later = [](const Event& a, const Event& b) {
    return a.time != b.time ? a.time > b.time : a.seq > b.seq;
  };
  std::priority_queue<Event, std::vector<Event>, decltype(later)> events(later);
  std::vector<Job> jobs;
  int64_t seq = 0;
  for (int m = 0; m < M; ++m) {
    const double gap = 1.0 / (load * d.models[m].rate_ips);
    for (int i = 0; i * gap < horizon; ++i) {
      jobs.push_back({m, i, 0, i * gap});
      events.push({i * gap, seq++, -1, static_cast<int>(jobs.size()) - 1});
    }
  }
  // The TPU of a job's stage: its replicas in turn, after the earlier stages' TPUs.
  auto tpu_of = [&](const Job& j) {
    const DeployedModel& dm = d.models[j.model];
    int offset = 0;
    for (int k = 0; k < j.stage; ++k) offset += dm.schedule.Replicas(k);
    return dm.tpus[offset + j.inference % dm.schedule.Replicas(j.stage)];
  };
  std::vector<std::deque<int>> queue(T);
  std::vector<char> busy(T, 0);
  std::vector<int> completed(M, 0);
  auto start = [&](int t, int job, double now) {
    const Job& j = jobs[job];
    const double s = d.models[j.model].cost.stages[j.stage].latency_s;
    busy[t] = 1;
    sim.tpu_busy[t] += std::max(0.0, std::min(now + s, horizon) - std::max(now, from));
    events.push({now + s, seq++, t, job});
  };
  while (!events.empty()) {
    const Event e = events.top();
    events.pop();
    if (e.tpu < 0) {
      const int t = tpu_of(jobs[e.job]);
      if (busy[t])
        queue[t].push_back(e.job);
      else
        start(t, e.job, e.time);
      continue;
    }
    Job& j = jobs[e.job];
    if (j.stage + 1 < d.models[j.model].schedule.num_stages) {
      ++j.stage;
      events.push({e.time, seq++, -1, e.job});
    } else if (e.time >= from && e.time < horizon) {
      ++completed[j.model];
      sim.mean_latency_s[j.model] += e.time - j.arrived;
    }
    busy[e.tpu] = 0;
    if (!queue[e.tpu].empty()) {
      const int next = queue[e.tpu].front();
      queue[e.tpu].pop_front();
      start(e.tpu, next, e.time);
    }
  }
  for (int m = 0; m < M; ++m) {
    sim.model_ips[m] = completed[m] / (horizon - from);
    if (completed[m] > 0) sim.mean_latency_s[m] /= completed[m];
  }
  for (double& b : sim.tpu_busy) b /= horizon - from;
  return sim;
}

}  // namespace respect
