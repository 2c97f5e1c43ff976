// Webhook subscriptions in MySQL: the saved subscriptions of each tenant, how far
// each has delivered every source tenant's feed (cursors), the log of delivery
// attempts, and the lease by which one replica at a time delivers one
// subscription. Who may do what, and what is sent, is the domain's
// (domain/subscriptions.h, domain/webhook_dispatcher.h).
#ifndef CASES_SQL_SUBSCRIPTION_STORE_H_
#define CASES_SQL_SUBSCRIPTION_STORE_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sql/idempotency.h"
#include "sql/list_query.h"
#include "sql/pool.h"

namespace cases::sql {

inline constexpr int64_t kMaxSubscriptionsPerTenant = 20;

struct SubscriptionRow {
  std::string tenant_id, subscription_id;
  std::string display_name, uri;
  std::vector<std::string> activity_types;  // ActivityType numbers, as text; empty: all
  std::string secret;
  int state = 0;  // soc.cases.v1.SubscriptionState
  std::optional<absl::Time> last_delivery_time;
  std::string last_error;
  // Consecutive failed attempts at the head activity, since when, and when the next may be.
  int failures = 0;
  std::optional<absl::Time> first_failure_time, next_attempt_time;
  // The creator's principal: what the subscription may read.
  std::string creator, creator_tenant_id;
  std::vector<std::string> creator_roles;  // Role names
  absl::Time create_time, update_time;
  int64_t revision = 1;
};

struct DeliveryRow {
  std::string tenant_id, subscription_id, delivery_id;
  std::string activity;  // the activity's resource name
  int attempt = 1;
  int http_status = 0;
  std::string error;
  int64_t latency_us = 0;
  absl::Time create_time;
};

// What a round of attempts left a subscription in (the dispatcher's bookkeeping).
struct SubscriptionProgress {
  int state = 0;
  int failures = 0;
  std::optional<absl::Time> first_failure_time, next_attempt_time;
  std::string last_error;
  std::optional<absl::Time> last_delivery_time;  // unset: unchanged
};

using SubscriptionMutation =
    std::function<absl::Status(const SubscriptionRow& current, SubscriptionRow* next)>;
using SubscriptionCheck = std::function<absl::Status(const SubscriptionRow& current)>;

class SubscriptionStore {
 public:
  explicit SubscriptionStore(ConnectionPool* pool) : pool_(pool) {}

  // Inserts `row` (id, times, revision filled here). FAILED_PRECONDITION
  // (SUBSCRIPTION_LIMIT) for the tenant's 21st. A replayed request_id returns the first.
  absl::StatusOr<SubscriptionRow> Create(SubscriptionRow row,
                                         const std::optional<IdempotencyKey>& key);
  absl::StatusOr<std::optional<SubscriptionRow>> Get(const std::string& tenant_id,
                                                     const std::string& subscription_id);
  // One page, oldest first.
  absl::StatusOr<std::string> List(const ListParams& params, std::vector<SubscriptionRow>* out);
  absl::StatusOr<SubscriptionRow> Update(const std::string& tenant_id,
                                         const std::string& subscription_id,
                                         const SubscriptionMutation& mutate);
  // Removes the subscription, its cursors and its delivery log.
  absl::Status Delete(const std::string& tenant_id, const std::string& subscription_id,
                      const SubscriptionCheck& may_remove);
  // One page of a subscription's attempts (params.scope names it), newest first.
  absl::StatusOr<std::string> ListDeliveries(const ListParams& params,
                                             std::vector<DeliveryRow>* out);

  // The dispatcher's side. Subscriptions of `tenant_ids` that deliver (ACTIVE or
  // FAILING) and whose lease is free or run out, as (tenant, subscription) pairs.
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> Unleased(
      const std::vector<std::string>& tenant_ids, int limit);
  // Every subscription of `tenant_ids`, in any state (the backlog probe's list).
  absl::StatusOr<std::vector<SubscriptionRow>> All(const std::vector<std::string>& tenant_ids);
  // Takes or renews the lease of a delivering subscription for `owner` until the
  // database's now + `lease`: the row when this owner holds it now, nullopt when
  // another does or the subscription stopped delivering.
  absl::StatusOr<std::optional<SubscriptionRow>> TakeLease(const std::string& tenant_id,
                                                           const std::string& subscription_id,
                                                           const std::string& owner,
                                                           absl::Duration lease);
  absl::Status Release(const std::string& tenant_id, const std::string& subscription_id,
                       const std::string& owner);
  // Source tenant → the last activity id delivered there.
  absl::StatusOr<std::map<std::string, std::string>> Cursors(const std::string& tenant_id,
                                                             const std::string& subscription_id);
  // In one transaction: the attempts' log rows, the cursors moved forward (never
  // back), and, while `owner` still holds the lease and the subscription still
  // delivers, `progress`.
  absl::Status RecordAttempts(const std::string& tenant_id, const std::string& subscription_id,
                              const std::string& owner, const std::vector<DeliveryRow>& attempts,
                              const std::map<std::string, std::string>& cursors,
                              const SubscriptionProgress& progress);
  // Deletes up to `limit` of the tenant's delivery rows created before `before`.
  absl::StatusOr<int> PurgeDeliveries(const std::string& tenant_id, absl::Time before, int limit);

  static const ListSchema& Schema();
  static const ListSchema& DeliverySchema();

 private:
  ConnectionPool* pool_;
};

}  // namespace cases::sql

#endif  // CASES_SQL_SUBSCRIPTION_STORE_H_
