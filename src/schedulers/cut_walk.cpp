#include "schedulers/cut_walk.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <functional>
#include <vector>

#include "schedulers/exact_lattice.h"
#include "schedulers/lower_bounds.h"
#include "schedulers/objective.h"

namespace respect {
namespace {

using Clock = std::chrono::steady_clock;
constexpr double kMiB = 1048576.0;

enum class Stop { kNone, kTime, kCap };

// Every downset D (the empty set and V included) with E(D) <= budget, by branch and bound:
// a state fixes some operators in (with their ancestors) and some out (with their
// descendants); the minimum cut over the downsets consistent with it prunes the state, and its
// minimiser D* guides the branching: fixing operators as D* has them keeps D* (so the state
// still holds a solution, and its maximum flow stays maximum), the opposite choice is a new
// state, whose flow starts from its parent's (still a valid flow: it only gains sources and
// sinks), so each state costs a copy and the few augmenting paths its one new choice adds.
class CutEnumerator {
 public:
  CutEnumerator(const Graph& g, Clock::time_point deadline, const std::atomic<bool>* cancel)
      : g_(g), n_(g.num_ops()), deadline_(deadline), cancel_(cancel) {
    out_.resize(n_);
    in_.resize(n_);
    for (int u = 0; u < n_; ++u)
      for (int v : g.succs(u)) {
        out_[u].push_back({v, edges_});
        in_[v].push_back({u, edges_});
        ++edges_;
      }
    seen_.assign(n_, 0);
    via_.assign(n_, -1);
    from_.assign(n_, -1);
  }

  // A downset found: state[v] == 1 for v in D, its crossing edges, bytes and size.
  struct Leaf {
    const std::vector<char>& st;
    int edges;
    int64_t bytes;
    int size;
  };
  using Emit = std::function<bool(const Leaf&)>;
  // emit(leaf) for each downset found; returning false stops.
  // admissible(cut, in_bytes, out_bytes), optional: false where no downset crossing at least
  // `cut` edges, holding at least in_bytes of parameters and leaving out at least out_bytes,
  // can be a boundary of a better schedule (the state is pruned).
  using Admissible = std::function<bool(int, int64_t, int64_t)>;
  Stop Run(int budget, const Emit& emit, const Admissible& admissible = {}) {
    budget_ = budget;
    emit_ = &emit;
    admissible_ = admissible ? &admissible : nullptr;
    stop_ = Stop::kNone;
    // The root: nothing fixed, {} a minimum cut (0 edges), the zero flow maximum.
    State root;
    root.st.assign(n_, 0);
    root.flow.assign(2 * static_cast<size_t>(edges_), 0);
    std::vector<char> side(n_, 0);
    Rec(std::move(root), side, 0);
    return stop_;
  }
  int64_t flows() const { return flows_; }
  // Past the deadline, or cancelled.
  bool Expired() const { return Clock::now() > deadline_ || (cancel_ && cancel_->load()); }

 private:
  struct Arc {
    int to, edge;
  };
  // Fixed operators (1 in, 2 out) and a maximum flow for them: flow[2e] on the unit edge e
  // (0 or 1), flow[2e + 1] the units on its closure arc (at most the budget + 1).
  struct State {
    std::vector<char> st;
    std::vector<uint8_t> flow;
    int value = 0;
    int64_t in_bytes = 0, out_bytes = 0;  // parameters of the operators fixed in, out
    int in_count = 0;
  };

  // Augments s.flow to a maximum flow from the "in" operators to the "out" ones, stopping past
  // budget_: edge u -> v has capacity 1 (it crosses when u is in and v is out), the closure arc
  // v -> u is infinite (v in forces u in). Returns the value (the fewest edges any downset
  // consistent with s.st crosses), or budget_ + 1; with `side` a downset achieving it.
  // known (optional): the operators reachable under the current flow from some of the "in"
  // operators, none of them reaching an "out" one (the parent's side, when the new state only
  // adds "in" operators): the first search starts from the other "in" operators and does not
  // enter them again (a path through them would have reached an "out" operator before).
  int Augment(State& s, std::vector<char>& side, const std::vector<char>* known) {
    ++flows_;
    std::vector<uint8_t>& f = s.flow;
    queue_.reserve(n_);
    for (;; known = nullptr) {
      if (known)
        seen_.assign(known->begin(), known->end());
      else
        std::fill(seen_.begin(), seen_.end(), 0);
      queue_.clear();
      for (int v = 0; v < n_; ++v)
        if (s.st[v] == 1 && !seen_[v]) {
          seen_[v] = 1;
          from_[v] = -1;
          queue_.push_back(v);
        }
      int hit = -1;
      for (size_t at = 0; at < queue_.size() && hit < 0; ++at) {
        const int u = queue_[at];
        auto reach = [&](int w, int arc) {
          if (seen_[w]) return;
          seen_[w] = 1;
          from_[w] = u;
          via_[w] = arc;
          queue_.push_back(w);
          if (s.st[w] == 2) hit = w;
        };
        for (const Arc& a : out_[u])  // the unit edge, or cancelling closure flow
          if (f[2 * a.edge] == 0 || f[2 * a.edge + 1] > 0) reach(a.to, 2 * a.edge);
        for (const Arc& a : in_[u]) reach(a.to, 2 * a.edge + 1);  // the closure arc
      }
      if (hit < 0) break;
      for (int w = hit; from_[w] >= 0; w = from_[w]) {
        const int e = via_[w] / 2;
        if (via_[w] % 2 == 0) {
          if (f[2 * e + 1] > 0)
            --f[2 * e + 1];
          else
            f[2 * e] = 1;
        } else if (f[2 * e] > 0) {
          f[2 * e] = 0;
        } else {
          ++f[2 * e + 1];
        }
      }
      if (++s.value > budget_) return budget_ + 1;
    }
    side.assign(seen_.begin(), seen_.end());
    return s.value;
  }

  // Fixes v (with its ancestors when how = 1, its descendants when how = 2).
  void Fix(State& s, int v, char how) const {
    std::vector<char>& st = s.st;
    std::vector<int> stack{v};
    while (!stack.empty()) {
      const int x = stack.back();
      stack.pop_back();
      if (st[x]) continue;
      st[x] = how;
      (how == 1 ? s.in_bytes : s.out_bytes) += g_.ops[x].param_bytes;
      s.in_count += how == 1;
      for (int y : how == 1 ? g_.preds(x) : g_.succs(x))
        if (!st[y]) stack.push_back(y);
    }
  }

  // `side`: a downset consistent with s.st crossing s.value <= budget_ edges.
  void Rec(State s, const std::vector<char>& side, int cursor) {
    for (;;) {
      while (cursor < n_ && s.st[cursor]) ++cursor;
      if (cursor == n_) {
        // Everything fixed: the maximum flow is the downset's own cut.
        if (!(*emit_)(Leaf{s.st, s.value, s.in_bytes, s.in_count})) stop_ = Stop::kCap;
        return;
      }
      const int v = cursor;
      {
        State other = s;
        Fix(other, v, side[v] ? 2 : 1);
        if ((flows_ & 255) == 0 && Expired()) stop_ = Stop::kTime;
        if (stop_ != Stop::kNone) return;
        std::vector<char> other_side;
        // Fixing v in only adds sources: the parent's side stays reachable.
        if (Augment(other, other_side, side[v] ? nullptr : &side) <= budget_ && Admits(other))
          Rec(std::move(other), other_side, cursor);
        if (stop_ != Stop::kNone) return;
      }
      Fix(s, v, side[v] ? 1 : 2);
      if (!Admits(s)) return;
    }
  }

  bool Admits(const State& s) const {
    return !admissible_ || (*admissible_)(s.value, s.in_bytes, s.out_bytes);
  }

  const Graph& g_;
  const int n_;
  const Clock::time_point deadline_;
  const std::atomic<bool>* cancel_;
  int edges_ = 0;
  std::vector<std::vector<Arc>> out_, in_;
  std::vector<char> seen_;
  std::vector<int> via_, from_, queue_;
  int budget_ = 0;
  const Emit* emit_ = nullptr;
  const Admissible* admissible_ = nullptr;
  Stop stop_ = Stop::kNone;
  int64_t flows_ = 0;
};

// The operators of a leaf (every state 1, in, or 2, out) as bits: 8 states at a time, their
// low bits gathered by one multiplication (bit i of the product's top byte is byte i's).
void PackIn(const std::vector<char>& st, uint64_t* bits) {
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "byte i is the i-th lowest");
  const size_t n = st.size();
  for (size_t v = 0; v < n; v += 8) {
    uint64_t chunk = 0;
    std::memcpy(&chunk, st.data() + v, std::min<size_t>(8, n - v));
    const uint64_t low = chunk & 0x0101010101010101ULL;
    bits[v / 64] |= ((low * 0x0102040810204080ULL) >> 56) << (v % 64);
  }
}

struct Boundary {
  int64_t bytes = 0;  // P(D)
  int edges = 0;      // E(D)
  int size = 0;       // |D|
  size_t at = 0;      // its bit words in the pool
};

struct Label {
  int64_t largest = 0;  // the largest stage's bytes so far
  int crossings = 0;    // edges crossed so far
  int prev = -1;        // the previous boundary (index into the boundaries), -1: {}
  int prev_label = -1;
};

// A layer of the chain DP: the Pareto front of each boundary, stored contiguously.
struct Layer {
  std::vector<int> first, count;  // per boundary
  std::vector<Label> labels;
};

}  // namespace

Result<CutWalkResult> SolvePaperByCuts(const CostModel& m, const CutWalkOptions& o) {
  const Graph& g = m.graph();
  const int n = g.num_ops(), K = o.stages;
  if (K < 2 || K > n)
    return Error{fmt::format("cut walk: {} stages for {} operators (2 to {})", K, n, n)};
  if (!std::isfinite(o.incumbent)) return Error{"cut walk: needs a finite incumbent"};
  const auto t0 = Clock::now();
  const auto deadline = t0 + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(std::max(0.0, o.time_limit_s)));
  const double U = o.incumbent, lambda = o.paper_lambda, B = std::max(0.0, o.bytes_term_bound);
  const double tol = 1e-9 * std::max(1.0, std::abs(U));
  CutWalkResult out;
  out.ceiling = U;

  int64_t total = 0;
  for (int v = 0; v < n; ++v) total += g.ops[v].param_bytes;
  // A better schedule crosses at most `most` edges in all.
  const double room = U - B - tol;
  if (room <= 0) {
    out.complete = true;
    return out;
  }
  const int most = static_cast<int>(std::min<double>(std::ceil(room) - 1, 1 << 30));

  const int words = (n + 63) / 64;
  std::vector<uint64_t> pool;
  std::vector<Boundary> bounds;
  auto aligned = [&](const std::vector<char>& st) {
    return !o.align_children || KeepsChildrenTogether(g, [&](int v) { return st[v] == 1; });
  };

  CutEnumerator cuts(g, deadline, o.cancel.get());
  const int64_t cap = std::max<int64_t>(1, o.max_downsets);
  // The fewest edges a boundary crosses (e_min): budgets 0, 1, ... until a nontrivial downset
  // appears; then every boundary of a better schedule crosses at most
  // most - (K - 2) e_min edges.
  int fewest = -1;
  for (int b = 0; b <= most && fewest < 0; ++b) {
    const Stop s = cuts.Run(b, [&](const CutEnumerator::Leaf& leaf) {
      if (leaf.size > 0 && leaf.size < n) fewest = b;
      return fewest < 0;
    });
    if (s == Stop::kTime) {
      out.reason = "time limit reached while finding the fewest edges a boundary crosses";
      out.max_flows = cuts.flows();
      return out;
    }
  }
  out.max_flows = cuts.flows();
  if (fewest < 0 || most < (K - 1) * fewest) {          // no K - 1 boundaries fit the budget
    out.fewest_edges = fewest < 0 ? most + 1 : fewest;  // where none was found, at least that
    out.complete = true;
    return out;
  }
  out.fewest_edges = fewest;
  const int budget = most - (K - 2) * fewest;
  out.edge_budget = budget;
  if (budget > o.max_edge_budget && n > o.max_edge_budget) {
    out.reason = fmt::format("not walked: a boundary may cross up to {} edges (more than {})",
                             budget, o.max_edge_budget);
    return out;
  }
  // A boundary D at position j leaves its bytes to j stages and the rest to K - j, so the
  // largest stage holds at least min over j of max(P(D) / j, (total - P(D)) / (K - j)): with
  // E(D) and the other boundaries' e_min, what a schedule through D costs at least. Over the
  // downsets of a state, P(D) ranges over [in_bytes, total - out_bytes] (each j's V-shaped
  // term is least at j x total / K, clamped into the range).
  const CutEnumerator::Admissible admissible = [&](int cut, int64_t in_b, int64_t out_b) {
    const double lo = static_cast<double>(in_b), hi = static_cast<double>(total - out_b);
    double least = std::numeric_limits<double>::infinity();
    for (int j = 1; j < K; ++j) {
      const double p = std::clamp(static_cast<double>(total) * j / K, lo, std::max(lo, hi));
      least = std::min(least, std::max(p / j, (static_cast<double>(total) - p) / (K - j)));
    }
    return std::max(lambda * least / kMiB, B) + cut + (K - 2) * fewest < U - tol;
  };
  const Stop stop = cuts.Run(
      budget,
      [&](const CutEnumerator::Leaf& leaf) {
        if (leaf.size == 0 || leaf.size == n || leaf.edges > budget ||
            !admissible(leaf.edges, leaf.bytes, total - leaf.bytes) || !aligned(leaf.st))
          return true;
        Boundary b;
        b.edges = leaf.edges;
        b.bytes = leaf.bytes;
        b.size = leaf.size;
        b.at = pool.size();
        pool.resize(pool.size() + words, 0);
        PackIn(leaf.st, pool.data() + b.at);
        bounds.push_back(b);
        return static_cast<int64_t>(bounds.size()) < cap;
      },
      admissible);
  out.max_flows = cuts.flows();
  out.downsets = static_cast<int64_t>(bounds.size());
  out.enumerate_s = std::chrono::duration<double>(Clock::now() - t0).count();
  if (stop == Stop::kCap) {
    out.reason = fmt::format("more than {} downsets cross at most {} edges", cap, budget);
    return out;
  }
  if (stop == Stop::kTime) {
    out.reason = fmt::format(
        "time limit reached enumerating the downsets that cross at most {} "
        "edges ({} so far)",
        budget, bounds.size());
    return out;
  }

  const auto t_chain = Clock::now();
  // The chain DP, boundaries by size (a strict subset is smaller).
  const int N = static_cast<int>(bounds.size());
  std::vector<int> by_size(N);
  for (int i = 0; i < N; ++i) by_size[i] = i;
  std::stable_sort(by_size.begin(), by_size.end(),
                   [&](int a, int b) { return bounds[a].size < bounds[b].size; });
  auto subset = [&](int a, int b) {  // D_a ⊂ D_b
    const uint64_t* x = pool.data() + bounds[a].at;
    const uint64_t* y = pool.data() + bounds[b].at;
    for (int w = 0; w < words; ++w)
      if (x[w] & ~y[w]) return false;
    return true;
  };
  // A lower bound on the value of any completion of a label at boundary D after j boundaries.
  auto completes_below = [&](const Label& l, const Boundary& d, int j) {
    const double rest = static_cast<double>(total - d.bytes) / (K - j);
    const double bytes_term =
        std::max({lambda * static_cast<double>(l.largest) / kMiB, lambda * rest / kMiB, B});
    return bytes_term + l.crossings + (K - 1 - j) * fewest < U - tol;
  };
  auto insert = [](std::vector<Label>& front, const Label& l) {
    for (const Label& f : front)
      if (f.largest <= l.largest && f.crossings <= l.crossings) return;
    front.erase(std::remove_if(front.begin(), front.end(),
                               [&](const Label& f) {
                                 return l.largest <= f.largest && l.crossings <= f.crossings;
                               }),
                front.end());
    front.push_back(l);
  };
  std::vector<Layer> layers(K);  // layers[j]: chains of j boundaries
  auto store = [&](Layer& layer, int i, const std::vector<Label>& front) {
    if (front.empty()) return;
    layer.first[i] = static_cast<int>(layer.labels.size());
    layer.count[i] = static_cast<int>(front.size());
    layer.labels.insert(layer.labels.end(), front.begin(), front.end());
  };
  for (int j = 1; j <= K - 1; ++j) {
    Layer& layer = layers[j];
    layer.first.assign(N, -1);
    layer.count.assign(N, 0);
    if (j == 1) {
      for (int i = 0; i < N; ++i) {
        const Label l{bounds[i].bytes, bounds[i].edges, -1, -1};
        if (completes_below(l, bounds[i], 1)) store(layer, i, {l});
      }
      continue;
    }
    // The previous layer's boundaries, grouped by their fewest crossings, each group by size.
    const Layer& prev = layers[j - 1];
    std::vector<std::vector<int>> live(most + 1);
    for (int i : by_size) {
      if (prev.count[i] == 0) continue;
      int least = most + 1;
      for (int k = 0; k < prev.count[i]; ++k)
        least = std::min(least, prev.labels[prev.first[i] + k].crossings);
      if (least <= most) live[least].push_back(i);
    }
    std::vector<Label> front;
    for (int i : by_size) {
      const Boundary& d = bounds[i];
      const int allowed = most - d.edges - (K - 1 - j) * fewest;  // crossings before D
      if (allowed < (j - 1) * fewest) continue;
      front.clear();
      for (int s = 0; s <= allowed; ++s)
        for (int i2 : live[s]) {
          const Boundary& d2 = bounds[i2];
          if (d2.size >= d.size) break;
          if ((++out.pairs & 4095) == 0 && cuts.Expired()) {
            out.chain_s = std::chrono::duration<double>(Clock::now() - t_chain).count();
            out.reason = fmt::format(
                "time limit reached in the chain DP ({} boundaries crossing at most {} edges)", N,
                budget);
            return out;
          }
          // The stage between them alone, with the crossings at least s + E(D), reaching U.
          if (d2.bytes > d.bytes ||
              lambda * static_cast<double>(d.bytes - d2.bytes) / kMiB + s + d.edges +
                      (K - 1 - j) * fewest >=
                  U - tol ||
              !subset(i2, i))
            continue;
          for (int k = 0; k < prev.count[i2]; ++k) {
            const Label& p = prev.labels[prev.first[i2] + k];
            if (p.crossings > allowed) continue;
            const Label l{std::max(p.largest, d.bytes - d2.bytes), p.crossings + d.edges, i2,
                          prev.first[i2] + k};
            if (completes_below(l, d, j)) insert(front, l);
          }
        }
      store(layer, i, front);
    }
  }
  out.chain_s = std::chrono::duration<double>(Clock::now() - t_chain).count();
  // The last stage: V \ D_{K-1}.
  double best = U - tol;
  int best_i = -1, best_label = -1;
  const Layer& last = layers[K - 1];
  for (int i = 0; i < N; ++i)
    for (int k = 0; k < last.count[i]; ++k) {
      const Label& l = last.labels[last.first[i] + k];
      const double v =
          lambda * static_cast<double>(std::max(l.largest, total - bounds[i].bytes)) / kMiB +
          l.crossings;
      if (v < best) {
        best = v;
        best_i = i;
        best_label = last.first[i] + k;
      }
    }
  out.complete = true;
  if (best_i < 0) return out;
  // The chain, back to front.
  std::vector<int> chain(K - 1);
  for (int j = K - 1, i = best_i, at = best_label; j >= 1; --j) {
    chain[j - 1] = i;
    const Label& l = layers[j].labels[at];
    i = l.prev;
    at = l.prev_label;
  }
  std::vector<int> stage_of(n, K - 1);
  for (int v = 0; v < n; ++v)
    for (int j = 0; j < K - 1; ++j)
      if (pool[bounds[chain[j]].at + v / 64] >> (v % 64) & 1) {
        stage_of[v] = j;
        break;
      }
  out.schedule = Schedule(K, std::move(stage_of));
  out.value = ObjectiveValue(m, out.schedule, Objective::kPaper, lambda);
  out.found = out.value < U - tol;
  if (!out.found) {
    out.complete = false;  // the DP and the evaluator disagree: claim nothing
    out.reason = fmt::format("the chain's value {} is not the evaluator's {}", best, out.value);
  }
  return out;
}

Result<CutWalkResult> SolvePaperByDeepeningCuts(const CostModel& m, const CutWalkOptions& o) {
  if (!std::isfinite(o.incumbent)) return Error{"cut walk: needs a finite incumbent"};
  const auto t0 = Clock::now();
  const double B = std::max(0.0, o.bytes_term_bound);
  // First the walk from the incumbent, stopped once its budget is known (a few max-flows):
  // where that budget is past o.max_edge_budget the levels between number as many (10^5 in
  // the ICML'24 setting's 100 per byte), and the walks from below are not made either.
  CutWalkOptions probe = o;
  probe.max_edge_budget = -1;
  auto first = SolvePaperByCuts(m, probe);
  if (!first) return first;
  // Complete: no better schedule can exist. Otherwise, stopped by the time limit before the
  // budget was known, or "not walked".
  if (first->complete || first->reason.rfind("not walked", 0) != 0) return first;
  const int n = m.graph().num_ops();
  if (first->edge_budget > o.max_edge_budget && n > o.max_edge_budget) {
    first->reason = fmt::format("not walked: a boundary may cross up to {} edges (more than {})",
                                first->edge_budget, o.max_edge_budget);
    return first;
  }
  CutWalkResult sum;  // the counters of the walks so far
  sum.max_flows = first->max_flows;
  // Each level `most` (the crossings in all a better schedule may have) is walked from the
  // ceiling B + most + 1; first, where it is likely to pay, from B + most + 0.5. The budget is
  // the same, but the bytes prune tightens with the ceiling (the authors' NASNet at K = 5:
  // 277,207 downsets from half a crossing above the optimum, 1,358,646 from a whole one; at
  // K = 6 the prune barely bites: 397,696 from the half step that finds nothing, 1,358,646
  // from the whole). The half step goes first while, on the last level that walked both, it
  // walked fewer than half the downsets of the whole, or while the whole steps are small (the
  // ratio of a few dozen downsets says little).
  double ratio = 0;            // that level's downsets from its half step over its whole step's
  int64_t whole_downsets = 0;  // the last whole step's
  int most = (o.stages - 1) * first->fewest_edges;
  for (;;) {
    int64_t half_downsets = -1;
    int fewest = 0;  // the fewest edges a boundary was proved to cross
    for (const double step_up : {0.5, 1.0}) {
      if (step_up < 1 && ratio > 0.5 && whole_downsets >= 65536) continue;
      const double ceiling = B + most + step_up;
      CutWalkOptions step = o;
      const bool last = !(ceiling < o.incumbent);
      if (!last) step.incumbent = ceiling;
      step.time_limit_s = o.time_limit_s - std::chrono::duration<double>(Clock::now() - t0).count();
      auto w = SolvePaperByCuts(m, step);
      if (!w) return w;
      ++sum.walks;
      sum.max_flows += w->max_flows;
      sum.pairs += w->pairs;
      sum.enumerate_s += w->enumerate_s;
      sum.chain_s += w->chain_s;
      if (!w->complete || w->found || last) {
        w->walks = sum.walks;
        w->max_flows = sum.max_flows;
        w->pairs = sum.pairs;
        w->enumerate_s = sum.enumerate_s;
        w->chain_s = sum.chain_s;
        w->floor = std::max(w->floor, sum.floor);
        return w;
      }
      // Nothing below the ceiling: no schedule is, and every boundary crosses at least e_min.
      sum.floor = ceiling;
      fewest = w->fewest_edges;
      if (step_up < 1) {
        half_downsets = w->downsets;
      } else {
        whole_downsets = w->downsets;
        if (half_downsets >= 0)
          ratio = static_cast<double>(half_downsets) / std::max<int64_t>(1, w->downsets);
      }
    }
    most = std::max(most + 1, (o.stages - 1) * fewest);
  }
}

int64_t FirstLatticeCap(const ScheduleRequest& r) {
  return r.objective == Objective::kPaper ? std::min<int64_t>(r.lattice_cap, 100'000)
                                          : r.lattice_cap;
}

CutWalkOptions CutWalkOptionsFor(const CostModel& m, const ScheduleRequest& r, double incumbent,
                                 double seconds) {
  CutWalkOptions o;
  o.stages = r.stages;
  o.paper_lambda = r.paper_lambda;
  o.align_children = r.align_children;
  o.incumbent = incumbent;
  o.bytes_term_bound = PaperBytesTermLowerBound(m, r);
  o.time_limit_s = seconds;
  const int64_t bytes_each = 8 * ((m.graph().num_ops() + 63) / 64) + sizeof(Boundary);
  o.max_downsets = std::min<int64_t>(o.max_downsets, (int64_t{512} << 20) / bytes_each);
  o.cancel = r.cancel;
  return o;
}

std::string CutWalkNote(const CutWalkResult& w) {
  std::string s = fmt::format(
      "cut walk over the {} downsets crossing at most {} edges (a boundary crosses at least {}; "
      "{} minimum cuts in {:.2f} s, {} chain steps in {:.2f} s)",
      w.downsets, w.edge_budget, w.fewest_edges, w.max_flows, w.enumerate_s, w.pairs, w.chain_s);
  if (w.walks > 1)
    s += fmt::format("; the last of {} walks deepening from the fewest crossings", w.walks);
  if (!w.complete) {
    s += "; stopped: " + w.reason;
    if (w.floor > 0) s += fmt::format(" (no schedule is below {:.6g})", w.floor);
  }
  return s;
}

}  // namespace respect
