// Requests that never reach a handler because they do not parse: a string field
// with invalid UTF-8 (proto3 refuses it while parsing) or a truncated message.
// gRPC would answer INTERNAL with an empty message; this interceptor turns that
// into INVALID_ARGUMENT with a BadRequest, and gives the call the access-log line
// and the metric every call gets. The edge (rpc.cc) covers every call that parses.
#ifndef CASES_SERVER_MALFORMED_REQUEST_H_
#define CASES_SERVER_MALFORMED_REQUEST_H_

#include <grpcpp/support/server_interceptor.h>

#include "server/rpc.h"

namespace cases::server {

class MalformedRequestInterceptorFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit MalformedRequestInterceptorFactory(const Edge* edge) : edge_(edge) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  const Edge* edge_;
};

// Routes libprotobuf's and gRPC core's own log lines into the JSON log, so
// nothing but JSON reaches stderr.
void RouteLibraryLogsToJson();

}  // namespace cases::server

#endif  // CASES_SERVER_MALFORMED_REQUEST_H_
