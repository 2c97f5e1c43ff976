// Executor, where callback handlers run their blocking work: every task submitted
// runs exactly once, on at most its threads, and Shutdown runs what is queued.
#include "common/executor.h"

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "common/sync.h"
#include "tests/unit/unit_testing.h"

namespace cases {
namespace {

TEST(ExecutorTest, ConcurrentSubmittersTasksRunOnceEachOnAtMostItsThreads) {
  constexpr int kThreads = 3, kSubmitters = 4, kEach = 500;
  std::vector<std::atomic<int>> runs(kSubmitters * kEach);
  Mutex mu;
  std::set<std::thread::id> workers;
  {
    Executor executor(kThreads);
    std::vector<std::thread> submitters;
    for (int s = 0; s < kSubmitters; ++s) {
      submitters.emplace_back([&, s] {
        for (int i = 0; i < kEach; ++i) {
          executor.Submit([&, k = s * kEach + i] {
            runs[k].fetch_add(1);
            MutexLock lock(&mu);
            workers.insert(std::this_thread::get_id());
          });
        }
      });
    }
    for (std::thread& t : submitters) {
      t.join();
    }
  }  // the destructor runs what is still queued
  for (const std::atomic<int>& r : runs) {
    EXPECT_EQ(r.load(), 1);
  }
  EXPECT_LE(workers.size(), static_cast<size_t>(kThreads));
  EXPECT_EQ(workers.count(std::this_thread::get_id()), 0u);
}

TEST(ExecutorTest, ShutdownRunsWhatIsQueuedAndDropsWhatComesAfter) {
  std::atomic<int> ran{0};
  Executor executor(1);
  std::atomic<bool> started{false}, release{false};
  executor.Submit([&] {
    started = true;
    while (!release.load()) {
      std::this_thread::yield();
    }
    ran.fetch_add(1);
  });
  ASSERT_TRUE(testing::WaitFor([&] { return started.load(); }));
  for (int i = 0; i < 10; ++i) {
    executor.Submit([&] { ran.fetch_add(1); });
  }
  EXPECT_EQ(executor.queued(), 10u);
  std::thread stopper([&] { executor.Shutdown(); });
  release = true;
  stopper.join();
  EXPECT_EQ(ran.load(), 11);
  executor.Submit([&] { ran.fetch_add(1); });
  EXPECT_EQ(ran.load(), 11);
  EXPECT_EQ(executor.queued(), 0u);
}

}  // namespace
}  // namespace cases
