// The test binary's main: the method table is built once, before any test runs (rl registered
// first, as the CLI's main and the Python module do), so no test sees a different incumbent
// portfolio depending on which tests ran before it.
#include <gtest/gtest.h>

#include "learn/rl_scheduler.h"

int main(int argc, char** argv) {
  respect::RegisterRlScheduler();
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
