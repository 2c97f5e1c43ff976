#include "server/server.h"

#include <grpcpp/health_check_service_interface.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "server/malformed_request.h"
#include "server/reflection.h"
#include "tenancy/permissions.h"

namespace cases::server {
namespace {

constexpr int kMaxReceiveBytes = 4 * 1024 * 1024;
constexpr int kMaxMetadataBytes = 64 * 1024;
// The synchronous server runs each call on a thread that was polling. With gRPC's
// default of at most 2 idle pollers, a thread that finishes a call while 2 others
// poll exits, and the next call starts a new one: under concurrent load that is a
// thread created and destroyed per call. Keeping up to this many idle threads
// polling makes them reused instead.
constexpr int kMaxIdleThreads = 64;

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(absl::StrCat("cannot read ", path));
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MainCredentials(const Config& config) {
  if (config.tls_cert.empty()) {
    return grpc::InsecureServerCredentials();
  }
  auto cert = ReadFile(config.tls_cert);
  auto key = ReadFile(config.tls_key);
  if (!cert.ok() || !key.ok()) {
    return cert.ok() ? key.status() : cert.status();
  }
  grpc::SslServerCredentialsOptions options;
  options.pem_key_cert_pairs.push_back({*key, *cert});
  if (!config.tls_client_ca.empty()) {
    ASSIGN_OR_RETURN(auto ca, ReadFile(config.tls_client_ca));
    options.pem_root_certs = ca;
    options.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(options);
}

void SetServing(grpc::Server* server, bool serving) {
  if (server != nullptr && server->GetHealthCheckService() != nullptr) {
    server->GetHealthCheckService()->SetServingStatus(serving);
  }
}

}  // namespace

CasesServer::CasesServer(const Config& config, std::vector<grpc::Service*> services,
                         const Edge* edge)
    : config_(config), services_(std::move(services)), edge_(edge) {}

CasesServer::~CasesServer() = default;

absl::Status CasesServer::Start() {
  grpc::EnableDefaultHealthCheckService(true);
  std::vector<std::string> listed(std::begin(tenancy::kApiServices),
                                  std::end(tenancy::kApiServices));
  listed.insert(listed.end(), {"grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
                               "grpc.reflection.v1alpha.ServerReflection"});
  reflection_index_ = std::make_unique<DescriptorIndex>(std::move(listed));
  reflection_v1_ = std::make_unique<ReflectionV1>(reflection_index_.get());
  reflection_v1alpha_ = std::make_unique<ReflectionV1Alpha>(reflection_index_.get());
  ASSIGN_OR_RETURN(auto creds, MainCredentials(config_));
  grpc::ServerBuilder builder;
  builder.AddListeningPort(config_.listen, creds, &port_);
  builder.SetMaxReceiveMessageSize(kMaxReceiveBytes);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, kMaxIdleThreads);
  builder.AddChannelArgument(
      GRPC_ARG_MAX_CONNECTION_AGE_MS,
      static_cast<int>(absl::ToInt64Milliseconds(config_.max_connection_age)));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS, 30000);
  // Metadata up to 64 KiB reaches the edge, so an oversized token is refused there
  // as TOKEN_INVALID with details instead of by the transport without any.
  builder.AddChannelArgument(GRPC_ARG_MAX_METADATA_SIZE, kMaxMetadataBytes);
  builder.AddChannelArgument("grpc.absolute_max_metadata_size", kMaxMetadataBytes);
  for (grpc::Service* service : services_) {
    builder.RegisterService(service);
  }
  builder.RegisterService(reflection_v1_.get());
  builder.RegisterService(reflection_v1alpha_.get());
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(std::make_unique<MalformedRequestInterceptorFactory>(edge_));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", config_.listen));
  }
  if (!config_.health_listen.empty()) {
    int health_port = 0;
    grpc::ServerBuilder health_builder;
    health_builder.AddListeningPort(config_.health_listen, grpc::InsecureServerCredentials(),
                                    &health_port);
    // A sync service of its own, so the default health service runs synchronously
    // there too (alone it would be async with no one polling); reflection is public.
    health_reflection_ = std::make_unique<ReflectionV1>(reflection_index_.get());
    health_builder.RegisterService(health_reflection_.get());
    health_server_ = health_builder.BuildAndStart();
    if (health_server_ == nullptr || health_port == 0) {
      return absl::UnavailableError(absl::StrCat("cannot listen on ", config_.health_listen));
    }
    Log(LogLevel::kInfo, "serving health", {{"health_port", health_port}});
  }
  SetServing(server_.get(), true);
  SetServing(health_server_.get(), true);
  Log(LogLevel::kInfo, "serving",
      {{"listen", config_.listen},
       {"port", port_},
       {"tls", config_.tls_cert.empty() ? "off" : "on"}});
  return absl::OkStatus();
}

std::shared_ptr<grpc::Channel> CasesServer::InProcessChannel() {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);  // the server's own limits apply to what it sends
  return server_->InProcessChannel(args);
}

void CasesServer::Wait() {
  if (server_ != nullptr) {
    server_->Wait();
  }
}

void CasesServer::Shutdown(absl::Duration grace) {
  Log(LogLevel::kInfo, "draining", {{"grace_seconds", absl::ToDoubleSeconds(grace)}});
  SetServing(server_.get(), false);
  SetServing(health_server_.get(), false);
  const auto deadline = std::chrono::system_clock::now() + absl::ToChronoMilliseconds(grace);
  if (server_ != nullptr) {
    server_->Shutdown(deadline);
  }
  if (health_server_ != nullptr) {
    health_server_->Shutdown(deadline);
  }
  Log(LogLevel::kInfo, "drained");
}

}  // namespace cases::server
