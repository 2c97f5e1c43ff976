// The permission table, as data, in one place. Two parts:
//  - actions: what a caller does, in words a user knows ("closing a case"), and
//    per product the roles that may do it;
//  - methods: for every RPC, the request field naming its target, the pattern
//    that name must have, and the action the call is.
// The guard reads nothing else. A method's action is checked before the handler
// runs, for any product the caller has a role for; once the domain knows the
// resource's product, and which change is asked for, it asks the guard for the
// action that change needs (Guard::Allow): closing a case, removing one.
#ifndef CASES_TENANCY_PERMISSIONS_H_
#define CASES_TENANCY_PERMISSIONS_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "soc/cases/v1/common.pb.h"
#include "soc/cases/v1/tenancy_service.pb.h"

namespace cases::tenancy {

enum class Action {
  kReadCases,
  kEditCases,  // create and change cases
  kCloseCase,
  kRemoveCase,
  kConvertAlert,
  kAddCaseDetections,
  kWriteCaseNotes,     // add notes, and edit or delete one's own
  kDeleteAnyCaseNote,  // delete someone else's note
  kReadCaseRules,
  kManageCaseRules,  // create, change and remove case rules
  kCreateQueues,
  kReadQueues,
  kReadSlaPolicy,
  kManageSlaPolicy,
  kIngestDetections,
  kReadDetections,
  kCreateServiceRequest,
  kReadServiceRequests,
  kChangeServiceRequestStatus,
  kPostMessage,
  kReadCallerIdentity,
  kCreateTenant,
  kReadTenants,
  kInstallLicense,
  kReadLicenses,
  kManageSubscriptions,  // webhooks: create, read, change, remove, and their deliveries
  kReadActivityFeed,     // the feed itself; its items as kReadActivities
  kReadActivities,
};

// Who may act on items of one product. PRODUCT_UNSPECIFIED: no licence needed;
// no roles: any authenticated caller.
struct Grant {
  ::soc::cases::v1::Product product;
  std::vector<::soc::cases::v1::Role> roles;
};

struct ActionRule {
  Action action;
  // The action as a refusal names it: "<words> needs TENANT_ADMIN or ...".
  std::string words;
  std::vector<Grant> grants;
};

struct Permission {
  // Full method name, e.g. "soc.cases.v1.CaseService.GetCase".
  std::string method;
  // Dotted path of the request field holding the target's resource name;
  // empty: the caller's home tenant.
  std::string target_field;
  // The shape that name must have, e.g. "tenants/{tenant}/cases/{case}".
  std::string target_pattern;
  // `tenants/-` (every reachable tenant) is accepted as the target.
  bool all_tenants = false;
  Action action;
  // When the request itself says which product it is about (CreateCase's
  // case.type, CreateServiceRequest's service_request.type): the enum field's
  // dotted path and its values' products. Values not listed leave all grants open
  // (the handler's validation then refuses them).
  std::string product_field;
  std::vector<std::pair<int, ::soc::cases::v1::Product>> product_by_value;
};

// The API's services, by full name: the ones the table covers, the server
// registers and reflection lists.
inline constexpr const char* kApiServices[] = {
    "soc.cases.v1.CaseService",           "soc.cases.v1.DetectionService",
    "soc.cases.v1.ServiceRequestService", "soc.cases.v1.TenancyService",
    "soc.cases.v1.AutomationService",     "soc.cases.v1.ActivityService"};

// Every action's rule, and the rule of one action.
const std::vector<ActionRule>& ActionTable();
const ActionRule& RuleOf(Action action);

// Every RPC's row; the row for a full method name (nullptr when there is none).
const std::vector<Permission>& PermissionTable();
const Permission* FindPermission(absl::string_view method);

}  // namespace cases::tenancy

#endif  // CASES_TENANCY_PERMISSIONS_H_
