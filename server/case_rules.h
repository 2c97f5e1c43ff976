// The business rules of cases, in one place (both seed documents):
//  - self-managed cases take XDR detections only ("You can't create a case for
//    MDR or Managed Risk detections") → FAILED_PRECONDITION DETECTION_NOT_ELIGIBLE;
//  - closing is status RESOLVED with a close reason; CLOSE_REASON_OTHER needs a
//    close note of 1–600 characters; re-opening clears reason, note, resolve and
//    purge times;
//  - a resolved case is deleted `retention` (default 30 days) after it was resolved;
//  - only self-managed cases can be removed.
// Who may close or remove is the permission table's (tenancy/permissions.cc).
#ifndef CASES_SERVER_CASE_RULES_H_
#define CASES_SERVER_CASE_RULES_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/errors.h"
#include "soc/cases/v1/case_service.pb.h"
#include "sql/case_store.h"

namespace cases::server {

inline constexpr size_t kMaxCloseNoteChars = 600;
inline constexpr int kMaxDetectionsPerCall = 1000;

// The product whose licence and roles govern a case of this type.
::soc::cases::v1::Product ProductOfCaseType(int type);

// DETECTION_NOT_ELIGIBLE when a self-managed case would take a non-XDR detection.
absl::Status CheckDetectionsEligible(int case_type, const std::vector<sql::DetectionRow>& detections);

// Close reason and note against the status they come with; `prefix` is "case.".
void CheckClosing(Violations& v, const std::string& prefix, int status, int close_reason,
                  const std::string& close_note);

// Resolve and purge times for a case entering or leaving RESOLVED (`was_resolved`
// tells the old state); leaving also clears the close reason and note.
void ApplyResolution(bool was_resolved, absl::Time now, absl::Duration retention, sql::CaseRow* row);

// FAILED_PRECONDITION CASE_NOT_SELF_MANAGED for MDR-managed cases.
absl::Status CheckRemovable(const sql::CaseRow& row);

// The etag of a case revision, and the AIP-154 check (an empty etag always passes).
std::string EtagOf(const sql::CaseRow& row);
absl::Status CheckEtag(const std::string& etag, const sql::CaseRow& row);

}  // namespace cases::server

#endif  // CASES_SERVER_CASE_RULES_H_
