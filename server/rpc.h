// The edge every handler goes through: the guard first, then the handler's own
// request → command → domain → response, then one conversion of the result.
// Unary handlers run on the synchronous server's threads through Serve (below),
// except GetCallerIdentity, which never blocks and is answered on gRPC's own
// callback thread (ServeWithoutBlocking). The two server streams are on gRPC's
// callback API through FeedReactor (feed_reactor.h), which runs their blocking
// work on the edge's executor. All of them end through one EdgeCall.
//
//   grpc::Status GetCase(grpc::ServerContext* ctx, const GetCaseRequest* req, Case* out) override {
//     return Serve(*edge_, ctx, *req, [&](const tenancy::CallContext& call) -> absl::Status {
//       ASSIGN_OR_RETURN(sql::CaseRow row, cases_->Get(call, call.target.id()));
//       CaseToProto(call, row, out);
//       return absl::OkStatus();
//     });
//   }
#ifndef CASES_SERVER_RPC_H_
#define CASES_SERVER_RPC_H_

#include <grpcpp/grpcpp.h>

#include <optional>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "common/executor.h"
#include "server/grpc_status.h"
#include "server/metrics.h"
#include "server/tenant_limiter.h"
#include "sql/idempotency.h"
#include "tenancy/guard.h"

namespace cases::server {

// What every handler shares at the edge: the guard, and the metrics the edge records.
struct Edge {
  const tenancy::Guard* guard = nullptr;
  Metrics* metrics = nullptr;        // may be null (no metrics)
  TenantLimiter* limiter = nullptr;  // may be null (no per-tenant limits)
  Executor* executor = nullptr;      // where stream reactors run what blocks
};

// The `authorization` metadata value of a call (empty when absent).
std::string AuthorizationOf(const grpc::ServerContextBase& context);

// The metadata key by which the HTTP bridge names the HTTP client of a call it
// forwards over the in-process channel; honoured only on that channel.
inline constexpr absl::string_view kHttpPeerMetadata = "x-cases-http-peer";

// The peer of a call for the access log: the HTTP client for bridged calls.
std::string PeerOf(const grpc::ServerContextBase& context);

// "/soc.cases.v1.CaseService/GetCase" for a GetCaseRequest.
const std::string& MethodOf(const google::protobuf::Message& request);

// One call at the edge: begun when it arrives, admitted by the guard and the
// tenant's limits, ended once with its result converted, its metric recorded and
// one JSON access-log line written (method, tenant, principal, code, latency,
// peer, request id — never tokens or bodies). `context` and `request` must outlive it.
class EdgeCall {
 public:
  EdgeCall(const Edge& edge, const grpc::ServerContextBase& context,
           const google::protobuf::Message& request);
  EdgeCall(const EdgeCall&) = delete;
  EdgeCall& operator=(const EdgeCall&) = delete;

  // The guard, then the limits of the tenant the call acts in: its context, or
  // why it is refused.
  absl::StatusOr<tenancy::CallContext> Admit();
  // Admit without touching the database: nullopt when the guard would first have
  // to load the tenant directory (then call Admit where blocking is fine).
  std::optional<absl::StatusOr<tenancy::CallContext>> AdmitIfLoaded();
  // Releases what Admit took and records the call; the status to send.
  grpc::Status End(const absl::Status& status);

 private:
  // The tenant's limits, for a call the guard let through.
  absl::StatusOr<tenancy::CallContext> Limit(absl::StatusOr<tenancy::CallContext> call);

  const Edge& edge_;
  const grpc::ServerContextBase& context_;
  const google::protobuf::Message& request_;
  const absl::Time start_;
  tenancy::CallAudit audit_;
  std::optional<std::string> limited_tenant_;  // admitted by the limiter: release it
};

// A unary call whose body runs on the calling thread: EdgeCall's Admit, `body`
// with the call context, End.
grpc::Status Serve(const Edge& edge, grpc::ServerContextBase* context,
                   const google::protobuf::Message& request,
                   absl::FunctionRef<absl::Status(const tenancy::CallContext&)> body);

// A unary call on gRPC's callback API whose body never blocks (no database, no
// network; GetCallerIdentity): admitted and answered on gRPC's own thread, as
// gRPC's health check is, with no hand-off to another thread. Only when the guard
// would first have to load the tenant directory does the whole call move to the
// edge's executor. The returned reactor is gRPC's; `request` must outlive it.
grpc::ServerUnaryReactor* ServeWithoutBlocking(
    const Edge& edge, grpc::CallbackServerContext* context,
    const google::protobuf::Message& request,
    absl::AnyInvocable<absl::Status(const tenancy::CallContext&)> body);

// One finished call's metric and JSON access-log line (method, tenant, principal,
// code, latency, peer, request id — never tokens or bodies); empty tenant or
// principal print as "-". Every call gets one, from Serve or, for requests that
// never parse, from the malformed-request interceptor.
void RecordCall(const Edge& edge, absl::string_view method, absl::string_view tenant,
                absl::string_view principal, const absl::Status& status, absl::Duration latency,
                const std::string& peer, const std::string& request_id);

// The request_id claim of a create (AIP-155): empty request_id → none. The
// fingerprint is SHA-256 of the request's deterministic serialization without
// request_id, so a retry matches and a different body under the same id does not.
std::optional<sql::IdempotencyKey> IdempotencyKeyFor(const std::string& tenant_id,
                                                     absl::string_view method,
                                                     const google::protobuf::Message& request,
                                                     const std::string& request_id);

}  // namespace cases::server

#endif  // CASES_SERVER_RPC_H_
