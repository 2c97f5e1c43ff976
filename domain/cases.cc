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
  // Read before the transaction: a policy committed before this create applies to it.
  ASSIGN_OR_RETURN(const sql::SlaPolicyRow policy, sla_->Get(call.tenant_id));
  auto plan = [&](const std::vector<sql::DetectionRow>& detections, sql::CaseRow* c) {
    RETURN_IF_ERROR(CheckAttachable(call, c->type, detections));
    ApplySlaDeadlines(policy, c);
    ApplyAcknowledgement(c->create_time, c);
    return absl::OkStatus();
  };
  return store_->Create(row, command.detection_ids, plan, command.key, call.principal.subject);
}

absl::StatusOr<sql::CaseRow> Cases::Convert(const Caller& call, ConvertAlertCommand command) const {
  sql::CaseRow& row = command.fields;
  RETURN_IF_ERROR(AllowInitialStatus(call, row));
  ApplyResolution(false, sql::DbNow(), retention_, &row);
  row.creator = call.principal.subject;
  const std::map<std::string, std::string> requested = row.attributes;
  ASSIGN_OR_RETURN(const sql::SlaPolicyRow policy, sla_->Get(call.tenant_id));
  auto plan = [&](const sql::AlertRow& alert, const std::vector<sql::DetectionRow>& detections,
                  sql::CaseRow* out) -> absl::Status {
    RETURN_IF_ERROR(CheckDetectionsEligible(out->type, detections));
    RETURN_IF_ERROR(DefaultFromAlert(alert, out));
    out->attributes = MergeConvertedAttributes(alert, detections, requested);
    ApplySlaDeadlines(policy, out);
    ApplyAcknowledgement(out->create_time, out);
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
  params.partner_id = call.snapshot->SharedPartner(params.tenant_ids);
  if (!params.partner_id.empty()) {
    params.partner_members = &call.snapshot->PartnerMembers(params.partner_id);
  }
  Page<sql::CaseRow> page;
  ASSIGN_OR_RETURN(page.next_page_token, store_->List(params, &page.rows));
  return page;
}

absl::StatusOr<sql::CaseRow> Cases::Update(const Caller& call, UpdateCaseCommand command) const {
  ASSIGN_OR_RETURN(std::vector<sql::CaseRow> rows, UpdateMany(call, {std::move(command)}));
  return std::move(rows.front());
}

absl::StatusOr<std::vector<sql::CaseRow>> Cases::UpdateMany(
    const Caller& call, const std::vector<UpdateCaseCommand>& commands) const {
  // The SLA policy is read only when a severity may change, before the transaction.
  sql::SlaPolicyRow policy;
  for (const UpdateCaseCommand& command : commands) {
    if (command.paths.count("severity") != 0) {
      ASSIGN_OR_RETURN(policy, sla_->Get(call.tenant_id));
      break;
    }
  }
  const absl::Time now = sql::DbNow();
  std::vector<sql::CaseUpdate> updates;
  for (const UpdateCaseCommand& command : commands) {
    auto mutate = [&call, &command, &policy, now, this](
                      const sql::CaseRow& current, sql::CaseRow* next,
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
      if (const Action needed = ActionForChange(*next, command.paths);
          needed != Action::kEditCases) {
        RETURN_IF_ERROR(guard_->Allow(call, needed, product));
      }
      ApplyResolution(was_resolved, now, retention_, next);
      *changes = CaseChanges(current, *next);
      if (changes->empty()) {
        return absl::OkStatus();  // nothing shown changed: nothing is written
      }
      if (next->severity != current.severity) {
        ApplySlaDeadlines(policy, next);
      }
      ApplyAcknowledgement(now, next);
      return absl::OkStatus();
    };
    updates.push_back({command.case_id, std::move(mutate), command.item});
  }
  return store_->Update(call.tenant_id, updates, call.principal.subject);
}

absl::StatusOr<CaseStats> Cases::Stats(const Caller& call, sql::ListParams params) const {
  ScopeToPermittedProducts(*guard_, call, "type", &CaseTypeOfProduct, &params);
  ASSIGN_OR_RETURN(sql::CaseStatsRow rows, store_->Stats(params, call.now));
  CaseStats stats;
  for (const sql::CaseCountRow& row : rows.counts) {
    if (stats.tenants.empty() || stats.tenants.back().tenant_id != row.tenant_id) {
      stats.tenants.push_back({row.tenant_id});
    }
    for (CaseStats::Tenant* t : {&stats.tenants.back(), &stats.all}) {
      t->by_status[row.status] += row.count;
      t->by_severity[row.severity] += row.count;
      t->total += row.count;
      t->overdue += row.overdue;
    }
  }
  stats.median_acknowledge = rows.median_acknowledge;
  stats.median_resolve = rows.median_resolve;
  return stats;
}

absl::StatusOr<sql::SlaPolicyRow> Cases::GetSlaPolicy(const Caller& call) const {
  return sla_->Get(call.tenant_id);
}

absl::StatusOr<sql::SlaPolicyRow> Cases::UpdateSlaPolicy(
    const Caller& call, const UpdateSlaPolicyCommand& command) const {
  return sla_->Update(call.tenant_id,
                      [&](const sql::SlaPolicyRow& current, sql::SlaPolicyRow* next) {
                        RETURN_IF_ERROR(CheckEtag(command.etag, current));
                        next->targets = command.targets;
                        return absl::OkStatus();
                      });
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
  return store_->Delete(
      call.tenant_id, command.case_ids,
      [&](const sql::CaseRow& current) {
        RETURN_IF_ERROR(CheckRemovable(current));
        return CheckEtag(command.etag, current);
      },
      call.principal.subject);
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

absl::StatusOr<sql::NoteRow> Cases::CreateNote(const Caller& call,
                                               CreateNoteCommand command) const {
  sql::NoteRow note;
  note.tenant_id = call.tenant_id;
  note.case_id = command.case_id;
  note.author = call.principal.subject;
  note.body = std::move(command.body);
  auto may_write = [&](const sql::CaseRow& c, const sql::NoteRow*) {
    return guard_->Allow(call, Action::kWriteCaseNotes, ProductOfCaseType(c.type));
  };
  ASSIGN_OR_RETURN(sql::NoteResult result,
                   store_->CreateNote(std::move(note), may_write, command.key));
  return std::move(result.note);
}

absl::StatusOr<Page<sql::NoteRow>> Cases::ListNotes(const Caller& call, const std::string& case_id,
                                                    const PageRequest& request) const {
  ASSIGN_OR_RETURN(sql::CaseRow row, Get(call, case_id));
  sql::ListParams params = ChildPageParams(call.tenant_id, request);
  params.scope = {"case_id = ?", {row.case_id}};
  Page<sql::NoteRow> page;
  ASSIGN_OR_RETURN(page.next_page_token, store_->ListNotes(params, &page.rows));
  return page;
}

absl::StatusOr<sql::NoteRow> Cases::UpdateNote(const Caller& call,
                                               const NoteCommand& command) const {
  ASSIGN_OR_RETURN(sql::NoteResult result,
                   store_->UpdateNote(
                       call.tenant_id, command.case_id, command.note_id,
                       [&](const sql::CaseRow& c, const sql::NoteRow& current, sql::NoteRow* next) {
                         RETURN_IF_ERROR(guard_->Allow(call, Action::kWriteCaseNotes,
                                                       ProductOfCaseType(c.type)));
                         RETURN_IF_ERROR(CheckNoteAuthor(current, call.principal.subject));
                         RETURN_IF_ERROR(CheckEtag(command.etag, current));
                         next->body = command.body;
                         return absl::OkStatus();
                       },
                       call.principal.subject));
  return std::move(result.note);
}

absl::Status Cases::DeleteNote(const Caller& call, const NoteCommand& command) const {
  auto may_delete = [&](const sql::CaseRow& c, const sql::NoteRow* note) -> absl::Status {
    const v1::Product product = ProductOfCaseType(c.type);
    RETURN_IF_ERROR(guard_->Allow(call, Action::kWriteCaseNotes, product));
    if (!CheckNoteAuthor(*note, call.principal.subject).ok()) {
      RETURN_IF_ERROR(guard_->Allow(call, Action::kDeleteAnyCaseNote, product));
    }
    return CheckEtag(command.etag, *note);
  };
  return store_
      ->DeleteNote(call.tenant_id, command.case_id, command.note_id, may_delete,
                   call.principal.subject)
      .status();
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
