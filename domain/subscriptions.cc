#include "domain/subscriptions.h"

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "domain/case_rules.h"
#include "soc/cases/v1/automation_service.pb.h"

namespace cases::domain {
namespace {

namespace v1 = ::soc::cases::v1;
using tenancy::CallContext;

absl::Status SubscriptionNotFound(const CallContext& call, const std::string& id) {
  return NotFound("subscription", ChildName(call.tenant_id, "subscriptions", id));
}

}  // namespace

const std::set<std::string>& SubscriptionUpdatablePaths() {
  static const auto* paths =
      new std::set<std::string>{"display_name", "uri", "activity_types", "secret", "state"};
  return *paths;
}

absl::Status Subscriptions::AllowHere(const CallContext& call) const {
  const tenancy::Principal& p = call.principal;
  const bool analyst_only =
      !p.Has(v1::ROLE_PLATFORM_ADMIN) && p.home_kind == v1::TENANT_KIND_PROVIDER;
  if (analyst_only && call.tenant_id != p.home_tenant_id) {
    return ErrorWithReason(absl::StatusCode::kPermissionDenied, "ROLE_REQUIRED",
                           "provider analysts manage the provider tenant's subscriptions only",
                           {{"tenant", TenantName(call.tenant_id)}});
  }
  return absl::OkStatus();
}

absl::Status Subscriptions::CheckUri(const std::string& uri) const {
  absl::Status checked = webhook::CheckTarget(uri, policy_);
  if (checked.ok()) {
    return checked;
  }
  Violations v;
  v.Add("subscription.uri", std::string(checked.message()));
  return v.ToStatus();
}

void Subscriptions::Changed() const {
  if (changed_) {
    changed_();
  }
}

absl::StatusOr<sql::SubscriptionRow> Subscriptions::Create(
    const CallContext& call, sql::SubscriptionRow row,
    const std::optional<sql::IdempotencyKey>& key) const {
  RETURN_IF_ERROR(AllowHere(call));
  RETURN_IF_ERROR(CheckUri(row.uri));
  row.tenant_id = call.tenant_id;
  row.state = v1::SUBSCRIPTION_STATE_ACTIVE;
  row.creator = call.principal.subject;
  row.creator_tenant_id = call.principal.home_tenant_id;
  row.creator_roles.clear();
  for (v1::Role role : call.principal.roles) {
    row.creator_roles.push_back(v1::Role_Name(role));
  }
  ASSIGN_OR_RETURN(sql::SubscriptionRow saved, store_->Create(std::move(row), key));
  Changed();
  return saved;
}

absl::StatusOr<sql::SubscriptionRow> Subscriptions::Get(const CallContext& call,
                                                        const std::string& subscription_id) const {
  RETURN_IF_ERROR(AllowHere(call));
  ASSIGN_OR_RETURN(std::optional<sql::SubscriptionRow> row,
                   store_->Get(call.tenant_id, subscription_id));
  if (!row.has_value()) {
    return SubscriptionNotFound(call, subscription_id);
  }
  return *std::move(row);
}

absl::StatusOr<Page<sql::SubscriptionRow>> Subscriptions::List(const CallContext& call,
                                                               const PageRequest& request) const {
  RETURN_IF_ERROR(AllowHere(call));
  Page<sql::SubscriptionRow> page;
  ASSIGN_OR_RETURN(page.next_page_token,
                   store_->List(ChildPageParams(call.tenant_id, request), &page.rows));
  return page;
}

absl::StatusOr<sql::SubscriptionRow> Subscriptions::Update(
    const CallContext& call, const UpdateSubscriptionCommand& command) const {
  RETURN_IF_ERROR(AllowHere(call));
  const auto has = [&](const char* path) { return command.paths.count(path) != 0; };
  if (has("uri")) {
    RETURN_IF_ERROR(CheckUri(command.patch.uri));
  }
  auto mutate = [&](const sql::SubscriptionRow& current,
                    sql::SubscriptionRow* next) -> absl::Status {
    RETURN_IF_ERROR(CheckEtag(command.etag, current));
    if (has("display_name")) {
      next->display_name = command.patch.display_name;
    }
    if (has("uri")) {
      next->uri = command.patch.uri;
    }
    if (has("activity_types")) {
      next->activity_types = command.patch.activity_types;
    }
    if (has("secret")) {
      next->secret = command.patch.secret;
    }
    if (has("state") && command.patch.state != current.state) {
      next->state = command.patch.state;
      if (next->state == v1::SUBSCRIPTION_STATE_ACTIVE) {
        // A resume starts over where delivery stopped, at once.
        next->failures = 0;
        next->first_failure_time.reset();
        next->next_attempt_time.reset();
      }
    }
    return absl::OkStatus();
  };
  ASSIGN_OR_RETURN(sql::SubscriptionRow saved,
                   store_->Update(call.tenant_id, command.subscription_id, mutate));
  Changed();
  return saved;
}

absl::Status Subscriptions::Delete(const CallContext& call, const std::string& subscription_id,
                                   const std::string& etag) const {
  RETURN_IF_ERROR(AllowHere(call));
  return store_->Delete(call.tenant_id, subscription_id, [&](const sql::SubscriptionRow& current) {
    return CheckEtag(etag, current);
  });
}

absl::StatusOr<Page<sql::DeliveryRow>> Subscriptions::ListDeliveries(
    const CallContext& call, const std::string& subscription_id, const PageRequest& request) const {
  RETURN_IF_ERROR(Get(call, subscription_id).status());
  sql::ListParams params = ChildPageParams(call.tenant_id, request);
  params.scope = {"subscription_id = ?", {subscription_id}};
  Page<sql::DeliveryRow> page;
  ASSIGN_OR_RETURN(page.next_page_token, store_->ListDeliveries(params, &page.rows));
  return page;
}

}  // namespace cases::domain
