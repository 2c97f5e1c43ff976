// Noisy neighbours: a per-tenant token bucket (calls per second, with a burst)
// and a per-tenant cap on calls in flight, so one tenant flooding the service is
// told RESOURCE_EXHAUSTED with RetryInfo (reason RATE_LIMITED or
// CONCURRENCY_LIMITED) while other tenants keep their share. Zero turns a limit off.
#ifndef CASES_SERVER_TENANT_LIMITER_H_
#define CASES_SERVER_TENANT_LIMITER_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/sync.h"

namespace cases::server {

struct TenantLimits {
  double calls_per_second = 0;  // 0: no rate limit
  double burst = 0;             // bucket size; defaults to one second of calls
  int max_in_flight = 0;        // 0: no concurrency cap
};

class TenantLimiter {
 public:
  explicit TenantLimiter(TenantLimits limits) : limits_(limits) {}

  bool enabled() const { return limits_.calls_per_second > 0 || limits_.max_in_flight > 0; }
  // Admits one call of `tenant` at `now`; the caller must call Release after an admitted call.
  absl::Status Admit(const std::string& tenant, absl::Time now);
  void Release(const std::string& tenant);

 private:
  struct Bucket {
    double tokens = 0;
    absl::Time refilled = absl::InfinitePast();
    int in_flight = 0;
  };
  const TenantLimits limits_;
  Mutex mu_;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cases::server

#endif  // CASES_SERVER_TENANT_LIMITER_H_
