#include "sql/tables.h"

namespace cases::sql {

const Columns<CaseRow>& CaseTable() {
  using R = CaseRow;
  static const auto* table =
      new Columns<R>(Columns<R>()
                         .Text("tenant_id", &R::tenant_id)
                         .Text("case_id", &R::case_id)
                         .Int64("number", &R::number)
                         .Text("display_name", &R::display_name)
                         .Text("description", &R::description)
                         .Int("type", &R::type)
                         .Int("severity", &R::severity)
                         .Int("priority", &R::priority)
                         .Int("status", &R::status)
                         .Int("close_reason", &R::close_reason)
                         .Text("close_note", &R::close_note)
                         .NullableId("queue_id", &R::queue_id)
                         .Text("assignee", &R::assignee)
                         .Int("detection_count", &R::detection_count)
                         .NullableId("source_alert_id", &R::source_alert_id)
                         .Map("attributes", &R::attributes)
                         .Text("creator", &R::creator)
                         .Time("create_time", &R::create_time)
                         .Time("update_time", &R::update_time)
                         .NullableTime("resolve_time", &R::resolve_time)
                         .NullableTime("purge_time", &R::purge_time)
                         .NullableTime("acknowledge_time", &R::acknowledge_time)
                         .Deadline("acknowledge_deadline", &R::acknowledge_deadline)
                         .Deadline("resolve_deadline", &R::resolve_deadline)
                         .List("tags", &R::tags)
                         .List("devices", &R::devices)
                         .List("entities", &R::entities)
                         .List("mitre_techniques", &R::mitre_techniques)
                         .NullableId("source_rule_id", &R::source_rule_id)
                         .Int64("revision", &R::revision));
  return *table;
}

const Columns<QueueRow>& QueueTable() {
  using R = QueueRow;
  static const auto* table = new Columns<R>(Columns<R>()
                                                .Text("tenant_id", &R::tenant_id)
                                                .Text("queue_id", &R::queue_id)
                                                .Text("display_name", &R::display_name)
                                                .Text("description", &R::description)
                                                .Time("create_time", &R::create_time));
  return *table;
}

const Columns<DetectionRow>& DetectionTable() {
  using R = DetectionRow;
  static const auto* table = new Columns<R>(Columns<R>()
                                                .Text("tenant_id", &R::tenant_id)
                                                .Text("detection_id", &R::detection_id)
                                                .Text("external_id", &R::external_id)
                                                .Text("alert_id", &R::alert_id)
                                                .Text("alert_key", &R::alert_key)
                                                .Int("product", &R::product)
                                                .Int("severity", &R::severity)
                                                .Text("title", &R::title)
                                                .Text("description", &R::description)
                                                .Map("attributes", &R::attributes)
                                                .Text("device", &R::device)
                                                .Text("entity", &R::entity)
                                                .List("mitre_techniques", &R::mitre_techniques)
                                                .Time("detect_time", &R::detect_time)
                                                .NullableId("case_id", &R::case_id)
                                                .Time("create_time", &R::create_time));
  return *table;
}

const Columns<AlertRow>& AlertTable() {
  using R = AlertRow;
  static const auto* table = new Columns<R>(Columns<R>()
                                                .Text("tenant_id", &R::tenant_id)
                                                .Text("alert_id", &R::alert_id)
                                                .Text("alert_key", &R::alert_key)
                                                .Int("product", &R::product)
                                                .Text("title", &R::title)
                                                .Int("severity", &R::severity)
                                                .Int("detection_count", &R::detection_count)
                                                .Map("attributes", &R::attributes)
                                                .NullableId("case_id", &R::case_id)
                                                .Time("create_time", &R::create_time)
                                                .Time("update_time", &R::update_time));
  return *table;
}

const Columns<ServiceRequestRow>& ServiceRequestTable() {
  using R = ServiceRequestRow;
  static const auto* table = new Columns<R>(Columns<R>()
                                                .Text("tenant_id", &R::tenant_id)
                                                .Text("service_request_id", &R::service_request_id)
                                                .Int("type", &R::type)
                                                .Text("display_name", &R::display_name)
                                                .Text("description", &R::description)
                                                .Int("status", &R::status)
                                                .Text("creator", &R::creator)
                                                .Time("create_time", &R::create_time)
                                                .Time("update_time", &R::update_time));
  return *table;
}

const Columns<MessageRow>& MessageTable() {
  using R = MessageRow;
  static const auto* table = new Columns<R>(Columns<R>()
                                                .Text("tenant_id", &R::tenant_id)
                                                .Text("service_request_id", &R::service_request_id)
                                                .Text("message_id", &R::message_id)
                                                .Text("author", &R::author)
                                                .Int("side", &R::side)
                                                .Text("body", &R::body)
                                                .Time("create_time", &R::create_time));
  return *table;
}

const Columns<NoteRow>& NoteTable() {
  using R = NoteRow;
  static const auto* table = new Columns<R>(Columns<R>()
                                                .Text("tenant_id", &R::tenant_id)
                                                .Text("case_id", &R::case_id)
                                                .Text("note_id", &R::note_id)
                                                .Text("author", &R::author)
                                                .Text("body", &R::body)
                                                .Time("create_time", &R::create_time)
                                                .Time("update_time", &R::update_time)
                                                .Int64("revision", &R::revision));
  return *table;
}

const Columns<CaseRuleRow>& CaseRuleTable() {
  using R = CaseRuleRow;
  static const auto* table =
      new Columns<R>(Columns<R>()
                         .Text("tenant_id", &R::tenant_id)
                         .Text("rule_id", &R::rule_id)
                         .Text("display_name", &R::display_name)
                         .Text("description", &R::description)
                         .Int("enabled", &R::enabled)
                         .Text("filter", &R::filter)
                         .Int("case_type", &R::case_type)
                         .Int("group_by", &R::group_by)
                         .Int64("group_window_seconds", &R::group_window_seconds)
                         .Text("template_display_name", &R::template_display_name)
                         .Int("template_severity", &R::template_severity)
                         .Int("template_priority", &R::template_priority)
                         .NullableId("template_queue_id", &R::template_queue_id)
                         .Text("template_assignee", &R::template_assignee)
                         .List("template_tags", &R::template_tags)
                         .Text("creator", &R::creator)
                         .Time("create_time", &R::create_time)
                         .Time("update_time", &R::update_time)
                         .Int64("revision", &R::revision));
  return *table;
}

const Columns<SubscriptionRow>& SubscriptionTable() {
  using R = SubscriptionRow;
  static const auto* table =
      new Columns<R>(Columns<R>()
                         .Text("tenant_id", &R::tenant_id)
                         .Text("subscription_id", &R::subscription_id)
                         .Text("display_name", &R::display_name)
                         .Text("uri", &R::uri)
                         .List("activity_types", &R::activity_types)
                         .Text("secret", &R::secret)
                         .Int("state", &R::state)
                         .NullableTime("last_delivery_time", &R::last_delivery_time)
                         .Text("last_error", &R::last_error)
                         .Int("failures", &R::failures)
                         .NullableTime("first_failure_time", &R::first_failure_time)
                         .NullableTime("next_attempt_time", &R::next_attempt_time)
                         .Text("creator", &R::creator)
                         .Text("creator_tenant_id", &R::creator_tenant_id)
                         .List("creator_roles", &R::creator_roles)
                         .Time("create_time", &R::create_time)
                         .Time("update_time", &R::update_time)
                         .Int64("revision", &R::revision));
  return *table;
}

const Columns<DeliveryRow>& DeliveryTable() {
  using R = DeliveryRow;
  static const auto* table = new Columns<R>(Columns<R>()
                                                .Text("tenant_id", &R::tenant_id)
                                                .Text("subscription_id", &R::subscription_id)
                                                .Text("delivery_id", &R::delivery_id)
                                                .Text("activity", &R::activity)
                                                .Int("attempt", &R::attempt)
                                                .Int("http_status", &R::http_status)
                                                .Text("error", &R::error)
                                                .Int64("latency_us", &R::latency_us)
                                                .Time("create_time", &R::create_time));
  return *table;
}

CaseRow ReadCase(::sql::ResultSet& rs) { return CaseTable().Read(rs); }
QueueRow ReadQueue(::sql::ResultSet& rs) { return QueueTable().Read(rs); }
DetectionRow ReadDetection(::sql::ResultSet& rs) { return DetectionTable().Read(rs); }
AlertRow ReadAlert(::sql::ResultSet& rs) { return AlertTable().Read(rs); }
ServiceRequestRow ReadServiceRequest(::sql::ResultSet& rs) {
  return ServiceRequestTable().Read(rs);
}
MessageRow ReadMessage(::sql::ResultSet& rs) { return MessageTable().Read(rs); }
NoteRow ReadNote(::sql::ResultSet& rs) { return NoteTable().Read(rs); }
CaseRuleRow ReadCaseRule(::sql::ResultSet& rs) { return CaseRuleTable().Read(rs); }
SubscriptionRow ReadSubscription(::sql::ResultSet& rs) { return SubscriptionTable().Read(rs); }
DeliveryRow ReadDelivery(::sql::ResultSet& rs) { return DeliveryTable().Read(rs); }

}  // namespace cases::sql
