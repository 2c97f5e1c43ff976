// Delivers webhook subscriptions (domain/subscriptions.h). Each replica runs one
// dispatcher: a scanner that looks, every second and when woken, for delivering
// subscriptions whose lease is free, takes their leases (sql::SubscriptionStore,
// with the database's clock) up to `max_workers`, and runs a worker thread per
// leased subscription. Two replicas never deliver one subscription at once, and
// a dead replica's lease runs out (`lease`) and is taken over.
//
// A worker, while it holds the lease: reads the activities after the
// subscription's cursor in every tenant its creator reaches (ids within a tenant
// follow commit order, so nothing committed late is missed), merges them by id,
// skips those the creator could not read or whose type is not subscribed, and
// POSTs the rest one at a time in that order (webhook::Sender). A failure stops
// the round: the same activity is retried after 1 s, doubling to 1 h, for 24 h,
// then the subscription is DISABLED; 410 disables it at once. Each round's
// attempts, cursors and state are written in one transaction after the round, so
// a crash re-sends at most that round (at least once; the receiver recognises a
// repeat by Cases-Activity). HTTP happens with no database connection held.
//
// A prober, apart from the workers, reads from the database every
// subscription's backlog (any state, leased or not) for the oldest-undelivered
// gauge.
#ifndef CASES_DOMAIN_WEBHOOK_DISPATCHER_H_
#define CASES_DOMAIN_WEBHOOK_DISPATCHER_H_

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "common/sync.h"
#include "domain/activity_hub.h"
#include "sql/activities.h"
#include "sql/subscription_store.h"
#include "tenancy/directory.h"
#include "tenancy/guard.h"
#include "webhook/sender.h"

namespace cases::domain {

inline constexpr absl::Duration kFirstRetry = absl::Seconds(1);
inline constexpr absl::Duration kMaxRetry = absl::Hours(1);
inline constexpr absl::Duration kRetryFor = absl::Hours(24);

// When the attempt after `failures` consecutive failures may be made.
absl::Duration RetryDelay(int failures);

// One attempt, for metrics.
struct DeliveryObservation {
  std::string outcome;  // "delivered", "failed", "timeout", "refused", "disabled"
  absl::Duration latency;
  absl::Duration since_commit;  // from the activity's commit to the end of the attempt
};

struct DispatcherOptions {
  std::string owner;  // this replica's lease owner id
  absl::Duration lease = absl::Seconds(30);
  int max_workers = 32;
  absl::Duration scan_every = absl::Seconds(1);
  std::function<void(const DeliveryObservation&)> observe;
  // Every `probe_every`, for each subscription state ("active", "paused",
  // "failing", "disabled"): when the oldest activity a subscription in that
  // state has yet to send was committed (nullopt: none waits). Unset: no probe.
  absl::Duration probe_every = absl::Seconds(15);
  std::function<void(const std::map<std::string, std::optional<absl::Time>>&)> backlog;
};

class WebhookDispatcher {
 public:
  WebhookDispatcher(const tenancy::Guard* guard, tenancy::TenantDirectory* directory,
                    sql::SubscriptionStore* subscriptions, sql::ActivityStore* activities,
                    ActivityHub* hub, const webhook::Sender* sender, DispatcherOptions options);
  ~WebhookDispatcher();

  void Start();
  // Stops the workers (an attempt in flight ends first) and releases their leases.
  void Stop();
  // Scans now (a subscription was created or resumed).
  void Wake();
  int running() const;

 private:
  struct Worker {
    std::thread thread;
    std::atomic<bool> done{false};
  };

  void ScanLoop();
  void Scan();
  void ProbeLoop();
  // The backlog per state, as DispatcherOptions::backlog reports it.
  std::map<std::string, std::optional<absl::Time>> Probe();
  void Work(const std::string& tenant_id, const std::string& subscription_id, Worker* self);

  const tenancy::Guard* guard_;
  tenancy::TenantDirectory* directory_;
  sql::SubscriptionStore* subscriptions_;
  sql::ActivityStore* activities_;
  ActivityHub* hub_;
  const webhook::Sender* sender_;
  const DispatcherOptions options_;

  std::atomic<bool> stopping_{false};
  mutable Mutex mu_;
  bool woken_ ABSL_GUARDED_BY(mu_) = false;
  // "tenant/subscription" → its worker.
  std::map<std::string, std::unique_ptr<Worker>> workers_ ABSL_GUARDED_BY(mu_);
  std::thread scanner_;
  std::thread prober_;
};

}  // namespace cases::domain

#endif  // CASES_DOMAIN_WEBHOOK_DISPATCHER_H_
