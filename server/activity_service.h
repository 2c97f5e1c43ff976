// ActivityService: the gRPC adapter of domain::Activities (the change feed, as
// pages and as a live stream).
#ifndef CASES_SERVER_ACTIVITY_SERVICE_H_
#define CASES_SERVER_ACTIVITY_SERVICE_H_

#include "domain/activities.h"
#include "server/rpc.h"
#include "soc/cases/v1/activity_service.grpc.pb.h"

namespace cases::server {

namespace v1 = ::soc::cases::v1;

// ListActivities on the synchronous API; StreamActivities on the callback API,
// where an open stream holds no thread (feed_reactor.h).
class ActivityServiceImpl final : public v1::ActivityService::WithCallbackMethod_StreamActivities<
                                      v1::ActivityService::Service> {
 public:
  ActivityServiceImpl(const Edge* edge, const domain::Activities* activities)
      : edge_(edge), activities_(activities) {}

  grpc::Status ListActivities(grpc::ServerContext* context,
                              const v1::ListActivitiesRequest* request,
                              v1::ListActivitiesResponse* response) override;
  grpc::ServerWriteReactor<v1::Activity>* StreamActivities(
      grpc::CallbackServerContext* context, const v1::StreamActivitiesRequest* request) override;

 private:
  const Edge* edge_;
  const domain::Activities* activities_;
};

}  // namespace cases::server

#endif  // CASES_SERVER_ACTIVITY_SERVICE_H_
