#include "server/detection_service.h"

#include "common/status_macros.h"
#include "server/detection_mapping.h"
#include "server/mapping.h"

namespace cases::server {

using tenancy::CallContext;

grpc::Status DetectionServiceImpl::IngestDetections(grpc::ServerContext* context,
                                                    const v1::IngestDetectionsRequest* request,
                                                    v1::IngestDetectionsResponse* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    ASSIGN_OR_RETURN(IngestBatch batch, IngestBatchOf(*request, response));
    ASSIGN_OR_RETURN(std::vector<sql::IngestOutcome> outcomes,
                     detections_->Ingest(call, batch.accepted));
    FillIngestResults(call.tenant_id, batch, outcomes, response);
    return absl::OkStatus();
  });
}

grpc::Status DetectionServiceImpl::GetDetection(grpc::ServerContext* context,
                                                const v1::GetDetectionRequest* request,
                                                v1::Detection* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    ASSIGN_OR_RETURN(sql::DetectionRow row, detections_->GetDetection(call, call.target.id()));
    DetectionToProto(row, response);
    return absl::OkStatus();
  });
}

grpc::Status DetectionServiceImpl::ListDetections(grpc::ServerContext* context,
                                                  const v1::ListDetectionsRequest* request,
                                                  v1::ListDetectionsResponse* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    ASSIGN_OR_RETURN(sql::ListParams params, ListParamsFor(call, *request));
    ASSIGN_OR_RETURN(domain::Page<sql::DetectionRow> page,
                     detections_->ListDetections(call, params));
    for (const auto& row : page.rows) {
      DetectionToProto(row, response->add_detections());
    }
    response->set_next_page_token(page.next_page_token);
    return absl::OkStatus();
  });
}

grpc::Status DetectionServiceImpl::GetAlert(grpc::ServerContext* context,
                                            const v1::GetAlertRequest* request,
                                            v1::Alert* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    ASSIGN_OR_RETURN(sql::AlertRow row, detections_->GetAlert(call, call.target.id()));
    AlertToProto(row, response);
    return absl::OkStatus();
  });
}

grpc::Status DetectionServiceImpl::ListAlerts(grpc::ServerContext* context,
                                              const v1::ListAlertsRequest* request,
                                              v1::ListAlertsResponse* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    ASSIGN_OR_RETURN(sql::ListParams params, ListParamsFor(call, *request));
    ASSIGN_OR_RETURN(domain::Page<sql::AlertRow> page, detections_->ListAlerts(call, params));
    for (const auto& row : page.rows) {
      AlertToProto(row, response->add_alerts());
    }
    response->set_next_page_token(page.next_page_token);
    return absl::OkStatus();
  });
}

grpc::Status DetectionServiceImpl::ListAlertEvents(grpc::ServerContext* context,
                                                   const v1::ListAlertEventsRequest* request,
                                                   v1::ListAlertEventsResponse* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    ASSIGN_OR_RETURN(domain::PageRequest page_request, PageRequestFor(*request));
    ASSIGN_OR_RETURN(domain::Page<sql::EventRow> page,
                     detections_->ListAlertEvents(call, call.target.id(), page_request));
    for (const auto& row : page.rows) {
      FillEvent(row, request->parent(), response->add_events());
    }
    response->set_next_page_token(page.next_page_token);
    return absl::OkStatus();
  });
}

}  // namespace cases::server
