// The wire formats of the HTTP bridge (server/http_bridge.h), with no I/O: which
// protocol a content type names, the method behind a path, JSON and binary bodies
// to and from the serialized messages the in-process gRPC call carries, envelopes,
// timeouts, and errors as the Connect protocol (connectrpc.com/docs/protocol) and
// gRPC-Web (github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md) write them.
#ifndef CASES_SERVER_CONNECT_PROTOCOL_H_
#define CASES_SERVER_CONNECT_PROTOCOL_H_

#include <google/protobuf/descriptor.h>
#include <grpcpp/support/status.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace cases::server::connect {

enum class Protocol {
  kConnectUnary,   // application/json, application/proto: one message, no envelope
  kConnectStream,  // application/connect+json, +proto: enveloped, end-of-stream message
  kGrpcWeb,        // application/grpc-web(+proto), -text: enveloped, trailers frame
};

struct Wire {
  Protocol protocol;
  bool json = false;  // JSON bodies (protobuf's JSON mapping) rather than binary
  bool text = false;  // gRPC-Web-text: the whole body base64-encoded
};

// The wire a request's content-type names (parameters such as "; charset=utf-8"
// ignored); nullopt when it is none the bridge speaks.
std::optional<Wire> WireOf(absl::string_view content_type);

// The content-type of responses on `wire` (errors of Connect unary calls are
// always application/json).
std::string ContentTypeOf(const Wire& wire);

// The method a path names ("/soc.cases.v1.CaseService/GetCase"), looked up among
// the services compiled into this binary; null when there is none.
const google::protobuf::MethodDescriptor* MethodOfPath(absl::string_view path);

// A request body in `json` or binary → the serialized request message. JSON goes
// through protobuf's JSON mapping, refusing unknown fields; INVALID_ARGUMENT with
// a field violation on "body" that says what is wrong.
absl::StatusOr<std::string> RequestToBinary(const google::protobuf::Descriptor& type, bool json,
                                            absl::string_view body);

// A serialized response message → its body in JSON (lowerCamelCase names, as
// protobuf's JSON mapping writes them) or binary.
absl::StatusOr<std::string> ResponseFromBinary(const google::protobuf::Descriptor& type, bool json,
                                               absl::string_view bytes);

// Connect's code name ("invalid_argument") and the HTTP status a unary error
// answers with (the spec's table: invalid_argument 400, unavailable 503, ...).
std::string CodeName(grpc::StatusCode code);
int HttpStatusOf(grpc::StatusCode code);

// Connect's error object: {"code", "message", "details": [{"type", "value",
// "debug"}]}, the details being the google.rpc.Status details that the gRPC
// edge attached (ErrorInfo, BadRequest, RetryInfo, ...), "value" their base64
// binary and "debug" their JSON.
std::string ErrorJson(const grpc::Status& status);

// The end-of-stream message of a Connect stream: {} or {"error": {...}}.
std::string EndOfStreamJson(const grpc::Status& status);

// The trailers frame payload of gRPC-Web ("grpc-status: 3\r\ngrpc-message: ...\r\n",
// with grpc-status-details-bin when the status has details).
std::string GrpcWebTrailers(const grpc::Status& status);

// Envelope flags.
inline constexpr uint8_t kFlagCompressed = 0x01;
inline constexpr uint8_t kFlagEndOfStream = 0x02;  // Connect
inline constexpr uint8_t kFlagTrailers = 0x80;     // gRPC-Web

// One enveloped message: a flags byte, a 4-byte big-endian length, the payload.
std::string Envelope(uint8_t flags, absl::string_view payload);

struct Frame {
  uint8_t flags = 0;
  std::string payload;
};

// The one message of an enveloped request body. INVALID_ARGUMENT when the body is
// not exactly one whole envelope without end-of-stream or trailer flags, or when
// its length exceeds `max_payload`.
absl::StatusOr<Frame> ParseSingleEnvelope(absl::string_view body, size_t max_payload);

// Connect-Timeout-Ms: 1 to 10 ASCII digits of milliseconds.
absl::StatusOr<absl::Duration> ParseConnectTimeout(absl::string_view value);
// grpc-timeout: 1 to 8 digits and a unit (H, M, S, m, u, n).
absl::StatusOr<absl::Duration> ParseGrpcTimeout(absl::string_view value);

// gzip, bounded: the inflated size may not exceed `max_size`.
absl::StatusOr<std::string> Gunzip(absl::string_view data, size_t max_size);
std::string Gzip(absl::string_view data);

}  // namespace cases::server::connect

#endif  // CASES_SERVER_CONNECT_PROTOCOL_H_
