// casesd's HTTP/1.1 listener (--http_listen): every method of every service over
// the Connect protocol (unary JSON and binary, server streaming) and gRPC-Web, for
// browsers, SOAR connectors and curl.
//
// Each request is decoded (server/connect_protocol.h) and handed, as serialized
// bytes, to an in-process gRPC channel of the same server, so it meets the same
// edge as a native call: interceptors, guard, per-tenant limits, metrics, access
// log and one ToGrpcStatus. The response or error is then written in the wire's
// form. Nothing blocks an I/O thread: unary calls complete through gRPC's callback
// API, and a server stream reads its next message only once the previous one is
// written, so a slow reader holds back its own stream and nobody else's.
//
// The server is Boost.Beast on Boost.Asio (Debian's libboost-dev): asynchronous,
// so thousands of idle keep-alive connections and open streams cost sockets and
// buffers rather than threads, with per-operation timeouts for slow clients and a
// body limit enforced by the parser.
#ifndef CASES_SERVER_HTTP_BRIDGE_H_
#define CASES_SERVER_HTTP_BRIDGE_H_

#include <grpcpp/channel.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "server/rpc.h"

namespace cases::server {

struct HttpBridgeOptions {
  std::string listen;                                // host:port; port 0 picks a free one
  std::vector<std::string> cors_origins;             // exact origins allowed; "*" allows any
  size_t max_request_bytes = 4 << 20;                // the same 4 MiB as the gRPC listener
  absl::Duration read_timeout = absl::Seconds(30);   // a request must arrive whole in this
  absl::Duration idle_timeout = absl::Seconds(75);   // between keep-alive requests
  absl::Duration write_timeout = absl::Seconds(30);  // for each write to a client
  int threads = 2;
  // The reference console's files, served at /console/; empty = DefaultConsoleDir()
  // (server/static_files.h), and no console when that finds none.
  std::string console_dir;
};

class HttpBridge {
 public:
  // `channel` is an in-process channel of the gRPC server; `edge` records requests
  // the bridge refuses before they become calls (bad JSON, bad envelopes, ...).
  HttpBridge(HttpBridgeOptions options, std::shared_ptr<grpc::Channel> channel, const Edge* edge);
  ~HttpBridge();

  absl::Status Start();
  int port() const;
  // No new connections; open ones finish what they are doing.
  void StopAccepting();
  // Cancels the calls in flight, closes every connection and joins the I/O threads.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cases::server

#endif  // CASES_SERVER_HTTP_BRIDGE_H_
