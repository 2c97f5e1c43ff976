// The tenancy-administration unit of the domain layer: tenants (which kind may
// sit under which), licences (verified keys), and the lists of both, served from
// the tenancy snapshot the guard already holds.
#ifndef CASES_DOMAIN_TENANCY_ADMIN_H_
#define CASES_DOMAIN_TENANCY_ADMIN_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "domain/page.h"
#include "sql/tenant_store.h"
#include "tenancy/directory.h"
#include "tenancy/guard.h"
#include "tenancy/jws.h"

namespace cases::domain {

// Partners and organizations sit under the provider; customer tenants under a
// partner, an organization or the provider (direct customers).
bool MayParent(int parent_kind, int child_kind);

class TenancyAdmin {
 public:
  // `license_authority` unset: InstallLicense answers FAILED_PRECONDITION.
  TenancyAdmin(tenancy::TenantDirectory* directory, sql::TenantStore* store,
               std::optional<tenancy::VerificationKey> license_authority)
      : directory_(directory), store_(store), license_authority_(std::move(license_authority)) {}

  // A child of the call's tenant; `fields`: kind and display name (validated).
  absl::StatusOr<sql::TenantRow> CreateTenant(const tenancy::CallContext& call,
                                              sql::TenantRow fields,
                                              const std::optional<sql::IdempotencyKey>& key) const;
  absl::StatusOr<sql::TenantRow> GetTenant(const tenancy::CallContext& call) const;
  // The tenants the caller reaches that `filter` selects (kind, parent_tenant,
  // display_name; `:` on display_name is a case-insensitive substring), in id order.
  absl::StatusOr<Page<sql::TenantRow>> ListTenants(const tenancy::CallContext& call,
                                                   const PageRequest& page,
                                                   const std::string& filter) const;

  absl::StatusOr<sql::LicenseRow> InstallLicense(const tenancy::CallContext& call,
                                                 const std::string& license_key) const;
  absl::StatusOr<Page<sql::LicenseRow>> ListLicenses(const tenancy::CallContext& call,
                                                     const PageRequest& page) const;

 private:
  tenancy::TenantDirectory* directory_;
  sql::TenantStore* store_;
  const std::optional<tenancy::VerificationKey> license_authority_;
};

}  // namespace cases::domain

#endif  // CASES_DOMAIN_TENANCY_ADMIN_H_
