#include "domain/cases.h"

#include "common/errors.h"
#include "common/names.h"
#include "common/status_macros.h"
#include "domain/case_rules.h"
#include "sql/db_time.h"

namespace cases::domain {
namespace {

namespace v1 = ::soc::cases::v1;
using tenancy::Action;

absl::Status CaseNotFound(const Caller& call, const std::string& case_id) {
  return NotFound("case", ChildName(call.tenant_id, "cases", case_id));
}

}  // namespace

absl::Status Cases::CheckAttachable(const Caller& call, int case_type,
                                    const std::vector<sql::DetectionRow>& detections) const {
  // Only detections the caller may read: an MDR analyst attaches MDR detections.
  for (const sql::DetectionRow& d : detections) {
    RETURN_IF_ERROR(
        guard_->Allow(call, Action::kReadDetections, static_cast<v1::Product>(d.product)));
  }
  return CheckDetectionsEligible(case_type, detections);
}

absl::Status Cases::AllowInitialStatus(const Caller& call, const sql::CaseRow& row) const {
  if (row.status != v1::CASE_STATUS_RESOLVED) {
    return absl::OkStatus();
  }
  return guard_->Allow(call, Action::kCloseCase, ProductOfCaseType(row.type));
}

absl::StatusOr<sql::CaseRow> Cases::Create(const Caller& call, CreateCaseCommand command) const {
  sql::CaseRow& row = command.fields;
  RETURN_IF_ERROR(AllowInitialStatus(call, row));
  ApplyResolution(false, sql::DbNow(), retention_, &row);
  row.creator = call.principal.subject;
  const int type = row.type;
  return store_->Create(
      row, command.detection_ids,
      [&call, type, this](const auto& rows) { return CheckAttachable(call, type, rows); },
      command.key, call.principal.subject);
}

absl::StatusOr<sql::CaseRow> Cases::Convert(const Caller& call, ConvertAlertCommand command) const {
  sql::CaseRow& row = command.fields;
  RETURN_IF_ERROR(AllowInitialStatus(call, row));
  ApplyResolution(false, sql::DbNow(), retention_, &row);
  row.creator = call.principal.subject;
  const std::map<std::string, std::string> requested = row.attributes;
  auto plan = [&](const sql::AlertRow& alert, const std::vector<sql::DetectionRow>& detections,
                  sql::CaseRow* out) -> absl::Status {
    RETURN_IF_ERROR(CheckDetectionsEligible(out->type, detections));
    RETURN_IF_ERROR(DefaultFromAlert(alert, out));
    out->attributes = MergeConvertedAttributes(alert, detections, requested);
    return absl::OkStatus();
  };
  return store_->Convert(row, command.alert_id, plan, command.key, call.principal.subject);
}

absl::StatusOr<sql::CaseRow> Cases::Get(const Caller& call, const std::string& case_id) const {
  ASSIGN_OR_RETURN(std::optional<sql::CaseRow> row, store_->Get(call.tenant_id, case_id));
  if (!row.has_value()) {
    return CaseNotFound(call, case_id);
  }
  RETURN_IF_ERROR(guard_->Allow(call, call.permission->action, ProductOfCaseType(row->type)));
  return *std::move(row);
}

absl::StatusOr<Page<sql::CaseRow>> Cases::List(const Caller& call, sql::ListParams params) const {
  ScopeToPermittedProducts(*guard_, call, "type", &CaseTypeOfProduct, &params);
  Page<sql::CaseRow> page;
  ASSIGN_OR_RETURN(page.next_page_token, store_->List(params, &page.rows));
  return page;
}

absl::StatusOr<sql::CaseRow> Cases::Update(const Caller& call, UpdateCaseCommand command) const {
  auto mutate = [&](const sql::CaseRow& current, sql::CaseRow* next,
                    std::vector<sql::FieldChangeRow>* changes) -> absl::Status {
    const v1::Product product = ProductOfCaseType(current.type);
    RETURN_IF_ERROR(guard_->Allow(call, Action::kEditCases, product));
    RETURN_IF_ERROR(CheckEtag(command.etag, current));
    CopyPaths(command.patch, command.paths, next);
    const bool was_resolved = current.status == v1::CASE_STATUS_RESOLVED;
    const bool reopening = was_resolved && next->status != v1::CASE_STATUS_RESOLVED;
    if (!reopening) {
      Violations closing;
      CheckClosing(closing, "case.", next->status, next->close_reason, next->close_note);
      RETURN_IF_ERROR(closing.ToStatus());
    }
    // Beyond editing, the change may need more: closing needs the closing action.
    if (const Action needed = ActionForChange(*next, command.paths); needed != Action::kEditCases) {
      RETURN_IF_ERROR(guard_->Allow(call, needed, product));
    }
    ApplyResolution(was_resolved, sql::DbNow(), retention_, next);
    *changes = CaseChanges(current, *next);
    return absl::OkStatus();
  };
  return store_->Update(call.tenant_id, command.case_id, mutate, call.principal.subject);
}

absl::StatusOr<sql::CaseRow> Cases::AddDetections(
    const Caller& call, const std::string& case_id,
    const std::vector<std::string>& detection_ids) const {
  int case_type = 0;
  return store_->AddDetections(
      call.tenant_id, case_id, detection_ids,
      [&](const sql::CaseRow& current) {
        case_type = current.type;
        return guard_->Allow(call, Action::kAddCaseDetections, ProductOfCaseType(current.type));
      },
      [&](const auto& rows) { return CheckAttachable(call, case_type, rows); },
      call.principal.subject);
}

absl::Status Cases::Delete(const Caller& call, const DeleteCasesCommand& command) const {
  return store_->Delete(call.tenant_id, command.case_ids, [&](const sql::CaseRow& current) {
    RETURN_IF_ERROR(CheckRemovable(current));
    return CheckEtag(command.etag, current);
  });
}

absl::StatusOr<Page<sql::EventRow>> Cases::ListEvents(const Caller& call,
                                                      const std::string& case_id,
                                                      const PageRequest& request) const {
  ASSIGN_OR_RETURN(sql::CaseRow row, Get(call, case_id));
  Page<sql::EventRow> page;
  ASSIGN_OR_RETURN(page.next_page_token,
                   store_->ListEvents(call.tenant_id, row.case_id, request.parent,
                                      request.page_size, request.page_token, &page.rows));
  return page;
}

absl::StatusOr<sql::QueueRow> Cases::CreateQueue(
    const Caller& call, sql::QueueRow row, const std::optional<sql::IdempotencyKey>& key) const {
  row.tenant_id = call.tenant_id;
  return queues_->Create(std::move(row), key);
}

absl::StatusOr<Page<sql::QueueRow>> Cases::ListQueues(const Caller& call,
                                                      const sql::ListParams& params) const {
  Page<sql::QueueRow> page;
  ASSIGN_OR_RETURN(page.next_page_token, queues_->List(params, &page.rows));
  return page;
}

}  // namespace cases::domain
