// Data-parallel training (c10d ProcessGroupGloo over loopback): two workers give the same
// parameters as one process with the same shards, and a worker that dies or never arrives makes
// the others stop with a one-line error naming their rank, within the timeout.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>

#include "learn/pointer_net.h"
#include "learn/policy.h"
#include "learn/trainer.h"
#include "test_util.h"

namespace respect {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int Port() { return 20000 + static_cast<int>(getpid() % 20000); }

std::string TinyConfig(const std::string& dir, int epochs, int train_graphs, bool fresh = false) {
  const std::string path = dir + (fresh ? "/tiny_fresh.json" : "/tiny.json");
  std::ofstream(path) << fmt::format(
      R"({{"policy": {{"hidden": 32, "max_parents": 3}},
 "graphs": {{"nodes": 10, "in_degree": 3, "min_levels": 3, "max_levels": 6}},
 "eval": {{"nodes": 10, "in_degree": 3, "min_levels": 3, "max_levels": 6, "seed": 2}},
 "train_graphs": {}, "eval_graphs": 32, "baseline_graphs": 32, "batch_size": 32, "epochs": {},
 "shards": 2, "threads": 1, "fresh_graphs": {}}})",
      train_graphs, epochs, fresh);
  return path;
}

// Starts `respect ARGS` as its own process (stderr to err_file), with `env` ("NAME=value ...")
// added to its environment; returns the pid.
pid_t Spawn(const std::string& args, const std::string& err_file, const std::string& env = "") {
  const std::string cmd =
      fmt::format("exec env {} {} {} >/dev/null 2>{}", env, RESPECT_BINARY, args, err_file);
  const pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

// Waits for pid at most `seconds`; returns the exit code, or -1 on a timeout (then kills it).
int WaitFor(pid_t pid, double seconds) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < until) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  return -1;
}

// Each worker draws only the graphs of its own shards (by index, from the seed): with one fixed
// set, and with a fresh set every epoch (fresh_graphs), two workers equal one process.
class DistributedEquality : public ::testing::TestWithParam<bool> {};

TEST_P(DistributedEquality, TwoWorkersEqualOneProcessWithTheSameShards) {
  const bool fresh = GetParam();
  const std::string dir =
      ::testing::TempDir() + (fresh ? "/respect_dist_eq_fresh" : "/respect_dist_eq");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string config = TinyConfig(dir, 2, 128, fresh);
  const pid_t one =
      Spawn(fmt::format("train -q --config {} --out {}/one", config, dir), dir + "/one.err");
  ASSERT_EQ(WaitFor(one, 120), 0) << Slurp(dir + "/one.err");
  const pid_t two =
      Spawn(fmt::format("train -q --config {} --out {}/two --nproc 2 --master 127.0.0.1:{}", config,
                        dir, Port()),
            dir + "/two.err");
  ASSERT_EQ(WaitFor(two, 120), 0) << Slurp(dir + "/two.err");
  // The same history (losses, rewards, t-test p-values) ...
  auto a = nlohmann::json::parse(Slurp(dir + "/one/history.json"));
  auto b = nlohmann::json::parse(Slurp(dir + "/two/history.json"));
  ASSERT_EQ(a.size(), 2u);
  ASSERT_EQ(a.size(), b.size());
  for (size_t e = 0; e < a.size(); ++e) {
    for (const char* k : {"loss", "train_reward", "eval_mismatch", "baseline_p_value"})
      EXPECT_NEAR(a[e][k].get<double>(), b[e][k].get<double>(), 1e-6) << k << " epoch " << e + 1;
    // The time in all-reduces is recorded where there are any.
    EXPECT_EQ(a[e]["comm_seconds"].get<double>(), 0.0);
    EXPECT_GT(b[e]["comm_seconds"].get<double>(), 0.0);
    EXPECT_LT(b[e]["comm_seconds"].get<double>(), b[e]["seconds"].get<double>());
  }
  // ... and the same parameters and batch-norm statistics, up to the reduction order of sums
  // (tolerance 1e-6; two summands are added in the same order, so they are in fact equal).
  auto pa = Policy::Load(dir + "/one/policy.pt"), pb = Policy::Load(dir + "/two/policy.pt");
  ASSERT_TRUE(pa.ok() && pb.ok());
  auto na = pa->state().net, nb = pb->state().net;
  auto ta = na->named_parameters(), tb = nb->named_parameters();
  ASSERT_EQ(ta.size(), tb.size());
  for (const auto& item : ta)
    EXPECT_LE((item.value() - tb[item.key()]).abs().max().item<double>(), 1e-6) << item.key();
  auto ba = na->named_buffers(), bb = nb->named_buffers();
  for (const auto& item : ba)
    EXPECT_LE((item.value().to(torch::kDouble) - bb[item.key()].to(torch::kDouble))
                  .abs()
                  .max()
                  .item<double>(),
              1e-6)
        << item.key();
  if (!fresh) {
    // Launched as torchrun or a SLURM script would: no flags, the group from the environment.
    std::vector<pid_t> env_workers;
    for (int rank = 0; rank < 2; ++rank)
      env_workers.push_back(
          Spawn(fmt::format("train -q --config {} --out {}/env", config, dir),
                fmt::format("{}/env{}.err", dir, rank),
                fmt::format("WORLD_SIZE=2 RANK={} MASTER_ADDR=127.0.0.1 MASTER_PORT={}", rank,
                            Port() + 3)));
    for (int rank = 0; rank < 2; ++rank)
      ASSERT_EQ(WaitFor(env_workers[rank], 120), 0)
          << Slurp(fmt::format("{}/env{}.err", dir, rank));
    auto c = nlohmann::json::parse(Slurp(dir + "/env/history.json"));
    ASSERT_EQ(c.size(), b.size());
    for (size_t e = 0; e < c.size(); ++e) {
      EXPECT_EQ(c[e]["loss"], b[e]["loss"]);
      EXPECT_GT(c[e]["comm_seconds"].get<double>(), 0.0);  // it did run as a group of two
    }
  }
  if (fresh) {  // a new set each epoch: other graphs than the fixed set's
    const std::string fixed_dir = dir + "/fixed";
    const pid_t f = Spawn(
        fmt::format("train -q --config {} --out {}", TinyConfig(dir, 2, 128, false), fixed_dir),
        dir + "/fixed.err");
    ASSERT_EQ(WaitFor(f, 120), 0) << Slurp(dir + "/fixed.err");
    auto c = nlohmann::json::parse(Slurp(fixed_dir + "/history.json"));
    EXPECT_NE(c[0]["train_reward"], a[0]["train_reward"]);
    EXPECT_NE(c[1]["train_reward"], a[1]["train_reward"]);
  }
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Distributed, DistributedEquality, ::testing::Values(false, true),
                         [](const auto& info) {
                           return info.param ? "FreshGraphsEachEpoch" : "OneFixedSet";
                         });

// The launchers' variables fill what the flags leave unset; malformed ones are errors naming them.
TEST(Distributed, LauncherEnvironmentFillsWhatTheFlagsLeaveUnset) {
  std::map<std::string, std::string> env = {
      {"WORLD_SIZE", "4"}, {"RANK", "3"}, {"MASTER_ADDR", "node7"}, {"MASTER_PORT", "4242"}};
  auto getenv = [&env](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  TrainDistribution d;
  ASSERT_TRUE(ApplyLauncherEnvironment(&d, {}, getenv).ok());
  EXPECT_EQ(d.world_size, 4);
  EXPECT_EQ(d.rank, 3);
  EXPECT_EQ(d.master, "node7:4242");
  TrainDistribution flags;  // --world-size 8 --rank 1 --master a:1 given: the flags win
  flags.world_size = 8;
  flags.rank = 1;
  flags.master = "a:1";
  ASSERT_TRUE(ApplyLauncherEnvironment(&flags, {true, true, true}, getenv).ok());
  EXPECT_EQ(flags.world_size, 8);
  EXPECT_EQ(flags.rank, 1);
  EXPECT_EQ(flags.master, "a:1");
  env = {{"MASTER_PORT", "31000"}};  // only the port: the default host keeps
  TrainDistribution port_only;
  ASSERT_TRUE(ApplyLauncherEnvironment(&port_only, {}, getenv).ok());
  EXPECT_EQ(port_only.master, "127.0.0.1:31000");
  EXPECT_EQ(port_only.world_size, 1);
  for (const auto& [name, value] :
       std::vector<std::pair<std::string, std::string>>{{"WORLD_SIZE", "two"},
                                                        {"WORLD_SIZE", "0"},
                                                        {"RANK", "-1"},
                                                        {"MASTER_PORT", "70000"},
                                                        {"RANK", "5x"}}) {
    env = {{name, value}};
    TrainDistribution bad;
    auto st = ApplyLauncherEnvironment(&bad, {}, getenv);
    ASSERT_FALSE(st.ok()) << name << "=" << value;
    EXPECT_NE(st.error().message.find(name), std::string::npos) << st.error().message;
  }
  env = {{"WORLD_SIZE", "2"}, {"RANK", "2"}};
  TrainDistribution outside;
  EXPECT_FALSE(ApplyLauncherEnvironment(&outside, {}, getenv).ok());
  // Through the CLI: one line, exit code 2.
  const std::string err = ::testing::TempDir() + "/respect_env_bad.err";
  EXPECT_EQ(WaitFor(Spawn("train -q --out /nonexistent/run", err, "WORLD_SIZE=many"), 30), 2);
  const std::string text = Slurp(err);
  EXPECT_NE(text.find("WORLD_SIZE"), std::string::npos) << text;
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
}

TEST(Distributed, ALostWorkerStopsTheOthersWithAnError) {
  const std::string dir = ::testing::TempDir() + "/respect_dist_fault";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string config = TinyConfig(dir, 200, 512);  // long enough to be killed mid-run
  const int port = Port() + 1;
  auto worker = [&](int rank) {
    return Spawn(
        fmt::format(
            "train -q --config {} --out {}/run --world-size 2 --rank {} --master 127.0.0.1:{} "
            "--dist-timeout 5",
            config, dir, rank, port),
        fmt::format("{}/rank{}.err", dir, rank));
  };
  const pid_t r0 = worker(0), r1 = worker(1);
  // Let the group form and train an epoch (rank 0 then writes a checkpoint), then kill rank 1.
  for (int i = 0; i < 400 && !std::filesystem::exists(dir + "/run/checkpoint.pt"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(std::filesystem::exists(dir + "/run/checkpoint.pt")) << Slurp(dir + "/rank0.err");
  kill(r1, SIGKILL);
  waitpid(r1, nullptr, 0);
  const auto t0 = std::chrono::steady_clock::now();
  const int code = WaitFor(r0, 30);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(code, 2);  // an error, not a hang (-1) or a crash
  EXPECT_LT(took, 5 + 10);
  const std::string err = Slurp(dir + "/rank0.err");
  EXPECT_NE(err.find("rank 0"), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;  // one line
  // The last checkpoint stays valid: a single process resumes from it.
  auto resumed =
      Spawn(fmt::format("train -q --config {} --out {}/run --resume --epochs 1", config, dir),
            dir + "/resume.err");
  EXPECT_EQ(WaitFor(resumed, 60), 0) << Slurp(dir + "/resume.err");

  // A worker that never arrives: rank 0 gives up after the timeout, with a clear error.
  const pid_t alone =
      Spawn(fmt::format("train -q --config {} --out {}/alone --world-size 2 --rank 0 --master "
                        "127.0.0.1:{} --dist-timeout 2",
                        config, dir, port + 1),
            dir + "/alone.err");
  EXPECT_EQ(WaitFor(alone, 30), 2);
  EXPECT_NE(Slurp(dir + "/alone.err").find("could not join"), std::string::npos)
      << Slurp(dir + "/alone.err");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace respect
