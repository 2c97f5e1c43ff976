#include "common/memory_releaser.h"

#include <malloc.h>

#include <algorithm>

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

bool MemoryReleaser::StreamsChanged(int at_last_pass, int* high) const {
  if (!open_streams_) {
    return false;
  }
  const int now = open_streams_();
  *high = std::max(*high, now);
  const bool closed = *high - now >= std::max(kStreamChange, *high / 4);
  const bool opened = at_last_pass < kStreamChange && now - at_last_pass >= kStreamChange;
  return closed || opened;
}

void MemoryReleaser::Start() {
  if (interval_ <= absl::ZeroDuration() || thread_.joinable()) {
    return;
  }
  const absl::Duration tick = open_streams_ ? std::min(interval_, absl::Seconds(1)) : interval_;
  thread_ = std::thread([this, tick] {
    absl::Time next = absl::Now() + interval_;
    int at_last_pass = open_streams_ ? open_streams_() : 0;
    int high = at_last_pass;
    for (;;) {
      {
        MutexLock lock(&mu_);
        if (mu_.AwaitWithTimeout([this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; },
                                 tick)) {
          return;
        }
      }
      if (absl::Now() >= next || StreamsChanged(at_last_pass, &high)) {
        at_last_pass = high = open_streams_ ? open_streams_() : 0;
        ReleaseOnce();
        next = absl::Now() + interval_;
      }
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
