// The webhooks unit of the domain layer: subscriptions, saved and checked here,
// and delivered by the WebhookDispatcher (domain/webhook_dispatcher.h). A
// subscription reads what its creator could: the creator's subject, home tenant
// and roles are kept with it, and the dispatcher rebuilds that principal for each
// round, so the same guard decides what it sees as decides what the creator sees.
#ifndef CASES_DOMAIN_SUBSCRIPTIONS_H_
#define CASES_DOMAIN_SUBSCRIPTIONS_H_

#include <functional>
#include <optional>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "domain/page.h"
#include "sql/subscription_store.h"
#include "tenancy/guard.h"
#include "webhook/target.h"

namespace cases::domain {

inline constexpr int kMinSecretChars = 16;
inline constexpr int kMaxSecretChars = 256;

struct UpdateSubscriptionCommand {
  std::string subscription_id;
  sql::SubscriptionRow patch;   // the new values of `paths`
  std::set<std::string> paths;  // update_mask paths, "*" expanded
  std::string etag;             // empty: no check
};

// The update_mask paths of UpdateSubscription.
const std::set<std::string>& SubscriptionUpdatablePaths();

class Subscriptions {
 public:
  // `changed` is told of every create and change (the dispatcher's wake-up).
  // The guard has run before every method (tenancy::Action::kManageSubscriptions);
  // the subscription itself needs no product.
  Subscriptions(sql::SubscriptionStore* store, webhook::Policy policy,
                std::function<void()> changed = nullptr)
      : store_(store), policy_(std::move(policy)), changed_(std::move(changed)) {}

  // PERMISSION_DENIED (ROLE_REQUIRED) for a provider analyst outside the provider
  // tenant: the rest of the permission check, which the edge runs before it
  // validates a request. Every method below runs it too.
  absl::Status AllowHere(const tenancy::CallContext& call) const;

  // INVALID_ARGUMENT naming `subscription.uri` when the target is refused.
  absl::StatusOr<sql::SubscriptionRow> Create(const tenancy::CallContext& call,
                                              sql::SubscriptionRow row,
                                              const std::optional<sql::IdempotencyKey>& key) const;
  absl::StatusOr<sql::SubscriptionRow> Get(const tenancy::CallContext& call,
                                           const std::string& subscription_id) const;
  absl::StatusOr<Page<sql::SubscriptionRow>> List(const tenancy::CallContext& call,
                                                  const PageRequest& page) const;
  absl::StatusOr<sql::SubscriptionRow> Update(const tenancy::CallContext& call,
                                              const UpdateSubscriptionCommand& command) const;
  absl::Status Delete(const tenancy::CallContext& call, const std::string& subscription_id,
                      const std::string& etag) const;
  absl::StatusOr<Page<sql::DeliveryRow>> ListDeliveries(const tenancy::CallContext& call,
                                                        const std::string& subscription_id,
                                                        const PageRequest& page) const;

 private:
  absl::Status CheckUri(const std::string& uri) const;
  void Changed() const;

  sql::SubscriptionStore* store_;
  const webhook::Policy policy_;
  const std::function<void()> changed_;
};

}  // namespace cases::domain

#endif  // CASES_DOMAIN_SUBSCRIPTIONS_H_
