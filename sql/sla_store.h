// SLA policies (one per tenant) in MySQL: response targets per case severity.
// What a target means for a case is the domain's (domain/case_rules.h
// ApplySlaDeadlines); this stores and reads the targets. Every create reads its
// tenant's policy, so reads are cached for `cache_ttl` (the tenancy cache TTL):
// an update is seen at once on the replica that made it, on others within the TTL.
#ifndef CASES_SQL_SLA_STORE_H_
#define CASES_SQL_SLA_STORE_H_

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/sync.h"
#include "sql/pool.h"

namespace cases::sql {

struct SlaTargetRow {
  std::optional<absl::Duration> acknowledge_within, resolve_within;
};

struct SlaPolicyRow {
  std::string tenant_id;
  std::map<int, SlaTargetRow> targets;    // by severity number
  std::optional<absl::Time> update_time;  // none: never set
  int64_t revision = 0;                   // 0: never set
};

// Builds the new policy from the locked current one; an error aborts.
using SlaPolicyMutation =
    std::function<absl::Status(const SlaPolicyRow& current, SlaPolicyRow* next)>;

class SlaStore {
 public:
  explicit SlaStore(ConnectionPool* pool, absl::Duration cache_ttl = absl::ZeroDuration())
      : pool_(pool), cache_ttl_(cache_ttl) {}

  // The tenant's policy (from the cache when fresh); an empty one (revision 0)
  // when it never set one.
  absl::StatusOr<SlaPolicyRow> Get(const std::string& tenant_id);
  // Locks the policy row (or the gap where it goes), runs `mutate`, writes the result.
  absl::StatusOr<SlaPolicyRow> Update(const std::string& tenant_id,
                                      const SlaPolicyMutation& mutate);

 private:
  struct Cached {
    SlaPolicyRow row;
    absl::Time loaded_at;
  };

  ConnectionPool* pool_;
  const absl::Duration cache_ttl_;
  Mutex mu_;
  absl::flat_hash_map<std::string, Cached> cache_ ABSL_GUARDED_BY(mu_);
  // Bumped by every update: a read that started before one does not refill the
  // cache with what it read (it may be the policy the update replaced).
  int64_t updates_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace cases::sql

#endif  // CASES_SQL_SLA_STORE_H_
