// The cases unit of the domain layer: every case operation, from a validated
// command to plain rows, with no gRPC in sight. It asks the guard for the action
// each change needs once the case's product is known, applies the seed rules of
// case_rules.h, and has the store write rows in one transaction.
//
//   domain::Cases cases(&guard, &case_store, &queue_store, &sla_store, retention);
//   ASSIGN_OR_RETURN(sql::CaseRow row, cases.Create(call, std::move(command)));
#ifndef CASES_DOMAIN_CASES_H_
#define CASES_DOMAIN_CASES_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "domain/page.h"
#include "sql/case_store.h"
#include "sql/queue_store.h"
#include "sql/sla_store.h"
#include "tenancy/guard.h"

namespace cases::domain {

using Caller = tenancy::CallContext;

struct CreateCaseCommand {
  sql::CaseRow fields;                     // tenant, type, editable fields
  std::vector<std::string> detection_ids;  // 16-byte ids in the caller's tenant
  std::optional<sql::IdempotencyKey> key;
};

struct ConvertAlertCommand {
  std::string alert_id;
  sql::CaseRow fields;  // display name and severity empty/0 when not given
  std::optional<sql::IdempotencyKey> key;
};

struct UpdateCaseCommand {
  std::string case_id;
  sql::CaseRow patch;           // the new values of `paths`
  std::set<std::string> paths;  // update_mask paths, "*" expanded
  std::string etag;             // empty: no check
  std::string item;             // in a batch, its path ("requests[7]") for errors
};

// One tenant's case counts for GetCaseStats, with the totals over all tenants.
struct CaseStats {
  struct Tenant {
    std::string tenant_id;
    std::map<int, int64_t> by_status, by_severity;
    int64_t total = 0, overdue = 0;
  };
  std::vector<Tenant> tenants;  // by tenant id
  Tenant all;                   // over every tenant (no tenant_id)
  std::optional<absl::Duration> median_acknowledge, median_resolve;
};

struct UpdateSlaPolicyCommand {
  std::map<int, sql::SlaTargetRow> targets;  // replaces the policy's
  std::string etag;                          // empty: no check
};

struct CreateNoteCommand {
  std::string case_id;
  std::string body;  // checked: 1 byte – 16 KiB of UTF-8
  std::optional<sql::IdempotencyKey> key;
};

// An edit (`body` set) or a delete of one note.
struct NoteCommand {
  std::string case_id, note_id;
  std::string body;  // edits: the new body, checked
  std::string etag;  // empty: no check
};

struct DeleteCasesCommand {
  std::vector<std::string> case_ids;  // distinct
  std::string etag;                   // for a single delete; empty: no check
};

class Cases {
 public:
  Cases(const tenancy::Guard* guard, sql::CaseStore* store, sql::QueueStore* queues,
        sql::SlaStore* sla, absl::Duration retention)
      : guard_(guard), store_(store), queues_(queues), sla_(sla), retention_(retention) {}

  absl::StatusOr<sql::CaseRow> Create(const Caller& call, CreateCaseCommand command) const;
  absl::StatusOr<sql::CaseRow> Convert(const Caller& call, ConvertAlertCommand command) const;
  absl::StatusOr<sql::CaseRow> Get(const Caller& call, const std::string& case_id) const;
  absl::StatusOr<Page<sql::CaseRow>> List(const Caller& call, sql::ListParams params) const;
  absl::StatusOr<sql::CaseRow> Update(const Caller& call, UpdateCaseCommand command) const;
  // Updates of one tenant's distinct cases, each checked as a lone Update, in one
  // transaction: all or nothing. Rows in command order.
  absl::StatusOr<std::vector<sql::CaseRow>> UpdateMany(
      const Caller& call, const std::vector<UpdateCaseCommand>& commands) const;
  // Counts over what a ListCases selection (tenants, filter) holds that the
  // caller may read.
  absl::StatusOr<CaseStats> Stats(const Caller& call, sql::ListParams params) const;

  absl::StatusOr<sql::SlaPolicyRow> GetSlaPolicy(const Caller& call) const;
  absl::StatusOr<sql::SlaPolicyRow> UpdateSlaPolicy(const Caller& call,
                                                    const UpdateSlaPolicyCommand& command) const;
  absl::StatusOr<sql::CaseRow> AddDetections(const Caller& call, const std::string& case_id,
                                             const std::vector<std::string>& detection_ids) const;
  absl::Status Delete(const Caller& call, const DeleteCasesCommand& command) const;
  absl::StatusOr<Page<sql::EventRow>> ListEvents(const Caller& call, const std::string& case_id,
                                                 const PageRequest& page) const;

  // The notebook. Writing needs kWriteCaseNotes for the case's product (who may
  // update the case; on MDR-managed cases also the tenant's admins); an edit is
  // its author's only; a delete its author's, or needs kDeleteAnyCaseNote.
  absl::StatusOr<sql::NoteRow> CreateNote(const Caller& call, CreateNoteCommand command) const;
  absl::StatusOr<Page<sql::NoteRow>> ListNotes(const Caller& call, const std::string& case_id,
                                               const PageRequest& page) const;
  absl::StatusOr<sql::NoteRow> UpdateNote(const Caller& call, const NoteCommand& command) const;
  absl::Status DeleteNote(const Caller& call, const NoteCommand& command) const;

  absl::StatusOr<sql::QueueRow> CreateQueue(const Caller& call, sql::QueueRow row,
                                            const std::optional<sql::IdempotencyKey>& key) const;
  absl::StatusOr<Page<sql::QueueRow>> ListQueues(const Caller& call,
                                                 const sql::ListParams& params) const;

 private:
  // Closing at create or convert needs the closing action for the case's product.
  absl::Status AllowInitialStatus(const Caller& call, const sql::CaseRow& row) const;
  // The detections may join a case of `case_type`, attached by this caller.
  absl::Status CheckAttachable(const Caller& call, int case_type,
                               const std::vector<sql::DetectionRow>& detections) const;

  const tenancy::Guard* guard_;
  sql::CaseStore* store_;
  sql::QueueStore* queues_;
  sql::SlaStore* sla_;
  const absl::Duration retention_;
};

}  // namespace cases::domain

#endif  // CASES_DOMAIN_CASES_H_
