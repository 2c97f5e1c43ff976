// CaseService's mapping at the edge: requests to validated domain commands
// (every field violation at once), rows to protos.
#ifndef CASES_SERVER_CASE_MAPPING_H_
#define CASES_SERVER_CASE_MAPPING_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "domain/cases.h"
#include "soc/cases/v1/case_service.pb.h"

namespace cases::server {

namespace v1 = ::soc::cases::v1;

absl::StatusOr<domain::CreateCaseCommand> CreateCaseCommandOf(const tenancy::CallContext& call,
                                                              const v1::CreateCaseRequest& request);
absl::StatusOr<domain::ConvertAlertCommand> ConvertAlertCommandOf(
    const tenancy::CallContext& call, const v1::ConvertAlertToCaseRequest& request);
absl::StatusOr<domain::UpdateCaseCommand> UpdateCaseCommandOf(const tenancy::CallContext& call,
                                                              const v1::UpdateCaseRequest& request);
// Every item validated as UpdateCase validates it, violations named
// `requests[i].…`; 1–100 distinct cases of the parent tenant.
absl::StatusOr<std::vector<domain::UpdateCaseCommand>> BatchUpdateCommandsOf(
    const tenancy::CallContext& call, const v1::BatchUpdateCasesRequest& request);
absl::StatusOr<domain::UpdateSlaPolicyCommand> UpdateSlaPolicyCommandOf(
    const v1::UpdateSlaPolicyRequest& request);
absl::StatusOr<domain::DeleteCasesCommand> DeleteCasesCommandOf(
    const tenancy::CallContext& call, const v1::BatchDeleteCasesRequest& request);
// The detection names of AddCaseDetections as ids of the case's tenant.
absl::StatusOr<std::vector<std::string>> DetectionIdsOf(
    const tenancy::CallContext& call, const v1::AddCaseDetectionsRequest& request);
absl::StatusOr<sql::QueueRow> QueueOf(const v1::CreateQueueRequest& request);

absl::StatusOr<domain::CreateNoteCommand> CreateNoteCommandOf(
    const tenancy::CallContext& call, const v1::CreateCaseNoteRequest& request);
absl::StatusOr<domain::NoteCommand> UpdateNoteCommandOf(const tenancy::CallContext& call,
                                                        const v1::UpdateCaseNoteRequest& request);
domain::NoteCommand DeleteNoteCommandOf(const tenancy::CallContext& call,
                                        const v1::DeleteCaseNoteRequest& request);

// The tenant's display name comes from the call's tenancy snapshot.
void CaseToProto(const tenancy::CallContext& call, const sql::CaseRow& row, v1::Case* out);
void NoteToProto(const sql::NoteRow& row, v1::CaseNote* out);
// Tenant display names from the call's tenancy snapshot.
void CaseStatsToProto(const tenancy::CallContext& call, const domain::CaseStats& stats,
                      v1::CaseStats* out);
void SlaPolicyToProto(const sql::SlaPolicyRow& row, v1::SlaPolicy* out);
void QueueToProto(const sql::QueueRow& row, v1::Queue* out);

}  // namespace cases::server

#endif  // CASES_SERVER_CASE_MAPPING_H_
