// Helpers for the fast tests (no database, no process), shared with the
// integration tests: waiting on a condition with a deadline, and a matcher that
// reads an absl::Status as a spec (code and ErrorInfo reason).
#ifndef CASES_TESTS_UNIT_UNIT_TESTING_H_
#define CASES_TESTS_UNIT_UNIT_TESTING_H_

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/errors.h"

namespace cases::testing {

// Polls `condition` until it holds or `timeout` passes; its last answer.
inline bool WaitFor(const std::function<bool()>& condition,
                    absl::Duration timeout = absl::Seconds(10)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (condition()) {
      return true;
    }
    std::this_thread::yield();
    absl::SleepFor(absl::Milliseconds(10));
  }
  return condition();
}

MATCHER_P2(AbslStatusIs, code, reason,
           std::string(negation ? "isn't" : "is") + " " + absl::StatusCodeToString(code) +
               " with reason '" + std::string(reason) + "'") {
  const absl::Status& status = arg;
  *result_listener << status << ", reason '" << ErrorReason(status) << "'";
  return status.code() == code && ErrorReason(status) == std::string(reason);
}

}  // namespace cases::testing

#endif  // CASES_TESTS_UNIT_UNIT_TESTING_H_
