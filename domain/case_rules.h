// The business rules of cases, as pure functions (both seed documents). Each is
// findable by its name and has fast unit tests (tests/unit/case_rules_test.cc):
//  - self-managed cases take XDR detections only ("You can't create a case for
//    MDR or Managed Risk detections") → CheckDetectionsEligible;
//  - closing is status RESOLVED with a close reason; CLOSE_REASON_OTHER needs a
//    close note of 1–600 characters → CheckClosing;
//  - closing needs the closing action, whose roles exclude partner and
//    enterprise super admins ("can't close or remove cases") → ActionForChange;
//  - a resolved case is deleted `retention` (default 30 days) after it was
//    resolved; re-opening clears reason, note, resolve and purge times →
//    ApplyResolution;
//  - only self-managed cases can be removed → CheckRemovable;
//  - a converted alert's attributes, then its detections', then the request's
//    own → MergeConvertedAttributes;
//  - a case's acknowledge and resolve deadlines are its create time plus its
//    tenant's SLA targets for its severity, set at create and when the severity
//    changes → ApplySlaDeadlines; it is acknowledged the first time it leaves NEW
//    or gets an assignee → ApplyAcknowledgement;
//  - tags are up to 20 labels of 1–64 `a-z 0-9 - _ : .`, lower-cased, repeats
//    dropped, order kept → NormalizeTags;
//  - notes are edited by their author only, and deleted by their author or a
//    tenant admin → CheckNoteAuthor.
// The display-name charset is common/validation.h's CheckDisplayName (cases,
// service requests, queues and tenants share it).
#ifndef CASES_DOMAIN_CASE_RULES_H_
#define CASES_DOMAIN_CASE_RULES_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/errors.h"
#include "soc/cases/v1/case_service.pb.h"
#include "sql/case_rule_store.h"
#include "sql/case_store.h"
#include "sql/sla_store.h"
#include "sql/subscription_store.h"
#include "tenancy/permissions.h"

namespace cases::domain {

inline constexpr size_t kMaxCloseNoteChars = 600;
inline constexpr int kMaxDetectionsPerCall = 1000;
inline constexpr size_t kMaxAttributes = 100;
inline constexpr int kMaxBatchUpdates = 100;
inline constexpr absl::Duration kMinSlaTarget = absl::Minutes(1);
inline constexpr absl::Duration kMaxSlaTarget = absl::Hours(24 * 90);
inline constexpr size_t kMaxTags = 20;
inline constexpr size_t kMaxTagChars = 64;
inline constexpr size_t kMaxNoteBytes = 16 * 1024;

// The one case type ↔ product mapping: the product whose licence and roles
// govern a case of this type, and the case type a product's cases have.
::soc::cases::v1::Product ProductOfCaseType(int type);
int CaseTypeOfProduct(::soc::cases::v1::Product product);

// DETECTION_NOT_ELIGIBLE when a self-managed case would take a non-XDR detection.
absl::Status CheckDetectionsEligible(int case_type,
                                     const std::vector<sql::DetectionRow>& detections);

// Close reason and note against the status they come with; `prefix` is "case.".
void CheckClosing(Violations& v, const std::string& prefix, int status, int close_reason,
                  const std::string& close_note);

// The action a change to `after` needs, `paths` being the fields the caller set:
// closing (a resolved case whose status or closing fields were set) needs
// kCloseCase, anything else kEditCases.
tenancy::Action ActionForChange(const sql::CaseRow& after, const std::set<std::string>& paths);

// Resolve and purge times for a case entering or leaving RESOLVED (`was_resolved`
// tells the old state); leaving also clears the close reason and note.
void ApplyResolution(bool was_resolved, absl::Time now, absl::Duration retention,
                     sql::CaseRow* row);

// FAILED_PRECONDITION CASE_NOT_SELF_MANAGED for MDR-managed cases.
absl::Status CheckRemovable(const sql::CaseRow& row);

// The etag of a revision, and the AIP-154 check (an empty etag always passes):
// ABORTED ETAG_MISMATCH naming the current etag.
std::string EtagOf(const sql::CaseRow& row);
std::string EtagOf(const sql::SlaPolicyRow& row);
std::string EtagOf(const sql::NoteRow& row);
absl::Status CheckEtag(const std::string& etag, const sql::NoteRow& row);
absl::Status CheckEtag(const std::string& etag, const sql::CaseRow& row);
absl::Status CheckEtag(const std::string& etag, const sql::SlaPolicyRow& row);
std::string EtagOf(const sql::CaseRuleRow& row);
absl::Status CheckEtag(const std::string& etag, const sql::CaseRuleRow& row);
std::string EtagOf(const sql::SubscriptionRow& row);
absl::Status CheckEtag(const std::string& etag, const sql::SubscriptionRow& row);

// The case's deadlines from `policy`'s targets for its severity, counted from
// its create time; no target for that severity → no deadline. A policy change
// reaches a case only through this: at create, or when its severity changes.
void ApplySlaDeadlines(const sql::SlaPolicyRow& policy, sql::CaseRow* row);

// Sets acknowledge_time to `now` the first time the case is out of NEW or has
// an assignee; once set it stays (re-opening does not clear it).
void ApplyAcknowledgement(absl::Time now, sql::CaseRow* row);

// `tags` lower-cased, repeats dropped, order kept; violations on `field` (and
// `field[i]`) for more than kMaxTags or a tag that is not 1–64 of a-z 0-9 - _ : .
std::vector<std::string> NormalizeTags(Violations& v, const std::string& field,
                                       const std::vector<std::string>& tags);

// PERMISSION_DENIED NOT_NOTE_AUTHOR unless `subject` wrote the note.
absl::Status CheckNoteAuthor(const sql::NoteRow& note, const std::string& subject);

// The history changes between two states of a case (API field names, enum
// value names), in field order; empty when nothing shown changed.
std::vector<sql::FieldChangeRow> CaseChanges(const sql::CaseRow& before, const sql::CaseRow& after);

// The fields a case update may set (update_mask paths), and a copy of those of
// `patch` named in `paths` into `row`.
const std::set<std::string>& UpdatablePaths();
void CopyPaths(const sql::CaseRow& patch, const std::set<std::string>& paths, sql::CaseRow* row);

// A converted alert's case attributes: the alert's, then each detection's
// attributes, device (`device`), entity (`entity`) and ATT&CK techniques
// (`mitre_technique`), in detection order, then the request's own (which win).
// Every distinct value is kept: a key that holds another value already takes
// the next of `key.2`, `key.3`, …; at most kMaxAttributes entries (later values
// beyond the limit are dropped).
std::map<std::string, std::string> MergeConvertedAttributes(
    const sql::AlertRow& alert, const std::vector<sql::DetectionRow>& detections,
    const std::map<std::string, std::string>& requested);

// A converted alert's case takes the alert's title as its name when none was
// given (INVALID_ARGUMENT when the title is no valid case name) and the alert's
// severity when none was given.
absl::Status DefaultFromAlert(const sql::AlertRow& alert, sql::CaseRow* row);

}  // namespace cases::domain

#endif  // CASES_DOMAIN_CASE_RULES_H_
