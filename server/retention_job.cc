#include "server/retention_job.h"

#include "absl/time/clock.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "sql/retention.h"

namespace cases::server {

absl::StatusOr<long long> RetentionJob::RunOnce(absl::Time now) {
  ASSIGN_OR_RETURN(auto tenants, tenants_->ListAll());
  long long deleted = 0;
  for (const sql::TenantRow& tenant : tenants) {
    while (true) {
      ASSIGN_OR_RETURN(int n, sql::PurgeResolvedCases(*pool_, tenant.id, now, batch_));
      deleted += n;
      if (n < batch_) {
        break;
      }
    }
    while (true) {
      ASSIGN_OR_RETURN(int n, activities_->Purge(tenant.id, now - activity_retention_, batch_));
      activities_deleted_total_ += n;
      if (n < batch_) {
        break;
      }
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
