// DetectionService: the gRPC adapter of domain::Detections (ingest from sensors,
// browse detections and alerts).
#ifndef CASES_SERVER_DETECTION_SERVICE_H_
#define CASES_SERVER_DETECTION_SERVICE_H_

#include "domain/detections.h"
#include "server/rpc.h"
#include "soc/cases/v1/detection_service.grpc.pb.h"
#include "tenancy/guard.h"

namespace cases::server {

namespace v1 = ::soc::cases::v1;

class DetectionServiceImpl final : public v1::DetectionService::Service {
 public:
  DetectionServiceImpl(const Edge* edge, const domain::Detections* detections)
      : edge_(edge), detections_(detections) {}

  grpc::Status IngestDetections(grpc::ServerContext* context,
                                const v1::IngestDetectionsRequest* request,
                                v1::IngestDetectionsResponse* response) override;
  grpc::Status GetDetection(grpc::ServerContext* context, const v1::GetDetectionRequest* request,
                            v1::Detection* response) override;
  grpc::Status ListDetections(grpc::ServerContext* context,
                              const v1::ListDetectionsRequest* request,
                              v1::ListDetectionsResponse* response) override;
  grpc::Status GetAlert(grpc::ServerContext* context, const v1::GetAlertRequest* request,
                        v1::Alert* response) override;
  grpc::Status ListAlerts(grpc::ServerContext* context, const v1::ListAlertsRequest* request,
                          v1::ListAlertsResponse* response) override;
  grpc::Status ListAlertEvents(grpc::ServerContext* context,
                               const v1::ListAlertEventsRequest* request,
                               v1::ListAlertEventsResponse* response) override;

 private:
  const Edge* edge_;
  const domain::Detections* detections_;
};

}  // namespace cases::server

#endif  // CASES_SERVER_DETECTION_SERVICE_H_
