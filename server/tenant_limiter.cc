#include "server/tenant_limiter.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/errors.h"

namespace cases::server {

absl::Status TenantLimiter::Admit(const std::string& tenant, absl::Time now) {
  MutexLock lock(&mu_);
  Bucket& b = buckets_[tenant];
  if (limits_.max_in_flight > 0 && b.in_flight >= limits_.max_in_flight) {
    return WithRetryInfo(
        ErrorWithReason(absl::StatusCode::kResourceExhausted, "CONCURRENCY_LIMITED",
                        absl::StrCat("the tenant has ", b.in_flight, " calls in flight already"),
                        {{"limit", std::to_string(limits_.max_in_flight)}}),
        absl::Milliseconds(50));
  }
  if (limits_.calls_per_second > 0) {
    const double burst = limits_.burst > 0 ? limits_.burst : limits_.calls_per_second;
    if (b.refilled == absl::InfinitePast()) {
      b.tokens = burst;
    } else {
      b.tokens = std::min(
          burst, b.tokens + absl::ToDoubleSeconds(now - b.refilled) * limits_.calls_per_second);
    }
    b.refilled = now;
    if (b.tokens < 1) {
      const absl::Duration wait = absl::Seconds((1 - b.tokens) / limits_.calls_per_second);
      return WithRetryInfo(
          ErrorWithReason(absl::StatusCode::kResourceExhausted, "RATE_LIMITED",
                          "the tenant's call rate is over its limit",
                          {{"limit_per_second", absl::StrCat(limits_.calls_per_second)}}),
          std::max(wait, absl::Milliseconds(1)));
    }
    b.tokens -= 1;
  }
  ++b.in_flight;
  return absl::OkStatus();
}

void TenantLimiter::Release(const std::string& tenant) {
  MutexLock lock(&mu_);
  auto it = buckets_.find(tenant);
  if (it != buckets_.end() && it->second.in_flight > 0) {
    --it->second.in_flight;
  }
}

}  // namespace cases::server
