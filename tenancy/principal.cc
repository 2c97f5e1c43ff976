#include "tenancy/principal.h"

#include <algorithm>

#include "common/errors.h"

namespace cases::tenancy {

namespace v1 = ::soc::cases::v1;

bool Principal::Has(Role role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

bool RoleFitsKind(Role role, TenantKind kind) {
  switch (role) {
    case v1::ROLE_TENANT_SUPER_ADMIN:
    case v1::ROLE_TENANT_ADMIN:
    case v1::ROLE_TENANT_READ_ONLY:
      return kind == v1::TENANT_KIND_TENANT;
    case v1::ROLE_PARTNER_SUPER_ADMIN:
    case v1::ROLE_PARTNER_ADMIN:
    case v1::ROLE_PARTNER_READ_ONLY:
      return kind == v1::TENANT_KIND_PARTNER;
    case v1::ROLE_ENTERPRISE_SUPER_ADMIN:
    case v1::ROLE_ENTERPRISE_ADMIN:
    case v1::ROLE_ENTERPRISE_READ_ONLY:
      return kind == v1::TENANT_KIND_ORGANIZATION;
    case v1::ROLE_MDR_ANALYST:
    case v1::ROLE_MANAGED_RISK_ANALYST:
    case v1::ROLE_PLATFORM_ADMIN:
      return kind == v1::TENANT_KIND_PROVIDER;
    case v1::ROLE_DETECTION_INGESTER:
      return true;
    default:
      return false;
  }
}

absl::StatusOr<Principal> ResolvePrincipal(const Claims& claims, const TenantSnapshot& snapshot) {
  const sql::TenantRow* home = snapshot.Find(claims.tenant_id);
  if (home == nullptr) {
    return ErrorWithReason(absl::StatusCode::kUnauthenticated, "UNKNOWN_TENANT",
                           "the token's tenant (tid) does not exist");
  }
  Principal p;
  p.subject = claims.subject;
  p.home_tenant_id = home->id;
  p.home_kind = static_cast<TenantKind>(home->kind);
  p.ignored_roles = claims.ignored_roles;
  for (Role role : claims.roles) {
    if (!RoleFitsKind(role, p.home_kind)) {
      p.ignored_roles.push_back(v1::Role_Name(role).substr(5));  // without ROLE_
    } else if (!p.Has(role)) {
      p.roles.push_back(role);
    }
  }
  return p;
}

bool Reaches(const Principal& principal, const TenantSnapshot& snapshot,
             const std::string& tenant_id) {
  if (tenant_id == principal.home_tenant_id) {
    return true;
  }
  const sql::TenantRow* target = snapshot.Find(tenant_id);
  if (target == nullptr) {
    // Unknown tenants are unreachable, except for the platform admin (who then gets NOT_FOUND).
    return principal.home_kind == v1::TENANT_KIND_PROVIDER &&
           principal.Has(v1::ROLE_PLATFORM_ADMIN);
  }
  switch (principal.home_kind) {
    case v1::TENANT_KIND_PARTNER:
    case v1::TENANT_KIND_ORGANIZATION:
      return target->parent_id == principal.home_tenant_id;
    case v1::TENANT_KIND_PROVIDER:
      return principal.Has(v1::ROLE_PLATFORM_ADMIN) ||
             (principal.Has(v1::ROLE_MDR_ANALYST) && snapshot.Holds(tenant_id, v1::PRODUCT_MDR)) ||
             (principal.Has(v1::ROLE_MANAGED_RISK_ANALYST) &&
              snapshot.Holds(tenant_id, v1::PRODUCT_MANAGED_RISK)) ||
             (principal.Has(v1::ROLE_DETECTION_INGESTER) &&
              (snapshot.Holds(tenant_id, v1::PRODUCT_XDR) ||
               snapshot.Holds(tenant_id, v1::PRODUCT_MDR)));
    default:
      return false;
  }
}

std::vector<std::string> ReachableTenants(const Principal& principal,
                                          const TenantSnapshot& snapshot) {
  std::vector<std::string> out;
  switch (principal.home_kind) {
    case v1::TENANT_KIND_PARTNER:
    case v1::TENANT_KIND_ORGANIZATION:
      out = snapshot.Children(principal.home_tenant_id);
      out.push_back(principal.home_tenant_id);
      break;
    case v1::TENANT_KIND_PROVIDER:
      for (const std::string& id : snapshot.AllIds()) {
        if (Reaches(principal, snapshot, id)) {
          out.push_back(id);
        }
      }
      break;
    default:
      out.push_back(principal.home_tenant_id);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace cases::tenancy
