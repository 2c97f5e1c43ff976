#include "server/rpc.h"

#include "common/digest.h"
#include "common/errors.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace cases::server {

std::string AuthorizationOf(const grpc::ServerContext& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) {
    return "";
  }
  return std::string(it->second.data(), it->second.size());
}

grpc::Status Serve(const tenancy::Guard& guard, grpc::ServerContext* context,
                   const google::protobuf::Message& request,
                   absl::FunctionRef<absl::Status(const tenancy::CallContext&)> body) {
  auto call = guard.Authorize(AuthorizationOf(*context), request);
  if (!call.ok()) {
    return ToGrpcStatus(call.status());
  }
  return ToGrpcStatus(body(*call));
}

std::optional<sql::IdempotencyKey> IdempotencyKeyFor(const std::string& tenant_id, absl::string_view method,
                                                     const google::protobuf::Message& request,
                                                     const std::string& request_id) {
  if (request_id.empty()) {
    return std::nullopt;
  }
  std::unique_ptr<google::protobuf::Message> canonical(request.New());
  canonical->CopyFrom(request);
  canonical->GetReflection()->ClearField(canonical.get(), canonical->GetDescriptor()->FindFieldByName("request_id"));
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    canonical->SerializeToCodedStream(&coded);
  }
  return sql::IdempotencyKey{tenant_id, std::string(method), request_id, Sha256(bytes)};
}

absl::Status NotImplementedYet() {
  return ErrorWithReason(absl::StatusCode::kUnimplemented, "NOT_IMPLEMENTED",
                         "this method is not implemented yet");
}

}  // namespace cases::server
