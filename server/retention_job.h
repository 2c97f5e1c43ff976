// The retention job: resolved cases are deleted `retention` after they were
// resolved (their purge_time), and activities `activity_retention` after they were
// written, in small batches, tenant by tenant, so every statement stays
// tenant-scoped. Replicas may run it at once: each case batch skips rows another
// replica holds (FOR UPDATE SKIP LOCKED); activity deletes are idempotent.
#ifndef CASES_SERVER_RETENTION_JOB_H_
#define CASES_SERVER_RETENTION_JOB_H_

#include <atomic>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/sync.h"
#include "sql/activities.h"
#include "sql/pool.h"
#include "sql/subscription_store.h"
#include "sql/tenant_store.h"

namespace cases::server {

class RetentionJob {
 public:
  RetentionJob(sql::TenantStore* tenants, sql::ConnectionPool* pool, sql::ActivityStore* activities,
               absl::Duration interval, absl::Duration activity_retention, int batch = 100)
      : tenants_(tenants),
        pool_(pool),
        activities_(activities),
        interval_(interval),
        activity_retention_(activity_retention),
        batch_(batch) {}
  ~RetentionJob() { Stop(); }

  // One pass over every tenant; returns how many cases were deleted.
  absl::StatusOr<long long> RunOnce(absl::Time now);
  // Runs RunOnce every `interval` on a thread until Stop.
  void Start();
  void Stop();
  long long deleted_total() const { return deleted_total_.load(); }
  // Also purges webhook delivery logs past the activity retention.
  void set_deliveries(sql::SubscriptionStore* deliveries) { deliveries_ = deliveries; }
  long long activities_deleted_total() const { return activities_deleted_total_.load(); }

 private:
  sql::TenantStore* tenants_;
  sql::ConnectionPool* pool_;
  sql::ActivityStore* activities_;
  sql::SubscriptionStore* deliveries_ = nullptr;
  const absl::Duration interval_;
  const absl::Duration activity_retention_;
  const int batch_;
  Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
  std::atomic<long long> deleted_total_{0};
  std::atomic<long long> activities_deleted_total_{0};
};

}  // namespace cases::server

#endif  // CASES_SERVER_RETENTION_JOB_H_
