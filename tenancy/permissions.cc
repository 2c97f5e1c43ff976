#include "tenancy/permissions.h"

#include "absl/container/flat_hash_map.h"
#include "soc/cases/v1/case_service.pb.h"
#include "soc/cases/v1/service_request_service.pb.h"

namespace cases::tenancy {
namespace {

namespace v1 = ::soc::cases::v1;
using Roles = std::vector<v1::Role>;

Roles Join(std::initializer_list<Roles> parts) {
  Roles out;
  for (const Roles& p : parts) {
    out.insert(out.end(), p.begin(), p.end());
  }
  return out;
}

// Customer-side administrators: create and update, never close or remove.
const Roles kCustomerAdmins = {v1::ROLE_TENANT_SUPER_ADMIN,     v1::ROLE_TENANT_ADMIN,
                               v1::ROLE_PARTNER_SUPER_ADMIN,    v1::ROLE_PARTNER_ADMIN,
                               v1::ROLE_ENTERPRISE_SUPER_ADMIN, v1::ROLE_ENTERPRISE_ADMIN};
// The seed: "Partner Super Admins and Enterprise Super Admins can't close or remove cases."
const Roles kCloseOrRemove = {v1::ROLE_TENANT_SUPER_ADMIN, v1::ROLE_TENANT_ADMIN};
// Every role that reaches a tenant reads it; provider analysts only their product's items.
const Roles kReaders = Join({kCustomerAdmins,
                             {v1::ROLE_TENANT_READ_ONLY, v1::ROLE_PARTNER_READ_ONLY,
                              v1::ROLE_ENTERPRISE_READ_ONLY, v1::ROLE_PLATFORM_ADMIN,
                              v1::ROLE_DETECTION_INGESTER}});
const Roles kMdrReaders = Join({kReaders, {v1::ROLE_MDR_ANALYST}});
const Roles kManagedRiskReaders = Join({kReaders, {v1::ROLE_MANAGED_RISK_ANALYST}});
const Roles kEveryone = Join({kReaders, {v1::ROLE_MDR_ANALYST, v1::ROLE_MANAGED_RISK_ANALYST}});
const Roles kIngesters = {v1::ROLE_DETECTION_INGESTER, v1::ROLE_PLATFORM_ADMIN};

constexpr auto XDR = v1::PRODUCT_XDR;
constexpr auto MDR = v1::PRODUCT_MDR;
constexpr auto MR = v1::PRODUCT_MANAGED_RISK;
constexpr auto NONE = v1::PRODUCT_UNSPECIFIED;

// Reads of cases: self-managed need XDR, MDR-managed need MDR.
const std::vector<Grant> kCaseReads = {{XDR, kReaders}, {MDR, kMdrReaders}};
const std::vector<Grant> kCaseWrites = {{XDR, kCustomerAdmins}, {MDR, {v1::ROLE_MDR_ANALYST}}};
const std::vector<Grant> kXdrReads = {{XDR, kReaders}};
const std::vector<Grant> kXdrWrites = {{XDR, kCustomerAdmins}};
const std::vector<Grant> kRequestReads = {{MDR, kMdrReaders}, {MR, kManagedRiskReaders}};

std::vector<Permission> BuildTable() {
  const std::string cs = "soc.cases.v1.CaseService.";
  const std::string ds = "soc.cases.v1.DetectionService.";
  const std::string ss = "soc.cases.v1.ServiceRequestService.";
  const std::string ts = "soc.cases.v1.TenancyService.";
  return {
      // CaseService
      {cs + "CreateCase", "parent", false, kCaseWrites, "case.type",
       {{v1::CASE_TYPE_UNSPECIFIED, XDR}, {v1::CASE_TYPE_SELF_MANAGED, XDR},
        {v1::CASE_TYPE_MDR_MANAGED, MDR}}},
      {cs + "ConvertAlertToCase", "alert", false, kXdrWrites},
      {cs + "GetCase", "name", false, kCaseReads},
      {cs + "ListCases", "parent", true, kCaseReads},
      {cs + "UpdateCase", "case.name", false, kCaseWrites},
      {std::string(kCloseCaseAction), "case.name", false,
       {{XDR, kCloseOrRemove}, {MDR, {v1::ROLE_MDR_ANALYST}}}},
      {cs + "AddCaseDetections", "case", false, kXdrWrites},
      {cs + "DeleteCase", "name", false, {{XDR, kCloseOrRemove}}},
      {cs + "BatchDeleteCases", "parent", false, {{XDR, kCloseOrRemove}}},
      {cs + "ListCaseEvents", "parent", false, kCaseReads},
      {cs + "CreateQueue", "parent", false, kXdrWrites},
      {cs + "ListQueues", "parent", false, kXdrReads},
      // DetectionService
      {ds + "IngestDetections", "parent", false, {{XDR, kIngesters}, {MDR, kIngesters}}},
      {ds + "GetDetection", "name", false, kXdrReads},
      {ds + "ListDetections", "parent", true, kXdrReads},
      {ds + "GetAlert", "name", false, kXdrReads},
      {ds + "ListAlerts", "parent", true, kXdrReads},
      {ds + "ListAlertEvents", "parent", false, kXdrReads},
      // ServiceRequestService
      {ss + "CreateServiceRequest", "parent", false, {{MDR, kCustomerAdmins}, {MR, kCustomerAdmins}},
       "service_request.type",
       {{v1::SERVICE_REQUEST_TYPE_MDR, MDR}, {v1::SERVICE_REQUEST_TYPE_MANAGED_RISK, MR}}},
      {ss + "GetServiceRequest", "name", false, kRequestReads},
      {ss + "ListServiceRequests", "parent", true, kRequestReads},
      {ss + "UpdateServiceRequest", "service_request.name", false,
       {{MDR, {v1::ROLE_MDR_ANALYST}}, {MR, {v1::ROLE_MANAGED_RISK_ANALYST}}}},
      {ss + "CreateMessage", "parent", false,
       {{MDR, Join({kCustomerAdmins, {v1::ROLE_MDR_ANALYST}})},
        {MR, Join({kCustomerAdmins, {v1::ROLE_MANAGED_RISK_ANALYST}})}}},
      {ss + "ListMessages", "parent", false, kRequestReads},
      {ss + "StreamMessages", "parent", false, kRequestReads},
      // TenancyService: no licence; writes by the platform admin (and partner super
      // admins creating tenants under their own partner), reads by whoever reaches.
      // Open to any valid token, even one whose roles grant nothing: support's first call.
      {ts + "GetCallerIdentity", "", false, {{NONE, {}}}},
      {ts + "CreateTenant", "tenant.parent_tenant", false,
       {{NONE, {v1::ROLE_PLATFORM_ADMIN, v1::ROLE_PARTNER_SUPER_ADMIN}}}},
      {ts + "GetTenant", "name", false, {{NONE, kEveryone}}},
      {ts + "ListTenants", "", false, {{NONE, kEveryone}}},
      {ts + "InstallLicense", "parent", false, {{NONE, {v1::ROLE_PLATFORM_ADMIN}}}},
      {ts + "ListLicenses", "parent", false, {{NONE, kEveryone}}},
  };
}

}  // namespace

const std::vector<Permission>& PermissionTable() {
  static const auto* table = new std::vector<Permission>(BuildTable());
  return *table;
}

const Permission* FindPermission(absl::string_view method) {
  static const auto* index = [] {
    auto* m = new absl::flat_hash_map<std::string, const Permission*>();
    for (const Permission& p : PermissionTable()) {
      (*m)[p.method] = &p;
    }
    return m;
  }();
  auto it = index->find(method);
  return it == index->end() ? nullptr : it->second;
}

}  // namespace cases::tenancy
