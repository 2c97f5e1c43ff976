#include "server/retention_job.h"

#include "absl/time/clock.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "sql/retention.h"

namespace cases::server {

namespace {

// Runs `purge` (one batch) until a batch comes back short; the rows deleted.
template <typename Purge>
absl::StatusOr<long long> PurgeInBatches(int batch, Purge purge) {
  long long deleted = 0;
  while (true) {
    ASSIGN_OR_RETURN(int n, purge());
    deleted += n;
    if (n < batch) {
      return deleted;
    }
  }
}

}  // namespace

absl::StatusOr<long long> RetentionJob::RunOnce(absl::Time now) {
  ASSIGN_OR_RETURN(auto tenants, tenants_->ListAll());
  long long deleted = 0;
  const absl::Time feed_cutoff = now - activity_retention_;
  for (const sql::TenantRow& tenant : tenants) {
    ASSIGN_OR_RETURN(long long cases, PurgeInBatches(batch_, [&] {
                       return sql::PurgeResolvedCases(*pool_, tenant.id, now, batch_);
                     }));
    deleted += cases;
    ASSIGN_OR_RETURN(long long activities, PurgeInBatches(batch_, [&] {
                       return activities_->Purge(tenant.id, feed_cutoff, batch_);
                     }));
    activities_deleted_total_ += activities;
    if (deliveries_ != nullptr) {
      // The delivery log is kept as long as the feed it delivered.
      RETURN_IF_ERROR(PurgeInBatches(batch_, [&] {
                        return deliveries_->PurgeDeliveries(tenant.id, feed_cutoff, batch_);
                      }).status());
    }
  }
  deleted_total_ += deleted;
  return deleted;
}

void RetentionJob::Start() {
  thread_ = std::thread([this] {
    while (true) {
      {
        MutexLock lock(&mu_);
        if (mu_.AwaitWithTimeout([this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; },
                                 interval_)) {
          return;
        }
      }
      auto deleted = RunOnce(absl::Now());
      if (!deleted.ok()) {
        Log(LogLevel::kWarning, "retention pass failed",
            {{"error", std::string(deleted.status().message())}});
      } else if (*deleted > 0) {
        Log(LogLevel::kInfo, "retention deleted resolved cases", {{"cases", *deleted}});
      }
    }
  });
}

void RetentionJob::Stop() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) {
    thread_.join();
  }
}

}  // namespace cases::server
