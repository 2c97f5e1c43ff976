#include "server/detection_service.h"

#include "server/rpc.h"

namespace cases::server {

grpc::Status DetectionServiceImpl::IngestDetections(grpc::ServerContext* context,
                                                    const v1::IngestDetectionsRequest* request,
                                                    v1::IngestDetectionsResponse* response) {
  return Serve(*guard_, context, *request,
               [&](const tenancy::CallContext&) { return NotImplementedYet(); });
}

grpc::Status DetectionServiceImpl::GetDetection(grpc::ServerContext* context,
                                                const v1::GetDetectionRequest* request,
                                                v1::Detection* response) {
  return Serve(*guard_, context, *request,
               [&](const tenancy::CallContext&) { return NotImplementedYet(); });
}

grpc::Status DetectionServiceImpl::ListDetections(grpc::ServerContext* context,
                                                  const v1::ListDetectionsRequest* request,
                                                  v1::ListDetectionsResponse* response) {
  return Serve(*guard_, context, *request,
               [&](const tenancy::CallContext&) { return NotImplementedYet(); });
}

grpc::Status DetectionServiceImpl::GetAlert(grpc::ServerContext* context,
                                            const v1::GetAlertRequest* request,
                                            v1::Alert* response) {
  return Serve(*guard_, context, *request,
               [&](const tenancy::CallContext&) { return NotImplementedYet(); });
}

grpc::Status DetectionServiceImpl::ListAlerts(grpc::ServerContext* context,
                                              const v1::ListAlertsRequest* request,
                                              v1::ListAlertsResponse* response) {
  return Serve(*guard_, context, *request,
               [&](const tenancy::CallContext&) { return NotImplementedYet(); });
}

grpc::Status DetectionServiceImpl::ListAlertEvents(grpc::ServerContext* context,
                                                   const v1::ListAlertEventsRequest* request,
                                                   v1::ListAlertEventsResponse* response) {
  return Serve(*guard_, context, *request,
               [&](const tenancy::CallContext&) { return NotImplementedYet(); });
}

}  // namespace cases::server
