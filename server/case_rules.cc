#include "server/case_rules.h"

#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "common/validation.h"

namespace cases::server {

namespace v1 = ::soc::cases::v1;

v1::Product ProductOfCaseType(int type) {
  return type == v1::CASE_TYPE_MDR_MANAGED ? v1::PRODUCT_MDR : v1::PRODUCT_XDR;
}

absl::Status CheckDetectionsEligible(int case_type, const std::vector<sql::DetectionRow>& detections) {
  if (case_type == v1::CASE_TYPE_MDR_MANAGED) {
    return absl::OkStatus();
  }
  for (const sql::DetectionRow& d : detections) {
    if (d.product != v1::PRODUCT_XDR) {
      return ErrorWithReason(absl::StatusCode::kFailedPrecondition, "DETECTION_NOT_ELIGIBLE",
                             "self-managed cases take XDR detections only, not MDR or Managed Risk ones",
                             {{"detection", ChildName(d.tenant_id, "detections", d.detection_id)},
                              {"product", v1::Product_Name(static_cast<v1::Product>(d.product))}});
    }
  }
  return absl::OkStatus();
}

void CheckClosing(Violations& v, const std::string& prefix, int status, int close_reason,
                  const std::string& close_note) {
  if (!v1::CloseReason_IsValid(close_reason)) {
    v.Add(prefix + "close_reason", "unknown close reason");
    return;
  }
  if (status != v1::CASE_STATUS_RESOLVED) {
    if (close_reason != v1::CLOSE_REASON_UNSPECIFIED || !close_note.empty()) {
      v.Add(prefix + "close_reason", "only a case with status CASE_STATUS_RESOLVED has a close reason or note");
    }
    return;
  }
  if (close_reason == v1::CLOSE_REASON_UNSPECIFIED) {
    v.Add(prefix + "close_reason", "required to close a case (status CASE_STATUS_RESOLVED)");
  }
  if (!IsValidUtf8(close_note)) {
    v.Add(prefix + "close_note", "must be valid UTF-8");
  } else if (Utf8Length(close_note) > kMaxCloseNoteChars) {
    v.Add(prefix + "close_note", absl::StrCat("at most ", kMaxCloseNoteChars, " characters"));
  } else if (close_reason == v1::CLOSE_REASON_OTHER && close_note.empty()) {
    v.Add(prefix + "close_note", "required with CLOSE_REASON_OTHER (1-600 characters)");
  }
}

void ApplyResolution(bool was_resolved, absl::Time now, absl::Duration retention, sql::CaseRow* row) {
  const bool resolved = row->status == v1::CASE_STATUS_RESOLVED;
  if (resolved && !was_resolved) {
    row->resolve_time = now;
    row->purge_time = now + retention;
  } else if (!resolved) {
    row->resolve_time.reset();
    row->purge_time.reset();
    row->close_reason = v1::CLOSE_REASON_UNSPECIFIED;
    row->close_note.clear();
  }
}

absl::Status CheckRemovable(const sql::CaseRow& row) {
  if (row.type != v1::CASE_TYPE_SELF_MANAGED) {
    return ErrorWithReason(absl::StatusCode::kFailedPrecondition, "CASE_NOT_SELF_MANAGED",
                           "only self-managed cases can be removed",
                           {{"case", ChildName(row.tenant_id, "cases", row.case_id)}});
  }
  return absl::OkStatus();
}

std::string EtagOf(const sql::CaseRow& row) { return absl::StrCat(row.revision); }

absl::Status CheckEtag(const std::string& etag, const sql::CaseRow& row) {
  if (etag.empty() || etag == EtagOf(row)) {
    return absl::OkStatus();
  }
  return ErrorWithReason(absl::StatusCode::kAborted, "ETAG_MISMATCH",
                         "the case changed since it was read; get it again and retry",
                         {{"etag", EtagOf(row)}});
}

}  // namespace cases::server
