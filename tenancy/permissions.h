// The permission table of DESIGN.md, as data, in one place: for every RPC, the
// request field naming the target tenant, whether `tenants/-` is allowed, and
// per product the roles that may call it. The guard reads nothing else.
//
// A rule with grants for several products (GetCase: XDR for self-managed cases,
// MDR for MDR-managed ones) is checked in two steps: before the handler runs,
// the caller needs a role of some grant and the tenant a licence for a product
// the caller has a role for; once the handler knows the resource's product it
// asks the guard again for that product (Guard::AuthorizeProduct).
#ifndef CASES_TENANCY_PERMISSIONS_H_
#define CASES_TENANCY_PERMISSIONS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "soc/cases/v1/common.pb.h"
#include "soc/cases/v1/tenancy_service.pb.h"

namespace cases::tenancy {

// Who may act on items of one product. PRODUCT_UNSPECIFIED: no licence needed;
// no roles: any authenticated caller.
struct Grant {
  ::soc::cases::v1::Product product;
  std::vector<::soc::cases::v1::Role> roles;
};

struct Permission {
  // Full method name, e.g. "soc.cases.v1.CaseService.GetCase", or an action
  // within a method, e.g. "soc.cases.v1.CaseService.UpdateCase#close".
  std::string method;
  // Dotted path of the request field holding a resource name whose
  // `tenants/{tenant}` prefix is the target; empty: the caller's home tenant.
  std::string tenant_field;
  // `tenants/-` (every reachable tenant) is accepted in tenant_field.
  bool all_tenants = false;
  std::vector<Grant> grants;
  // When the request itself says which product it is about (CreateCase's
  // case.type, CreateServiceRequest's service_request.type): the enum field's
  // dotted path and its values' products. Values not listed leave all grants open
  // (the handler's validation then refuses them).
  std::string product_field;
  std::vector<std::pair<int, ::soc::cases::v1::Product>> product_by_value;
};

// Every rule, RPCs and actions.
const std::vector<Permission>& PermissionTable();

// The rule for `method` (full name or action); nullptr when there is none.
const Permission* FindPermission(absl::string_view method);

// Actions checked inside a handler, beyond the RPC's own rule.
inline constexpr absl::string_view kCloseCaseAction = "soc.cases.v1.CaseService.UpdateCase#close";

}  // namespace cases::tenancy

#endif  // CASES_TENANCY_PERMISSIONS_H_
