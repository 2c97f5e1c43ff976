// A fixed set of threads that run submitted tasks in submission order: where
// casesd's callback handlers put work that blocks (a database round trip), so
// gRPC's own few callback threads never wait on it and a stream holds no thread
// while it waits for its next message.
//
//   Executor executor(8);
//   executor.Submit([reactor] { reactor->Pump(); });
//
// Shutdown (or the destructor) runs every task already submitted, then joins the
// threads; a task submitted after that starts is dropped.
#ifndef CASES_COMMON_EXECUTOR_H_
#define CASES_COMMON_EXECUTOR_H_

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/functional/any_invocable.h"

namespace cases {

class Executor {
 public:
  explicit Executor(int threads) {
    for (int i = 0; i < std::max(1, threads); ++i) {
      threads_.emplace_back([this] { Work(); });
    }
  }
  ~Executor() { Shutdown(); }

  // Runs every task already submitted, then joins the threads; later submissions
  // are dropped.
  void Shutdown() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    ready_.notify_all();
    for (std::thread& t : threads_) {
      t.join();
    }
    threads_.clear();
  }
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  void Submit(absl::AnyInvocable<void() &&> task) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) {
        return;
      }
      tasks_.push_back(std::move(task));
    }
    ready_.notify_one();  // one idle thread, not all of them
  }

  // Tasks submitted and not yet started (a gauge for /metrics).
  size_t queued() const {
    std::lock_guard<std::mutex> lock(mu_);
    return tasks_.size();
  }

 private:
  void Work() {
    while (true) {
      absl::AnyInvocable<void() &&> task;
      {
        std::unique_lock<std::mutex> lock(mu_);
        ready_.wait(lock, [this] { return !tasks_.empty() || stopping_; });
        if (tasks_.empty()) {
          return;  // stopping, and nothing left to run
        }
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      std::move(task)();
    }
  }

  // std::mutex and a condition variable of its own rather than common/sync.h's
  // Mutex, whose every unlock wakes all waiters: a submit wakes one thread.
  mutable std::mutex mu_;
  std::condition_variable ready_;
  std::deque<absl::AnyInvocable<void() &&>> tasks_;  // guarded by mu_
  bool stopping_ = false;                            // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace cases

#endif  // CASES_COMMON_EXECUTOR_H_
