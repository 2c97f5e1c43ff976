#include "domain/detections.h"

#include "absl/strings/str_cat.h"
#include "common/names.h"
#include "common/status_macros.h"

namespace cases::domain {

using tenancy::CallContext;

absl::StatusOr<std::vector<sql::IngestOutcome>> Detections::Ingest(
    const CallContext& call, const std::vector<sql::DetectionRow>& rows) const {
  return store_->Ingest(call.tenant_id, rows, call.principal.subject);
}

absl::StatusOr<sql::DetectionRow> Detections::GetDetection(const CallContext& call,
                                                           const std::string& detection_id) const {
  ASSIGN_OR_RETURN(std::optional<sql::DetectionRow> row,
                   store_->GetDetection(call.tenant_id, detection_id));
  if (!row.has_value()) {
    return absl::NotFoundError(absl::StrCat("detection not found: ",
                                            ChildName(call.tenant_id, "detections", detection_id)));
  }
  return *std::move(row);
}

absl::StatusOr<Page<sql::DetectionRow>> Detections::ListDetections(
    const CallContext& call, const sql::ListParams& params) const {
  Page<sql::DetectionRow> page;
  ASSIGN_OR_RETURN(page.next_page_token, store_->ListDetections(params, &page.rows));
  return page;
}

absl::StatusOr<sql::AlertRow> Detections::GetAlert(const CallContext& call,
                                                   const std::string& alert_id) const {
  ASSIGN_OR_RETURN(std::optional<sql::AlertRow> row, store_->GetAlert(call.tenant_id, alert_id));
  if (!row.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("alert not found: ", ChildName(call.tenant_id, "alerts", alert_id)));
  }
  return *std::move(row);
}

absl::StatusOr<Page<sql::AlertRow>> Detections::ListAlerts(const CallContext& call,
                                                           const sql::ListParams& params) const {
  Page<sql::AlertRow> page;
  ASSIGN_OR_RETURN(page.next_page_token, store_->ListAlerts(params, &page.rows));
  return page;
}

absl::StatusOr<Page<sql::EventRow>> Detections::ListAlertEvents(const CallContext& call,
                                                                const std::string& alert_id,
                                                                const PageRequest& request) const {
  RETURN_IF_ERROR(GetAlert(call, alert_id).status());
  Page<sql::EventRow> page;
  ASSIGN_OR_RETURN(page.next_page_token,
                   store_->ListAlertEvents(call.tenant_id, alert_id, request.parent,
                                           request.page_size, request.page_token, &page.rows));
  return page;
}

}  // namespace cases::domain
