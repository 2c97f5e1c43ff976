// Retention of resolved cases (the seed: "The case remains in the list for 30
// days and then we delete it"): cases whose purge time has passed go, in small
// batches, with their links and history.
#ifndef CASES_SQL_RETENTION_H_
#define CASES_SQL_RETENTION_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sql/pool.h"

namespace cases::sql {

// Deletes up to `batch` cases of `tenant_id` whose purge time is at or before
// `now`, skipping rows another replica is deleting. Returns how many went.
// Runs `statement` ("DELETE FROM t WHERE tenant_id = ? AND create_time < ? ORDER BY ...
// LIMIT ?") for one tenant: deletes up to `limit` rows created before `before`.
absl::StatusOr<int> PurgeCreatedBefore(ConnectionPool& pool, const char* statement,
                                       const std::string& tenant_id, absl::Time before, int limit);

absl::StatusOr<int> PurgeResolvedCases(ConnectionPool& pool, const std::string& tenant_id,
                                       absl::Time now, int batch);

// Within a transaction: a case with its links and history; alerts and detections forget it.
void RemoveCase(Lease& db, const std::string& tenant_id, const std::string& case_id);

}  // namespace cases::sql

#endif  // CASES_SQL_RETENTION_H_
