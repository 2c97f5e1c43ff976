#include "common/errors.h"

#include "absl/strings/cord.h"
#include "google/rpc/error_details.pb.h"

namespace cases {
namespace {

void Attach(absl::Status& status, absl::string_view url, const google::protobuf::Message& detail) {
  status.SetPayload(url, absl::Cord(detail.SerializeAsString()));
}

}  // namespace

absl::Status Violations::ToStatus() const {
  if (list_.empty()) {
    return absl::OkStatus();
  }
  google::rpc::BadRequest bad_request;
  for (const FieldViolation& v : list_) {
    auto* out = bad_request.add_field_violations();
    out->set_field(v.field);
    out->set_description(v.description);
  }
  std::string message = list_.front().field + ": " + list_.front().description;
  if (list_.size() > 1) {
    message += " (and " + std::to_string(list_.size() - 1) + " more)";
  }
  absl::Status status = absl::InvalidArgumentError(message);
  Attach(status, kBadRequestUrl, bad_request);
  return status;
}

absl::Status InvalidField(std::string field, std::string description) {
  Violations v;
  v.Add(std::move(field), std::move(description));
  return v.ToStatus();
}

absl::Status ErrorWithReason(absl::StatusCode code, absl::string_view reason,
                             absl::string_view message,
                             const std::map<std::string, std::string>& metadata) {
  google::rpc::ErrorInfo info;
  info.set_reason(std::string(reason));
  info.set_domain(std::string(kErrorDomain));
  for (const auto& [key, value] : metadata) {
    (*info.mutable_metadata())[key] = value;
  }
  absl::Status status(code, message);
  Attach(status, kErrorInfoUrl, info);
  return status;
}

absl::Status NotFound(absl::string_view resource_type, absl::string_view resource_name) {
  google::rpc::ResourceInfo info;
  info.set_resource_type(std::string(resource_type));
  info.set_resource_name(std::string(resource_name));
  absl::Status status = ErrorWithReason(absl::StatusCode::kNotFound, "NOT_FOUND",
                                        absl::StrCat(resource_type, " not found: ", resource_name),
                                        {{"resource_type", std::string(resource_type)},
                                         {"resource_name", std::string(resource_name)}});
  Attach(status, kResourceInfoUrl, info);
  return status;
}

absl::Status WithRetryInfo(absl::Status status, absl::Duration retry_after) {
  google::rpc::RetryInfo retry;
  const int64_t nanos = absl::ToInt64Nanoseconds(retry_after);
  retry.mutable_retry_delay()->set_seconds(nanos / 1000000000);
  retry.mutable_retry_delay()->set_nanos(static_cast<int32_t>(nanos % 1000000000));
  Attach(status, kRetryInfoUrl, retry);
  return status;
}

absl::Status Unavailable(absl::string_view message, absl::Duration retry_after) {
  return WithRetryInfo(absl::UnavailableError(message), retry_after);
}

std::string ErrorReason(const absl::Status& status) {
  auto payload = status.GetPayload(kErrorInfoUrl);
  if (!payload) {
    return "";
  }
  google::rpc::ErrorInfo info;
  if (!info.ParseFromString(std::string(*payload))) {
    return "";
  }
  return info.reason();
}

}  // namespace cases
