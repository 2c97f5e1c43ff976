// Every table's columns, described once (sql/columns.h). The stores derive their
// SELECT lists, inserts, updates and row readers from these.
#ifndef CASES_SQL_TABLES_H_
#define CASES_SQL_TABLES_H_

#include "sql/case_rule_store.h"
#include "sql/case_store.h"
#include "sql/columns.h"
#include "sql/detection_store.h"
#include "sql/queue_store.h"
#include "sql/service_request_store.h"
#include "sql/subscription_store.h"

namespace cases::sql {

const Columns<CaseRow>& CaseTable();
const Columns<QueueRow>& QueueTable();
const Columns<DetectionRow>& DetectionTable();
const Columns<AlertRow>& AlertTable();
const Columns<ServiceRequestRow>& ServiceRequestTable();
const Columns<MessageRow>& MessageTable();
const Columns<NoteRow>& NoteTable();
const Columns<CaseRuleRow>& CaseRuleTable();
const Columns<SubscriptionRow>& SubscriptionTable();
const Columns<DeliveryRow>& DeliveryTable();

// Row readers in the shape RunListPage takes.
CaseRow ReadCase(::sql::ResultSet& rs);
QueueRow ReadQueue(::sql::ResultSet& rs);
DetectionRow ReadDetection(::sql::ResultSet& rs);
AlertRow ReadAlert(::sql::ResultSet& rs);
ServiceRequestRow ReadServiceRequest(::sql::ResultSet& rs);
MessageRow ReadMessage(::sql::ResultSet& rs);
NoteRow ReadNote(::sql::ResultSet& rs);
CaseRuleRow ReadCaseRule(::sql::ResultSet& rs);
SubscriptionRow ReadSubscription(::sql::ResultSet& rs);
DeliveryRow ReadDelivery(::sql::ResultSet& rs);

}  // namespace cases::sql

#endif  // CASES_SQL_TABLES_H_
