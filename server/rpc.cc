#include "server/rpc.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/digest.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "tenancy/permissions.h"

namespace cases::server {

std::string AuthorizationOf(const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) {
    return "";
  }
  return std::string(it->second.data(), it->second.size());
}

const std::string& MethodOf(const google::protobuf::Message& request) {
  static const auto* methods = [] {
    auto* m = new absl::flat_hash_map<std::string, std::string>();
    for (const char* name : tenancy::kApiServices) {
      const auto* service =
          google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(name);
      for (int i = 0; service != nullptr && i < service->method_count(); ++i) {
        (*m)[service->method(i)->input_type()->full_name()] =
            absl::StrCat("/", service->full_name(), "/", service->method(i)->name());
      }
    }
    return m;
  }();
  static const std::string kUnknown = "unknown";
  auto it = methods->find(request.GetDescriptor()->full_name());
  return it == methods->end() ? kUnknown : it->second;
}

namespace {

// The request_id field of a create, else the x-request-id header.
std::string RequestIdOf(const grpc::ServerContextBase& context,
                        const google::protobuf::Message& request) {
  const auto* field = request.GetDescriptor()->FindFieldByName("request_id");
  if (field != nullptr && field->type() == google::protobuf::FieldDescriptor::TYPE_STRING) {
    std::string id = request.GetReflection()->GetString(request, field);
    if (!id.empty()) {
      return id.substr(0, 64);
    }
  }
  auto it = context.client_metadata().find("x-request-id");
  return it == context.client_metadata().end()
             ? ""
             : std::string(it->second.data(), std::min<size_t>(it->second.size(), 64));
}

}  // namespace

std::string PeerOf(const grpc::ServerContextBase& context) {
  std::string peer = context.peer();
  // In-process calls have no network address ("unknown" in gRPC 1.51).
  if (peer == "unknown" || absl::StartsWith(peer, "inproc")) {
    auto it = context.client_metadata().find(
        grpc::string_ref(kHttpPeerMetadata.data(), kHttpPeerMetadata.size()));
    if (it != context.client_metadata().end()) {
      peer.assign(it->second.data(), std::min<size_t>(it->second.size(), 128));
    }
  }
  return peer;
}

EdgeCall::EdgeCall(const Edge& edge, const grpc::ServerContextBase& context,
                   const google::protobuf::Message& request)
    : edge_(edge), context_(context), request_(request), start_(absl::Now()) {
  if (edge_.metrics != nullptr) {
    edge_.metrics->CallStarted();
  }
}

absl::StatusOr<tenancy::CallContext> EdgeCall::Admit() {
  return Limit(edge_.guard->Authorize(AuthorizationOf(context_), request_, &audit_));
}

std::optional<absl::StatusOr<tenancy::CallContext>> EdgeCall::AdmitIfLoaded() {
  std::optional<absl::StatusOr<tenancy::CallContext>> call =
      edge_.guard->AuthorizeIfLoaded(AuthorizationOf(context_), request_, &audit_);
  if (!call.has_value()) {
    return std::nullopt;
  }
  return Limit(*std::move(call));
}

absl::StatusOr<tenancy::CallContext> EdgeCall::Limit(absl::StatusOr<tenancy::CallContext> call) {
  if (!call.ok() || edge_.limiter == nullptr || !edge_.limiter->enabled()) {
    return call;
  }
  // Limits are per tenant the call acts in (the caller's home tenant for tenants/-).
  std::string tenant = call->all_tenants ? call->principal.home_tenant_id : call->tenant_id;
  RETURN_IF_ERROR(edge_.limiter->Admit(tenant, start_));
  limited_tenant_ = std::move(tenant);
  return call;
}

grpc::Status EdgeCall::End(const absl::Status& status) {
  if (limited_tenant_.has_value()) {
    edge_.limiter->Release(*limited_tenant_);
    limited_tenant_.reset();
  }
  // Refusals name who and where as far as the guard got: an audit of probing needs them.
  RecordCall(edge_, MethodOf(request_), audit_.tenant, audit_.principal, status,
             absl::Now() - start_, PeerOf(context_), RequestIdOf(context_, request_));
  return ToGrpcStatus(status);
}

grpc::Status Serve(const Edge& edge, grpc::ServerContextBase* context,
                   const google::protobuf::Message& request,
                   absl::FunctionRef<absl::Status(const tenancy::CallContext&)> body) {
  EdgeCall edge_call(edge, *context, request);
  absl::StatusOr<tenancy::CallContext> call = edge_call.Admit();
  return edge_call.End(call.ok() ? body(*call) : call.status());
}

namespace {

using Body = absl::AnyInvocable<absl::Status(const tenancy::CallContext&)>;

// Runs `body` if the call was admitted, ends the edge call, then finishes the
// reactor (which may free the context and request the edge call refers to).
void Answer(grpc::ServerUnaryReactor* reactor, std::unique_ptr<EdgeCall> edge_call,
            const absl::StatusOr<tenancy::CallContext>& call, Body& body) {
  const grpc::Status status = edge_call->End(call.ok() ? body(*call) : call.status());
  edge_call.reset();
  reactor->Finish(status);
}

}  // namespace

grpc::ServerUnaryReactor* ServeWithoutBlocking(const Edge& edge,
                                               grpc::CallbackServerContext* context,
                                               const google::protobuf::Message& request,
                                               Body body) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto edge_call = std::make_unique<EdgeCall>(edge, *context, request);
  if (auto call = edge_call->AdmitIfLoaded(); call.has_value()) {
    Answer(reactor, std::move(edge_call), *call, body);
    return reactor;
  }
  edge.executor->Submit(
      [reactor, edge_call = std::move(edge_call), body = std::move(body)]() mutable {
        const absl::StatusOr<tenancy::CallContext> call = edge_call->Admit();
        Answer(reactor, std::move(edge_call), call, body);
      });
  return reactor;
}

void RecordCall(const Edge& edge, absl::string_view method, absl::string_view tenant,
                absl::string_view principal, const absl::Status& status, absl::Duration latency,
                const std::string& peer, const std::string& request_id) {
  const std::string code = absl::StatusCodeToString(status.code());
  if (edge.metrics != nullptr) {
    edge.metrics->CallFinished(method, code, latency);
  }
  const LogLevel level = status.ok() || status.code() == absl::StatusCode::kCancelled
                             ? LogLevel::kInfo
                             : LogLevel::kWarning;
  if (!LogEnabled(level)) {
    return;
  }
  Log(level, "access",
      {{"method", method},
       {"tenant", tenant.empty() ? "-" : tenant},
       {"principal", principal.empty() ? "-" : principal},
       {"code", code},
       {"latency_ms", absl::ToDoubleMilliseconds(latency)},
       {"peer", peer},
       {"request_id", request_id}});
}

std::optional<sql::IdempotencyKey> IdempotencyKeyFor(const std::string& tenant_id,
                                                     absl::string_view method,
                                                     const google::protobuf::Message& request,
                                                     const std::string& request_id) {
  if (request_id.empty()) {
    return std::nullopt;
  }
  std::unique_ptr<google::protobuf::Message> canonical(request.New());
  canonical->CopyFrom(request);
  canonical->GetReflection()->ClearField(canonical.get(),
                                         canonical->GetDescriptor()->FindFieldByName("request_id"));
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    canonical->SerializeToCodedStream(&coded);
  }
  return sql::IdempotencyKey{tenant_id, std::string(method), request_id, Sha256(bytes)};
}

}  // namespace cases::server
