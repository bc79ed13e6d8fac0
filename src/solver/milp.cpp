#include "solver/milp.h"

#include <fmt/format.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CbcEventHandler.hpp>
#include <CbcModel.hpp>
#include <CbcSolver.hpp>
#include <CoinPackedMatrix.hpp>
#include <OsiClpSolverInterface.hpp>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <limits>

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

double MilpGraceSeconds(double time_limit_s) { return std::max(0.5, 0.05 * time_limit_s); }

namespace {

MilpSolution SolveInProcess(const MilpBuilder& b, double time_limit_s,
                            const std::vector<std::pair<std::string, double>>& start,
                            CbcEventHandler* handler, const std::vector<std::string>& cbc_args) {
  OsiClpSolverInterface solver;
  CoinPackedMatrix matrix(true, b.rows.data(), b.cols.data(), b.elems.data(),
                          static_cast<CoinBigIndex>(b.elems.size()));
  matrix.setDimensions(static_cast<int>(b.row_lb.size()), b.num_cols());
  solver.loadProblem(matrix, b.col_lb.data(), b.col_ub.data(), b.objective.data(), b.row_lb.data(),
                     b.row_ub.data());
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
  std::vector<std::string> args = {"respect", "-log", "0", "-timeMode", "elapsed", "-sec", seconds};
  args.insert(args.end(), cbc_args.begin(), cbc_args.end());
  args.push_back("-solve");
  args.push_back("-quit");
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
  if (out.proven_optimal)
    out.status = "optimal";
  else if (out.proven_infeasible)
    out.status = "infeasible";
  else if (model.isSecondsLimitReached())
    out.status = fmt::format("time limit ({:.3g} s)", std::max(time_limit_s, 0.01));
  else
    out.status = fmt::format("stopped (CBC status {}/{})", model.status(), model.secondaryStatus());
  return out;
}

// The solution as bytes through a pipe: flags, objective, bound, status, x.
std::string Serialize(const MilpSolution& s) {
  std::string buf;
  auto put = [&buf](const void* p, size_t n) { buf.append(static_cast<const char*>(p), n); };
  const char flags[3] = {s.found, s.proven_optimal, s.proven_infeasible};
  put(flags, 3);
  put(&s.objective, sizeof(double));
  put(&s.bound, sizeof(double));
  const uint64_t len = s.status.size(), nx = s.x.size();
  put(&len, sizeof len);
  put(s.status.data(), len);
  put(&nx, sizeof nx);
  put(s.x.data(), nx * sizeof(double));
  return buf;
}

bool Deserialize(const std::string& buf, MilpSolution& s) {
  size_t at = 0;
  auto get = [&](void* p, size_t n) {
    if (at + n > buf.size()) return false;
    std::memcpy(p, buf.data() + at, n);
    at += n;
    return true;
  };
  char flags[3];
  uint64_t len = 0, nx = 0;
  if (!get(flags, 3) || !get(&s.objective, sizeof(double)) || !get(&s.bound, sizeof(double)) ||
      !get(&len, sizeof len))
    return false;
  if (len > buf.size()) return false;
  s.status.assign(len, ' ');
  if (!get(s.status.data(), len) || !get(&nx, sizeof nx) || nx > buf.size()) return false;
  s.x.assign(nx, 0);
  if (!get(s.x.data(), nx * sizeof(double))) return false;
  s.found = flags[0];
  s.proven_optimal = flags[1];
  s.proven_infeasible = flags[2];
  return at == buf.size();
}

}  // namespace

// CBC runs in a child process: CBC 2.10 can crash (for example in CglPreProcess::postProcess
// when the time limit strikes during preprocessing), and a crash there must cost the caller
// only the solver's answer, never the program. The child inherits the model and the handler
// (whose progress lines go to stderr) and sends the solution back through a pipe.
MilpSolution SolveMilp(const MilpBuilder& b, double time_limit_s,
                       const std::vector<std::pair<std::string, double>>& start,
                       CbcEventHandler* handler, const std::vector<std::string>& cbc_args,
                       const std::atomic<bool>* cancel) {
  int fds[2];
  if (pipe(fds) != 0) return SolveInProcess(b, time_limit_s, start, handler, cbc_args);
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return SolveInProcess(b, time_limit_s, start, handler, cbc_args);
  }
  if (pid == 0) {
    // CBC never outlives the program that asked for it (a Python session interrupted and exiting,
    // a killed CLI): the kernel kills it with its parent.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(3);
    close(fds[0]);
    const std::string buf = Serialize(SolveInProcess(b, time_limit_s, start, handler, cbc_args));
    size_t done = 0;
    while (done < buf.size()) {
      const ssize_t w = write(fds[1], buf.data() + done, buf.size() - done);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) _exit(3);
      done += static_cast<size_t>(w);
    }
    close(fds[1]);
    std::fflush(stderr);
    _exit(0);
  }
  close(fds[1]);
  // CBC checks its time limit between nodes, not inside a long root LP or preprocessing: the
  // child is killed if it overruns the limit by more than a grace period.
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<int64_t>(
                            1000 * (time_limit_s + MilpGraceSeconds(time_limit_s))));
  std::string buf;
  char chunk[1 << 16];
  bool killed = false, cancelled = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (cancel && cancel->load()) {
      kill(pid, SIGKILL);
      cancelled = true;
      break;
    }
    if (left.count() <= 0) {
      kill(pid, SIGKILL);
      killed = true;
      break;
    }
    pollfd pfd{fds[0], POLLIN, 0};
    const int ready =
        poll(&pfd, 1, static_cast<int>(std::min<int64_t>(left.count(), cancel ? 100 : 1000)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) continue;
    const ssize_t r = read(fds[0], chunk, sizeof chunk);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    buf.append(chunk, static_cast<size_t>(r));
  }
  close(fds[0]);
  int wstatus = 0;
  while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  MilpSolution out;
  if (!killed && !cancelled && WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0 &&
      Deserialize(buf, out))
    return out;
  out = MilpSolution{};
  if (cancelled)
    out.status = "cancelled";
  else if (killed)
    out.status = fmt::format(
        "did not stop at its {:.3g} s limit (stuck in preprocessing or the root LP); "
        "stopped, no solution from it",
        time_limit_s);
  else if (WIFSIGNALED(wstatus))
    out.status = fmt::format("crashed ({}); no solution from it", strsignal(WTERMSIG(wstatus)));
  else
    out.status = "failed; no solution from it";
  return out;
}

}  // namespace respect
