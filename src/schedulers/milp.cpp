#include "schedulers/milp.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <limits>

#include <CbcEventHandler.hpp>
#include <CbcModel.hpp>
#include <CbcSolver.hpp>
#include <CoinPackedMatrix.hpp>
#include <OsiClpSolverInterface.hpp>
#include <fmt/format.h>

namespace respect {

void MilpBuilder::AddRow(const Expr& e, double lb, double ub) {
  const int row = static_cast<int>(row_lb.size());
  std::vector<Term> t = e.terms;
  std::sort(t.begin(), t.end(), [](const Term& a, const Term& b) { return a.col < b.col; });
  for (size_t i = 0; i < t.size();) {
    double c = 0;
    size_t j = i;
    for (; j < t.size() && t[j].col == t[i].col; ++j) c += t[j].coef;
    if (c != 0) {
      rows.push_back(row);
      cols.push_back(t[i].col);
      elems.push_back(c);
    }
    i = j;
  }
  const double inf = std::numeric_limits<double>::infinity();
  row_lb.push_back(lb == -inf ? -COIN_DBL_MAX : lb - e.constant);
  row_ub.push_back(ub == inf ? COIN_DBL_MAX : ub - e.constant);
}

namespace {

// CBC prints banners on stdout whatever its log level; a caller printing JSON there must not
// get them. Sends stdout to stderr while alive.
class StdoutToStderr {
 public:
  StdoutToStderr() {
    std::fflush(stdout);
    saved_ = dup(STDOUT_FILENO);
    if (saved_ >= 0) dup2(STDERR_FILENO, STDOUT_FILENO);
  }
  ~StdoutToStderr() {
    std::fflush(stdout);
    if (saved_ >= 0) {
      dup2(saved_, STDOUT_FILENO);
      close(saved_);
    }
  }
  StdoutToStderr(const StdoutToStderr&) = delete;
  StdoutToStderr& operator=(const StdoutToStderr&) = delete;

 private:
  int saved_ = -1;
};

// CbcMain1 calls this at fixed points of its run and may dereference it: never pass null.
int NoCallback(CbcModel*, int) { return 0; }

}  // namespace

MilpSolution SolveMilp(const MilpBuilder& b, double time_limit_s,
                       const std::vector<std::pair<std::string, double>>& start, CbcEventHandler* handler) {
  OsiClpSolverInterface solver;
  CoinPackedMatrix matrix(true, b.rows.data(), b.cols.data(), b.elems.data(),
                          static_cast<CoinBigIndex>(b.elems.size()));
  matrix.setDimensions(static_cast<int>(b.row_lb.size()), b.num_cols());
  solver.loadProblem(matrix, b.col_lb.data(), b.col_ub.data(), b.objective.data(),
                     b.row_lb.data(), b.row_ub.data());
  for (int c = 0; c < b.num_cols(); ++c) {
    solver.setColName(c, b.names[c]);
    if (b.is_int[c]) solver.setInteger(c);
  }
  solver.messageHandler()->setLogLevel(0);

  CbcModel model(solver);
  model.messageHandler()->setLogLevel(0);
  if (!start.empty()) model.setMIPStart(start);
  if (handler) model.passInEventHandler(handler);

  const std::string seconds = fmt::format("{}", std::max(time_limit_s, 0.01));
  const std::vector<std::string> args = {"respect", "-log", "0", "-timeMode", "elapsed", "-sec", seconds,
                                         "-solve", "-quit"};
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  {
    StdoutToStderr quiet;
    CbcSolverUsefulData data;
    data.noPrinting_ = true;
    CbcMain0(model, data);
    model.messageHandler()->setLogLevel(0);
    CbcMain1(static_cast<int>(argv.size()), argv.data(), model, NoCallback, data);
  }

  MilpSolution out;
  out.proven_infeasible = model.isProvenInfeasible();
  out.bound = model.getBestPossibleObjValue();
  const double* sol = model.bestSolution();
  if (sol && model.getNumCols() == b.num_cols()) {
    out.found = true;
    out.objective = model.getObjValue();
    out.x.assign(sol, sol + b.num_cols());
  }
  out.proven_optimal = out.found && model.isProvenOptimal();
  if (out.proven_optimal) out.status = "optimal";
  else if (out.proven_infeasible) out.status = "infeasible";
  else if (model.isSecondsLimitReached()) out.status = fmt::format("time limit ({} s)", seconds);
  else out.status = fmt::format("stopped (CBC status {}/{})", model.status(), model.secondaryStatus());
  return out;
}

}  // namespace respect
