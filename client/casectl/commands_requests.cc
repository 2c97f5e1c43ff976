// Service requests and their messages.
#include <cstdio>
#include <thread>

#include "client/casectl/command.h"

namespace cases::client::cli {
namespace {

const std::vector<std::string> kRequestHeaders = {"TYPE", "STATUS", "DISPLAY NAME", "NAME"};

std::vector<std::string> RequestRow(const v1::ServiceRequest& r) {
  return {Short(v1::ServiceRequestType_descriptor(), r.type()),
          Short(v1::ServiceRequestStatus_descriptor(), r.status()), r.display_name(), r.name()};
}

void ShowRequest(const v1::ServiceRequest& r) { PrintTable(kRequestHeaders, {RequestRow(r)}); }

void ShowMessage(const v1::Message& m) {
  std::printf("[%s] %s (%s):\n%s\n\n", Time(m.create_time()).c_str(), m.author().c_str(),
              Short(v1::MessageSide_descriptor(), m.side()).c_str(), m.body().c_str());
}

int CreateRequest(Context& c) {
  v1::CreateServiceRequestRequest request;
  request.set_parent(c.args.Required("parent"));
  auto* sr = request.mutable_service_request();
  sr->set_type(ParseEnum<v1::ServiceRequestType>(v1::ServiceRequestType_descriptor(),
                                                 c.args.Required("type"), "type"));
  sr->set_display_name(c.args.Required("name"));
  sr->set_description(c.args.Get("description"));
  request.set_request_id(c.args.Get("request-id"));
  return c.Unary(c.client->requests(), &v1::ServiceRequestService::Stub::CreateServiceRequest,
                 request, &ShowRequest);
}

int ListRequests(Context& c) {
  v1::ListServiceRequestsRequest request;
  request.set_parent(c.Parent());
  request.set_filter(c.args.Get("filter"));
  return c.List(c.client->requests(), &v1::ServiceRequestService::Stub::ListServiceRequests,
                request, &v1::ListServiceRequestsResponse::service_requests, kRequestHeaders,
                &RequestRow);
}

int GetRequest(Context& c) {
  v1::GetServiceRequestRequest request;
  request.set_name(c.args.Word(2, "service request name"));
  return c.Unary(c.client->requests(), &v1::ServiceRequestService::Stub::GetServiceRequest, request,
                 &ShowRequest);
}

int SetRequestStatus(Context& c) {
  v1::UpdateServiceRequestRequest request;
  request.mutable_service_request()->set_name(c.args.Word(2, "service request name"));
  request.mutable_service_request()->set_status(ParseEnum<v1::ServiceRequestStatus>(
      v1::ServiceRequestStatus_descriptor(), c.args.Required("status"), "status"));
  request.mutable_update_mask()->add_paths("status");
  return c.Unary(c.client->requests(), &v1::ServiceRequestService::Stub::UpdateServiceRequest,
                 request, &ShowRequest);
}

int ListMessages(Context& c) {
  v1::ListMessagesRequest request;
  request.set_parent(c.args.Word(2, "service request name"));
  auto pager =
      c.client->ListAll(c.client->requests(), &v1::ServiceRequestService::Stub::ListMessages,
                        request, &v1::ListMessagesResponse::messages);
  for (const v1::Message& m : pager) {
    c.Json() ? PrintJson(m) : ShowMessage(m);
  }
  return pager.status().ok() ? kExitOk : PrintError(pager.status());
}

int PostMessage(Context& c) {
  v1::CreateMessageRequest request;
  request.set_parent(c.args.Word(2, "service request name"));
  request.mutable_message()->set_body(c.args.Required("body"));
  return c.Unary(c.client->requests(), &v1::ServiceRequestService::Stub::CreateMessage, request,
                 &ShowMessage);
}

// Streams until interrupted; reconnects after the last message seen.
int WatchMessages(Context& c) {
  v1::StreamMessagesRequest request;
  request.set_parent(c.args.Word(2, "service request name"));
  request.set_start_after(c.args.Get("start-after"));
  for (int attempt = 1;; ++attempt) {
    auto context = c.client->NewContext(std::chrono::hours(24 * 365));
    auto reader = c.client->requests().StreamMessages(context.get(), request);
    v1::Message m;
    while (reader->Read(&m)) {
      attempt = 1;
      c.Json() ? PrintJson(m) : ShowMessage(m);
      std::fflush(stdout);
      request.set_start_after(m.name());
    }
    grpc::Status status = reader->Finish();
    auto delay = RetryDelay(status, true, attempt, c.client->options());
    if (!delay.has_value()) {
      return PrintError(status);
    }
    std::this_thread::sleep_for(*delay);
  }
}

}  // namespace

std::vector<Command> RequestCommands() {
  return {
      {"requests", "create",
       "requests create --parent P --type MDR|MANAGED_RISK --name N [--description D]",
       &CreateRequest},
      {"requests", "list", "requests list [--parent P] [--filter F]", &ListRequests},
      {"requests", "get", "requests get NAME", &GetRequest},
      {"requests", "status", "requests status NAME --status S", &SetRequestStatus},
      {"requests", "messages", "requests messages NAME", &ListMessages},
      {"requests", "post", "requests post NAME --body TEXT", &PostMessage},
      {"requests", "watch", "requests watch NAME [--start-after MESSAGE]", &WatchMessages},
  };
}

}  // namespace cases::client::cli
