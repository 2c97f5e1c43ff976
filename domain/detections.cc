#include "domain/detections.h"

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/names.h"
#include "common/status_macros.h"

namespace cases::domain {

namespace v1 = ::soc::cases::v1;
using tenancy::Action;
using tenancy::CallContext;

namespace {

int ProductValue(v1::Product product) { return product; }

}  // namespace

absl::StatusOr<std::vector<sql::IngestOutcome>> Detections::Ingest(
    const CallContext& call, const std::vector<sql::DetectionRow>& rows) const {
  std::vector<sql::IngestOutcome> outcomes(rows.size());
  std::vector<sql::DetectionRow> licensed;
  std::vector<size_t> index;
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto product = static_cast<v1::Product>(rows[i].product);
    const tenancy::LicenseState state = call.snapshot->License(call.tenant_id, product, call.now);
    if (state != tenancy::LicenseState::kValid) {
      outcomes[i].rejected_field = "product";
      outcomes[i].rejected_reason = absl::StrCat(state == tenancy::LicenseState::kExpired
                                                     ? "the tenant's licence has expired: "
                                                     : "the tenant has no licence for ",
                                                 v1::Product_Name(product));
      continue;
    }
    licensed.push_back(rows[i]);
    index.push_back(i);
  }
  std::optional<sql::IngestRules> rules;
  if (automation_ != nullptr && !licensed.empty()) {
    ASSIGN_OR_RETURN(rules, automation_->IngestRulesFor(call));
  }
  ASSIGN_OR_RETURN(std::vector<sql::IngestOutcome> stored,
                   store_->Ingest(call.tenant_id, licensed, call.principal.subject,
                                  rules.has_value() ? &*rules : nullptr));
  for (size_t k = 0; k < stored.size(); ++k) {
    outcomes[index[k]] = std::move(stored[k]);
  }
  return outcomes;
}

absl::StatusOr<sql::DetectionRow> Detections::GetDetection(const CallContext& call,
                                                           const std::string& detection_id) const {
  ASSIGN_OR_RETURN(std::optional<sql::DetectionRow> row,
                   store_->GetDetection(call.tenant_id, detection_id));
  if (!row.has_value()) {
    return NotFound("detection", ChildName(call.tenant_id, "detections", detection_id));
  }
  RETURN_IF_ERROR(
      guard_->Allow(call, Action::kReadDetections, static_cast<v1::Product>(row->product)));
  return *std::move(row);
}

absl::StatusOr<Page<sql::DetectionRow>> Detections::ListDetections(const CallContext& call,
                                                                   sql::ListParams params) const {
  ScopeToPermittedProducts(*guard_, call, "product", &ProductValue, &params);
  Page<sql::DetectionRow> page;
  ASSIGN_OR_RETURN(page.next_page_token, store_->ListDetections(params, &page.rows));
  return page;
}

absl::StatusOr<sql::AlertRow> Detections::GetAlert(const CallContext& call,
                                                   const std::string& alert_id) const {
  ASSIGN_OR_RETURN(std::optional<sql::AlertRow> row, store_->GetAlert(call.tenant_id, alert_id));
  if (!row.has_value()) {
    return NotFound("alert", ChildName(call.tenant_id, "alerts", alert_id));
  }
  RETURN_IF_ERROR(
      guard_->Allow(call, Action::kReadDetections, static_cast<v1::Product>(row->product)));
  return *std::move(row);
}

absl::StatusOr<Page<sql::AlertRow>> Detections::ListAlerts(const CallContext& call,
                                                           sql::ListParams params) const {
  ScopeToPermittedProducts(*guard_, call, "product", &ProductValue, &params);
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
