// A small mixed-integer program builder and one call into COIN-OR CBC, shared by every exact
// model in respect (the pipeline ILP, exact step labels for training). CBC is driven the way
// its own executable is (CbcMain0/CbcMain1) with -timeMode elapsed, so the limit is wall-clock.
#pragma once

#include <atomic>
#include <string>
#include <utility>
#include <vector>

class CbcEventHandler;

namespace respect {

struct Term {
  int col;
  double coef;
};

// A linear expression over model columns plus a constant.
struct Expr {
  std::vector<Term> terms;
  double constant = 0;
  void Add(const Expr& e, double scale) {
    for (const Term& t : e.terms) terms.push_back({t.col, t.coef * scale});
    constant += e.constant * scale;
  }
  void Add(int col, double coef) { terms.push_back({col, coef}); }
};

class MilpBuilder {
 public:
  int AddCol(std::string name, double lb, double ub, double obj, bool integer) {
    names.push_back(std::move(name));
    col_lb.push_back(lb);
    col_ub.push_back(ub);
    objective.push_back(obj);
    is_int.push_back(integer);
    return static_cast<int>(names.size()) - 1;
  }
  // lb <= e <= ub (+-infinity allowed); the constant of e moves to the bounds; repeated
  // columns are merged.
  void AddRow(const Expr& e, double lb, double ub);
  int num_cols() const { return static_cast<int>(names.size()); }

  std::vector<std::string> names;
  std::vector<double> col_lb, col_ub, objective;
  std::vector<char> is_int;
  std::vector<int> rows, cols;
  std::vector<double> elems, row_lb, row_ub;
};

struct MilpSolution {
  bool found = false;  // x holds a feasible solution
  bool proven_optimal = false;
  bool proven_infeasible = false;
  double objective = 0, bound = 0;  // in the builder's objective units
  std::vector<double> x;
  std::string status;  // "optimal", "infeasible", "time limit (S s)", ...
};

// How long past its time limit a CBC run may go before it is stopped (CBC checks the limit
// between branch-and-bound nodes only).
double MilpGraceSeconds(double time_limit_s);

// Minimises b.objective. start: a MIP start by column name (may be partial or empty).
// handler: optional CBC event handler (progress); CBC's own output goes to stderr.
// cbc_args: CBC command-line options placed before -solve (e.g. {"-cuts", "off"}).
// cancel: when it becomes true the solve stops within about 0.1 s (the CBC child is killed) and
// returns no solution, status "cancelled".
MilpSolution SolveMilp(const MilpBuilder& b, double time_limit_s,
                       const std::vector<std::pair<std::string, double>>& start,
                       CbcEventHandler* handler = nullptr,
                       const std::vector<std::string>& cbc_args = {},
                       const std::atomic<bool>* cancel = nullptr);

}  // namespace respect
