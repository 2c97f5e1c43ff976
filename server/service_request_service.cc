#include "server/service_request_service.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/ids.h"
#include "common/validation.h"
#include "server/convert.h"
#include "server/names.h"
#include "server/proto_time.h"
#include "server/rpc.h"

namespace cases::server {
namespace {

using tenancy::CallContext;

constexpr int kBacklogBatch = 500;
constexpr absl::Duration kStreamWait = absl::Milliseconds(500);
constexpr absl::Duration kSentMemory = absl::Seconds(60);

v1::Product ProductOfRequestType(int type) {
  return type == v1::SERVICE_REQUEST_TYPE_MANAGED_RISK ? v1::PRODUCT_MANAGED_RISK : v1::PRODUCT_MDR;
}

int64_t RequestTypeOfProduct(v1::Product product) {
  return product == v1::PRODUCT_MANAGED_RISK ? v1::SERVICE_REQUEST_TYPE_MANAGED_RISK : v1::SERVICE_REQUEST_TYPE_MDR;
}

void RequestToProto(const sql::ServiceRequestRow& row, v1::ServiceRequest* out) {
  out->set_name(ChildName(row.tenant_id, "serviceRequests", row.service_request_id));
  out->set_type(static_cast<v1::ServiceRequestType>(row.type));
  out->set_display_name(row.display_name);
  out->set_description(row.description);
  out->set_status(static_cast<v1::ServiceRequestStatus>(row.status));
  out->set_creator(row.creator);
  SetTimestamp(row.create_time, out->mutable_create_time());
  SetTimestamp(row.update_time, out->mutable_update_time());
}

void MessageToProto(const sql::MessageRow& row, v1::Message* out) {
  out->set_name(sql::MessageName(row));
  out->set_author(row.author);
  out->set_side(static_cast<v1::MessageSide>(row.side));
  out->set_body(row.body);
  SetTimestamp(row.create_time, out->mutable_create_time());
}

}  // namespace

absl::StatusOr<sql::ServiceRequestRow> ServiceRequestServiceImpl::LoadAuthorized(const CallContext& call,
                                                                                 const std::string& name,
                                                                                 const std::string& field) {
  auto id = ParseChildName(name, field, call.tenant_id, "serviceRequests");
  if (!id.ok()) {
    return id.status();
  }
  auto row = store_->Get(call.tenant_id, *id);
  if (!row.ok()) {
    return row.status();
  }
  if (!row->has_value()) {
    return absl::NotFoundError("service request not found");
  }
  if (absl::Status s = edge_->guard->AuthorizeProduct(call, call.tenant_id, ProductOfRequestType((*row)->type)); !s.ok()) {
    return s;
  }
  return **row;
}

grpc::Status ServiceRequestServiceImpl::CreateServiceRequest(grpc::ServerContext* context,
                                                             const v1::CreateServiceRequestRequest* request,
                                                             v1::ServiceRequest* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    Violations v;
    if (absl::Status s = CheckTenantName(request->parent(), "parent", call.tenant_id); !s.ok()) {
      return s;
    }
    const v1::ServiceRequest& sr = request->service_request();
    if (sr.type() == v1::SERVICE_REQUEST_TYPE_UNSPECIFIED || !v1::ServiceRequestType_IsValid(sr.type())) {
      v.Add("service_request.type", "required: SERVICE_REQUEST_TYPE_MDR or SERVICE_REQUEST_TYPE_MANAGED_RISK");
    }
    CheckDisplayName(v, "service_request.display_name", sr.display_name());
    CheckText(v, "service_request.description", sr.description(), kMaxDescriptionBytes);
    CheckRequestId(v, "request_id", request->request_id());
    if (!v.empty()) {
      return v.ToStatus();
    }
    sql::ServiceRequestRow row;
    row.tenant_id = call.tenant_id;
    row.type = sr.type();
    row.display_name = sr.display_name();
    row.description = sr.description();
    row.status = v1::SERVICE_REQUEST_STATUS_OPEN;
    row.creator = call.principal.subject;
    auto created = store_->Create(row, IdempotencyKeyFor(call.tenant_id, "CreateServiceRequest", *request,
                                                         request->request_id()));
    if (!created.ok()) {
      return created.status();
    }
    RequestToProto(*created, response);
    return absl::OkStatus();
  });
}

grpc::Status ServiceRequestServiceImpl::GetServiceRequest(grpc::ServerContext* context,
                                                          const v1::GetServiceRequestRequest* request,
                                                          v1::ServiceRequest* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    auto row = LoadAuthorized(call, request->name(), "name");
    if (!row.ok()) {
      return row.status();
    }
    RequestToProto(*row, response);
    return absl::OkStatus();
  });
}

grpc::Status ServiceRequestServiceImpl::ListServiceRequests(grpc::ServerContext* context,
                                                            const v1::ListServiceRequestsRequest* request,
                                                            v1::ListServiceRequestsResponse* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    auto params = ListParamsFor(call, *request);
    if (!params.ok()) {
      return params.status();
    }
    ScopeByPermittedProducts(*edge_->guard, call, "type", &RequestTypeOfProduct, &*params);
    std::vector<sql::ServiceRequestRow> rows;
    auto next = store_->List(*params, &rows);
    if (!next.ok()) {
      return next.status();
    }
    for (const auto& row : rows) {
      RequestToProto(row, response->add_service_requests());
    }
    response->set_next_page_token(*next);
    return absl::OkStatus();
  });
}

grpc::Status ServiceRequestServiceImpl::UpdateServiceRequest(grpc::ServerContext* context,
                                                             const v1::UpdateServiceRequestRequest* request,
                                                             v1::ServiceRequest* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    const v1::ServiceRequest& sr = request->service_request();
    auto id = ParseChildName(sr.name(), "service_request.name", call.tenant_id, "serviceRequests");
    if (!id.ok()) {
      return id.status();
    }
    Violations v;
    const auto& paths = request->update_mask().paths();
    if (paths.size() != 1 || paths[0] != "status") {
      v.Add("update_mask", "must be exactly [status]: nothing else on a service request can be edited");
    }
    if (sr.status() == v1::SERVICE_REQUEST_STATUS_UNSPECIFIED || !v1::ServiceRequestStatus_IsValid(sr.status())) {
      v.Add("service_request.status", "required: OPEN, IN_PROGRESS, WAITING_ON_CUSTOMER or RESOLVED");
    }
    if (!v.empty()) {
      return v.ToStatus();
    }
    auto updated = store_->UpdateStatus(call.tenant_id, *id, sr.status(), [&](const sql::ServiceRequestRow& current) {
      return edge_->guard->AuthorizeProduct(call, call.tenant_id, ProductOfRequestType(current.type));
    });
    if (!updated.ok()) {
      return updated.status();
    }
    RequestToProto(*updated, response);
    return absl::OkStatus();
  });
}

grpc::Status ServiceRequestServiceImpl::CreateMessage(grpc::ServerContext* context,
                                                      const v1::CreateMessageRequest* request, v1::Message* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    Violations v;
    CheckText(v, "message.body", request->message().body(), kMaxMessageBytes, /*required=*/true);
    CheckRequestId(v, "request_id", request->request_id());
    if (!v.empty()) {
      return v.ToStatus();
    }
    auto sr = LoadAuthorized(call, request->parent(), "parent");
    if (!sr.ok()) {
      return sr.status();
    }
    sql::MessageRow row;
    row.tenant_id = call.tenant_id;
    row.service_request_id = sr->service_request_id;
    row.author = call.principal.subject;
    row.side = call.principal.home_kind == v1::TENANT_KIND_PROVIDER ? v1::MESSAGE_SIDE_PROVIDER
                                                                     : v1::MESSAGE_SIDE_CUSTOMER;
    row.body = request->message().body();
    auto created =
        store_->CreateMessage(row, IdempotencyKeyFor(call.tenant_id, "CreateMessage", *request, request->request_id()));
    if (!created.ok()) {
      return created.status();
    }
    hub_->Notify(call.tenant_id, sr->service_request_id);
    MessageToProto(*created, response);
    return absl::OkStatus();
  });
}

grpc::Status ServiceRequestServiceImpl::ListMessages(grpc::ServerContext* context,
                                                     const v1::ListMessagesRequest* request,
                                                     v1::ListMessagesResponse* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    Violations v;
    sql::ListParams params;
    params.page_size = CheckPageSize(v, "page_size", request->page_size());
    if (!v.empty()) {
      return v.ToStatus();
    }
    auto sr = LoadAuthorized(call, request->parent(), "parent");
    if (!sr.ok()) {
      return sr.status();
    }
    params.tenant_ids = {call.tenant_id};
    params.parent = request->parent();
    params.page_token = request->page_token();
    std::vector<sql::MessageRow> rows;
    auto next = store_->ListMessages(params, sr->service_request_id, &rows);
    if (!next.ok()) {
      return next.status();
    }
    for (const auto& row : rows) {
      MessageToProto(row, response->add_messages());
    }
    response->set_next_page_token(*next);
    return absl::OkStatus();
  });
}

grpc::Status ServiceRequestServiceImpl::StreamMessages(grpc::ServerContext* context,
                                                       const v1::StreamMessagesRequest* request,
                                                       grpc::ServerWriter<v1::Message>* writer) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    auto sr = LoadAuthorized(call, request->parent(), "parent");
    if (!sr.ok()) {
      return sr.status();
    }
    std::string after;
    if (!request->start_after().empty()) {
      const std::string prefix = request->parent() + "/messages/";
      auto id = request->start_after().rfind(prefix, 0) == 0
                    ? IdFromText(request->start_after().substr(prefix.size()))
                    : std::nullopt;
      if (!id.has_value()) {
        return InvalidField("start_after", "must be the name of a message of this service request");
      }
      after = *id;
    }
    // Subscribe before reading the backlog so nothing written in between is missed;
    // what both deliver is sent once.
    auto subscription = hub_->Subscribe(call.tenant_id, sr->service_request_id);
    if (!subscription.ok()) {
      return subscription.status();
    }
    // Live messages at or before start_after are the client's already (the hub
    // re-reads a short window behind the newest messages).
    const std::string start_after = after;
    std::set<std::string> sent;
    auto send = [&](const sql::MessageRow& m) {
      if (m.message_id <= start_after || !sent.insert(m.message_id).second) {
        return true;
      }
      v1::Message out;
      MessageToProto(m, &out);
      return writer->Write(out);
    };
    while (true) {
      auto backlog = store_->MessagesAfter(call.tenant_id, sr->service_request_id, after, kBacklogBatch);
      if (!backlog.ok()) {
        return backlog.status();
      }
      for (const auto& m : *backlog) {
        if (!send(m)) {
          return absl::OkStatus();  // the client went away
        }
      }
      if (backlog->size() < static_cast<size_t>(kBacklogBatch)) {
        break;
      }
      after = backlog->back().message_id;
    }
    while (!context->IsCancelled()) {
      bool closed = false, overflow = false;
      for (const auto& m : (*subscription)->Next(kStreamWait, &closed, &overflow)) {
        if (!send(m)) {
          return absl::OkStatus();
        }
      }
      if (closed) {
        return Unavailable("the server is draining; reconnect with start_after", absl::Seconds(1));
      }
      if (overflow) {
        return WithRetryInfo(absl::AbortedError("the stream fell behind; reconnect with start_after"),
                             absl::Milliseconds(100));
      }
      sent.erase(sent.begin(), sent.lower_bound(IdFloor(absl::Now() - kSentMemory)));
    }
    return absl::CancelledError("the client cancelled the stream");
  });
}

}  // namespace cases::server
