// Who is calling, and which tenants that caller reaches (docs/api.md, "Reach"):
// a TENANT principal its own tenant; PARTNER and ORGANIZATION principals their
// own tenant and its children; PROVIDER principals the provider tenant plus, by
// role, tenants holding the matching licence (MDR_ANALYST: MDR, MANAGED_RISK_ANALYST:
// Managed Risk, DETECTION_INGESTER: XDR or MDR) or every tenant (PLATFORM_ADMIN).
#ifndef CASES_TENANCY_PRINCIPAL_H_
#define CASES_TENANCY_PRINCIPAL_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "soc/cases/v1/tenancy_service.pb.h"
#include "tenancy/authenticator.h"
#include "tenancy/directory.h"

namespace cases::tenancy {

using ::soc::cases::v1::Role;

struct Principal {
  std::string subject;
  std::string home_tenant_id;  // 16 bytes
  TenantKind home_kind = ::soc::cases::v1::TENANT_KIND_UNSPECIFIED;
  // The token's roles that fit the home tenant's kind; the rest grant nothing.
  std::vector<Role> roles;
  // The token's role strings that grant nothing: unknown, or not fitting the
  // home tenant's kind (as written in the token).
  std::vector<std::string> ignored_roles;

  bool Has(Role role) const;
};

// Whether `role` may be held by a principal whose home tenant is of `kind`
// (tenant roles in tenants, partner roles in partners, ...; ingesters anywhere).
bool RoleFitsKind(Role role, TenantKind kind);

// The principal for verified claims; UNAUTHENTICATED (UNKNOWN_TENANT) when the
// home tenant does not exist.
absl::StatusOr<Principal> ResolvePrincipal(const Claims& claims, const TenantSnapshot& snapshot);

bool Reaches(const Principal& principal, const TenantSnapshot& snapshot,
             const std::string& tenant_id);

// Every tenant `principal` reaches, sorted by id.
std::vector<std::string> ReachableTenants(const Principal& principal,
                                          const TenantSnapshot& snapshot);

}  // namespace cases::tenancy

#endif  // CASES_TENANCY_PRINCIPAL_H_
