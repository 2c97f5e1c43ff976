#include "server/case_mapping.h"

#include <map>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/errors.h"
#include "common/names.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "common/validation.h"
#include "domain/case_rules.h"
#include "server/mapping.h"
#include "server/rpc.h"
#include "sql/resource_protos.h"

namespace cases::server {
namespace {

using domain::kMaxAttributes;
using domain::kMaxDetectionsPerCall;
using tenancy::CallContext;

constexpr size_t kMaxAssigneeBytes = 255;

// The editable case fields shared by create, convert and update, checked into `row`.
// `fields` limits the checks to those paths (nullptr: every field).
void CheckCaseFields(Violations& v, const v1::Case& c, const std::string& tenant_id,
                     const std::set<std::string>* fields, sql::CaseRow* row) {
  auto touched = [&](const char* f) { return fields == nullptr || fields->count(f) != 0; };
  if (touched("display_name")) {
    CheckDisplayName(v, "case.display_name", c.display_name());
    row->display_name = c.display_name();
  }
  if (touched("description")) {
    CheckText(v, "case.description", c.description(), kMaxDescriptionBytes);
    row->description = c.description();
  }
  if (touched("severity")) {
    if (!v1::Severity_IsValid(c.severity()) || c.severity() == v1::SEVERITY_UNSPECIFIED) {
      v.Add("case.severity", "required: SEVERITY_LOW, _MEDIUM, _HIGH or _CRITICAL");
    }
    row->severity = c.severity();
  }
  if (touched("priority")) {
    if (!v1::Priority_IsValid(c.priority()) || c.priority() == v1::PRIORITY_UNSPECIFIED) {
      v.Add("case.priority", "required: PRIORITY_LOW, _MEDIUM, _HIGH or _CRITICAL");
    }
    row->priority = c.priority();
  }
  if (touched("status")) {
    if (!v1::CaseStatus_IsValid(c.status()) || c.status() == v1::CASE_STATUS_UNSPECIFIED) {
      v.Add("case.status", "must be CASE_STATUS_NEW, _INVESTIGATING, _ON_HOLD or _RESOLVED");
    }
    row->status = c.status();
  }
  if (touched("close_reason")) {
    row->close_reason = c.close_reason();
  }
  if (touched("close_note")) {
    row->close_note = c.close_note();
  }
  if (touched("queue")) {
    row->queue_id.clear();
    if (!c.queue().empty()) {
      auto id = ParseChildName(c.queue(), "case.queue", tenant_id, "queues");
      if (id.ok()) {
        row->queue_id = *id;
      } else {
        v.Add("case.queue", "must be tenants/{tenant}/queues/{queue} of the same tenant");
      }
    }
  }
  if (touched("assignee")) {
    CheckText(v, "case.assignee", c.assignee(), kMaxAssigneeBytes);
    row->assignee = c.assignee();
  }
  if (touched("tags")) {
    row->tags = domain::NormalizeTags(v, "case.tags", {c.tags().begin(), c.tags().end()});
  }
  if (touched("attributes")) {
    if (c.attributes_size() > static_cast<int>(kMaxAttributes)) {
      v.Add("case.attributes", absl::StrCat("at most ", kMaxAttributes, " entries"));
    }
    for (const auto& [key, value] : c.attributes()) {
      CheckText(v, "case.attributes", key, 128, /*required=*/true);
      CheckText(v, "case.attributes", value, 4096);
    }
    row->attributes = {c.attributes().begin(), c.attributes().end()};
  }
}

// The names of `detections` as ids of `tenant_id`.
std::vector<std::string> CheckDetectionNames(
    Violations& v, const google::protobuf::RepeatedPtrField<std::string>& names,
    const std::string& tenant_id, bool required) {
  std::vector<std::string> ids;
  if (names.size() > kMaxDetectionsPerCall || (required && names.empty())) {
    v.Add("detections", absl::StrCat(required ? "between 1" : "at most", required ? " and " : " ",
                                     kMaxDetectionsPerCall, " names"));
    return ids;
  }
  for (int i = 0; i < names.size(); ++i) {
    auto id =
        ParseChildName(names[i], absl::StrCat("detections[", i, "]"), tenant_id, "detections");
    if (id.ok()) {
      ids.push_back(*id);
    } else {
      v.Add(absl::StrCat("detections[", i, "]"),
            "must be tenants/{tenant}/detections/{detection} of the same tenant");
    }
  }
  return ids;
}

}  // namespace

absl::StatusOr<domain::CreateCaseCommand> CreateCaseCommandOf(
    const CallContext& call, const v1::CreateCaseRequest& request) {
  Violations v;
  const v1::Case& c = request.case_();
  domain::CreateCaseCommand command;
  sql::CaseRow& row = command.fields;
  row.tenant_id = call.tenant_id;
  std::set<std::string> fields = domain::UpdatablePaths();
  fields.insert("attributes");
  if (c.priority() == v1::PRIORITY_UNSPECIFIED) {
    fields.erase("priority");  // optional on create
  }
  if (c.status() == v1::CASE_STATUS_UNSPECIFIED) {
    fields.erase("status");
    row.status = v1::CASE_STATUS_NEW;
  }
  CheckCaseFields(v, c, call.tenant_id, &fields, &row);
  domain::CheckClosing(v, "case.", row.status, row.close_reason, row.close_note);
  if (!v1::CaseType_IsValid(c.type())) {
    v.Add("case.type", "unknown case type");
  }
  row.type = c.type() == v1::CASE_TYPE_UNSPECIFIED ? v1::CASE_TYPE_SELF_MANAGED : c.type();
  command.detection_ids = CheckDetectionNames(v, request.detections(), call.tenant_id, false);
  CheckRequestId(v, "request_id", request.request_id());
  RETURN_IF_ERROR(v.ToStatus());
  command.key = IdempotencyKeyFor(call.tenant_id, "CreateCase", request, request.request_id());
  return command;
}

absl::StatusOr<domain::ConvertAlertCommand> ConvertAlertCommandOf(
    const CallContext& call, const v1::ConvertAlertToCaseRequest& request) {
  Violations v;
  const v1::Case& c = request.case_();
  domain::ConvertAlertCommand command;
  command.alert_id = call.target.id();
  sql::CaseRow& row = command.fields;
  row.tenant_id = call.tenant_id;
  row.type = v1::CASE_TYPE_SELF_MANAGED;
  row.status = v1::CASE_STATUS_NEW;
  // Priority is required; name, severity and status default (the alert's, NEW).
  std::set<std::string> fields = {"priority", "description", "close_reason", "close_note",
                                  "queue",    "assignee",    "attributes"};
  if (!c.display_name().empty()) {
    fields.insert("display_name");
  }
  if (c.severity() != 0) {
    fields.insert("severity");
  }
  if (c.status() != 0) {
    fields.insert("status");
  }
  CheckCaseFields(v, c, call.tenant_id, &fields, &row);
  domain::CheckClosing(v, "case.", row.status, row.close_reason, row.close_note);
  if (c.type() != v1::CASE_TYPE_UNSPECIFIED && c.type() != v1::CASE_TYPE_SELF_MANAGED) {
    v.Add("case.type", "a converted alert becomes a self-managed case");
  }
  CheckRequestId(v, "request_id", request.request_id());
  RETURN_IF_ERROR(v.ToStatus());
  command.key =
      IdempotencyKeyFor(call.tenant_id, "ConvertAlertToCase", request, request.request_id());
  return command;
}

namespace {

// An UpdateCaseRequest's mask and fields, checked into `command` (all but the case id).
void CheckUpdate(Violations& v, const std::string& tenant_id, const v1::UpdateCaseRequest& request,
                 domain::UpdateCaseCommand* command) {
  command->etag = request.case_().etag();
  command->paths = CheckUpdateMask(v, request.update_mask(), domain::UpdatablePaths());
  CheckCaseFields(v, request.case_(), tenant_id, &command->paths, &command->patch);
}

std::optional<absl::Duration> CheckSlaDuration(Violations& v, const std::string& field,
                                               const google::protobuf::Duration& d, bool has) {
  if (!has) {
    return std::nullopt;
  }
  const absl::Duration value = absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
  if (d.nanos() != 0 || value < domain::kMinSlaTarget || value > domain::kMaxSlaTarget) {
    v.Add(field, "whole seconds from 1 minute (60s) to 90 days (7776000s)");
  }
  return value;
}

// An update_mask of a resource with one updatable field: `path` (or `*`), required.
void CheckOnlyPath(Violations& v, const google::protobuf::FieldMask& mask,
                   const std::string& path) {
  if (mask.paths().empty()) {
    v.Add("update_mask", "required: " + path);
  }
  for (const std::string& p : mask.paths()) {
    if (p != path && p != "*") {
      v.Add("update_mask", absl::StrCat("'", p, "' cannot be updated; updatable: ", path));
    }
  }
}

void CheckNoteBody(Violations& v, const std::string& body) {
  CheckText(v, "note.body", body, domain::kMaxNoteBytes, /*required=*/true);
}

}  // namespace

absl::StatusOr<domain::CreateNoteCommand> CreateNoteCommandOf(
    const CallContext& call, const v1::CreateCaseNoteRequest& request) {
  Violations v;
  CheckNoteBody(v, request.note().body());
  CheckRequestId(v, "request_id", request.request_id());
  RETURN_IF_ERROR(v.ToStatus());
  return domain::CreateNoteCommand{
      call.target.id(), request.note().body(),
      IdempotencyKeyFor(call.tenant_id, "CreateCaseNote", request, request.request_id())};
}

absl::StatusOr<domain::NoteCommand> UpdateNoteCommandOf(const CallContext& call,
                                                        const v1::UpdateCaseNoteRequest& request) {
  Violations v;
  CheckOnlyPath(v, request.update_mask(), "body");
  CheckNoteBody(v, request.note().body());
  RETURN_IF_ERROR(v.ToStatus());
  return domain::NoteCommand{call.target.ids.at(0), call.target.ids.at(1), request.note().body(),
                             request.note().etag()};
}

domain::NoteCommand DeleteNoteCommandOf(const CallContext& call,
                                        const v1::DeleteCaseNoteRequest& request) {
  return domain::NoteCommand{call.target.ids.at(0), call.target.ids.at(1), "", request.etag()};
}

void NoteToProto(const sql::NoteRow& row, v1::CaseNote* out) {
  out->set_name(absl::StrCat(ChildName(row.tenant_id, "cases", row.case_id), "/notes/",
                             IdToText(row.note_id)));
  out->set_author(row.author);
  out->set_body(row.body);
  SetTimestamp(row.create_time, out->mutable_create_time());
  SetTimestamp(row.update_time, out->mutable_update_time());
  out->set_etag(domain::EtagOf(row));
}

absl::StatusOr<domain::UpdateCaseCommand> UpdateCaseCommandOf(
    const CallContext& call, const v1::UpdateCaseRequest& request) {
  Violations v;
  domain::UpdateCaseCommand command;
  command.case_id = call.target.id();
  CheckUpdate(v, call.tenant_id, request, &command);
  RETURN_IF_ERROR(v.ToStatus());
  return command;
}

absl::StatusOr<std::vector<domain::UpdateCaseCommand>> BatchUpdateCommandsOf(
    const CallContext& call, const v1::BatchUpdateCasesRequest& request) {
  Violations v;
  if (request.requests().empty() || request.requests_size() > domain::kMaxBatchUpdates) {
    v.Add("requests", absl::StrCat("between 1 and ", domain::kMaxBatchUpdates, " updates"));
  }
  std::vector<domain::UpdateCaseCommand> commands;
  std::map<std::string, int> seen;  // case id → first index
  for (int i = 0; i < request.requests_size() && i < domain::kMaxBatchUpdates; ++i) {
    const std::string item = absl::StrCat("requests[", i, "]");
    const v1::UpdateCaseRequest& r = request.requests(i);
    domain::UpdateCaseCommand command;
    command.item = item;
    Violations item_violations;
    auto id = ParseChildName(r.case_().name(), "case.name", call.tenant_id, "cases");
    if (!id.ok()) {
      item_violations.Add("case.name",
                          "must be tenants/{tenant}/cases/{case} of the parent tenant");
    } else if (auto [it, fresh] = seen.emplace(*id, i); !fresh) {
      item_violations.Add("case.name", absl::StrCat("the same case as requests[", it->second,
                                                    "]: each case at most once per batch"));
    } else {
      command.case_id = *id;
    }
    CheckUpdate(item_violations, call.tenant_id, r, &command);
    v.Merge(item_violations, item);
    commands.push_back(std::move(command));
  }
  RETURN_IF_ERROR(v.ToStatus());
  return commands;
}

absl::StatusOr<domain::UpdateSlaPolicyCommand> UpdateSlaPolicyCommandOf(
    const v1::UpdateSlaPolicyRequest& request) {
  Violations v;
  CheckOnlyPath(v, request.update_mask(), "targets");
  domain::UpdateSlaPolicyCommand command;
  command.etag = request.sla_policy().etag();
  const auto& targets = request.sla_policy().targets();
  for (int i = 0; i < targets.size(); ++i) {
    const v1::SlaTarget& t = targets[i];
    const std::string prefix = absl::StrCat("sla_policy.targets[", i, "].");
    if (!v1::Severity_IsValid(t.severity()) || t.severity() == v1::SEVERITY_UNSPECIFIED) {
      v.Add(prefix + "severity", "required: SEVERITY_LOW, _MEDIUM, _HIGH or _CRITICAL");
      continue;
    }
    if (command.targets.count(t.severity()) != 0) {
      v.Add(prefix + "severity", "each severity at most once");
      continue;
    }
    if (!t.has_acknowledge_within() && !t.has_resolve_within()) {
      v.Add(prefix + "acknowledge_within", "set acknowledge_within, resolve_within or both");
    }
    sql::SlaTargetRow& row = command.targets[t.severity()];
    row.acknowledge_within = CheckSlaDuration(v, prefix + "acknowledge_within",
                                              t.acknowledge_within(), t.has_acknowledge_within());
    row.resolve_within =
        CheckSlaDuration(v, prefix + "resolve_within", t.resolve_within(), t.has_resolve_within());
  }
  RETURN_IF_ERROR(v.ToStatus());
  return command;
}

absl::StatusOr<domain::DeleteCasesCommand> DeleteCasesCommandOf(
    const CallContext& call, const v1::BatchDeleteCasesRequest& request) {
  Violations v;
  if (request.names().empty() || request.names_size() > kMaxDetectionsPerCall) {
    v.Add("names", absl::StrCat("between 1 and ", kMaxDetectionsPerCall, " case names"));
  }
  domain::DeleteCasesCommand command;
  std::set<std::string> seen;
  for (int i = 0; i < request.names_size(); ++i) {
    auto id =
        ParseChildName(request.names(i), absl::StrCat("names[", i, "]"), call.tenant_id, "cases");
    if (!id.ok()) {
      v.Add(absl::StrCat("names[", i, "]"),
            "must be tenants/{tenant}/cases/{case} of the parent tenant");
    } else if (seen.insert(*id).second) {
      command.case_ids.push_back(*id);
    }
  }
  RETURN_IF_ERROR(v.ToStatus());
  return command;
}

absl::StatusOr<std::vector<std::string>> DetectionIdsOf(
    const CallContext& call, const v1::AddCaseDetectionsRequest& request) {
  Violations v;
  std::vector<std::string> ids = CheckDetectionNames(v, request.detections(), call.tenant_id, true);
  RETURN_IF_ERROR(v.ToStatus());
  return ids;
}

absl::StatusOr<sql::QueueRow> QueueOf(const v1::CreateQueueRequest& request) {
  Violations v;
  CheckDisplayName(v, "queue.display_name", request.queue().display_name());
  CheckText(v, "queue.description", request.queue().description(), kMaxDescriptionBytes);
  CheckRequestId(v, "request_id", request.request_id());
  RETURN_IF_ERROR(v.ToStatus());
  sql::QueueRow row;
  row.display_name = request.queue().display_name();
  row.description = request.queue().description();
  return row;
}

void CaseToProto(const CallContext& call, const sql::CaseRow& row, v1::Case* out) {
  sql::CaseRowToProto(row, out);
  out->set_tenant_display_name(TenantDisplayName(call, row.tenant_id));
}

namespace {

template <typename Counts>
void CountsToProto(const domain::CaseStats::Tenant& in, Counts* out) {
  out->set_total(in.total);
  out->set_overdue(in.overdue);
  for (const auto& [status, n] : in.by_status) {
    (*out->mutable_by_status())[v1::CaseStatus_Name(static_cast<v1::CaseStatus>(status))] = n;
  }
  for (const auto& [severity, n] : in.by_severity) {
    (*out->mutable_by_severity())[v1::Severity_Name(static_cast<v1::Severity>(severity))] = n;
  }
}

}  // namespace

void CaseStatsToProto(const CallContext& call, const domain::CaseStats& stats, v1::CaseStats* out) {
  for (const domain::CaseStats::Tenant& t : stats.tenants) {
    v1::TenantCaseStats* tenant = out->add_tenants();
    tenant->set_tenant(TenantName(t.tenant_id));
    tenant->set_tenant_display_name(TenantDisplayName(call, t.tenant_id));
    CountsToProto(t, tenant);
  }
  CountsToProto(stats.all, out);
  if (stats.median_acknowledge) {
    SetDuration(*stats.median_acknowledge, out->mutable_median_time_to_acknowledge());
  }
  if (stats.median_resolve) {
    SetDuration(*stats.median_resolve, out->mutable_median_time_to_resolve());
  }
}

void SlaPolicyToProto(const sql::SlaPolicyRow& row, v1::SlaPolicy* out) {
  out->set_name(TenantName(row.tenant_id) + "/slaPolicy");
  for (const auto& [severity, target] : row.targets) {
    v1::SlaTarget* t = out->add_targets();
    t->set_severity(static_cast<v1::Severity>(severity));
    if (target.acknowledge_within) {
      SetDuration(*target.acknowledge_within, t->mutable_acknowledge_within());
    }
    if (target.resolve_within) {
      SetDuration(*target.resolve_within, t->mutable_resolve_within());
    }
  }
  if (row.update_time) {
    SetTimestamp(*row.update_time, out->mutable_update_time());
  }
  out->set_etag(domain::EtagOf(row));
}

void QueueToProto(const sql::QueueRow& row, v1::Queue* out) {
  out->set_name(ChildName(row.tenant_id, "queues", row.queue_id));
  out->set_display_name(row.display_name);
  out->set_description(row.description);
  SetTimestamp(row.create_time, out->mutable_create_time());
}

}  // namespace cases::server
