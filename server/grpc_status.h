// The one conversion from domain errors to the wire: absl::Status payloads
// (google.rpc ErrorInfo, BadRequest, RetryInfo, ...) become google.rpc.Status
// details in the grpc-status-details-bin trailer.
#ifndef CASES_SERVER_GRPC_STATUS_H_
#define CASES_SERVER_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace cases::server {

// Every error leaves with details: when the domain code attached none, an
// ErrorInfo whose reason is the code's name (e.g. NOT_FOUND) in domain cases.soc.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace cases::server

#endif  // CASES_SERVER_GRPC_STATUS_H_
