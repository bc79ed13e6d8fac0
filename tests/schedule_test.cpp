// Schedules: the validator, the schedule file, and Coral's parameter-count partitioner on
// hand-worked examples.
#include "schedulers/schedule.h"

#include <gtest/gtest.h>

#include "core/analysis.h"
#include "schedulers/compiler_partitioner.h"
#include "schedulers/scheduler.h"
#include "test_util.h"

namespace respect {
namespace {

using testing::MakeDag;

//  v0 -> v1 -> v3 -> v4
//    \-> v2 --^
Graph Fork() {
  auto g = MakeDag(5, {{0, 1}, {0, 2}, {1, 3}, {2, 3}, {3, 4}}, {10, 20, 30, 40, 50});
  EXPECT_TRUE(g.ok());
  return std::move(*g);
}

TEST(Schedule, ValidatorAcceptsForwardSchedules) {
  Graph g = Fork();
  EXPECT_TRUE(ValidateSchedule(g, {3, {0, 0, 1, 1, 2}}).ok());
  EXPECT_TRUE(ValidateSchedule(g, {1, {0, 0, 0, 0, 0}}).ok());
  EXPECT_EQ(EmptyStages({4, {0, 0, 1, 1, 3}}), (std::vector<int>{2}));
}

TEST(Schedule, ValidatorRejectsEveryKindOfInvalidSchedule) {
  Graph g = Fork();
  auto bad = [&](Schedule s, const std::string& expect, ValidateOptions o = {}) {
    Status st = ValidateSchedule(g, s, o);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.error().message.find(expect), std::string::npos) << st.error().message;
  };
  bad({2, {0, 1, 0, 0, 1}}, "earlier stage");  // v1 (1) -> v3 (0)
  bad({2, {0, 0, 0, 2, 2}}, "outside");        // stage 2 of 2
  bad({2, {0, 0, -1, 1, 1}}, "outside");
  bad({2, {0, 0, 0, 1}}, "assigns 4 operators");
  bad({0, {}}, "at least 1");
  bad({2, {0, 0, 1, 1, 1}}, "children of 'v0'", {true});  // v1 and v2 split
  EXPECT_TRUE(ValidateSchedule(g, {2, {0, 1, 1, 1, 1}}, {true}).ok());
}

TEST(Schedule, FileFormat) {
  Graph g = Fork();
  auto ok = ScheduleFromJson(
      g, {{"assignment", {{"v0", 0}, {"v1", 0}, {"v2", 1}, {"v3", 1}, {"v4", 1}}}}, "f");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->num_stages, 2);
  EXPECT_EQ(ok->stage_of, (std::vector<int>{0, 0, 1, 1, 1}));
  auto with_count =
      ScheduleFromJson(g, {{"num_stages", 4}, {"assignment", AssignmentToJson(g, *ok)}}, "f");
  ASSERT_TRUE(with_count.ok());
  EXPECT_EQ(with_count->num_stages, 4);
  auto err = [&](nlohmann::json j, const std::string& expect) {
    auto r = ScheduleFromJson(g, j, "plan.json");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find(expect), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.rfind("plan.json: ", 0), 0u);
  };
  err({{"assignment", {{"v0", 0}, {"v1", 0}, {"v2", 1}, {"v3", 1}}}}, "'v4' has no stage");
  err({{"assignment", {{"v0", 0}, {"v1", 0}, {"v2", 1}, {"v3", 1}, {"v4", 1}, {"v9", 0}}}},
      "unknown operator 'v9'");
  err({{"assignment", {{"v0", 1}, {"v1", 0}, {"v2", 1}, {"v3", 1}, {"v4", 1}}}}, "earlier stage");
  err({{"assignment", {{"v0", "a"}}}}, "integer");
  err({{"stages", 3}}, "assignment");
  err({{"num_stages", 1}, {"assignment", AssignmentToJson(g, *ok)}}, "stages");
}

// Coral's partitioner on a chain with parameters 10, 20, 30, 40, 50 (total 150):
// K = 2: target 76: v0..v2 (60) then v3 would make 100 > 76: cut; the rest (90) is last.
// K = 3: target 51: v0, v1 (30), v2 would make 60 > 51: cut; v2 (30), v3 -> 70 > 51: cut.
TEST(CompilerPartitioner, HandWorkedChains) {
  auto g = MakeDag(5, {{0, 1}, {1, 2}, {2, 3}, {3, 4}}, {10, 20, 30, 40, 50});
  ASSERT_TRUE(g.ok());
  auto k2 = CompilerPartition(*g, 2);
  ASSERT_TRUE(k2.ok());
  EXPECT_EQ(k2->stage_of, (std::vector<int>{0, 0, 0, 1, 1}));
  auto k3 = CompilerPartition(*g, 3);
  ASSERT_TRUE(k3.ok());
  EXPECT_EQ(k3->stage_of, (std::vector<int>{0, 0, 1, 2, 2}));
  // K = 5: target 31; every segment must leave one operator per later segment.
  auto k5 = CompilerPartition(*g, 5);
  ASSERT_TRUE(k5.ok());
  EXPECT_EQ(k5->stage_of, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(CompilerPartitioner, AnOversizedLayerGetsItsOwnSegment) {
  // 5, 100, 5, 5 (total 115, K = 2, target 58): v0 alone, then the rest.
  auto g = MakeDag(4, {{0, 1}, {1, 2}, {2, 3}}, {5, 100, 5, 5});
  ASSERT_TRUE(g.ok());
  auto s = CompilerPartition(*g, 2);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->stage_of, (std::vector<int>{0, 1, 1, 1}));
  // K = 3, target 39: v0 (5) then v1 would exceed: cut; v1 alone exceeds: it closes at once.
  auto s3 = CompilerPartition(*g, 3);
  ASSERT_TRUE(s3.ok());
  EXPECT_EQ(s3->stage_of, (std::vector<int>{0, 1, 2, 2}));
}

TEST(CompilerPartitioner, WalksCoralsOrderWithOutputsLast) {
  // Two outputs: sinks go to the bottom of Coral's stack, so v2 runs before the sink v1.
  //   v0 -> v1 (sink), v0 -> v2 -> v3 (sink)
  auto g = MakeDag(4, {{0, 1}, {0, 2}, {2, 3}}, {10, 10, 10, 10});
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(TopologicalOrder(*g, TopoOrderKind::kKahnLifo), (std::vector<int>{0, 2, 1, 3}));
  auto s = CompilerPartition(*g, 2);  // target 21: v0, v2 | v1, v3
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->stage_of, (std::vector<int>{0, 1, 0, 1}));
  EXPECT_TRUE(ValidateSchedule(*g, *s).ok());
}

TEST(CompilerPartitioner, ImpossibleRequestsAreClearErrors) {
  auto g = MakeDag(3, {{0, 1}, {1, 2}}, {1, 1, 1});
  ASSERT_TRUE(g.ok());
  EXPECT_FALSE(CompilerPartition(*g, 0).ok());
  auto e = CompilerPartition(*g, 4);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message.find("4 stages for 3 operators"), std::string::npos);
}

}  // namespace
}  // namespace respect

namespace respect {
namespace {

// The incumbent portfolio is a field of the request: every registered heuristic by default (rl
// included: the test main registers it before any test, as the CLI does), or the names given;
// an unknown name is an error, never silently skipped. Results name what ran (engine).
TEST(Registry, PortfolioIsExplicitAndResultsSayWhatRan) {
  auto defaults = PortfolioOf(ScheduleRequest(3));
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(*defaults, (std::vector<std::string>{"compiler", "profiling", "list", "dp", "rl"}));
  // No shared constants: every stage cost takes the lattice's fast path, so exact proves it in
  // well under the limit even where the host's controller sets the period.
  Graph g = RandomNet(40, 3, false, /*share_constants=*/false);
  CostModel m(g, SmallCacheUsb());
  ScheduleRequest r(3);
  r.time_limit_s = 10;
  r.portfolio = {"compiler"};
  auto only_compiler = RunScheduler("exact", m, r);
  ASSERT_TRUE(only_compiler.ok()) << only_compiler.error().message;
  EXPECT_EQ(only_compiler->engine, "lattice");
  EXPECT_TRUE(only_compiler->proven_optimal);
  r.portfolio = {};
  auto all = RunScheduler("exact", m, r);
  ASSERT_TRUE(all.ok());
  EXPECT_NEAR(all->objective_value, only_compiler->objective_value, 1e-12);  // both proven
  r.portfolio = {"compiler", "no-such-method"};
  auto bad = RunScheduler("exact", m, r);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("no-such-method"), std::string::npos);
  r.portfolio = {};
  auto dp = RunScheduler("dp", m, r);
  ASSERT_TRUE(dp.ok());
  EXPECT_EQ(dp->engine, "dp");
  EXPECT_FALSE(dp->handed_over);
}

}  // namespace
}  // namespace respect
