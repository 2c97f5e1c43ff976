#include "server/malformed_request.h"

#include <grpc/support/log.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/log.h"
#include "google/protobuf/stubs/logging.h"
#include "server/grpc_status.h"

namespace cases::server {
namespace {

using grpc::experimental::InterceptionHookPoints;

class MalformedRequestInterceptor : public grpc::experimental::Interceptor {
 public:
  MalformedRequestInterceptor(const Edge* edge, grpc::experimental::ServerRpcInfo* info)
      : edge_(edge),
        method_(info->method()),
        peer_(info->server_context()->peer()),
        // Only calls with one request message: a stream of requests also ends
        // with an empty read, which is no parse failure.
        single_request_(info->type() == grpc::experimental::ServerRpcInfo::Type::UNARY ||
                        info->type() == grpc::experimental::ServerRpcInfo::Type::SERVER_STREAMING) {
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (single_request_ &&
        methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE) &&
        methods->GetRecvMessage() == nullptr) {
      malformed_ = true;
    }
    if (malformed_ &&
        methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      const absl::Status status = InvalidField(
          "request", absl::StrCat("not a valid request of ", method_,
                                  ": a string field holds invalid UTF-8, or the message is "
                                  "truncated or malformed"));
      methods->ModifySendStatus(ToGrpcStatus(status));
      Record(status);
    }
    methods->Proceed();
  }

 private:
  void Record(const absl::Status& status) {
    if (edge_->metrics != nullptr) {
      edge_->metrics->CallStarted();
    }
    RecordCall(*edge_, method_, "", "", status, absl::Now() - start_, peer_, "");
  }

  const Edge* edge_;
  const std::string method_;
  const std::string peer_;
  const absl::Time start_ = absl::Now();
  const bool single_request_;
  bool malformed_ = false;
};

void ProtobufLog(google::protobuf::LogLevel level, const char* filename, int line,
                 const std::string& message) {
  Log(level >= google::protobuf::LOGLEVEL_ERROR ? LogLevel::kError : LogLevel::kWarning,
      "libprotobuf", {{"detail", message}, {"source", absl::StrCat(filename, ":", line)}});
}

void GrpcLog(gpr_log_func_args* args) {
  const LogLevel level = args->severity == GPR_LOG_SEVERITY_ERROR  ? LogLevel::kError
                         : args->severity == GPR_LOG_SEVERITY_INFO ? LogLevel::kInfo
                                                                   : LogLevel::kWarning;
  Log(level, "grpc",
      {{"detail", args->message}, {"source", absl::StrCat(args->file, ":", args->line)}});
}

}  // namespace

grpc::experimental::Interceptor* MalformedRequestInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new MalformedRequestInterceptor(edge_, info);
}

void RouteLibraryLogsToJson() {
  google::protobuf::SetLogHandler(&ProtobufLog);
  gpr_set_log_function(&GrpcLog);
}

}  // namespace cases::server
