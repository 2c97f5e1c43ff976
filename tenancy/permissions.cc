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
// DETECTION_INGESTER is a pipeline account: it ingests and reads nothing.
const Roles kReaders = Join({kCustomerAdmins,
                             {v1::ROLE_TENANT_READ_ONLY, v1::ROLE_PARTNER_READ_ONLY,
                              v1::ROLE_ENTERPRISE_READ_ONLY, v1::ROLE_PLATFORM_ADMIN}});
const Roles kMdrReaders = Join({kReaders, {v1::ROLE_MDR_ANALYST}});
const Roles kManagedRiskReaders = Join({kReaders, {v1::ROLE_MANAGED_RISK_ANALYST}});
const Roles kEveryone = Join({kReaders, {v1::ROLE_MDR_ANALYST, v1::ROLE_MANAGED_RISK_ANALYST}});
const Roles kIngesters = {v1::ROLE_DETECTION_INGESTER, v1::ROLE_PLATFORM_ADMIN};

constexpr auto kXdr = v1::PRODUCT_XDR;
constexpr auto kMdr = v1::PRODUCT_MDR;
constexpr auto kManagedRisk = v1::PRODUCT_MANAGED_RISK;
constexpr auto kNoProduct = v1::PRODUCT_UNSPECIFIED;

std::vector<ActionRule> BuildActions() {
  return {
      // Self-managed cases need XDR, MDR-managed ones MDR.
      {Action::kReadCases, "reading cases", {{kXdr, kReaders}, {kMdr, kMdrReaders}}},
      {Action::kEditCases,
       "creating or changing cases",
       {{kXdr, kCustomerAdmins}, {kMdr, {v1::ROLE_MDR_ANALYST}}}},
      {Action::kCloseCase,
       "closing a case",
       {{kXdr, kCloseOrRemove}, {kMdr, {v1::ROLE_MDR_ANALYST}}}},
      {Action::kRemoveCase, "removing a case", {{kXdr, kCloseOrRemove}}},
      {Action::kConvertAlert, "converting an alert to a case", {{kXdr, kCustomerAdmins}}},
      {Action::kAddCaseDetections,
       "adding detections to a case",
       {{kXdr, kCustomerAdmins}, {kMdr, {v1::ROLE_MDR_ANALYST}}}},
      // Who may update the case writes its notes; on MDR-managed cases the
      // customer's tenant admins answer the MDR team there too.
      {Action::kWriteCaseNotes,
       "writing case notes",
       {{kXdr, kCustomerAdmins}, {kMdr, Join({{v1::ROLE_MDR_ANALYST}, kCloseOrRemove})}}},
      {Action::kDeleteAnyCaseNote,
       "deleting another author's case note",
       {{kXdr, kCloseOrRemove}, {kMdr, kCloseOrRemove}}},
      // A rule makes cases of one type: as reading and creating those cases.
      {Action::kReadCaseRules, "reading case rules", {{kXdr, kReaders}, {kMdr, kMdrReaders}}},
      {Action::kManageCaseRules,
       "managing case rules",
       {{kXdr, kCustomerAdmins}, {kMdr, {v1::ROLE_MDR_ANALYST}}}},
      {Action::kCreateQueues, "creating queues", {{kXdr, kCustomerAdmins}}},
      {Action::kReadQueues, "reading queues", {{kXdr, kReaders}, {kMdr, kMdrReaders}}},
      // Deadlines are on every case: whoever reads cases reads the policy; its
      // owners set it. No licence: the policy is the tenant's, for any case type.
      {Action::kReadSlaPolicy, "reading the SLA policy", {{kNoProduct, kEveryone}}},
      {Action::kManageSlaPolicy,
       "changing the SLA policy",
       {{kNoProduct,
         {v1::ROLE_TENANT_SUPER_ADMIN, v1::ROLE_PARTNER_SUPER_ADMIN,
          v1::ROLE_ENTERPRISE_SUPER_ADMIN, v1::ROLE_PLATFORM_ADMIN}}}},
      {Action::kIngestDetections, "ingesting detections", {{kXdr, kIngesters}, {kMdr, kIngesters}}},
      // Items of a product, as cases: provider analysts read their product's detections.
      {Action::kReadDetections,
       "reading detections and alerts",
       {{kXdr, kReaders}, {kMdr, kMdrReaders}, {kManagedRisk, kManagedRiskReaders}}},
      {Action::kCreateServiceRequest,
       "creating service requests",
       {{kMdr, kCustomerAdmins}, {kManagedRisk, kCustomerAdmins}}},
      {Action::kReadServiceRequests,
       "reading service requests",
       {{kMdr, kMdrReaders}, {kManagedRisk, kManagedRiskReaders}}},
      {Action::kChangeServiceRequestStatus,
       "changing a service request's status",
       {{kMdr, {v1::ROLE_MDR_ANALYST}}, {kManagedRisk, {v1::ROLE_MANAGED_RISK_ANALYST}}}},
      {Action::kPostMessage,
       "posting messages",
       {{kMdr, Join({kCustomerAdmins, {v1::ROLE_MDR_ANALYST}})},
        {kManagedRisk, Join({kCustomerAdmins, {v1::ROLE_MANAGED_RISK_ANALYST}})}}},
      // Tenancy: no licence. Open to any valid token, even one whose roles grant
      // nothing: support's first call.
      {Action::kReadCallerIdentity, "reading the caller's identity", {{kNoProduct, {}}}},
      {Action::kCreateTenant,
       "creating tenants",
       {{kNoProduct, {v1::ROLE_PLATFORM_ADMIN, v1::ROLE_PARTNER_SUPER_ADMIN}}}},
      {Action::kReadTenants, "reading tenants", {{kNoProduct, kEveryone}}},
      {Action::kInstallLicense, "installing licences", {{kNoProduct, {v1::ROLE_PLATFORM_ADMIN}}}},
      {Action::kReadLicenses, "reading licences", {{kNoProduct, kEveryone}}},
      // Webhooks carry the feed out: the tenant's administrators, the provider's
      // analysts (in the provider tenant only, which the domain checks) and
      // platform administrators. No licence: the feed is the tenant's.
      {Action::kManageSubscriptions,
       "managing webhook subscriptions",
       {{kNoProduct,
         Join({kCustomerAdmins,
               {v1::ROLE_MDR_ANALYST, v1::ROLE_MANAGED_RISK_ANALYST, v1::ROLE_PLATFORM_ADMIN}})}}},
      // Whoever reaches a tenant reads its feed (licences and child tenants need no
      // licence); the domain narrows it to the products this rule grants.
      {Action::kReadActivityFeed, "reading activities", {{kNoProduct, kEveryone}}},
      {Action::kReadActivities,
       "reading activities",
       {{kXdr, kReaders}, {kMdr, kMdrReaders}, {kManagedRisk, kManagedRiskReaders}}},
  };
}

// Target patterns.
constexpr char kTenant[] = "tenants/{tenant}";
constexpr char kCase[] = "tenants/{tenant}/cases/{case}";
constexpr char kAlert[] = "tenants/{tenant}/alerts/{alert}";
constexpr char kDetection[] = "tenants/{tenant}/detections/{detection}";
constexpr char kRequest[] = "tenants/{tenant}/serviceRequests/{service_request}";
constexpr char kSlaPolicy[] = "tenants/{tenant}/slaPolicy";
constexpr char kNote[] = "tenants/{tenant}/cases/{case}/notes/{note}";
constexpr char kCaseRule[] = "tenants/{tenant}/caseRules/{case_rule}";
constexpr char kSubscription[] = "tenants/{tenant}/subscriptions/{subscription}";

std::vector<Permission> BuildMethods() {
  const std::string cs = "soc.cases.v1.CaseService.";
  const std::string ds = "soc.cases.v1.DetectionService.";
  const std::string ss = "soc.cases.v1.ServiceRequestService.";
  const std::string ts = "soc.cases.v1.TenancyService.";
  const std::string as = "soc.cases.v1.AutomationService.";
  const std::string vs = "soc.cases.v1.ActivityService.";
  return {
      // CaseService
      {cs + "CreateCase",
       "parent",
       kTenant,
       false,
       Action::kEditCases,
       "case.type",
       {{v1::CASE_TYPE_UNSPECIFIED, kXdr},
        {v1::CASE_TYPE_SELF_MANAGED, kXdr},
        {v1::CASE_TYPE_MDR_MANAGED, kMdr}}},
      {cs + "ConvertAlertToCase", "alert", kAlert, false, Action::kConvertAlert},
      {cs + "GetCase", "name", kCase, false, Action::kReadCases},
      {cs + "ListCases", "parent", kTenant, true, Action::kReadCases},
      {cs + "UpdateCase", "case.name", kCase, false, Action::kEditCases},
      {cs + "AddCaseDetections", "case", kCase, false, Action::kAddCaseDetections},
      {cs + "DeleteCase", "name", kCase, false, Action::kRemoveCase},
      {cs + "BatchDeleteCases", "parent", kTenant, false, Action::kRemoveCase},
      {cs + "ListCaseEvents", "parent", kCase, false, Action::kReadCases},
      {cs + "CreateQueue", "parent", kTenant, false, Action::kCreateQueues},
      {cs + "ListQueues", "parent", kTenant, false, Action::kReadQueues},
      // Each item is authorized again as a lone UpdateCase once its case is read.
      {cs + "BatchUpdateCases", "parent", kTenant, false, Action::kEditCases},
      {cs + "GetCaseStats", "parent", kTenant, true, Action::kReadCases},
      {cs + "GetSlaPolicy", "name", kSlaPolicy, false, Action::kReadSlaPolicy},
      {cs + "UpdateSlaPolicy", "sla_policy.name", kSlaPolicy, false, Action::kManageSlaPolicy},
      {cs + "CreateCaseNote", "parent", kCase, false, Action::kWriteCaseNotes},
      {cs + "ListCaseNotes", "parent", kCase, false, Action::kReadCases},
      {cs + "UpdateCaseNote", "note.name", kNote, false, Action::kWriteCaseNotes},
      // The author deletes with kWriteCaseNotes; others need kDeleteAnyCaseNote (domain).
      {cs + "DeleteCaseNote", "name", kNote, false, Action::kWriteCaseNotes},
      // DetectionService
      {ds + "IngestDetections", "parent", kTenant, false, Action::kIngestDetections},
      {ds + "GetDetection", "name", kDetection, false, Action::kReadDetections},
      {ds + "ListDetections", "parent", kTenant, true, Action::kReadDetections},
      {ds + "GetAlert", "name", kAlert, false, Action::kReadDetections},
      {ds + "ListAlerts", "parent", kTenant, true, Action::kReadDetections},
      {ds + "ListAlertEvents", "parent", kAlert, false, Action::kReadDetections},
      // ServiceRequestService
      {ss + "CreateServiceRequest",
       "parent",
       kTenant,
       false,
       Action::kCreateServiceRequest,
       "service_request.type",
       {{v1::SERVICE_REQUEST_TYPE_MDR, kMdr},
        {v1::SERVICE_REQUEST_TYPE_MANAGED_RISK, kManagedRisk}}},
      {ss + "GetServiceRequest", "name", kRequest, false, Action::kReadServiceRequests},
      {ss + "ListServiceRequests", "parent", kTenant, true, Action::kReadServiceRequests},
      {ss + "UpdateServiceRequest", "service_request.name", kRequest, false,
       Action::kChangeServiceRequestStatus},
      {ss + "CreateMessage", "parent", kRequest, false, Action::kPostMessage},
      {ss + "ListMessages", "parent", kRequest, false, Action::kReadServiceRequests},
      {ss + "StreamMessages", "parent", kRequest, false, Action::kReadServiceRequests},
      // AutomationService: the domain checks a stored rule's own type.
      {as + "CreateCaseRule",
       "parent",
       kTenant,
       false,
       Action::kManageCaseRules,
       "case_rule.case_type",
       {{v1::CASE_TYPE_SELF_MANAGED, kXdr}, {v1::CASE_TYPE_MDR_MANAGED, kMdr}}},
      {as + "GetCaseRule", "name", kCaseRule, false, Action::kReadCaseRules},
      {as + "ListCaseRules", "parent", kTenant, false, Action::kReadCaseRules},
      {as + "UpdateCaseRule", "case_rule.name", kCaseRule, false, Action::kManageCaseRules},
      {as + "DeleteCaseRule", "name", kCaseRule, false, Action::kManageCaseRules},
      {as + "CreateSubscription", "parent", kTenant, false, Action::kManageSubscriptions},
      {as + "GetSubscription", "name", kSubscription, false, Action::kManageSubscriptions},
      {as + "ListSubscriptions", "parent", kTenant, false, Action::kManageSubscriptions},
      {as + "UpdateSubscription", "subscription.name", kSubscription, false,
       Action::kManageSubscriptions},
      {as + "DeleteSubscription", "name", kSubscription, false, Action::kManageSubscriptions},
      {as + "ListDeliveries", "parent", kSubscription, false, Action::kManageSubscriptions},
      // TenancyService: the tenant field of CreateTenant is the new tenant's parent.
      {ts + "GetCallerIdentity", "", "", false, Action::kReadCallerIdentity},
      {ts + "CreateTenant", "tenant.parent_tenant", kTenant, false, Action::kCreateTenant},
      {ts + "GetTenant", "name", kTenant, false, Action::kReadTenants},
      {ts + "ListTenants", "", "", false, Action::kReadTenants},
      {ts + "InstallLicense", "parent", kTenant, false, Action::kInstallLicense},
      {ts + "ListLicenses", "parent", kTenant, false, Action::kReadLicenses},
      // ActivityService
      {vs + "ListActivities", "parent", kTenant, true, Action::kReadActivityFeed},
      {vs + "StreamActivities", "parent", kTenant, true, Action::kReadActivityFeed},
  };
}

}  // namespace

const std::vector<ActionRule>& ActionTable() {
  static const auto* table = new std::vector<ActionRule>(BuildActions());
  return *table;
}

const ActionRule& RuleOf(Action action) {
  static const auto* index = [] {
    auto* m = new absl::flat_hash_map<Action, const ActionRule*>();
    for (const ActionRule& rule : ActionTable()) {
      (*m)[rule.action] = &rule;
    }
    return m;
  }();
  return *index->at(action);
}

const std::vector<Permission>& PermissionTable() {
  static const auto* table = new std::vector<Permission>(BuildMethods());
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
