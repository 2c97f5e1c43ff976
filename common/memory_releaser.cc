#include "common/memory_releaser.h"

#include <malloc.h>

#include "absl/time/clock.h"

namespace cases {

void MemoryReleaser::ReleaseOnce() {
  const absl::Time start = absl::Now();
  malloc_trim(0);
  const absl::Duration took = absl::Now() - start;
  MutexLock lock(&mu_);
  ++passes_;
  time_spent_ += took;
}

void MemoryReleaser::Start() {
  if (interval_ <= absl::ZeroDuration() || thread_.joinable()) {
    return;
  }
  thread_ = std::thread([this] {
    for (;;) {
      {
        MutexLock lock(&mu_);
        if (mu_.AwaitWithTimeout([this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; },
                                 interval_)) {
          return;
        }
      }
      ReleaseOnce();
    }
  });
}

void MemoryReleaser::Stop() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) {
    thread_.join();
  }
}

long long MemoryReleaser::passes() const {
  MutexLock lock(&mu_);
  return passes_;
}

absl::Duration MemoryReleaser::time_spent() const {
  MutexLock lock(&mu_);
  return time_spent_;
}

}  // namespace cases
