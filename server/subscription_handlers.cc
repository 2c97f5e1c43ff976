// AutomationService's webhook methods: request → row (every field checked),
// domain::Subscriptions, row → response. The secret goes in and never comes out.
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/names.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "common/validation.h"
#include "domain/case_rules.h"
#include "server/automation_service.h"
#include "server/mapping.h"

namespace cases::server {
namespace {

using tenancy::CallContext;

// The subscription fields of `s` named in `fields` (nullptr: all, as on create),
// checked into `row`; violations name `subscription.<field>`.
void CheckSubscriptionFields(Violations& v, const v1::Subscription& s,
                             const std::set<std::string>* fields, sql::SubscriptionRow* row) {
  auto touched = [&](const char* f) { return fields == nullptr || fields->count(f) != 0; };
  if (touched("display_name")) {
    CheckDisplayName(v, "subscription.display_name", s.display_name());
    row->display_name = s.display_name();
  }
  if (touched("uri")) {
    if (s.uri().empty()) {
      v.Add("subscription.uri", "required: the https:// endpoint to deliver to");
    }
    row->uri = s.uri();  // the target policy is the domain's
  }
  if (touched("activity_types")) {
    row->activity_types.clear();
    std::set<int> seen;
    for (int type : s.activity_types()) {
      if (type == v1::ACTIVITY_TYPE_UNSPECIFIED || !v1::ActivityType_IsValid(type)) {
        v.Add("subscription.activity_types", absl::StrCat("unknown activity type ", type));
      } else if (seen.insert(type).second) {
        row->activity_types.push_back(std::to_string(type));
      }
    }
  }
  if (touched("secret")) {
    const size_t n = s.secret().size();
    if (!IsValidUtf8(s.secret()) || n < static_cast<size_t>(domain::kMinSecretChars) ||
        Utf8Length(s.secret()) > static_cast<size_t>(domain::kMaxSecretChars)) {
      v.Add("subscription.secret", absl::StrCat("required: ", domain::kMinSecretChars, "-",
                                                domain::kMaxSecretChars, " characters of UTF-8"));
    }
    row->secret = s.secret();
  }
  if (fields != nullptr && touched("state")) {
    if (s.state() != v1::SUBSCRIPTION_STATE_ACTIVE && s.state() != v1::SUBSCRIPTION_STATE_PAUSED) {
      v.Add("subscription.state",
            "SUBSCRIPTION_STATE_ACTIVE (resume) or SUBSCRIPTION_STATE_PAUSED (pause)");
    }
    row->state = s.state();
  } else if (fields == nullptr && s.state() != v1::SUBSCRIPTION_STATE_UNSPECIFIED &&
             s.state() != v1::SUBSCRIPTION_STATE_ACTIVE) {
    v.Add("subscription.state", "output only on create: a new subscription is ACTIVE");
  }
}

void SubscriptionToProto(const sql::SubscriptionRow& row, v1::Subscription* out) {
  out->set_name(ChildName(row.tenant_id, "subscriptions", row.subscription_id));
  out->set_display_name(row.display_name);
  out->set_uri(row.uri);
  for (const std::string& type : row.activity_types) {
    out->add_activity_types(static_cast<v1::ActivityType>(std::stoi(type)));
  }
  out->set_state(static_cast<v1::SubscriptionState>(row.state));
  if (row.last_delivery_time.has_value()) {
    SetTimestamp(*row.last_delivery_time, out->mutable_last_delivery_time());
  }
  out->set_last_error(row.last_error);
  out->set_creator(row.creator);
  SetTimestamp(row.create_time, out->mutable_create_time());
  SetTimestamp(row.update_time, out->mutable_update_time());
  out->set_etag(domain::EtagOf(row));
}

void DeliveryToProto(const sql::DeliveryRow& row, v1::Delivery* out) {
  out->set_name(absl::StrCat(ChildName(row.tenant_id, "subscriptions", row.subscription_id),
                             "/deliveries/", IdToText(row.delivery_id)));
  out->set_activity(row.activity);
  out->set_attempt(row.attempt);
  out->set_http_status(row.http_status);
  out->set_error(row.error);
  SetDuration(absl::Microseconds(row.latency_us), out->mutable_latency());
  SetTimestamp(row.create_time, out->mutable_create_time());
}

}  // namespace

grpc::Status AutomationServiceImpl::CreateSubscription(grpc::ServerContext* context,
                                                       const v1::CreateSubscriptionRequest* request,
                                                       v1::Subscription* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    RETURN_IF_ERROR(subscriptions_->AllowHere(call));
    Violations v;
    sql::SubscriptionRow row;
    CheckSubscriptionFields(v, request->subscription(), nullptr, &row);
    CheckRequestId(v, "request_id", request->request_id());
    RETURN_IF_ERROR(v.ToStatus());
    ASSIGN_OR_RETURN(sql::SubscriptionRow saved,
                     subscriptions_->Create(call, std::move(row),
                                            IdempotencyKeyFor(call.tenant_id, "CreateSubscription",
                                                              *request, request->request_id())));
    SubscriptionToProto(saved, response);
    return absl::OkStatus();
  });
}

grpc::Status AutomationServiceImpl::GetSubscription(grpc::ServerContext* context,
                                                    const v1::GetSubscriptionRequest* request,
                                                    v1::Subscription* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    ASSIGN_OR_RETURN(sql::SubscriptionRow row, subscriptions_->Get(call, call.target.id()));
    SubscriptionToProto(row, response);
    return absl::OkStatus();
  });
}

grpc::Status AutomationServiceImpl::ListSubscriptions(grpc::ServerContext* context,
                                                      const v1::ListSubscriptionsRequest* request,
                                                      v1::ListSubscriptionsResponse* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    ASSIGN_OR_RETURN(domain::PageRequest page_request, PageRequestFor(*request));
    ASSIGN_OR_RETURN(domain::Page<sql::SubscriptionRow> page,
                     subscriptions_->List(call, page_request));
    for (const auto& row : page.rows) {
      SubscriptionToProto(row, response->add_subscriptions());
    }
    response->set_next_page_token(page.next_page_token);
    return absl::OkStatus();
  });
}

grpc::Status AutomationServiceImpl::UpdateSubscription(grpc::ServerContext* context,
                                                       const v1::UpdateSubscriptionRequest* request,
                                                       v1::Subscription* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    RETURN_IF_ERROR(subscriptions_->AllowHere(call));
    Violations v;
    domain::UpdateSubscriptionCommand command;
    command.subscription_id = call.target.id();
    command.etag = request->subscription().etag();
    command.paths =
        CheckUpdateMask(v, request->update_mask(), domain::SubscriptionUpdatablePaths());
    CheckSubscriptionFields(v, request->subscription(), &command.paths, &command.patch);
    RETURN_IF_ERROR(v.ToStatus());
    ASSIGN_OR_RETURN(sql::SubscriptionRow row, subscriptions_->Update(call, command));
    SubscriptionToProto(row, response);
    return absl::OkStatus();
  });
}

grpc::Status AutomationServiceImpl::DeleteSubscription(grpc::ServerContext* context,
                                                       const v1::DeleteSubscriptionRequest* request,
                                                       google::protobuf::Empty* /*response*/) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    return subscriptions_->Delete(call, call.target.id(), request->etag());
  });
}

grpc::Status AutomationServiceImpl::ListDeliveries(grpc::ServerContext* context,
                                                   const v1::ListDeliveriesRequest* request,
                                                   v1::ListDeliveriesResponse* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    ASSIGN_OR_RETURN(domain::PageRequest page_request, PageRequestFor(*request));
    ASSIGN_OR_RETURN(domain::Page<sql::DeliveryRow> page,
                     subscriptions_->ListDeliveries(call, call.target.id(), page_request));
    for (const auto& row : page.rows) {
      DeliveryToProto(row, response->add_deliveries());
    }
    response->set_next_page_token(page.next_page_token);
    return absl::OkStatus();
  });
}

}  // namespace cases::server
