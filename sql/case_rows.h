// Statements on the cases table and its links, run inside a caller's
// transaction: shared by the case store's single and grouped paths. Internal
// to sql/.
#ifndef CASES_SQL_CASE_ROWS_H_
#define CASES_SQL_CASE_ROWS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sql/case_store.h"
#include "sql/pool.h"

namespace cases::sql {

std::optional<CaseRow> SelectCase(Lease& db, const std::string& tenant_id,
                                  const std::string& case_id, bool for_update);

// Inserts new cases of one tenant with its next CASE-n numbers, in order, which it
// sets in each row's number (two round trips for any number of cases), and their
// facets and search documents (SyncCaseIndexes).
void InsertNewCases(Lease& db, std::vector<CaseRow>* rows);
void InsertNewCase(Lease& db, CaseRow* row);

// Writes the mutable columns of `c` (the rest never change after insert).
void UpdateCaseRow(Lease& db, const CaseRow& c);
// The same for several cases of one tenant, in one statement.
void UpdateCaseRows(Lease& db, const std::vector<CaseRow>& rows);

// The cases with these ids of one tenant, locked, in no particular order.
std::vector<CaseRow> LockCases(Lease& db, const std::string& tenant_id,
                               const std::vector<std::string>& case_ids);

// The detections with these ids; INVALID_ARGUMENT naming `detections[i]` for a missing one.
absl::StatusOr<std::vector<DetectionRow>> LoadDetections(Lease& db, const std::string& tenant_id,
                                                         const std::vector<std::string>& ids);

// Detections joining one case.
struct Attachment {
  CaseRow* row;
  std::vector<const DetectionRow*> detections;
  int added = 0;  // set by AttachDetections: how many links are new
};
// The one way detections join cases: links the detections to each case (those
// linked already are skipped), adds the new links to its detection_count and the
// detections' devices, entities and techniques to its lists (the rows are
// written by the caller). Two statements for any number of cases; one when the
// detections are `fresh` (inserted in this transaction, so linked nowhere yet).
enum class Linked { kMaybe, kFresh };
void AttachDetections(Lease& db, const std::string& tenant_id, std::vector<Attachment>* attachments,
                      absl::Time now, Linked linked = Linked::kMaybe);
// The same for one case; returns how many links are new.
int AttachDetections(Lease& db, CaseRow* c, const std::vector<DetectionRow>& detections,
                     absl::Time now);

// A case written in this transaction: `before` is null for a new case.
struct CaseWrite {
  const CaseRow* before;
  const CaseRow* after;
};
// Brings the cases' case_facets rows (tags, devices, entities, techniques) and
// their case_text document (display name and description) in line with their
// new rows: inserts what is new, deletes what is gone (at most three statements
// for any number of cases; none when nothing changed).
void SyncCaseIndexes(Lease& db, const std::string& tenant_id, const std::vector<CaseWrite>& writes);

// History entries of a case.
EventRow CaseEvent(const CaseRow& c, const std::string& actor, int type,
                   std::vector<FieldChangeRow> changes, std::string summary, absl::Time now);
EventRow CreatedEvent(const CaseRow& c, const std::string& actor);

// A new case's id, times and revision.
void FillNew(CaseRow* row, absl::Time now);

struct PendingCreate {
  const CaseRow* row;
  const CreatePlan* plan;
  const std::optional<IdempotencyKey>* key;
  const std::string* actor;
  absl::StatusOr<CaseRow> result = absl::UnknownError("create did not run");
};

struct PendingUpdate {
  const std::string* tenant_id;
  const CaseUpdate* update;
  const std::string* actor;
  absl::StatusOr<CaseRow> result = absl::UnknownError("update did not run");
};

struct PendingGet {
  const std::string* tenant_id;
  const std::string* case_id;
  absl::StatusOr<std::optional<CaseRow>> result = absl::UnknownError("read did not run");
};

}  // namespace cases::sql

#endif  // CASES_SQL_CASE_ROWS_H_
