#include "server/case_service.h"

#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/errors.h"
#include "common/ids.h"
#include "common/validation.h"
#include "server/case_rules.h"
#include "server/convert.h"
#include "server/names.h"
#include "server/proto_time.h"
#include "server/rpc.h"
#include "sql/db_time.h"

namespace cases::server {
namespace {

using tenancy::CallContext;

constexpr size_t kMaxAssigneeBytes = 255;
constexpr size_t kMaxAttributes = 100;

void CaseToProto(const sql::CaseRow& row, v1::Case* out) {
  out->set_name(ChildName(row.tenant_id, "cases", row.case_id));
  out->set_number(row.number);
  out->set_display_name(row.display_name);
  out->set_description(row.description);
  out->set_type(static_cast<v1::CaseType>(row.type));
  out->set_severity(static_cast<v1::Severity>(row.severity));
  out->set_priority(static_cast<v1::Priority>(row.priority));
  out->set_status(static_cast<v1::CaseStatus>(row.status));
  out->set_close_reason(static_cast<v1::CloseReason>(row.close_reason));
  out->set_close_note(row.close_note);
  if (!row.queue_id.empty()) {
    out->set_queue(ChildName(row.tenant_id, "queues", row.queue_id));
  }
  out->set_assignee(row.assignee);
  out->set_detection_count(row.detection_count);
  if (!row.source_alert_id.empty()) {
    out->set_source_alert(ChildName(row.tenant_id, "alerts", row.source_alert_id));
  }
  out->mutable_attributes()->insert(row.attributes.begin(), row.attributes.end());
  out->set_creator(row.creator);
  SetTimestamp(row.create_time, out->mutable_create_time());
  SetTimestamp(row.update_time, out->mutable_update_time());
  if (row.resolve_time) {
    SetTimestamp(*row.resolve_time, out->mutable_resolve_time());
  }
  if (row.purge_time) {
    SetTimestamp(*row.purge_time, out->mutable_purge_time());
  }
  out->set_etag(EtagOf(row));
}

void QueueToProto(const sql::QueueRow& row, v1::Queue* out) {
  out->set_name(ChildName(row.tenant_id, "queues", row.queue_id));
  out->set_display_name(row.display_name);
  out->set_description(row.description);
  SetTimestamp(row.create_time, out->mutable_create_time());
}

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
std::vector<std::string> CheckDetectionNames(Violations& v, const google::protobuf::RepeatedPtrField<std::string>& names,
                                             const std::string& tenant_id, bool required) {
  std::vector<std::string> ids;
  if (names.size() > kMaxDetectionsPerCall || (required && names.empty())) {
    v.Add("detections", absl::StrCat(required ? "between 1" : "at most", required ? " and " : " ",
                                     kMaxDetectionsPerCall, " names"));
    return ids;
  }
  for (int i = 0; i < names.size(); ++i) {
    auto id = ParseChildName(names[i], absl::StrCat("detections[", i, "]"), tenant_id, "detections");
    if (id.ok()) {
      ids.push_back(*id);
    } else {
      v.Add(absl::StrCat("detections[", i, "]"), "must be tenants/{tenant}/detections/{detection} of the same tenant");
    }
  }
  return ids;
}

// Field → text for history entries.
std::map<std::string, std::string> Describe(const sql::CaseRow& c) {
  auto name = [&](const google::protobuf::EnumDescriptor* d, int v) {
    const auto* value = d->FindValueByNumber(v);
    return value == nullptr ? std::to_string(v) : value->name();
  };
  return {{"displayName", c.display_name},
          {"description", c.description},
          {"severity", name(v1::Severity_descriptor(), c.severity)},
          {"priority", name(v1::Priority_descriptor(), c.priority)},
          {"status", name(v1::CaseStatus_descriptor(), c.status)},
          {"closeReason", c.close_reason == 0 ? "" : name(v1::CloseReason_descriptor(), c.close_reason)},
          {"closeNote", c.close_note},
          {"queue", c.queue_id.empty() ? "" : ChildName(c.tenant_id, "queues", c.queue_id)},
          {"assignee", c.assignee}};
}

std::vector<sql::FieldChangeRow> Changes(const sql::CaseRow& before, const sql::CaseRow& after) {
  std::vector<sql::FieldChangeRow> out;
  const auto old_values = Describe(before);
  for (const auto& [field, value] : Describe(after)) {
    if (old_values.at(field) != value) {
      out.push_back({field, old_values.at(field), value});
    }
  }
  return out;
}

// Copies the fields named by `paths` (update_mask paths) from `patch` into `row`.
void CopyPaths(const sql::CaseRow& patch, const std::set<std::string>& paths, sql::CaseRow* row) {
  for (const std::string& p : paths) {
    if (p == "display_name") row->display_name = patch.display_name;
    if (p == "description") row->description = patch.description;
    if (p == "severity") row->severity = patch.severity;
    if (p == "priority") row->priority = patch.priority;
    if (p == "status") row->status = patch.status;
    if (p == "close_reason") row->close_reason = patch.close_reason;
    if (p == "close_note") row->close_note = patch.close_note;
    if (p == "queue") row->queue_id = patch.queue_id;
    if (p == "assignee") row->assignee = patch.assignee;
  }
}

int64_t CaseTypeOfProduct(v1::Product product) {
  return product == v1::PRODUCT_MDR ? v1::CASE_TYPE_MDR_MANAGED : v1::CASE_TYPE_SELF_MANAGED;
}

const std::set<std::string> kMutablePaths = {"display_name", "description", "severity", "priority", "status",
                                             "close_reason", "close_note",   "queue",    "assignee"};

}  // namespace

absl::StatusOr<sql::CaseRow> CaseServiceImpl::LoadAuthorized(const CallContext& call, const std::string& name,
                                                             const std::string& field) {
  auto id = ParseChildName(name, field, call.tenant_id, "cases");
  if (!id.ok()) {
    return id.status();
  }
  auto row = store_->Get(call.tenant_id, *id);
  if (!row.ok()) {
    return row.status();
  }
  if (!row->has_value()) {
    return absl::NotFoundError("case not found");
  }
  if (absl::Status s = edge_->guard->AuthorizeProduct(call, call.tenant_id, ProductOfCaseType((*row)->type)); !s.ok()) {
    return s;
  }
  return **row;
}

grpc::Status CaseServiceImpl::CreateCase(grpc::ServerContext* context, const v1::CreateCaseRequest* request,
                                         v1::Case* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    Violations v;
    if (absl::Status s = CheckTenantName(request->parent(), "parent", call.tenant_id); !s.ok()) {
      return s;
    }
    const v1::Case& c = request->case_();
    sql::CaseRow row;
    row.tenant_id = call.tenant_id;
    std::set<std::string> fields = kMutablePaths;
    fields.insert("attributes");
    if (c.priority() == v1::PRIORITY_UNSPECIFIED) {
      fields.erase("priority");  // optional on create
    }
    if (c.status() == v1::CASE_STATUS_UNSPECIFIED) {
      fields.erase("status");
      row.status = v1::CASE_STATUS_NEW;
    }
    CheckCaseFields(v, c, call.tenant_id, &fields, &row);
    CheckClosing(v, "case.", row.status, row.close_reason, row.close_note);
    if (!v1::CaseType_IsValid(c.type())) {
      v.Add("case.type", "unknown case type");
    }
    row.type = c.type() == v1::CASE_TYPE_UNSPECIFIED ? v1::CASE_TYPE_SELF_MANAGED : c.type();
    const std::vector<std::string> detections = CheckDetectionNames(v, request->detections(), call.tenant_id, false);
    CheckRequestId(v, "request_id", request->request_id());
    if (!v.empty()) {
      return v.ToStatus();
    }
    if (row.status == v1::CASE_STATUS_RESOLVED) {
      if (absl::Status s = edge_->guard->AuthorizeProduct(call, call.tenant_id, ProductOfCaseType(row.type),
                                                    tenancy::kCloseCaseAction);
          !s.ok()) {
        return s;
      }
    }
    ApplyResolution(false, sql::DbNow(), retention_, &row);
    row.creator = call.principal.subject;
    auto created = store_->Create(
        row, detections, [&](const auto& rows) { return CheckDetectionsEligible(row.type, rows); },
        IdempotencyKeyFor(call.tenant_id, "CreateCase", *request, request->request_id()), call.principal.subject);
    if (!created.ok()) {
      return created.status();
    }
    CaseToProto(*created, response);
    return absl::OkStatus();
  });
}

grpc::Status CaseServiceImpl::ConvertAlertToCase(grpc::ServerContext* context,
                                                 const v1::ConvertAlertToCaseRequest* request, v1::Case* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    Violations v;
    auto alert_id = ParseChildName(request->alert(), "alert", call.tenant_id, "alerts");
    if (!alert_id.ok()) {
      return alert_id.status();
    }
    const v1::Case& c = request->case_();
    sql::CaseRow row;
    row.tenant_id = call.tenant_id;
    row.type = v1::CASE_TYPE_SELF_MANAGED;
    row.status = v1::CASE_STATUS_NEW;
    // Priority is required; name and severity default to the alert's.
    std::set<std::string> fields = {"priority", "description", "close_reason", "close_note",
                                    "queue",    "assignee",    "attributes"};
    for (const char* optional : {"display_name", "severity", "status"}) {
      const bool given = std::string(optional) == "display_name" ? !c.display_name().empty()
                         : std::string(optional) == "severity"   ? c.severity() != 0
                                                                 : c.status() != 0;
      if (given) {
        fields.insert(optional);
      }
    }
    CheckCaseFields(v, c, call.tenant_id, &fields, &row);
    CheckClosing(v, "case.", row.status, row.close_reason, row.close_note);
    if (c.type() != v1::CASE_TYPE_UNSPECIFIED && c.type() != v1::CASE_TYPE_SELF_MANAGED) {
      v.Add("case.type", "a converted alert becomes a self-managed case");
    }
    CheckRequestId(v, "request_id", request->request_id());
    if (!v.empty()) {
      return v.ToStatus();
    }
    if (row.status == v1::CASE_STATUS_RESOLVED) {
      if (absl::Status s =
              edge_->guard->AuthorizeProduct(call, call.tenant_id, v1::PRODUCT_XDR, tenancy::kCloseCaseAction);
          !s.ok()) {
        return s;
      }
    }
    ApplyResolution(false, sql::DbNow(), retention_, &row);
    row.creator = call.principal.subject;
    auto finish = [&](const sql::AlertRow& alert, sql::CaseRow* out) -> absl::Status {
      if (out->display_name.empty()) {
        Violations name_check;
        CheckDisplayName(name_check, "case.display_name", alert.title);
        if (!name_check.empty()) {
          return InvalidField("case.display_name",
                              "required: the alert's title is not a valid case name (letters, digits, spaces, "
                              ". , - _ : ( ) ' ! ? and at most 120 characters)");
        }
        out->display_name = alert.title;
      }
      if (out->severity == 0) {
        out->severity = alert.severity;
      }
      return absl::OkStatus();
    };
    auto created = store_->Convert(
        row, *alert_id, finish, [&](const auto& rows) { return CheckDetectionsEligible(row.type, rows); },
        IdempotencyKeyFor(call.tenant_id, "ConvertAlertToCase", *request, request->request_id()), call.principal.subject);
    if (!created.ok()) {
      return created.status();
    }
    CaseToProto(*created, response);
    return absl::OkStatus();
  });
}

grpc::Status CaseServiceImpl::GetCase(grpc::ServerContext* context, const v1::GetCaseRequest* request,
                                      v1::Case* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    auto row = LoadAuthorized(call, request->name(), "name");
    if (!row.ok()) {
      return row.status();
    }
    CaseToProto(*row, response);
    return absl::OkStatus();
  });
}

grpc::Status CaseServiceImpl::ListCases(grpc::ServerContext* context, const v1::ListCasesRequest* request,
                                        v1::ListCasesResponse* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    auto params = ListParamsFor(call, *request);
    if (!params.ok()) {
      return params.status();
    }
    ScopeByPermittedProducts(*edge_->guard, call, "type", &CaseTypeOfProduct, &*params);
    std::vector<sql::CaseRow> rows;
    auto next = store_->List(*params, &rows);
    if (!next.ok()) {
      return next.status();
    }
    for (const auto& row : rows) {
      CaseToProto(row, response->add_cases());
    }
    response->set_next_page_token(*next);
    return absl::OkStatus();
  });
}

grpc::Status CaseServiceImpl::UpdateCase(grpc::ServerContext* context, const v1::UpdateCaseRequest* request,
                                         v1::Case* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    const v1::Case& c = request->case_();
    auto id = ParseChildName(c.name(), "case.name", call.tenant_id, "cases");
    if (!id.ok()) {
      return id.status();
    }
    Violations v;
    std::set<std::string> paths;
    for (const std::string& path : request->update_mask().paths()) {
      if (path == "*") {
        paths.insert(kMutablePaths.begin(), kMutablePaths.end());
      } else if (kMutablePaths.count(path) != 0) {
        paths.insert(path);
      } else {
        v.Add("update_mask", absl::StrCat("'", path, "' cannot be updated; updatable: ",
                                          absl::StrJoin(kMutablePaths, ", ")));
      }
    }
    if (request->update_mask().paths().empty()) {
      v.Add("update_mask", "required: the fields to change");
    }
    sql::CaseRow patch;
    CheckCaseFields(v, c, call.tenant_id, &paths, &patch);
    if (!v.empty()) {
      return v.ToStatus();
    }
    auto mutate = [&](const sql::CaseRow& current, sql::CaseRow* next,
                      std::vector<sql::FieldChangeRow>* changes) -> absl::Status {
      const v1::Product product = ProductOfCaseType(current.type);
      if (absl::Status s = edge_->guard->AuthorizeProduct(call, call.tenant_id, product); !s.ok()) {
        return s;
      }
      if (absl::Status s = CheckEtag(c.etag(), current); !s.ok()) {
        return s;
      }
      CopyPaths(patch, paths, next);
      const bool was_resolved = current.status == v1::CASE_STATUS_RESOLVED;
      const bool reopening = was_resolved && next->status != v1::CASE_STATUS_RESOLVED;
      if (!reopening) {
        Violations closing;
        CheckClosing(closing, "case.", next->status, next->close_reason, next->close_note);
        if (!closing.empty()) {
          return closing.ToStatus();
        }
      }
      const bool closing_fields = paths.count("status") || paths.count("close_reason") || paths.count("close_note");
      if (next->status == v1::CASE_STATUS_RESOLVED && closing_fields) {
        if (absl::Status s = edge_->guard->AuthorizeProduct(call, call.tenant_id, product, tenancy::kCloseCaseAction);
            !s.ok()) {
          return s;
        }
      }
      ApplyResolution(was_resolved, sql::DbNow(), retention_, next);
      *changes = Changes(current, *next);
      return absl::OkStatus();
    };
    auto updated = store_->Update(call.tenant_id, *id, mutate, call.principal.subject);
    if (!updated.ok()) {
      return updated.status();
    }
    CaseToProto(*updated, response);
    return absl::OkStatus();
  });
}

grpc::Status CaseServiceImpl::AddCaseDetections(grpc::ServerContext* context,
                                                const v1::AddCaseDetectionsRequest* request, v1::Case* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    auto id = ParseChildName(request->case_(), "case", call.tenant_id, "cases");
    if (!id.ok()) {
      return id.status();
    }
    Violations v;
    const std::vector<std::string> detections = CheckDetectionNames(v, request->detections(), call.tenant_id, true);
    if (!v.empty()) {
      return v.ToStatus();
    }
    int case_type = 0;
    auto updated = store_->AddDetections(
        call.tenant_id, *id, detections,
        [&](const sql::CaseRow& current) {
          case_type = current.type;
          return edge_->guard->AuthorizeProduct(call, call.tenant_id, ProductOfCaseType(current.type));
        },
        [&](const auto& rows) { return CheckDetectionsEligible(case_type, rows); }, call.principal.subject);
    if (!updated.ok()) {
      return updated.status();
    }
    CaseToProto(*updated, response);
    return absl::OkStatus();
  });
}

grpc::Status CaseServiceImpl::DeleteCase(grpc::ServerContext* context, const v1::DeleteCaseRequest* request,
                                         google::protobuf::Empty* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    auto id = ParseChildName(request->name(), "name", call.tenant_id, "cases");
    if (!id.ok()) {
      return id.status();
    }
    return store_->Delete(call.tenant_id, {*id}, [&](const sql::CaseRow& current) {
      if (absl::Status s = CheckRemovable(current); !s.ok()) {
        return s;
      }
      return CheckEtag(request->etag(), current);
    });
  });
}

grpc::Status CaseServiceImpl::BatchDeleteCases(grpc::ServerContext* context,
                                               const v1::BatchDeleteCasesRequest* request,
                                               google::protobuf::Empty* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    Violations v;
    if (absl::Status s = CheckTenantName(request->parent(), "parent", call.tenant_id); !s.ok()) {
      return s;
    }
    if (request->names().empty() || request->names_size() > kMaxDetectionsPerCall) {
      v.Add("names", absl::StrCat("between 1 and ", kMaxDetectionsPerCall, " case names"));
    }
    std::vector<std::string> ids;
    std::set<std::string> seen;
    for (int i = 0; i < request->names_size(); ++i) {
      auto id = ParseChildName(request->names(i), absl::StrCat("names[", i, "]"), call.tenant_id, "cases");
      if (!id.ok()) {
        v.Add(absl::StrCat("names[", i, "]"), "must be tenants/{tenant}/cases/{case} of the parent tenant");
      } else if (seen.insert(*id).second) {
        ids.push_back(*id);
      }
    }
    if (!v.empty()) {
      return v.ToStatus();
    }
    return store_->Delete(call.tenant_id, ids, &CheckRemovable);
  });
}

grpc::Status CaseServiceImpl::ListCaseEvents(grpc::ServerContext* context, const v1::ListCaseEventsRequest* request,
                                             v1::ListCaseEventsResponse* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    Violations v;
    const int page_size = CheckPageSize(v, "page_size", request->page_size());
    if (!v.empty()) {
      return v.ToStatus();
    }
    auto row = LoadAuthorized(call, request->parent(), "parent");
    if (!row.ok()) {
      return row.status();
    }
    std::vector<sql::EventRow> rows;
    auto next = store_->ListEvents(call.tenant_id, row->case_id, request->parent(), page_size,
                                   request->page_token(), &rows);
    if (!next.ok()) {
      return next.status();
    }
    for (const auto& event : rows) {
      FillEvent(event, request->parent(), response->add_events());
    }
    response->set_next_page_token(*next);
    return absl::OkStatus();
  });
}

grpc::Status CaseServiceImpl::CreateQueue(grpc::ServerContext* context, const v1::CreateQueueRequest* request,
                                          v1::Queue* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    Violations v;
    if (absl::Status s = CheckTenantName(request->parent(), "parent", call.tenant_id); !s.ok()) {
      return s;
    }
    CheckDisplayName(v, "queue.display_name", request->queue().display_name());
    CheckText(v, "queue.description", request->queue().description(), kMaxDescriptionBytes);
    CheckRequestId(v, "request_id", request->request_id());
    if (!v.empty()) {
      return v.ToStatus();
    }
    sql::QueueRow row;
    row.tenant_id = call.tenant_id;
    row.display_name = request->queue().display_name();
    row.description = request->queue().description();
    auto created = store_->CreateQueue(row, IdempotencyKeyFor(call.tenant_id, "CreateQueue", *request, request->request_id()));
    if (!created.ok()) {
      return created.status();
    }
    QueueToProto(*created, response);
    return absl::OkStatus();
  });
}

grpc::Status CaseServiceImpl::ListQueues(grpc::ServerContext* context, const v1::ListQueuesRequest* request,
                                         v1::ListQueuesResponse* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    Violations v;
    sql::ListParams params;
    params.page_size = CheckPageSize(v, "page_size", request->page_size());
    if (!v.empty()) {
      return v.ToStatus();
    }
    if (absl::Status s = CheckTenantName(request->parent(), "parent", call.tenant_id); !s.ok()) {
      return s;
    }
    params.tenant_ids = {call.tenant_id};
    params.parent = request->parent();
    params.page_token = request->page_token();
    std::vector<sql::QueueRow> rows;
    auto next = store_->ListQueues(params, &rows);
    if (!next.ok()) {
      return next.status();
    }
    for (const auto& row : rows) {
      QueueToProto(row, response->add_queues());
    }
    response->set_next_page_token(*next);
    return absl::OkStatus();
  });
}

}  // namespace cases::server
