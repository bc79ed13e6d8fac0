#include "core/analysis.h"

#include <algorithm>
#include <cstdint>
#include <deque>
#include <numeric>
#include <queue>

namespace respect {

const char* TopoOrderName(TopoOrderKind k) {
  switch (k) {
    case TopoOrderKind::kKahnFifo:
      return "kahn_fifo";
    case TopoOrderKind::kKahnLifo:
      return "kahn_lifo";
    case TopoOrderKind::kDepthFirst:
      return "depth_first";
    case TopoOrderKind::kAsap:
      return "asap";
    case TopoOrderKind::kAlap:
      return "alap";
  }
  return "?";
}

const std::vector<TopoOrderKind>& AllTopoOrders() {
  static const std::vector<TopoOrderKind> all = {TopoOrderKind::kKahnFifo, TopoOrderKind::kKahnLifo,
                                                 TopoOrderKind::kDepthFirst, TopoOrderKind::kAsap,
                                                 TopoOrderKind::kAlap};
  return all;
}

std::vector<int> TopologicalOrder(const Graph& g, TopoOrderKind kind) {
  const int n = g.num_ops();
  std::vector<int> order;
  order.reserve(n);
  switch (kind) {
    case TopoOrderKind::kKahnFifo:
    case TopoOrderKind::kKahnLifo: {
      std::vector<int> indeg(n);
      for (int v = 0; v < n; ++v) indeg[v] = static_cast<int>(g.preds(v).size());
      if (kind == TopoOrderKind::kKahnFifo) {
        std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
        for (int v = 0; v < n; ++v)
          if (indeg[v] == 0) ready.push(v);
        while (!ready.empty()) {
          int u = ready.top();
          ready.pop();
          order.push_back(u);
          for (int v : g.succs(u))
            if (--indeg[v] == 0) ready.push(v);
        }
      } else {
        // Sources pushed in descending id so the smallest is popped first; a finished node's
        // newly ready successors are pushed in descending id, so the walk continues into the
        // smallest-id successor (depth-first flavour of Kahn with a stack). As in Coral's
        // partitioner, a ready node without successors (a graph output) goes to the bottom of
        // the stack: outputs run as late as possible. Coral takes children in its edge list's
        // (hash) order; smallest id first is our deterministic stand-in.
        std::deque<int> stack;
        for (int v = n - 1; v >= 0; --v)
          if (indeg[v] == 0) stack.push_back(v);
        while (!stack.empty()) {
          int u = stack.back();
          stack.pop_back();
          order.push_back(u);
          const auto& s = g.succs(u);
          for (int v : s)
            if (indeg[v] == 1 && g.succs(v).empty()) stack.push_front(v);
          for (auto it = s.rbegin(); it != s.rend(); ++it)
            if (--indeg[*it] == 0 && !g.succs(*it).empty()) stack.push_back(*it);
        }
      }
      break;
    }
    case TopoOrderKind::kDepthFirst: {
      // Iterative DFS; reverse post-order is topological.
      std::vector<char> state(n, 0);
      std::vector<int> post;
      post.reserve(n);
      std::vector<std::pair<int, size_t>> stack;
      for (int root = n - 1; root >= 0; --root) {
        if (!g.preds(root).empty() || state[root]) continue;
        stack.push_back({root, 0});
        state[root] = 1;
        while (!stack.empty()) {
          auto& [v, i] = stack.back();
          const auto& s = g.succs(v);
          if (i < s.size()) {
            int w = s[s.size() - 1 - i++];
            if (!state[w]) {
              state[w] = 1;
              stack.push_back({w, 0});
            }
          } else {
            post.push_back(v);
            stack.pop_back();
          }
        }
      }
      order.assign(post.rbegin(), post.rend());
      break;
    }
    case TopoOrderKind::kAsap:
    case TopoOrderKind::kAlap: {
      const std::vector<int> level = kind == TopoOrderKind::kAsap ? AsapLevels(g) : AlapLevels(g);
      order.resize(n);
      std::iota(order.begin(), order.end(), 0);
      std::stable_sort(order.begin(), order.end(),
                       [&](int a, int b) { return level[a] < level[b]; });
      break;
    }
  }
  return order;
}

bool IsTopologicalOrder(const Graph& g, const std::vector<int>& order) {
  const int n = g.num_ops();
  if (static_cast<int>(order.size()) != n) return false;
  std::vector<int> pos(n, -1);
  for (int i = 0; i < n; ++i) {
    if (order[i] < 0 || order[i] >= n || pos[order[i]] != -1) return false;
    pos[order[i]] = i;
  }
  for (int v = 0; v < n; ++v)
    for (int u : g.preds(v))
      if (pos[u] > pos[v]) return false;
  return true;
}

std::vector<int> AsapLevels(const Graph& g) {
  std::vector<int> level(g.num_ops(), 0);
  for (int v : TopologicalOrder(g, TopoOrderKind::kKahnFifo))
    for (int u : g.preds(v)) level[v] = std::max(level[v], level[u] + 1);
  return level;
}

std::vector<int> AlapLevels(const Graph& g) {
  const int depth = Depth(g);
  std::vector<int> level(g.num_ops(), depth - 1);
  std::vector<int> order = TopologicalOrder(g, TopoOrderKind::kKahnFifo);
  for (auto it = order.rbegin(); it != order.rend(); ++it)
    for (int w : g.succs(*it)) level[*it] = std::min(level[*it], level[w] - 1);
  return level;
}

int Depth(const Graph& g) {
  std::vector<int> level = AsapLevels(g);
  return level.empty() ? 0 : *std::max_element(level.begin(), level.end()) + 1;
}

int MaxInDegree(const Graph& g) {
  int d = 0;
  for (int v = 0; v < g.num_ops(); ++v) d = std::max(d, static_cast<int>(g.preds(v).size()));
  return d;
}

int MaxOutDegree(const Graph& g) {
  int d = 0;
  for (int v = 0; v < g.num_ops(); ++v) d = std::max(d, static_cast<int>(g.succs(v).size()));
  return d;
}

void ForEachReachSet(const Graph& g, bool up,
                     const std::function<void(int v, const uint64_t* bits)>& visit) {
  const int n = g.num_ops();
  const size_t words = (static_cast<size_t>(n) + 63) / 64;
  std::vector<uint64_t> bits(words * n, 0);
  std::vector<int> order = TopologicalOrder(g, TopoOrderKind::kKahnFifo);
  if (!up) std::reverse(order.begin(), order.end());
  for (int v : order) {
    uint64_t* row = &bits[words * v];
    for (int u : up ? g.preds(v) : g.succs(v)) {
      const uint64_t* other = &bits[words * u];
      for (size_t w = 0; w < words; ++w) row[w] |= other[w];
      row[u / 64] |= uint64_t{1} << (u % 64);
    }
    visit(v, row);
  }
}

namespace {
std::vector<int> ReachCounts(const Graph& g, bool up) {
  const size_t words = (static_cast<size_t>(g.num_ops()) + 63) / 64;
  std::vector<int> counts(g.num_ops(), 0);
  ForEachReachSet(g, up, [&](int v, const uint64_t* row) {
    int c = 0;
    for (size_t w = 0; w < words; ++w) c += __builtin_popcountll(row[w]);
    counts[v] = c;
  });
  return counts;
}
}  // namespace

std::vector<int> AncestorCounts(const Graph& g) { return ReachCounts(g, /*up=*/true); }

std::vector<int> DescendantCounts(const Graph& g) { return ReachCounts(g, /*up=*/false); }

std::vector<int> WeakComponentOf(const Graph& g) {
  const int n = g.num_ops();
  std::vector<int> comp(n, -1);
  int count = 0;
  for (int s = 0; s < n; ++s) {
    if (comp[s] != -1) continue;
    std::vector<int> stack = {s};
    comp[s] = count;
    while (!stack.empty()) {
      int v = stack.back();
      stack.pop_back();
      for (const auto* adj : {&g.preds(v), &g.succs(v)})
        for (int w : *adj)
          if (comp[w] == -1) {
            comp[w] = count;
            stack.push_back(w);
          }
    }
    ++count;
  }
  return comp;
}

int WeaklyConnectedComponents(const Graph& g) {
  const std::vector<int> comp = WeakComponentOf(g);
  return comp.empty() ? 0 : *std::max_element(comp.begin(), comp.end()) + 1;
}

}  // namespace respect
