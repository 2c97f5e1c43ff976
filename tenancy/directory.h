// What the tenancy checks need to know about tenants — kind, parent, children,
// licences — held in memory as one immutable snapshot, reloaded when older than
// a short TTL and at once after this replica's own writes (Invalidate). Every
// call reads a snapshot; no call pays a database round trip for tenancy.
#ifndef CASES_TENANCY_DIRECTORY_H_
#define CASES_TENANCY_DIRECTORY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/sync.h"
#include "soc/cases/v1/common.pb.h"
#include "soc/cases/v1/tenancy_service.pb.h"
#include "sql/tenant_store.h"

namespace cases::tenancy {

using ::soc::cases::v1::Product;
using ::soc::cases::v1::TenantKind;

enum class LicenseState { kMissing, kExpired, kValid };

// An immutable view of every tenant and licence.
class TenantSnapshot {
 public:
  TenantSnapshot(std::vector<sql::TenantRow> tenants, std::vector<sql::LicenseRow> licenses);

  const sql::TenantRow* Find(const std::string& tenant_id) const;
  const std::vector<std::string>& Children(const std::string& tenant_id) const;
  const std::vector<sql::LicenseRow>& Licenses(const std::string& tenant_id) const;
  // kValid when a licence for `product` covers `now`; kExpired when there are
  // licences for it but none covers now (lapsed, or not yet started); else kMissing.
  LicenseState License(const std::string& tenant_id, Product product, absl::Time now) const;
  // Holds any licence (valid or not) for `product`.
  bool Holds(const std::string& tenant_id, Product product) const;
  // Every tenant id, sorted.
  const std::vector<std::string>& AllIds() const { return all_ids_; }
  // The partner every one of `tenant_ids` is listed under, as cases.partner_id
  // holds it (migration 0010): a tenant's parent, or a partner, organization or
  // provider itself. Empty when they have none in common or one is unknown.
  std::string SharedPartner(const std::vector<std::string>& tenant_ids) const;
  // Every tenant whose cases carry `partner_id` as their partner, sorted: the
  // partner itself (unless it is a tenant) and its child tenants.
  const std::vector<std::string>& PartnerMembers(const std::string& partner_id) const;

 private:
  absl::flat_hash_map<std::string, sql::TenantRow> tenants_;
  absl::flat_hash_map<std::string, std::vector<std::string>> children_;
  absl::flat_hash_map<std::string, std::vector<sql::LicenseRow>> licenses_;
  absl::flat_hash_map<std::string, std::vector<std::string>> partner_members_;
  std::vector<std::string> all_ids_;
};

class TenantDirectory {
 public:
  TenantDirectory(sql::TenantStore* store, absl::Duration ttl) : store_(store), ttl_(ttl) {}

  // The current snapshot, reloaded first when invalidated or older than the TTL.
  // While one caller reloads a snapshot that is only older than the TTL, the
  // others keep using it instead of waiting for the load.
  absl::StatusOr<std::shared_ptr<const TenantSnapshot>> Current();
  // The snapshot Current() would return without loading one; null when it would
  // load first (never loaded, invalidated, or past the TTL with no load under way).
  std::shared_ptr<const TenantSnapshot> CurrentIfLoaded();
  // Call after writing tenants or licences on this replica.
  void Invalidate();

 private:
  sql::TenantStore* store_;
  const absl::Duration ttl_;
  Mutex reload_mu_;  // one reload at a time
  Mutex mu_;
  std::shared_ptr<const TenantSnapshot> snapshot_ ABSL_GUARDED_BY(mu_);
  absl::Time loaded_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  bool fresh_ ABSL_GUARDED_BY(mu_) = false;
  bool reloading_ ABSL_GUARDED_BY(mu_) = false;
  long long invalidations_ ABSL_GUARDED_BY(mu_) = 0;

  bool FreshLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
};

}  // namespace cases::tenancy

#endif  // CASES_TENANCY_DIRECTORY_H_
