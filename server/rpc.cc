#include "server/rpc.h"

#include "common/errors.h"

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

absl::Status NotImplementedYet() {
  return ErrorWithReason(absl::StatusCode::kUnimplemented, "NOT_IMPLEMENTED",
                         "this method is not implemented yet");
}

}  // namespace cases::server
