#include "server/service_request_service.h"

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/ids.h"
#include "common/names.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "common/validation.h"
#include "server/feed_reactor.h"
#include "server/mapping.h"
#include "sql/resource_protos.h"

namespace cases::server {
namespace {

using tenancy::CallContext;

void RequestToProto(const CallContext& call, const sql::ServiceRequestRow& row,
                    v1::ServiceRequest* out) {
  sql::ServiceRequestRowToProto(row, out);
  out->set_tenant_display_name(TenantDisplayName(call, row.tenant_id));
}

void MessageToProto(const sql::MessageRow& row, v1::Message* out) {
  sql::MessageRowToProto(row, out);
}

absl::StatusOr<sql::ServiceRequestRow> ServiceRequestOf(
    const v1::CreateServiceRequestRequest& request) {
  Violations v;
  const v1::ServiceRequest& sr = request.service_request();
  if (sr.type() == v1::SERVICE_REQUEST_TYPE_UNSPECIFIED ||
      !v1::ServiceRequestType_IsValid(sr.type())) {
    v.Add("service_request.type",
          "required: SERVICE_REQUEST_TYPE_MDR or SERVICE_REQUEST_TYPE_MANAGED_RISK");
  }
  CheckDisplayName(v, "service_request.display_name", sr.display_name());
  CheckText(v, "service_request.description", sr.description(), kMaxDescriptionBytes);
  CheckRequestId(v, "request_id", request.request_id());
  RETURN_IF_ERROR(v.ToStatus());
  sql::ServiceRequestRow row;
  row.type = sr.type();
  row.display_name = sr.display_name();
  row.description = sr.description();
  return row;
}

absl::StatusOr<int> StatusOf(const v1::UpdateServiceRequestRequest& request) {
  Violations v;
  const auto& paths = request.update_mask().paths();
  if (paths.size() != 1 || paths[0] != "status") {
    v.Add("update_mask",
          "must be exactly [status]: nothing else on a service request can be edited");
  }
  const int status = request.service_request().status();
  if (status == v1::SERVICE_REQUEST_STATUS_UNSPECIFIED ||
      !v1::ServiceRequestStatus_IsValid(status)) {
    v.Add("service_request.status", "required: OPEN, IN_PROGRESS, WAITING_ON_CUSTOMER or RESOLVED");
  }
  RETURN_IF_ERROR(v.ToStatus());
  return status;
}

absl::Status CheckMessage(const v1::CreateMessageRequest& request) {
  Violations v;
  CheckText(v, "message.body", request.message().body(), kMaxMessageBytes, /*required=*/true);
  CheckRequestId(v, "request_id", request.request_id());
  return v.ToStatus();
}

// The message id of start_after (empty when not set): a message of this request.
absl::StatusOr<std::string> StartAfterOf(const v1::StreamMessagesRequest& request) {
  if (request.start_after().empty()) {
    return std::string();
  }
  const std::string prefix = request.parent() + "/messages/";
  auto id = request.start_after().rfind(prefix, 0) == 0
                ? IdFromText(request.start_after().substr(prefix.size()))
                : std::nullopt;
  if (!id.has_value()) {
    return InvalidField("start_after", domain::kStartAfterRule);
  }
  return *id;
}

}  // namespace

grpc::Status ServiceRequestServiceImpl::CreateServiceRequest(
    grpc::ServerContext* context, const v1::CreateServiceRequestRequest* request,
    v1::ServiceRequest* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    ASSIGN_OR_RETURN(sql::ServiceRequestRow fields, ServiceRequestOf(*request));
    ASSIGN_OR_RETURN(sql::ServiceRequestRow row,
                     requests_->Create(call, std::move(fields),
                                       IdempotencyKeyFor(call.tenant_id, "CreateServiceRequest",
                                                         *request, request->request_id())));
    RequestToProto(call, row, response);
    return absl::OkStatus();
  });
}

grpc::Status ServiceRequestServiceImpl::GetServiceRequest(
    grpc::ServerContext* context, const v1::GetServiceRequestRequest* request,
    v1::ServiceRequest* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    ASSIGN_OR_RETURN(sql::ServiceRequestRow row, requests_->Get(call, call.target.id()));
    RequestToProto(call, row, response);
    return absl::OkStatus();
  });
}

grpc::Status ServiceRequestServiceImpl::ListServiceRequests(
    grpc::ServerContext* context, const v1::ListServiceRequestsRequest* request,
    v1::ListServiceRequestsResponse* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    ASSIGN_OR_RETURN(sql::ListParams params, ListParamsFor(call, *request));
    ASSIGN_OR_RETURN(domain::Page<sql::ServiceRequestRow> page,
                     requests_->List(call, std::move(params)));
    for (const auto& row : page.rows) {
      RequestToProto(call, row, response->add_service_requests());
    }
    response->set_next_page_token(page.next_page_token);
    return absl::OkStatus();
  });
}

grpc::Status ServiceRequestServiceImpl::UpdateServiceRequest(
    grpc::ServerContext* context, const v1::UpdateServiceRequestRequest* request,
    v1::ServiceRequest* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    ASSIGN_OR_RETURN(int status, StatusOf(*request));
    ASSIGN_OR_RETURN(sql::ServiceRequestRow row,
                     requests_->UpdateStatus(call, call.target.id(), status));
    RequestToProto(call, row, response);
    return absl::OkStatus();
  });
}

grpc::Status ServiceRequestServiceImpl::CreateMessage(grpc::ServerContext* context,
                                                      const v1::CreateMessageRequest* request,
                                                      v1::Message* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    RETURN_IF_ERROR(CheckMessage(*request));
    ASSIGN_OR_RETURN(sql::MessageRow row,
                     requests_->CreateMessage(call, call.target.id(), request->message().body(),
                                              IdempotencyKeyFor(call.tenant_id, "CreateMessage",
                                                                *request, request->request_id())));
    MessageToProto(row, response);
    return absl::OkStatus();
  });
}

grpc::Status ServiceRequestServiceImpl::ListMessages(grpc::ServerContext* context,
                                                     const v1::ListMessagesRequest* request,
                                                     v1::ListMessagesResponse* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    ASSIGN_OR_RETURN(domain::PageRequest page_request, PageRequestFor(*request));
    ASSIGN_OR_RETURN(domain::Page<sql::MessageRow> page,
                     requests_->ListMessages(call, call.target.id(), page_request));
    for (const auto& row : page.rows) {
      MessageToProto(row, response->add_messages());
    }
    response->set_next_page_token(page.next_page_token);
    return absl::OkStatus();
  });
}

grpc::ServerWriteReactor<v1::Message>* ServiceRequestServiceImpl::StreamMessages(
    grpc::CallbackServerContext* context, const v1::StreamMessagesRequest* request) {
  return FeedReactor<v1::Message>::Start(
      *edge_, context, *request,
      [this, request](const CallContext& call, std::function<void()> waker)
          -> absl::StatusOr<std::unique_ptr<domain::Feed<v1::Message>>> {
        ASSIGN_OR_RETURN(std::string start_after, StartAfterOf(*request));
        return requests_->OpenMessages(call, call.target.id(), start_after, std::move(waker));
      });
}

}  // namespace cases::server
