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
        return activities_->Open(call, request->start_after(), request->filter(), std::move(waker));
      });
}

}  // namespace cases::server
