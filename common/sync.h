// The project's mutex: std::mutex underneath, so ThreadSanitizer sees every hand-off.
//
// absl::Mutex would be the natural choice, but Debian's Abseil is not built with TSan:
// its lock and unlock are invisible to the TSan runtime, which then reports every
// guarded field as a race. std::mutex goes through pthread, which TSan intercepts.
// The interface is absl's (Lock/Unlock, MutexLock, AwaitWithTimeout), with its
// thread-safety annotations, so ABSL_GUARDED_BY keeps its meaning.
#ifndef CASES_COMMON_SYNC_H_
#define CASES_COMMON_SYNC_H_

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"

namespace cases {

class ABSL_LOCKABLE Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { mu_.lock(); }

  // Waiters re-check their condition whenever the mutex is released, as with
  // absl::Mutex::Await, so state changes need no explicit signal.
  void Unlock() ABSL_UNLOCK_FUNCTION() {
    const bool wake = waiters_ > 0;
    mu_.unlock();
    if (wake) cv_.notify_all();
  }

  // With the mutex held: releases it until `condition()` holds or `timeout` passes,
  // then holds it again. True when the condition holds.
  template <typename Condition>
  bool AwaitWithTimeout(Condition condition, absl::Duration timeout)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(this) {
    const auto deadline = std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(timeout);
    std::unique_lock<std::mutex> held(mu_, std::adopt_lock);
    ++waiters_;
    const bool met = cv_.wait_until(held, deadline, condition);
    --waiters_;
    held.release();
    return met;
  }

  // The same, woken only through `cv` (which its waker notifies with the mutex held):
  // for hand-offs to one chosen waiter, which a release would otherwise announce to
  // every waiter at once.
  template <typename Condition>
  bool AwaitSignalWithTimeout(std::condition_variable* cv, Condition condition,
                              absl::Duration timeout) ABSL_EXCLUSIVE_LOCKS_REQUIRED(this) {
    const auto deadline = std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(timeout);
    std::unique_lock<std::mutex> held(mu_, std::adopt_lock);
    const bool met = cv->wait_until(held, deadline, condition);
    held.release();
    return met;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int waiters_ = 0;  // guarded by mu_
};

class ABSL_SCOPED_LOCKABLE MutexLock {
 public:
  explicit MutexLock(Mutex* mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) { mu_->Lock(); }
  ~MutexLock() ABSL_UNLOCK_FUNCTION() { mu_->Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex* const mu_;
};

}  // namespace cases

#endif  // CASES_COMMON_SYNC_H_
