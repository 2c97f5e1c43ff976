// The detections unit of the domain layer: ingest of validated detections,
// reads of detections and alerts and the alerts' history.
#ifndef CASES_DOMAIN_DETECTIONS_H_
#define CASES_DOMAIN_DETECTIONS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "domain/automation.h"
#include "domain/page.h"
#include "sql/detection_store.h"
#include "tenancy/guard.h"

namespace cases::domain {

class Detections {
 public:
  // `automation` (may be null: no case rules) gives the tenant's case rules.
  Detections(const tenancy::Guard* guard, sql::DetectionStore* store,
             const Automation* automation = nullptr)
      : guard_(guard), store_(store), automation_(automation) {}

  // Stores the accepted detections of one batch (idempotent on external id),
  // grouping them into alerts; one outcome per row, in order. A detection of a
  // product the tenant holds no valid licence for is rejected, naming `product`.
  // The tenant's enabled case rules run on the detections really created, in
  // the same transaction: each joins or opens its rules' cases.
  absl::StatusOr<std::vector<sql::IngestOutcome>> Ingest(
      const tenancy::CallContext& call, const std::vector<sql::DetectionRow>& rows) const;
  absl::StatusOr<sql::DetectionRow> GetDetection(const tenancy::CallContext& call,
                                                 const std::string& detection_id) const;
  absl::StatusOr<Page<sql::DetectionRow>> ListDetections(const tenancy::CallContext& call,
                                                         sql::ListParams params) const;
  absl::StatusOr<sql::AlertRow> GetAlert(const tenancy::CallContext& call,
                                         const std::string& alert_id) const;
  absl::StatusOr<Page<sql::AlertRow>> ListAlerts(const tenancy::CallContext& call,
                                                 sql::ListParams params) const;
  absl::StatusOr<Page<sql::EventRow>> ListAlertEvents(const tenancy::CallContext& call,
                                                      const std::string& alert_id,
                                                      const PageRequest& page) const;

 private:
  const tenancy::Guard* guard_;
  sql::DetectionStore* store_;
  const Automation* automation_;
};

}  // namespace cases::domain

#endif  // CASES_DOMAIN_DETECTIONS_H_
