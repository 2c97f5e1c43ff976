#include "common/errors.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
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
  for (size_t i = 0; i < list_.size() && i < kMaxReportedViolations; ++i) {
    const FieldViolation& v = list_[i];
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

absl::Status ForItem(const absl::Status& status, absl::string_view item) {
  if (status.ok() || item.empty()) {
    return status;
  }
  absl::Status out(status.code(), absl::StrCat(item, ": ", status.message()));
  status.ForEachPayload([&](absl::string_view url, const absl::Cord& payload) {
    if (url == kBadRequestUrl) {
      google::rpc::BadRequest bad_request;
      bad_request.ParseFromString(std::string(payload));
      for (auto& v : *bad_request.mutable_field_violations()) {
        v.set_field(absl::StrCat(item, ".", v.field()));
      }
      Attach(out, url, bad_request);
    } else if (url == kErrorInfoUrl) {
      google::rpc::ErrorInfo info;
      info.ParseFromString(std::string(payload));
      (*info.mutable_metadata())["item"] = std::string(item);
      Attach(out, url, info);
    } else {
      out.SetPayload(url, payload);
    }
  });
  return out;
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
