// Cases, their detections and history in MySQL (queues: queue_store.h,
// retention: retention.h, grouped creates and reads: case_groups.cc). Every write is one
// transaction: the case row, its history event, the tenant's case counter and
// the request_id claim commit or roll back together. Business rules (who may
// close, what a name may contain) are the domain's (domain/cases.h): the store
// takes its decisions as callbacks run on the locked rows, inside the transaction.
#ifndef CASES_SQL_CASE_STORE_H_
#define CASES_SQL_CASE_STORE_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/group_runner.h"
#include "sql/detection_store.h"
#include "sql/history.h"
#include "sql/idempotency.h"
#include "sql/list_query.h"
#include "sql/pool.h"

namespace cases::sql {

struct CaseRow {
  std::string tenant_id, case_id;
  int64_t number = 0;
  std::string display_name, description;
  int type = 0, severity = 0, priority = 0, status = 0, close_reason = 0;
  std::string close_note;
  std::string queue_id;  // empty when none
  std::string assignee;
  int detection_count = 0;
  std::string source_alert_id;  // empty when none
  std::map<std::string, std::string> attributes;
  std::string creator;
  absl::Time create_time, update_time;
  std::optional<absl::Time> resolve_time, purge_time;
  std::optional<absl::Time> acknowledge_time;
  // From the tenant's SLA policy (domain/case_rules.h ApplySlaDeadlines); none: no target.
  std::optional<absl::Time> acknowledge_deadline, resolve_deadline;
  // Normalized by the domain (domain/case_rules.h NormalizeTags).
  std::vector<std::string> tags;
  // The union over the attached detections, in attach order (at most
  // kMaxCaseFacetValues each), kept by the store as detections are attached.
  std::vector<std::string> devices, entities, mitre_techniques;
  std::string source_rule_id;  // the case rule that opened it; empty when none
  int64_t revision = 1;
};

// What a case_facets row holds: the `kind` column.
enum class FacetKind { kTag = 1, kDevice = 2, kEntity = 3, kTechnique = 4 };
inline constexpr size_t kMaxCaseFacetValues = 1000;

// A note in a case's notebook.
struct NoteRow {
  std::string tenant_id, case_id, note_id;
  std::string author, body;
  absl::Time create_time, update_time;
  int64_t revision = 1;
};

// Decides, on the detections an add would attach, whether they may be (e.g.
// self-managed cases take XDR detections only). Runs in the transaction.
using DetectionCheck = std::function<absl::Status(const std::vector<DetectionRow>&)>;
// Checks the detections a create would attach, as DetectionCheck, and completes
// the new case, whose id and create time are set (e.g. its SLA deadlines). Runs
// in the transaction; an error aborts.
using CreatePlan = std::function<absl::Status(const std::vector<DetectionRow>&, CaseRow* row)>;
// Builds the new state of a locked case and the history changes; an error aborts.
using CaseMutation = std::function<absl::Status(const CaseRow& current, CaseRow* next,
                                                std::vector<FieldChangeRow>* changes)>;
// One case of an update batch and the change to make to it.
struct CaseUpdate {
  std::string case_id;
  CaseMutation mutate;
  // The update's path in a batch request ("requests[7]"): its errors name it
  // (common/errors.h ForItem). Empty for a lone update.
  std::string item;
};
// Decides whether a locked case may be removed.
using CaseCheck = std::function<absl::Status(const CaseRow& current)>;
// Completes the case a conversion makes, once the locked alert and its
// detections are read (the domain's conversion policy); an error aborts.
using ConversionPlan = std::function<absl::Status(
    const AlertRow& alert, const std::vector<DetectionRow>& detections, CaseRow* row)>;

// Counts over the cases a list selection holds (GetCaseStats): one entry per
// tenant, status and severity present, and the medians over all of them.
struct CaseCountRow {
  std::string tenant_id;
  int status = 0, severity = 0;
  int64_t count = 0;
  int64_t overdue = 0;  // unresolved, resolve deadline before `now`
};
struct CaseStatsRow {
  std::vector<CaseCountRow> counts;
  // acknowledge_time − create_time and resolve_time − create_time; none: no such case.
  std::optional<absl::Duration> median_acknowledge, median_resolve;
};

// Decides, on the locked case (and for edits and deletes the locked note), whether
// the note change may be made, and for edits builds the new note; an error aborts.
using NoteCheck = std::function<absl::Status(const CaseRow& c, const NoteRow* note)>;
using NoteMutation =
    std::function<absl::Status(const CaseRow& c, const NoteRow& current, NoteRow* next)>;

// A note change and the case as it is after it (revision and update time bumped).
struct NoteResult {
  NoteRow note;
  CaseRow case_row;
};

struct PendingCreate;  // a create waiting in its tenant's group (case_rows.h)
struct PendingUpdate;  // an update of one case, likewise
struct PendingGet;     // a read of one case, likewise

class CaseStore {
 public:
  explicit CaseStore(ConnectionPool* pool);
  ~CaseStore();

  // Inserts `row` (case_id, number, times and revision are filled here) with
  // `detection_ids` attached. NOT_FOUND-style INVALID_ARGUMENT for a missing
  // queue or detection. A replayed request_id returns the first case.
  // Creates without detections that arrive together in one tenant commit as a
  // group (GroupRunner): one transaction, one counter bump, multi-row inserts. A
  // group commits only if every create in it would; otherwise each runs alone, so
  // every caller gets exactly the answer it would get alone.
  absl::StatusOr<CaseRow> Create(CaseRow row, const std::vector<std::string>& detection_ids,
                                 const CreatePlan& plan, const std::optional<IdempotencyKey>& key,
                                 const std::string& actor);

  // Creates a case from an alert: `plan` completes the row from the locked alert
  // and its detections, which are then linked; sets the alert's and detections'
  // case and writes history on both. FAILED_PRECONDITION ALERT_ALREADY_CONVERTED
  // when the alert has a case.
  absl::StatusOr<CaseRow> Convert(CaseRow row, const std::string& alert_id,
                                  const ConversionPlan& plan,
                                  const std::optional<IdempotencyKey>& key,
                                  const std::string& actor);

  // Reads of one tenant that arrive while one is in flight are answered together,
  // by one query for all their ids.
  absl::StatusOr<std::optional<CaseRow>> Get(const std::string& tenant_id,
                                             const std::string& case_id);

  // Locks the cases (distinct ids; in one statement, in key order), runs each
  // update's `mutate`, then writes the changed rows and an UPDATED event for each
  // with its changes (nothing for a case that did not change): all in one
  // transaction, all or nothing. NOT_FOUND names the first missing case. The
  // rows come back in the order of `updates`.
  // Updates of one case each that arrive together in one tenant commit as a
  // group (GroupRunner), the way creates do, and with the same promise: a group
  // commits only if every update in it would; otherwise each runs alone.
  absl::StatusOr<std::vector<CaseRow>> Update(const std::string& tenant_id,
                                              const std::vector<CaseUpdate>& updates,
                                              const std::string& actor);

  // Attaches detections (already attached ones are skipped) and records it.
  absl::StatusOr<CaseRow> AddDetections(const std::string& tenant_id, const std::string& case_id,
                                        const std::vector<std::string>& detection_ids,
                                        const CaseCheck& may_edit, const DetectionCheck& check,
                                        const std::string& actor);

  // Removes cases (with their links and history) all or none; `may_remove` is
  // asked for each locked case. NOT_FOUND names the first missing case.
  absl::Status Delete(const std::string& tenant_id, const std::vector<std::string>& case_ids,
                      const CaseCheck& may_remove, const std::string& actor);

  absl::StatusOr<std::string> List(const ListParams& params, std::vector<CaseRow>* out);
  // Counts and medians over what `params` (tenants, scope, filter; no paging) selects.
  absl::StatusOr<CaseStatsRow> Stats(const ListParams& params, absl::Time now);
  absl::StatusOr<std::string> ListEvents(const std::string& tenant_id, const std::string& case_id,
                                         const std::string& case_name, int page_size,
                                         const std::string& page_token, std::vector<EventRow>* out);

  // The notebook (case_notes.cc). Each change locks the case, bumps its revision
  // and update time and writes a NOTE_ADDED / _UPDATED / _DELETED history event
  // with the body, and keeps the note's text searchable, in one transaction.
  // NOT_FOUND for a missing case or note. A replayed request_id returns the
  // first note.
  absl::StatusOr<NoteResult> CreateNote(NoteRow note, const NoteCheck& may_write,
                                        const std::optional<IdempotencyKey>& key);
  absl::StatusOr<NoteResult> UpdateNote(const std::string& tenant_id, const std::string& case_id,
                                        const std::string& note_id, const NoteMutation& mutate,
                                        const std::string& actor);
  absl::StatusOr<CaseRow> DeleteNote(const std::string& tenant_id, const std::string& case_id,
                                     const std::string& note_id, const NoteCheck& may_delete,
                                     const std::string& actor);
  // One page of a case's notes, oldest first (`params.scope` names the case).
  absl::StatusOr<std::string> ListNotes(const ListParams& params, std::vector<NoteRow>* out);

  static const ListSchema& CaseSchema();
  static const ListSchema& NoteSchema();

  // How creates were grouped (mean group size = items / groups).
  GroupRunner<PendingCreate>::Stats CreateGroupStats() const;
  GroupRunner<PendingUpdate>::Stats UpdateGroupStats() const;
  GroupRunner<PendingGet>::Stats GetGroupStats() const;

 private:
  absl::StatusOr<CaseRow> CreateAlone(CaseRow row, const std::vector<std::string>& detection_ids,
                                      const CreatePlan& plan,
                                      const std::optional<IdempotencyKey>& key,
                                      const std::string& actor);
  void CreateGroup(const std::vector<PendingCreate*>& group);
  // Update's transaction, each update with its own actor.
  absl::StatusOr<std::vector<CaseRow>> UpdateRows(const std::string& tenant_id,
                                                  const std::vector<const CaseUpdate*>& updates,
                                                  const std::vector<const std::string*>& actors);
  void UpdateGroup(const std::vector<PendingUpdate*>& group);
  void GetGroup(const std::vector<PendingGet*>& group);

  ConnectionPool* pool_;
  std::unique_ptr<GroupRunner<PendingCreate>> creates_;
  std::unique_ptr<GroupRunner<PendingUpdate>> updates_;
  std::unique_ptr<GroupRunner<PendingGet>> gets_;
};

}  // namespace cases::sql

#endif  // CASES_SQL_CASE_STORE_H_
