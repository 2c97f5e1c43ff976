// The one error builder. Domain code returns absl::Status values made here; the
// payloads are google.rpc detail messages keyed by their type URL, so the gRPC
// edge (server/grpc_status.h) turns them into google.rpc.Status details unchanged.
#ifndef CASES_COMMON_ERRORS_H_
#define CASES_COMMON_ERRORS_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace cases {

// The ErrorInfo domain of every error this service returns.
inline constexpr absl::string_view kErrorDomain = "cases.soc";

// One bad field of a request, as in google.rpc.BadRequest.FieldViolation.
struct FieldViolation {
  std::string field;
  std::string description;
};

// At most this many field violations go into one error's BadRequest: the details
// travel in one metadata entry that clients limit (16 KiB by default).
inline constexpr size_t kMaxReportedViolations = 20;

// Collects field violations while a request is validated, so the caller sees
// every problem at once instead of one per round trip (the first
// kMaxReportedViolations of them; the message counts the rest).
class Violations {
 public:
  void Add(std::string field, std::string description) {
    list_.push_back({std::move(field), std::move(description)});
  }
  // Adds every violation of `other`, its field prefixed with `item` and a dot
  // (the item of a batch: "requests[7]" + ".case.etag").
  void Merge(const Violations& other, const std::string& item) {
    for (const FieldViolation& f : other.list_) {
      list_.push_back({item + "." + f.field, f.description});
    }
  }
  bool empty() const { return list_.empty(); }
  const std::vector<FieldViolation>& list() const { return list_; }
  // INVALID_ARGUMENT with a BadRequest detail, or OK when nothing was added.
  absl::Status ToStatus() const;

 private:
  std::vector<FieldViolation> list_;
};

// INVALID_ARGUMENT for a single field.
absl::Status InvalidField(std::string field, std::string description);

// `code` with a google.rpc.ErrorInfo{reason, domain, metadata}.
absl::Status ErrorWithReason(absl::StatusCode code, absl::string_view reason,
                             absl::string_view message,
                             const std::map<std::string, std::string>& metadata = {});

// NOT_FOUND naming the resource, in the message ("case not found:
// tenants/…/cases/…") and in a google.rpc.ResourceInfo{resource_type, resource_name}.
// `resource_type` is the singular noun, e.g. "case", "service request".
absl::Status NotFound(absl::string_view resource_type, absl::string_view resource_name);

// `status` with a google.rpc.RetryInfo telling the caller when to retry.
absl::Status WithRetryInfo(absl::Status status, absl::Duration retry_after);

// UNAVAILABLE with a RetryInfo.
absl::Status Unavailable(absl::string_view message, absl::Duration retry_after);

// The error of one item of a batch request, `item` being its path ("requests[7]"):
// the message starts with it, every BadRequest field is prefixed with it
// ("requests[7].case.etag") and the ErrorInfo, if any, names it in `item`.
// An empty `item` (a lone request) leaves the status as it is.
absl::Status ForItem(const absl::Status& status, absl::string_view item);

// Reads the ErrorInfo reason of a status made above; empty when there is none.
std::string ErrorReason(const absl::Status& status);

// Type URLs of the payloads, shared with the gRPC edge.
inline constexpr absl::string_view kErrorInfoUrl = "type.googleapis.com/google.rpc.ErrorInfo";
inline constexpr absl::string_view kBadRequestUrl = "type.googleapis.com/google.rpc.BadRequest";
inline constexpr absl::string_view kRetryInfoUrl = "type.googleapis.com/google.rpc.RetryInfo";
inline constexpr absl::string_view kResourceInfoUrl = "type.googleapis.com/google.rpc.ResourceInfo";

}  // namespace cases

#endif  // CASES_COMMON_ERRORS_H_
