// The gRPC listener(s) of casesd: the API services with health checking and
// reflection on the main port (optionally TLS / mTLS), and a plaintext
// health-only port for Kubernetes probes when configured. Drains on Shutdown.
#ifndef CASES_SERVER_SERVER_H_
#define CASES_SERVER_SERVER_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "server/config.h"
#include "server/reflection.h"
#include "server/rpc.h"

namespace cases::server {

class CasesServer {
 public:
  // `services` and `edge` are not owned and must outlive the server; the edge
  // also records requests that never parse.
  CasesServer(const Config& config, std::vector<grpc::Service*> services, const Edge* edge);
  ~CasesServer();

  // Binds and starts serving. Logs a "serving" line with the bound port.
  absl::Status Start();
  // The bound main port (useful with port 0).
  int port() const { return port_; }
  // A channel into this server that skips the network (for the HTTP bridge): its
  // calls meet the same interceptors and services as remote ones.
  std::shared_ptr<grpc::Channel> InProcessChannel();
  // Blocks until Shutdown has finished.
  void Wait();
  // Health goes NOT_SERVING, new calls are refused, in-flight calls get `grace` to finish.
  void Shutdown(absl::Duration grace);

 private:
  const Config& config_;
  std::vector<grpc::Service*> services_;
  const Edge* edge_;
  std::unique_ptr<DescriptorIndex> reflection_index_;
  std::unique_ptr<ReflectionV1> reflection_v1_;
  std::unique_ptr<ReflectionV1Alpha> reflection_v1alpha_;
  std::unique_ptr<ReflectionV1> health_reflection_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<grpc::Server> health_server_;
  int port_ = 0;
};

}  // namespace cases::server

#endif  // CASES_SERVER_SERVER_H_
