#include "domain/service_requests.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/ids.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "domain/activities.h"
#include "soc/cases/v1/activity_service.pb.h"
#include "soc/cases/v1/service_request_service.pb.h"
#include "sql/resource_protos.h"

namespace cases::domain {
namespace {

namespace v1 = ::soc::cases::v1;
using tenancy::CallContext;

constexpr int kBacklogBatch = 500;

}  // namespace

v1::Product ProductOfRequestType(int type) {
  return type == v1::SERVICE_REQUEST_TYPE_MANAGED_RISK ? v1::PRODUCT_MANAGED_RISK : v1::PRODUCT_MDR;
}

int RequestTypeOfProduct(v1::Product product) {
  return product == v1::PRODUCT_MANAGED_RISK ? v1::SERVICE_REQUEST_TYPE_MANAGED_RISK
                                             : v1::SERVICE_REQUEST_TYPE_MDR;
}

int MessageSideOf(const tenancy::Principal& principal) {
  return principal.home_kind == v1::TENANT_KIND_PROVIDER ? v1::MESSAGE_SIDE_PROVIDER
                                                         : v1::MESSAGE_SIDE_CUSTOMER;
}

absl::StatusOr<sql::ServiceRequestRow> ServiceRequests::Create(
    const CallContext& call, sql::ServiceRequestRow fields,
    const std::optional<sql::IdempotencyKey>& key) const {
  fields.tenant_id = call.tenant_id;
  fields.status = v1::SERVICE_REQUEST_STATUS_OPEN;
  fields.creator = call.principal.subject;
  return store_->Create(fields, key);
}

absl::StatusOr<sql::ServiceRequestRow> ServiceRequests::Get(const CallContext& call,
                                                            const std::string& id) const {
  ASSIGN_OR_RETURN(std::optional<sql::ServiceRequestRow> row, store_->Get(call.tenant_id, id));
  if (!row.has_value()) {
    return NotFound("service request", ChildName(call.tenant_id, "serviceRequests", id));
  }
  RETURN_IF_ERROR(guard_->Allow(call, call.permission->action, ProductOfRequestType(row->type)));
  return *std::move(row);
}

absl::StatusOr<Page<sql::ServiceRequestRow>> ServiceRequests::List(const CallContext& call,
                                                                   sql::ListParams params) const {
  ScopeToPermittedProducts(*guard_, call, "type", &RequestTypeOfProduct, &params);
  Page<sql::ServiceRequestRow> page;
  ASSIGN_OR_RETURN(page.next_page_token, store_->List(params, &page.rows));
  return page;
}

absl::StatusOr<sql::ServiceRequestRow> ServiceRequests::UpdateStatus(const CallContext& call,
                                                                     const std::string& id,
                                                                     int status) const {
  return store_->UpdateStatus(
      call.tenant_id, id, status,
      [&](const sql::ServiceRequestRow& current) {
        return guard_->Allow(call, tenancy::Action::kChangeServiceRequestStatus,
                             ProductOfRequestType(current.type));
      },
      call.principal.subject);
}

absl::StatusOr<sql::MessageRow> ServiceRequests::CreateMessage(
    const CallContext& call, const std::string& request_id, const std::string& body,
    const std::optional<sql::IdempotencyKey>& key) const {
  ASSIGN_OR_RETURN(sql::ServiceRequestRow request, Get(call, request_id));
  sql::MessageRow row;
  row.tenant_id = call.tenant_id;
  row.service_request_id = request.service_request_id;
  row.author = call.principal.subject;
  row.side = MessageSideOf(call.principal);
  row.body = body;
  ASSIGN_OR_RETURN(sql::MessageRow created, store_->CreateMessage(row, key));
  return created;
}

absl::StatusOr<Page<sql::MessageRow>> ServiceRequests::ListMessages(
    const CallContext& call, const std::string& request_id, const PageRequest& request) const {
  ASSIGN_OR_RETURN(sql::ServiceRequestRow sr, Get(call, request_id));
  const sql::ListParams params = ChildPageParams(call.tenant_id, request);
  Page<sql::MessageRow> page;
  ASSIGN_OR_RETURN(page.next_page_token,
                   store_->ListMessages(params, sr.service_request_id, &page.rows));
  return page;
}

absl::Status ServiceRequests::StreamMessages(const CallContext& call, const std::string& request_id,
                                             const std::string& start_after,
                                             const std::function<bool(const v1::Message&)>& send,
                                             const std::function<bool()>& cancelled) const {
  ASSIGN_OR_RETURN(sql::ServiceRequestRow sr, Get(call, request_id));
  if (!start_after.empty()) {
    ASSIGN_OR_RETURN(std::optional<sql::MessageRow> known,
                     store_->GetMessage(call.tenant_id, sr.service_request_id, start_after));
    if (!known.has_value()) {
      return InvalidField("start_after", kStartAfterRule);
    }
  }
  // Subscribe before reading the backlog so nothing written in between is missed;
  // what both deliver is sent once (the backlog's names are remembered).
  ASSIGN_OR_RETURN(std::unique_ptr<ActivityHub::Subscription> subscription,
                   hub_->Subscribe({call.tenant_id}));
  std::set<std::string> from_backlog;
  for (std::string after = start_after;;) {
    ASSIGN_OR_RETURN(
        std::vector<sql::MessageRow> backlog,
        store_->MessagesAfter(call.tenant_id, sr.service_request_id, after, kBacklogBatch));
    for (const auto& m : backlog) {
      v1::Message message;
      sql::MessageRowToProto(m, &message);
      from_backlog.insert(message.name());
      if (!send(message)) {
        return absl::OkStatus();  // the client went away
      }
    }
    if (backlog.size() < static_cast<size_t>(kBacklogBatch)) {
      break;
    }
    after = backlog.back().message_id;
  }
  const std::string prefix =
      ChildName(call.tenant_id, "serviceRequests", sr.service_request_id) + "/messages/";
  while (!cancelled()) {
    bool closed = false, overflow = false;
    for (const SharedActivity& row : subscription->Next(kStreamWait, &closed, &overflow)) {
      if (row->type != v1::ACTIVITY_TYPE_MESSAGE_CREATED ||
          row->resource.compare(0, prefix.size(), prefix) != 0 ||
          from_backlog.count(row->resource) != 0) {
        continue;
      }
      v1::Activity activity;
      if (!activity.ParseFromString(row->payload)) {
        return absl::InternalError("unreadable activity");
      }
      if (!send(activity.message())) {
        return absl::OkStatus();
      }
    }
    if (closed) {
      return Unavailable("the server is draining; reconnect with start_after", absl::Seconds(1));
    }
    if (overflow) {
      return WithRetryInfo(ErrorWithReason(absl::StatusCode::kResourceExhausted, "STREAM_BEHIND",
                                           "the stream fell behind; reconnect with start_after"),
                           absl::Milliseconds(100));
    }
  }
  return absl::CancelledError("the client cancelled the stream");
}

}  // namespace cases::domain
