// Tenants and licences in MySQL. These are the tenancy tables: lists across
// tenants (children of a partner, holders of a product) are by design here.
#ifndef CASES_SQL_TENANT_STORE_H_
#define CASES_SQL_TENANT_STORE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sql/idempotency.h"
#include "sql/pool.h"

namespace cases::sql {

struct TenantRow {
  std::string id;         // 16 bytes
  std::string parent_id;  // 16 bytes, empty for the provider
  int kind = 0;           // soc.cases.v1.TenantKind
  std::string display_name;
  absl::Time create_time;
};

struct LicenseRow {
  std::string tenant_id;  // 16 bytes
  std::string license_id;
  int product = 0;  // soc.cases.v1.Product
  absl::Time start_time;
  absl::Time expire_time;
  absl::Time install_time;
};

class TenantStore {
 public:
  explicit TenantStore(ConnectionPool* pool) : pool_(pool) {}

  // Inserts `row` (id and create_time filled by the caller). With a request id,
  // a replay returns the tenant created first instead.
  absl::StatusOr<TenantRow> Create(const TenantRow& row, const std::optional<IdempotencyKey>& key,
                                   const std::string& actor);
  absl::StatusOr<std::optional<TenantRow>> Get(const std::string& id);
  // Every tenant; small (thousands), read into the tenancy cache.
  absl::StatusOr<std::vector<TenantRow>> ListAll();
  // The provider tenant, creating it when there is none (bootstrap).
  absl::StatusOr<TenantRow> EnsureProvider(const std::string& display_name);

  // Inserts or, for the same (tenant, licence id), replaces a licence.
  absl::Status InstallLicense(const LicenseRow& row, const std::string& actor);
  // Every licence of every tenant, for the tenancy cache.
  absl::StatusOr<std::vector<LicenseRow>> ListAllLicenses();

 private:
  ConnectionPool* pool_;
};

}  // namespace cases::sql

#endif  // CASES_SQL_TENANT_STORE_H_
