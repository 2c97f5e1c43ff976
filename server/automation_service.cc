#include "server/automation_service.h"

#include <set>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/names.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "common/validation.h"
#include "domain/case_rules.h"
#include "server/mapping.h"

namespace cases::server {
namespace {

using tenancy::CallContext;

constexpr size_t kMaxAssigneeBytes = 255;

// The rule fields of `r` named in `fields` (nullptr: all, as on create), checked
// into `row`; violations name `case_rule.<field>`.
void CheckRuleFields(Violations& v, const v1::CaseRule& r, const std::string& tenant_id,
                     const std::set<std::string>* fields, sql::CaseRuleRow* row) {
  auto touched = [&](const char* f) {
    return fields == nullptr || fields->count(f) != 0 ||
           (absl::StartsWith(f, "case_template.") && fields->count("case_template") != 0);
  };
  if (touched("display_name")) {
    CheckDisplayName(v, "case_rule.display_name", r.display_name());
    row->display_name = r.display_name();
  }
  if (touched("description")) {
    CheckText(v, "case_rule.description", r.description(), kMaxDescriptionBytes);
    row->description = r.description();
  }
  if (touched("enabled")) {
    row->enabled = r.enabled() ? 1 : 0;
  }
  if (touched("filter")) {
    if (r.filter().size() > kMaxFilterLength) {
      v.Add("case_rule.filter", absl::StrCat("at most ", kMaxFilterLength, " characters"));
    }
    row->filter = r.filter();  // its grammar is checked by the domain
  }
  if (touched("case_type")) {
    if (r.case_type() != v1::CASE_TYPE_SELF_MANAGED && r.case_type() != v1::CASE_TYPE_MDR_MANAGED) {
      v.Add("case_rule.case_type", "required: CASE_TYPE_SELF_MANAGED or CASE_TYPE_MDR_MANAGED");
    }
    row->case_type = r.case_type();
  }
  if (touched("group_by")) {
    if (!v1::CaseRuleGroupBy_IsValid(r.group_by())) {
      v.Add("case_rule.group_by",
            "CASE_RULE_GROUP_BY_ALERT, _DEVICE or _RULE (unset: CASE_RULE_GROUP_BY_ALERT)");
    }
    row->group_by = r.group_by() == v1::CASE_RULE_GROUP_BY_UNSPECIFIED
                        ? v1::CASE_RULE_GROUP_BY_ALERT
                        : r.group_by();
  }
  if (touched("group_window")) {
    const absl::Duration window = r.has_group_window()
                                      ? absl::Seconds(r.group_window().seconds()) +
                                            absl::Nanoseconds(r.group_window().nanos())
                                      : domain::kDefaultGroupWindow;
    if (r.group_window().nanos() != 0 || window < domain::kMinGroupWindow ||
        window > domain::kMaxGroupWindow) {
      v.Add("case_rule.group_window",
            "whole seconds from 1 minute (60s) to 720 hours (2592000s); unset: 24 hours");
    }
    row->group_window_seconds = absl::ToInt64Seconds(window);
  }
  const v1::CaseTemplate& t = r.case_template();
  if (touched("case_template.display_name")) {
    domain::CheckTemplateName(v, "case_rule.case_template.display_name", t.display_name());
    row->template_display_name = t.display_name();
  }
  if (touched("case_template.severity")) {
    if (!v1::Severity_IsValid(t.severity())) {
      v.Add("case_rule.case_template.severity", "SEVERITY_LOW, _MEDIUM, _HIGH, _CRITICAL or unset");
    }
    row->template_severity = t.severity();
  }
  if (touched("case_template.priority")) {
    if (!v1::Priority_IsValid(t.priority())) {
      v.Add("case_rule.case_template.priority", "PRIORITY_LOW, _MEDIUM, _HIGH, _CRITICAL or unset");
    }
    row->template_priority = t.priority();
  }
  if (touched("case_template.queue")) {
    row->template_queue_id.clear();
    if (!t.queue().empty()) {
      auto id = ParseChildName(t.queue(), "case_rule.case_template.queue", tenant_id, "queues");
      if (id.ok()) {
        row->template_queue_id = *id;
      } else {
        v.Add("case_rule.case_template.queue",
              "must be tenants/{tenant}/queues/{queue} of the rule's tenant");
      }
    }
  }
  if (touched("case_template.assignee")) {
    CheckText(v, "case_rule.case_template.assignee", t.assignee(), kMaxAssigneeBytes);
    row->template_assignee = t.assignee();
  }
  if (touched("case_template.tags")) {
    row->template_tags = domain::NormalizeTags(v, "case_rule.case_template.tags",
                                               {t.tags().begin(), t.tags().end()});
  }
}

void RuleToProto(const sql::CaseRuleRow& row, v1::CaseRule* out) {
  out->set_name(ChildName(row.tenant_id, "caseRules", row.rule_id));
  out->set_display_name(row.display_name);
  out->set_description(row.description);
  out->set_enabled(row.enabled != 0);
  out->set_filter(row.filter);
  out->set_case_type(static_cast<v1::CaseType>(row.case_type));
  out->set_group_by(static_cast<v1::CaseRuleGroupBy>(row.group_by));
  SetDuration(absl::Seconds(row.group_window_seconds), out->mutable_group_window());
  v1::CaseTemplate* t = out->mutable_case_template();
  t->set_display_name(row.template_display_name);
  t->set_severity(static_cast<v1::Severity>(row.template_severity));
  t->set_priority(static_cast<v1::Priority>(row.template_priority));
  if (!row.template_queue_id.empty()) {
    t->set_queue(ChildName(row.tenant_id, "queues", row.template_queue_id));
  }
  t->set_assignee(row.template_assignee);
  for (const std::string& tag : row.template_tags) {
    t->add_tags(tag);
  }
  out->set_match_count(row.match_count);
  if (row.last_match_time.has_value()) {
    SetTimestamp(*row.last_match_time, out->mutable_last_match_time());
  }
  out->set_creator(row.creator);
  SetTimestamp(row.create_time, out->mutable_create_time());
  SetTimestamp(row.update_time, out->mutable_update_time());
  out->set_etag(domain::EtagOf(row));
}

absl::StatusOr<domain::UpdateCaseRuleCommand> UpdateRuleCommandOf(
    const CallContext& call, const v1::UpdateCaseRuleRequest& request) {
  Violations v;
  domain::UpdateCaseRuleCommand command;
  command.rule_id = call.target.id();
  command.etag = request.case_rule().etag();
  command.paths = CheckUpdateMask(v, request.update_mask(), domain::RuleUpdatablePaths());
  CheckRuleFields(v, request.case_rule(), call.tenant_id, &command.paths, &command.patch);
  RETURN_IF_ERROR(v.ToStatus());
  return command;
}

}  // namespace

grpc::Status AutomationServiceImpl::CreateCaseRule(grpc::ServerContext* context,
                                                   const v1::CreateCaseRuleRequest* request,
                                                   v1::CaseRule* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    Violations v;
    sql::CaseRuleRow row;
    CheckRuleFields(v, request->case_rule(), call.tenant_id, nullptr, &row);
    CheckRequestId(v, "request_id", request->request_id());
    RETURN_IF_ERROR(v.ToStatus());
    ASSIGN_OR_RETURN(sql::CaseRuleRow saved,
                     automation_->CreateRule(call, std::move(row),
                                             IdempotencyKeyFor(call.tenant_id, "CreateCaseRule",
                                                               *request, request->request_id())));
    RuleToProto(saved, response);
    return absl::OkStatus();
  });
}

grpc::Status AutomationServiceImpl::GetCaseRule(grpc::ServerContext* context,
                                                const v1::GetCaseRuleRequest* request,
                                                v1::CaseRule* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    ASSIGN_OR_RETURN(sql::CaseRuleRow row, automation_->GetRule(call, call.target.id()));
    RuleToProto(row, response);
    return absl::OkStatus();
  });
}

grpc::Status AutomationServiceImpl::ListCaseRules(grpc::ServerContext* context,
                                                  const v1::ListCaseRulesRequest* request,
                                                  v1::ListCaseRulesResponse* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    ASSIGN_OR_RETURN(domain::PageRequest page_request, PageRequestFor(*request));
    ASSIGN_OR_RETURN(domain::Page<sql::CaseRuleRow> page,
                     automation_->ListRules(call, page_request));
    for (const auto& row : page.rows) {
      RuleToProto(row, response->add_case_rules());
    }
    response->set_next_page_token(page.next_page_token);
    return absl::OkStatus();
  });
}

grpc::Status AutomationServiceImpl::UpdateCaseRule(grpc::ServerContext* context,
                                                   const v1::UpdateCaseRuleRequest* request,
                                                   v1::CaseRule* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    ASSIGN_OR_RETURN(domain::UpdateCaseRuleCommand command, UpdateRuleCommandOf(call, *request));
    ASSIGN_OR_RETURN(sql::CaseRuleRow row, automation_->UpdateRule(call, command));
    RuleToProto(row, response);
    return absl::OkStatus();
  });
}

grpc::Status AutomationServiceImpl::DeleteCaseRule(grpc::ServerContext* context,
                                                   const v1::DeleteCaseRuleRequest* request,
                                                   google::protobuf::Empty* response) {
  return Serve(*edge_, context, *request, [&](const CallContext& call) -> absl::Status {
    return automation_->DeleteRule(call, call.target.id(), request->etag());
  });
}

}  // namespace cases::server
