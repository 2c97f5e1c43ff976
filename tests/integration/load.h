// Callers hammering a casesd while a test breaks something under them, and the
// tally of how their calls failed.
#ifndef CASES_TESTS_INTEGRATION_LOAD_H_
#define CASES_TESTS_INTEGRATION_LOAD_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "cases/client.h"

namespace cases::testing {

class CallerLoad {
 public:
  // Starts `callers` threads; each calls `call(caller, n)` for n = 0, 1, … until
  // Stop, with `context` (bearer `token`, 5 s deadline) and records its outcome.
  using Call = std::function<grpc::Status(int caller, int n, grpc::ClientContext* context)>;
  CallerLoad(int callers, const std::string& token, Call call) {
    for (int i = 0; i < callers; ++i) {
      threads_.emplace_back([this, token, call, i] {
        for (int n = 0; !stop_.load(); ++n) {
          grpc::ClientContext context;
          context.AddMetadata("authorization", "Bearer " + token);
          context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
          const absl::Time start = absl::Now();
          const grpc::Status s = call(i, n, &context);
          Count(s, start, absl::Now());
        }
      });
    }
  }
  ~CallerLoad() { Stop(); }
  void Stop() {
    stop_ = true;
    for (auto& t : threads_) {
      if (t.joinable()) {
        t.join();
      }
    }
  }
  int succeeded() {
    std::lock_guard<std::mutex> lock(mu_);
    return succeeded_;
  }
  int unavailable() {
    std::lock_guard<std::mutex> lock(mu_);
    return unavailable_;
  }
  // From now on, remember when the first call that starts after this succeeds.
  void MarkFault() {
    std::lock_guard<std::mutex> lock(mu_);
    since_ = absl::Now();
    first_success_ = absl::InfiniteFuture();
  }
  // MarkFault to the first success of a call started after it; infinite if none yet.
  absl::Duration Recovery() {
    std::lock_guard<std::mutex> lock(mu_);
    return first_success_ - since_;
  }

  // Read after Stop (or under mu_).
  std::mutex mu_;
  int succeeded_ = 0, unavailable_ = 0, with_retry_info_ = 0, deadline_ = 0;
  std::vector<std::string> other_;  // every other failure: code and message
  absl::Duration longest_;

 private:
  void Count(const grpc::Status& s, absl::Time start, absl::Time end) {
    std::lock_guard<std::mutex> lock(mu_);
    longest_ = std::max(longest_, end - start);
    if (s.ok()) {
      ++succeeded_;
      if (start > since_) {
        first_success_ = std::min(first_success_, end);
      }
    } else if (s.error_code() == grpc::StatusCode::UNAVAILABLE) {
      ++unavailable_;
      with_retry_info_ += client::DetailsOf(s).retry_delay.has_value() ? 1 : 0;
    } else if (s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
      ++deadline_;
    } else {
      other_.push_back(absl::StrCat(s.error_code(), ": ", s.error_message()));
    }
  }

  std::atomic<bool> stop_{false};
  absl::Time since_ = absl::InfiniteFuture(), first_success_ = absl::InfiniteFuture();
  std::vector<std::thread> threads_;
};

}  // namespace cases::testing

#endif  // CASES_TESTS_INTEGRATION_LOAD_H_
