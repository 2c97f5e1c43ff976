// MemoryReleaser: memory a finished burst of work freed goes back to the system,
// and the periodic pass runs until Stop, which returns at once.
#include "common/memory_releaser.h"

#include <unistd.h>

#include <atomic>
#include <fstream>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "tests/unit/unit_testing.h"

namespace cases {
namespace {

long long ResidentBytes() {
  long long pages = 0, resident = 0;
  std::ifstream("/proc/self/statm") >> pages >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

#ifndef __has_feature
#define __has_feature(x) 0
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || \
    __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool kOwnAllocator =
    true;  // the sanitizer's allocator, which malloc_trim does not manage
#else
constexpr bool kOwnAllocator = false;
#endif

TEST(MemoryReleaserTest, MemoryABurstFreedOnAnotherThreadGoesBackToTheSystem) {
  if (kOwnAllocator) {
    GTEST_SKIP() << "sanitizer builds allocate outside glibc's heap";
  }
  constexpr size_t kBlocks = 64 * 1024, kBlock = 1024;  // 64 MiB in small blocks
  std::vector<char*> kept;
  // On a thread of its own, as a burst of calls is: its arena keeps what it frees.
  std::thread burst([&] {
    std::vector<char*> blocks;
    for (size_t i = 0; i < kBlocks; ++i) {
      blocks.push_back(new char[kBlock]);
      std::fill(blocks.back(), blocks.back() + kBlock, 'x');
    }
    for (size_t i = 0; i < kBlocks; ++i) {
      if (i % 256 == 0) {
        kept.push_back(blocks[i]);  // a few survivors keep the arena from shrinking at its top
      } else {
        delete[] blocks[i];
      }
    }
  });
  burst.join();
  const long long before = ResidentBytes();
  MemoryReleaser releaser(absl::ZeroDuration());
  releaser.ReleaseOnce();
  const long long after = ResidentBytes();
  EXPECT_GT(before - after, 32LL << 20) << "resident " << before << " -> " << after;
  EXPECT_EQ(releaser.passes(), 1);
  for (char* block : kept) {
    delete[] block;
  }
}

TEST(MemoryReleaserTest, PassesRunEveryIntervalUntilStopWhichReturnsAtOnce) {
  MemoryReleaser releaser(absl::Milliseconds(5));
  releaser.Start();
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (releaser.passes() < 3 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  EXPECT_GE(releaser.passes(), 3);
  const absl::Time stop = absl::Now();
  releaser.Stop();
  EXPECT_LT(absl::Now() - stop, absl::Seconds(1));
  const long long passes = releaser.passes();
  absl::SleepFor(absl::Milliseconds(20));
  EXPECT_EQ(releaser.passes(), passes);
}

TEST(MemoryReleaserTest, AZeroIntervalStartsNothing) {
  MemoryReleaser releaser(absl::ZeroDuration());
  releaser.Start();
  absl::SleepFor(absl::Milliseconds(20));
  EXPECT_EQ(releaser.passes(), 0);
}

TEST(MemoryReleaserTest, ManyStreamsOpeningOrClosingReleaseWithinASecondNotAtTheInterval) {
  std::atomic<int> open{0};
  MemoryReleaser releaser(absl::Hours(1), [&open] { return open.load(); });
  releaser.Start();
  auto passes_reach = [&](long long n) {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (releaser.passes() < n && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    return releaser.passes();
  };
  open = 300;  // fewer than kStreamChange
  absl::SleepFor(absl::Milliseconds(1500));
  EXPECT_EQ(releaser.passes(), 0);
  open = 4000;  // many opened
  EXPECT_EQ(passes_reach(1), 1);
  open = 3200;  // 800 closed: less than a quarter of 4 000
  absl::SleepFor(absl::Milliseconds(1500));
  EXPECT_EQ(releaser.passes(), 1);
  open = 1000;  // 3 000 of the 4 000 closed
  EXPECT_EQ(passes_reach(2), 2);
  absl::SleepFor(absl::Milliseconds(1500));
  EXPECT_EQ(releaser.passes(), 2) << "a change counts once; the next is measured from 1 000";
  open = 6000;  // opening where many were open: nothing of a previous burst to give back
  absl::SleepFor(absl::Milliseconds(1500));
  EXPECT_EQ(releaser.passes(), 2);
  releaser.Stop();
}

}  // namespace
}  // namespace cases
