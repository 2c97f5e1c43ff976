// Rows as their API resources: the one row → proto mapping of each resource that
// the change feed stores (sql/activities.h) and the services return. What depends
// on the caller (a tenant's display name) is added by the server.
#ifndef CASES_SQL_RESOURCE_PROTOS_H_
#define CASES_SQL_RESOURCE_PROTOS_H_

#include "soc/cases/v1/case_service.pb.h"
#include "soc/cases/v1/detection_service.pb.h"
#include "soc/cases/v1/service_request_service.pb.h"
#include "soc/cases/v1/tenancy_service.pb.h"
#include "sql/case_store.h"
#include "sql/detection_store.h"
#include "sql/service_request_store.h"
#include "sql/tenant_store.h"

namespace cases::sql {

void CaseRowToProto(const CaseRow& row, ::soc::cases::v1::Case* out);
void AlertRowToProto(const AlertRow& row, ::soc::cases::v1::Alert* out);
void ServiceRequestRowToProto(const ServiceRequestRow& row, ::soc::cases::v1::ServiceRequest* out);
void MessageRowToProto(const MessageRow& row, ::soc::cases::v1::Message* out);
void TenantRowToProto(const TenantRow& row, ::soc::cases::v1::Tenant* out);
void LicenseRowToProto(const LicenseRow& row, ::soc::cases::v1::License* out);

}  // namespace cases::sql

#endif  // CASES_SQL_RESOURCE_PROTOS_H_
