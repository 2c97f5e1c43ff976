#include "server/activity_service.h"

#include "common/errors.h"
#include "common/names.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "server/feed_reactor.h"
#include "server/mapping.h"

namespace cases::server {
namespace {

using tenancy::CallContext;

// `start_after`: empty, or an activity name in one of the streamed tenants.
absl::StatusOr<std::string> StartAfterOf(const CallContext& call,
                                         const v1::StreamActivitiesRequest& request) {
  if (request.start_after().empty()) {
    return std::string();
  }
  constexpr char kRule[] =
      "must be the name of an activity of the streamed tenant(s), "
      "tenants/{tenant}/activities/{activity}";
  auto parsed = ParseName(request.start_after(), "start_after", "tenants/{tenant}/activities/{id}");
  if (!parsed.ok()) {
    return InvalidField("start_after", kRule);
  }
  const bool in_stream = call.all_tenants
                             ? std::find(call.tenant_ids.begin(), call.tenant_ids.end(),
                                         parsed->tenant_id) != call.tenant_ids.end()
                             : parsed->tenant_id == call.tenant_id;
  if (!in_stream) {
    return InvalidField("start_after", kRule);
  }
  return parsed->ids.front();
}

}  // namespace

grpc::Status ActivityServiceImpl::ListActivities(grpc::ServerContext* context,
                                                 const v1::ListActivitiesRequest* request,
                                                 v1::ListActivitiesResponse* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    ASSIGN_OR_RETURN(sql::ListParams params, ListParamsFor(call, *request));
    ASSIGN_OR_RETURN(domain::Page<sql::ActivityRow> page,
                     activities_->List(call, std::move(params)));
    for (const auto& row : page.rows) {
      if (!domain::ActivityToProto(*call.snapshot, row, response->add_activities())) {
        return absl::InternalError("unreadable activity");
      }
    }
    response->set_next_page_token(page.next_page_token);
    return absl::OkStatus();
  });
}

grpc::ServerWriteReactor<v1::Activity>* ActivityServiceImpl::StreamActivities(
    grpc::CallbackServerContext* context, const v1::StreamActivitiesRequest* request) {
  return FeedReactor<v1::Activity>::Start(
      *edge_, context, *request,
      [this, request](const CallContext& call, std::function<void()> waker)
          -> absl::StatusOr<std::unique_ptr<domain::Feed<v1::Activity>>> {
        ASSIGN_OR_RETURN(std::string start_after, StartAfterOf(call, *request));
        return activities_->Open(call, start_after, request->filter(), std::move(waker));
      });
}

}  // namespace cases::server
