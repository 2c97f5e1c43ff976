#include "sql/resource_protos.h"

#include "absl/strings/str_cat.h"
#include "common/names.h"
#include "common/proto_time.h"

namespace cases::sql {

namespace v1 = ::soc::cases::v1;

void CaseRowToProto(const CaseRow& row, v1::Case* out) {
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
  if (!row.source_rule_id.empty()) {
    out->set_source_rule(ChildName(row.tenant_id, "caseRules", row.source_rule_id));
  }
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
  // The etag is the row's revision (domain/case_rules.h EtagOf).
  out->set_etag(absl::StrCat(row.revision));
  if (row.acknowledge_time) {
    SetTimestamp(*row.acknowledge_time, out->mutable_acknowledge_time());
  }
  if (row.acknowledge_deadline) {
    SetTimestamp(*row.acknowledge_deadline, out->mutable_acknowledge_deadline());
  }
  if (row.resolve_deadline) {
    SetTimestamp(*row.resolve_deadline, out->mutable_resolve_deadline());
  }
  out->mutable_tags()->Add(row.tags.begin(), row.tags.end());
  out->mutable_devices()->Add(row.devices.begin(), row.devices.end());
  out->mutable_entities()->Add(row.entities.begin(), row.entities.end());
  out->mutable_mitre_techniques()->Add(row.mitre_techniques.begin(), row.mitre_techniques.end());
}

void AlertRowToProto(const AlertRow& row, v1::Alert* out) {
  out->set_name(ChildName(row.tenant_id, "alerts", row.alert_id));
  out->set_title(row.title);
  out->set_severity(static_cast<v1::Severity>(row.severity));
  out->set_detection_count(row.detection_count);
  out->mutable_attributes()->insert(row.attributes.begin(), row.attributes.end());
  if (!row.case_id.empty()) {
    out->set_case_(ChildName(row.tenant_id, "cases", row.case_id));
  }
  SetTimestamp(row.create_time, out->mutable_create_time());
  SetTimestamp(row.update_time, out->mutable_update_time());
  out->set_alert_key(row.alert_key);
  out->set_product(static_cast<v1::Product>(row.product));
}

void ServiceRequestRowToProto(const ServiceRequestRow& row, v1::ServiceRequest* out) {
  out->set_name(ChildName(row.tenant_id, "serviceRequests", row.service_request_id));
  out->set_type(static_cast<v1::ServiceRequestType>(row.type));
  out->set_display_name(row.display_name);
  out->set_description(row.description);
  out->set_status(static_cast<v1::ServiceRequestStatus>(row.status));
  out->set_creator(row.creator);
  SetTimestamp(row.create_time, out->mutable_create_time());
  SetTimestamp(row.update_time, out->mutable_update_time());
}

void MessageRowToProto(const MessageRow& row, v1::Message* out) {
  out->set_name(MessageName(row));
  out->set_author(row.author);
  out->set_side(static_cast<v1::MessageSide>(row.side));
  out->set_body(row.body);
  SetTimestamp(row.create_time, out->mutable_create_time());
}

void TenantRowToProto(const TenantRow& row, v1::Tenant* out) {
  out->set_name(TenantName(row.id));
  out->set_display_name(row.display_name);
  out->set_kind(static_cast<v1::TenantKind>(row.kind));
  if (!row.parent_id.empty()) {
    out->set_parent_tenant(TenantName(row.parent_id));
  }
  SetTimestamp(row.create_time, out->mutable_create_time());
}

void LicenseRowToProto(const LicenseRow& row, v1::License* out) {
  out->set_name(TenantName(row.tenant_id) + "/licenses/" + row.license_id);
  out->set_license_id(row.license_id);
  out->set_product(static_cast<v1::Product>(row.product));
  SetTimestamp(row.start_time, out->mutable_start_time());
  SetTimestamp(row.expire_time, out->mutable_expire_time());
  SetTimestamp(row.install_time, out->mutable_install_time());
}

}  // namespace cases::sql
