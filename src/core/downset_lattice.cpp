#include "core/downset_lattice.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <functional>

#include "core/analysis.h"

namespace respect {

uint64_t DownsetLattice::Hash(const uint64_t* b) const {
  uint64_t h = 0;
  for (int w = 0; w < words_; ++w)
    for (uint64_t x = b[w]; x; x &= x - 1) h ^= keys_[w * 64 + __builtin_ctzll(x)];
  return h;
}

int DownsetLattice::Find(const uint64_t* b) const { return keys_.empty() ? -1 : Find(b, Hash(b)); }

int DownsetLattice::Find(const uint64_t* b, uint64_t hash) const {
  const size_t mask = table_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const int slot = table_[i];
    if (slot == 0) return -1;
    if (hashes_[slot - 1] == hash && std::memcmp(bits(slot - 1), b, sizeof(uint64_t) * words_) == 0)
      return slot - 1;
  }
}

void DownsetLattice::Insert(int d) {
  if (static_cast<size_t>(size()) * 2 > table_.size()) {  // keep the load under one half
    std::vector<int> old;
    old.swap(table_);
    table_.assign(std::max<size_t>(64, old.size() * 2), 0);
    for (int slot : old)
      if (slot != 0) Insert(slot - 1);
    return Insert(d);  // d was not in the old table
  }
  const size_t mask = table_.size() - 1;
  size_t i = hashes_[d] & mask;
  while (table_[i] != 0) i = (i + 1) & mask;
  table_[i] = d + 1;
}

std::vector<int> DownsetLattice::Members(int d) const {
  std::vector<int> out;
  out.reserve(cardinality(d));
  for (int v = 0; v < n_; ++v)
    if (Contains(d, v)) out.push_back(v);
  return out;
}

DownsetLattice DownsetLattice::Enumerate(const Graph& g, const LatticeOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  DownsetLattice L;
  L.n_ = g.num_ops();
  L.words_ = std::max(1, (L.n_ + 63) / 64);
  L.table_.assign(64, 0);
  // An antichain of w operators alone gives 2^w downsets (the closures of its subsets): a
  // graph that wide is refused before any work.
  if (o.time_limit_s <= 0) {
    L.reason_ = "time limit reached before any downset (no time left)";
    L.up_start_.assign(1, 0);
    L.down_start_.assign(1, 0);
    return L;
  }
  const WidthBounds width = o.expand ? WidthBounds{} : GraphWidth(g, 50'000'000);
  if ((!o.expand && width.lower >= 62) || (int64_t{1} << width.lower) > o.max_downsets) {
    L.reason_ = fmt::format("at least 2^{} downsets (width {}{}), more than {}", width.lower,
                            width.exact() ? "" : ">= ", width.lower, o.max_downsets);
    L.max_ready_ = width.lower;
    L.up_start_.assign(1, 0);
    L.down_start_.assign(1, 0);
    return L;
  }
  // The operators' Zobrist keys (splitmix64: fixed, so the lattice is deterministic).
  L.keys_.resize(L.n_);
  for (uint64_t x = 0x9e3779b97f4a7c15ull, v = 0; v < L.keys_.size(); ++v) {
    uint64_t z = (x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    L.keys_[v] = z ^ (z >> 31);
  }
  // Downset {}: its ready operators are the sources.
  L.bits_.assign(L.words_, 0);
  L.cardinality_.push_back(0);
  L.hashes_.push_back(0);
  L.Insert(0);
  std::vector<std::vector<int>> ready(1);
  for (int v = 0; v < L.n_; ++v)
    if (g.preds(v).empty()) ready[0].push_back(v);
  L.max_ready_ = static_cast<int>(ready[0].size());

  struct Edge {
    int from, op, to;
  };
  std::vector<Edge> edges;
  L.up_start_.push_back(0);
  std::vector<uint64_t> next(L.words_);
  // Breadth first: downsets [level_begin, level_end) have the same cardinality; their ready
  // lists live in `ready` (indexed from level_begin), the next level's in `next_ready`.
  int level_begin = 0;
  bool stop = false;
  while (level_begin < L.size() && !stop) {
    const int level_end = L.size();
    std::vector<std::vector<int>> next_ready;
    std::vector<int> chosen;
    for (int d = level_begin; d < level_end && !stop; ++d) {
      const std::vector<int>& rd = ready[d - level_begin];
      chosen = rd;
      if (o.expand) {
        const bool keep = o.expand(L, d, chosen);
        if (!keep) chosen.clear();
        if (chosen.size() < rd.size()) ++L.pruned_;
      }
      for (int v : chosen) {
        std::memcpy(next.data(), L.bits(d), sizeof(uint64_t) * L.words_);
        next[v >> 6] |= uint64_t{1} << (v & 63);
        const uint64_t hash = L.hashes_[d] ^ L.keys_[v];
        int to = L.Find(next.data(), hash);
        if (to < 0) {
          if (L.size() >= o.max_downsets) {
            L.reason_ = fmt::format("more than {} downsets", o.max_downsets);
            stop = true;
            break;
          }
          to = L.size();
          L.bits_.insert(L.bits_.end(), next.begin(), next.end());
          L.cardinality_.push_back(L.cardinality_[d] + 1);
          L.hashes_.push_back(hash);
          L.Insert(to);
          // Ready after adding v: the others still ready, and v's successors whose
          // predecessors are now all in.
          std::vector<int> r;
          r.reserve(rd.size() + g.succs(v).size());
          for (int u : rd)
            if (u != v) r.push_back(u);
          for (int w : g.succs(v)) {
            bool all = true;
            for (int p : g.preds(w)) all = all && ((next[p >> 6] >> (p & 63)) & 1);
            if (all) r.push_back(w);
          }
          std::sort(r.begin(), r.end());
          L.max_ready_ = std::max(L.max_ready_, static_cast<int>(r.size()));
          next_ready.push_back(std::move(r));
          if ((to & 1023) == 0 &&
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() >
                  o.time_limit_s) {
            L.reason_ = fmt::format("time limit ({} s) reached after {} downsets", o.time_limit_s,
                                    L.size());
            stop = true;
          }
        }
        edges.push_back({d, v, to});
        if (o.on_step) o.on_step(L, d, v, to);
        if (stop) break;
      }
    }
    ready.swap(next_ready);
    level_begin = level_end;
  }
  L.complete_ = !stop;

  // Up steps grouped by source, down steps by target (counting sort; ops ascending within).
  const int N = L.size();
  L.up_start_.assign(N + 1, 0);
  L.down_start_.assign(N + 1, 0);
  for (const Edge& e : edges) {
    ++L.up_start_[e.from + 1];
    ++L.down_start_[e.to + 1];
  }
  for (int d = 0; d < N; ++d) {
    L.up_start_[d + 1] += L.up_start_[d];
    L.down_start_[d + 1] += L.down_start_[d];
  }
  L.up_.resize(edges.size());
  L.down_.resize(edges.size());
  std::vector<int> up_fill(L.up_start_.begin(), L.up_start_.end() - 1);
  std::vector<int> down_fill(L.down_start_.begin(), L.down_start_.end() - 1);
  for (const Edge& e : edges) {
    L.up_[up_fill[e.from]++] = {e.op, e.to};
    L.down_[down_fill[e.to]++] = {e.op, e.from};
  }
  for (int d = 0; d < N; ++d)
    std::sort(L.down_.begin() + L.down_start_[d], L.down_.begin() + L.down_start_[d + 1],
              [](const Step& a, const Step& b) { return a.op < b.op; });
  return L;
}

int64_t CountDownsets(const Graph& g, int64_t cap) {
  LatticeOptions o;
  o.max_downsets = cap;
  DownsetLattice L = DownsetLattice::Enumerate(g, o);
  return L.complete() ? L.size() : cap + 1;
}

WidthBounds GraphWidth(const Graph& g, int64_t work_budget) {
  const int n = g.num_ops();
  WidthBounds wb;
  if (n == 0) return wb;
  // Lower bound: operators on one ASAP level are pairwise incomparable.
  std::vector<int> levels = AsapLevels(g);
  std::vector<int> per_level(n, 0);
  for (int l : levels) wb.lower = std::max(wb.lower, ++per_level[l]);
  // Transitive closure: desc[u] = every operator reachable from u.
  const size_t words = (static_cast<size_t>(n) + 63) / 64;
  std::vector<uint64_t> desc(words * n, 0);
  std::vector<int> order = TopologicalOrder(g, TopoOrderKind::kKahnFifo);
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    uint64_t* row = &desc[words * *it];
    for (int s : g.succs(*it)) {
      const uint64_t* other = &desc[words * s];
      for (size_t w = 0; w < words; ++w) row[w] |= other[w];
      row[s >> 6] |= uint64_t{1} << (s & 63);
    }
  }
  // Maximum bipartite matching u -> v (v a descendant of u): greedy, then augmenting paths
  // (Kuhn) whose unvisited right-hand set is a bitset.
  std::vector<int> match_left(n, -1), match_right(n, -1);
  int matched = 0;
  for (int u : order)
    for (int s : g.succs(u))
      if (match_right[s] < 0) {
        match_left[u] = s;
        match_right[s] = u;
        ++matched;
        break;
      }
  std::vector<uint64_t> unvisited(words);
  int64_t work = 0;
  bool out_of_budget = false;
  std::function<bool(int)> augment = [&](int u) -> bool {
    const uint64_t* row = &desc[words * u];
    for (size_t w = 0; w < words; ++w) {
      // The budget holds inside a search too (one augmenting path can visit every operator);
      // a matching left partial still bounds the width from above.
      if (++work > work_budget) {
        out_of_budget = true;
        return false;
      }
      uint64_t cand = row[w] & unvisited[w];
      while (cand) {
        const int v = static_cast<int>(w * 64 + __builtin_ctzll(cand));
        cand &= cand - 1;
        unvisited[w] &= ~(uint64_t{1} << (v & 63));
        if (match_right[v] < 0 || augment(match_right[v])) {
          match_left[u] = v;
          match_right[v] = u;
          return true;
        }
      }
    }
    return false;
  };
  for (int u = 0; u < n && !out_of_budget; ++u) {
    if (match_left[u] >= 0) continue;
    std::fill(unvisited.begin(), unvisited.end(), ~uint64_t{0});
    work += static_cast<int64_t>(words);
    if (augment(u)) ++matched;
    out_of_budget = work > work_budget;
  }
  wb.upper = n - matched;
  if (!out_of_budget) wb.lower = wb.upper;
  return wb;
}

}  // namespace respect
