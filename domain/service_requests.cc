#include "domain/service_requests.h"

#include <iterator>
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

namespace {

// StreamMessages' feed: the request's messages after the start point, page by
// page, then its MESSAGE_CREATED activities from the hub; what both deliver is
// sent once (the backlog's names are remembered).
class MessageFeed final : public Feed<v1::Message> {
 public:
  MessageFeed(sql::ServiceRequestStore* store, std::string tenant_id, std::string request_id,
              std::string start_after, std::string prefix)
      : store_(store),
        tenant_id_(std::move(tenant_id)),
        request_id_(std::move(request_id)),
        after_(std::move(start_after)),
        prefix_(std::move(prefix)),
        last_name_(after_.empty() ? std::string() : prefix_ + IdToText(after_)) {}

  // Subscribed before the backlog is read, so nothing written in between is missed.
  void Attach(std::unique_ptr<ActivityHub::Subscription> subscription) {
    subscription_ = std::move(subscription);
  }

  absl::Status Next(std::vector<v1::Message>* out, bool* caught_up) override {
    *caught_up = false;
    if (!backlog_done_) {
      ASSIGN_OR_RETURN(std::vector<sql::MessageRow> backlog,
                       store_->MessagesAfter(tenant_id_, request_id_, after_, kBacklogBatch));
      backlog_done_ = backlog.size() < static_cast<size_t>(kBacklogBatch);
      for (const auto& m : backlog) {
        v1::Message& message = out->emplace_back();
        sql::MessageRowToProto(m, &message);
        from_backlog_.insert(message.name());
        last_name_ = message.name();
        after_ = m.message_id;
      }
      if (!backlog.empty() || !backlog_done_) {
        return absl::OkStatus();
      }
    }
    bool closed = false, overflow = false;
    const std::vector<SharedActivity> live =
        subscription_->Next(absl::ZeroDuration(), &closed, &overflow);
    RETURN_IF_ERROR(SubscriptionEnd(closed, overflow, last_name_));
    std::vector<v1::Message> ready;
    for (const SharedActivity& row : live) {
      if (row->type != v1::ACTIVITY_TYPE_MESSAGE_CREATED ||
          row->resource.compare(0, prefix_.size(), prefix_) != 0 ||
          from_backlog_.count(row->resource) != 0) {
        continue;
      }
      v1::Activity activity;
      if (!activity.ParseFromString(row->payload)) {
        return absl::InternalError("unreadable activity");
      }
      last_name_ = activity.message().name();
      ready.push_back(std::move(*activity.mutable_message()));
    }
    std::move(ready.begin(), ready.end(), std::back_inserter(*out));
    *caught_up = true;
    return absl::OkStatus();
  }

 private:
  sql::ServiceRequestStore* store_;
  const std::string tenant_id_, request_id_;
  std::string after_;  // the backlog's cursor: a message id
  bool backlog_done_ = false;
  const std::string prefix_;  // the names of this request's messages start so
  std::set<std::string> from_backlog_;
  std::string last_name_;  // the last message given out (at first, start_after)
  std::unique_ptr<ActivityHub::Subscription> subscription_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Feed<v1::Message>>> ServiceRequests::OpenMessages(
    const CallContext& call, const std::string& request_id, const std::string& start_after,
    std::function<void()> waker) const {
  ASSIGN_OR_RETURN(sql::ServiceRequestRow sr, Get(call, request_id));
  if (!start_after.empty()) {
    ASSIGN_OR_RETURN(std::optional<sql::MessageRow> known,
                     store_->GetMessage(call.tenant_id, sr.service_request_id, start_after));
    if (!known.has_value()) {
      return InvalidField("start_after", kStartAfterRule);
    }
  }
  auto feed = std::make_unique<MessageFeed>(
      store_, call.tenant_id, sr.service_request_id, start_after,
      ChildName(call.tenant_id, "serviceRequests", sr.service_request_id) + "/messages/");
  ASSIGN_OR_RETURN(std::unique_ptr<ActivityHub::Subscription> subscription,
                   hub_->Subscribe({call.tenant_id}, std::move(waker)));
  feed->Attach(std::move(subscription));
  return feed;
}

}  // namespace cases::domain
