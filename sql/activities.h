// The change feed as a transactional outbox. A writer records an activity on its
// lease (RecordActivity) anywhere inside its transaction; the transaction helper
// writes the recorded ones as the transaction's last statements, just before
// COMMIT (WriteRecordedActivities), so a committed change always has its activity
// and a rolled-back one never does.
//
// Order: each tenant's 'activities' counter in tenant_counters holds the last id's
// 60 time-and-sequence bits, (unix ms << 12) | n. The flush bumps it under its row
// lock to max(last + 1, now) and the ids are UUIDv7s built from those bits. The lock
// is held from the bump to COMMIT, so within a tenant a transaction that commits
// later gets a greater id whatever replica or clock wrote it: "the activities after
// id X" never misses a late commit, and needs no settle window.
#ifndef CASES_SQL_ACTIVITIES_H_
#define CASES_SQL_ACTIVITIES_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sql/activity_row.h"
#include "sql/case_store.h"
#include "sql/detection_store.h"
#include "sql/history.h"
#include "sql/list_query.h"
#include "sql/pool.h"
#include "sql/service_request_store.h"
#include "sql/tenant_store.h"

namespace cases::sql {

// An activity about a resource as it stands after the change (a deleted case: as
// it stood before).
ActivityRow CaseActivity(int type, const CaseRow& c, const std::string& actor,
                         const std::vector<FieldChangeRow>& changes = {});
ActivityRow AlertActivity(int type, const AlertRow& a, const std::string& actor);
ActivityRow ServiceRequestActivity(int type, const ServiceRequestRow& r, const std::string& actor,
                                   const std::vector<FieldChangeRow>& changes = {});
// `request_type`: the service request's, which decides who reads the message.
ActivityRow MessageActivity(const MessageRow& m, int request_type);
// In the new tenant's parent's feed.
ActivityRow TenantActivity(const TenantRow& t, const std::string& actor);
ActivityRow LicenseActivity(const LicenseRow& l, const std::string& actor);

// Records `row` in the lease's open transaction.
void RecordActivity(Lease& db, ActivityRow row);

// Writes what the transaction recorded (RunInTransaction calls it before COMMIT);
// returns the tenants that got activities. Clears the record.
std::vector<std::string> WriteRecordedActivities(Lease& db);

// The (time << 12 | sequence) bits of an activity id and back: the id is a UUIDv7
// whose 48-bit time and 12-bit rand_a are these bits, and whose other 62 bits are
// random. Ids compare as their bits do.
std::string ActivityIdOf(int64_t bits, const std::string& random8);
int64_t ActivityBitsOf(const std::string& activity_id);

class ActivityStore {
 public:
  explicit ActivityStore(ConnectionPool* pool) : pool_(pool) {}

  absl::StatusOr<std::string> List(const ListParams& params, std::vector<ActivityRow>* out);
  // Up to `limit` activities of the tenant after `after_id` (empty: from the start),
  // oldest first.
  absl::StatusOr<std::vector<ActivityRow>> After(const std::string& tenant_id,
                                                 const std::string& after_id, int limit);
  // The committed feed heads (the last id's bits) of the tenants that have one.
  absl::StatusOr<std::map<std::string, int64_t>> Heads(const std::vector<std::string>& tenant_ids);
  // Deletes up to `limit` of the tenant's activities created before `before`.
  absl::StatusOr<int> Purge(const std::string& tenant_id, absl::Time before, int limit);

  static const ListSchema& Schema();

 private:
  ConnectionPool* pool_;
};

}  // namespace cases::sql

#endif  // CASES_SQL_ACTIVITIES_H_
