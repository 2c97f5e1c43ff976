#include "server/http_bridge.h"

#include <grpcpp/client_context.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/client_callback.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <optional>
#include <thread>
#include <unordered_set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/host_port.h"
#include "common/log.h"
#include "common/sync.h"
#include "server/connect_protocol.h"
#include "server/grpc_status.h"
#include "server/static_files.h"

namespace cases::server {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using connect::Protocol;
using connect::Wire;

// Request headers a browser may send cross-origin, and response headers it may read.
constexpr char kAllowedHeaders[] =
    "authorization, content-type, content-encoding, accept-encoding, connect-protocol-version, "
    "connect-timeout-ms, connect-content-encoding, connect-accept-encoding, grpc-timeout, "
    "x-grpc-web, x-user-agent, x-request-id";
constexpr char kExposedHeaders[] =
    "grpc-status, grpc-message, grpc-status-details-bin, content-encoding, "
    "connect-content-encoding";
// Responses smaller than this are not worth compressing.
constexpr size_t kGzipMinBytes = 1024;

std::chrono::steady_clock::duration Steady(absl::Duration d) {
  return absl::ToChronoNanoseconds(d);
}

std::string Header(const http::request<http::string_body>& request, http::field field) {
  auto it = request.find(field);
  return it == request.end() ? "" : std::string(it->value());
}

std::string Header(const http::request<http::string_body>& request, absl::string_view name) {
  auto it = request.find(beast::string_view(name.data(), name.size()));
  return it == request.end() ? "" : std::string(it->value());
}

// The bytes of a message gRPC received.
std::string BytesOf(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (buffer.Dump(&slices).ok()) {
    for (const grpc::Slice& s : slices) {
      bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
  }
  return bytes;
}

bool AcceptsGzip(absl::string_view accept_encoding) {
  for (absl::string_view part : absl::StrSplit(accept_encoding, ',')) {
    part = absl::StripAsciiWhitespace(part.substr(0, part.find(';')));
    if (absl::EqualsIgnoreCase(part, "gzip")) {
      return true;
    }
  }
  return false;
}

}  // namespace

struct HttpBridge::Impl {
  class Session;
  class StreamCall;

  Impl(HttpBridgeOptions o, std::shared_ptr<grpc::Channel> c, const Edge* e)
      : options(std::move(o)), channel(std::move(c)), stub(channel), edge(e) {}

  bool OriginAllowed(absl::string_view origin) const {
    for (const std::string& allowed : options.cors_origins) {
      if (allowed == "*" || allowed == origin) {
        return true;
      }
    }
    return false;
  }

  void Accept();

  const HttpBridgeOptions options;
  std::optional<StaticFiles> console;  // loaded by Start()
  std::shared_ptr<grpc::Channel> channel;
  grpc::GenericStub stub;
  const Edge* edge;
  net::io_context ioc{options.threads};
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  tcp::acceptor acceptor{ioc};
  std::vector<std::thread> threads;
  int port = 0;
  std::atomic<bool> stopping{false};

  Mutex mu;
  std::unordered_set<Session*> sessions ABSL_GUARDED_BY(mu);
  std::unordered_set<grpc::ClientContext*> calls ABSL_GUARDED_BY(mu);
};

// One HTTP/1.1 connection: reads requests one after another (keep-alive), each
// becoming one in-process call whose response is written before the next read.
class HttpBridge::Impl::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Impl* impl, tcp::socket socket) : impl_(impl), stream_(std::move(socket)) {
    beast::error_code ec;
    const tcp::endpoint remote = stream_.socket().remote_endpoint(ec);
    peer_ = ec ? "http:unknown"
               : absl::StrCat("http:", remote.address().to_string(), ":", remote.port());
    MutexLock lock(&impl_->mu);
    impl_->sessions.insert(this);
  }
  ~Session() {
    MutexLock lock(&impl_->mu);
    impl_->sessions.erase(this);
  }

  void Run() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->Read(); });
  }

  // From any thread: closes the connection (Stop).
  void Close() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      beast::error_code ignored;
      self->stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
      self->stream_.close();
    });
  }

  net::any_io_executor Executor() { return stream_.get_executor(); }

  // Stream frames: called on the connection's strand by StreamCall.
  void WriteFrame(const std::string& payload, std::function<void(bool)> done);
  // The header of a framed (chunked) response, written with the first frame.
  void PrepareFramedResponse();
  void EndStream(const grpc::Status& status);

 private:
  using Request = http::request<http::string_body>;

  void Read() {
    parser_.emplace();
    parser_->body_limit(impl_->options.max_request_bytes);
    parser_->header_limit(16 * 1024);
    stream_.expires_after(
        Steady(requests_ == 0 ? impl_->options.read_timeout : impl_->options.idle_timeout));
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      keep_alive_ = false;
      request_ = parser_->release();
      return RefuseHttp(413, absl::ResourceExhaustedError(
                                 absl::StrCat("the request body is over the limit of ",
                                              impl_->options.max_request_bytes, " bytes")));
    }
    if (ec) {
      // end_of_stream, timeout, reset, or not HTTP at all: nothing to answer.
      return Shutdown();
    }
    ++requests_;
    request_ = parser_->release();
    keep_alive_ = request_.keep_alive() && !impl_->stopping.load();
    stream_.expires_never();
    Handle();
  }

  void Handle();
  // GET /console/...: a file of the reference console.
  void ServeConsole();
  void StartUnary(const std::string& bytes, absl::Duration timeout);
  void StartFramed(const std::string& bytes, absl::Duration timeout);
  void PrepareContext(grpc::ClientContext* context, absl::Duration timeout);

  // An error before any call: `http_status` 0 uses the code's status on Connect
  // unary. Recorded in the metrics and access log when a method was named.
  void Refuse(int http_status, const absl::Status& status);
  // An error of the HTTP layer itself (no method, wrong verb or type): always the
  // given status, the body a Connect error.
  void RefuseHttp(int http_status, const absl::Status& status,
                  const std::vector<std::pair<http::field, std::string>>& headers = {});
  void WriteUnaryError(int http_status, const grpc::Status& status,
                       const std::vector<std::pair<http::field, std::string>>& headers = {});
  // The metrics and access-log line of a request refused before it became a call
  // (only when it named a method).
  void RecordRefusal(const absl::Status& status);
  void WriteResponse(http::response<http::string_body> response);
  void AddCors(http::fields* headers);
  void FinishExchange(beast::error_code ec);
  void Shutdown() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }
  void WatchForDisconnect();

  Impl* impl_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  Request request_;
  std::string peer_;
  int requests_ = 0;
  bool keep_alive_ = true;

  // The exchange in progress.
  const google::protobuf::MethodDescriptor* method_ = nullptr;
  std::string path_;
  Wire wire_{Protocol::kConnectUnary};
  absl::Time start_;
  std::string origin_;  // allowed Origin of this request, echoed in CORS headers

  // A framed response in progress: the header is written, then chunks.
  std::unique_ptr<http::response<http::empty_body>> stream_response_;
  std::unique_ptr<http::response_serializer<http::empty_body>> stream_serializer_;
  std::string chunk_;
  bool header_written_ = false;
  bool client_gone_ = false;
  bool watching_ = false;          // a disconnect watch read is outstanding
  bool read_after_watch_ = false;  // the next request is read once it ends
  grpc::ClientContext* stream_context_ = nullptr;
};

// A framed call (Connect streaming or gRPC-Web): one request message, then every
// response message is written to the connection before the next is read. Owns
// itself until OnDone; a hold keeps OnDone back until no more reads will be started.
class HttpBridge::Impl::StreamCall
    : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  StreamCall(Impl* impl, std::shared_ptr<Session> session, std::string path,
             const std::string& request)
      : impl_(impl), session_(std::move(session)), path_(std::move(path)) {
    grpc::Slice slice(request);
    request_ = grpc::ByteBuffer(&slice, 1);
  }

  grpc::ClientContext* Context() { return &context_; }

  void Start() {
    {
      MutexLock lock(&impl_->mu);
      impl_->calls.insert(&context_);
    }
    impl_->stub.PrepareBidiStreamingCall(&context_, path_, grpc::StubOptions(), this);
    AddHold();
    StartWriteLast(&request_, grpc::WriteOptions());
    StartRead(&response_);
    StartCall();
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      RemoveHold();
      return;
    }
    std::string bytes = BytesOf(response_);
    response_.Clear();
    net::post(session_->Executor(), [this, bytes = std::move(bytes)] {
      session_->WriteFrame(bytes, [this](bool written) {
        if (written) {
          StartRead(&response_);
        } else {
          context_.TryCancel();
          RemoveHold();
        }
      });
    });
  }

  void OnDone(const grpc::Status& status) override {
    {
      MutexLock lock(&impl_->mu);
      impl_->calls.erase(&context_);
    }
    net::post(session_->Executor(), [session = session_, status] { session->EndStream(status); });
    delete this;
  }

 private:
  Impl* impl_;
  std::shared_ptr<Session> session_;
  const std::string path_;  // the stub keeps a pointer to it for the call's life
  grpc::ClientContext context_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
};

void HttpBridge::Impl::Session::Handle() {
  start_ = absl::Now();
  method_ = nullptr;
  origin_.clear();
  header_written_ = false;
  client_gone_ = false;
  wire_ = Wire{Protocol::kConnectUnary, true, false};
  const std::string origin = Header(request_, http::field::origin);
  // A page of this listener (the console) is same-origin: browsers still send its
  // Origin on module scripts and POSTs, and it needs no CORS grant.
  const bool same_origin = origin == absl::StrCat("http://", Header(request_, http::field::host));
  if (!origin.empty() && !same_origin) {
    if (!impl_->OriginAllowed(origin)) {
      return RefuseHttp(
          403, ErrorWithReason(absl::StatusCode::kPermissionDenied, "ORIGIN_NOT_ALLOWED",
                               absl::StrCat("origin ", origin, " is not allowed (--cors_origins)"),
                               {{"origin", origin}}));
    }
    origin_ = origin;
  }
  const beast::string_view target = request_.target();
  path_ = std::string(target.substr(0, target.find('?')));
  if (path_ == "/" || path_ == "/console" || absl::StartsWith(path_, "/console/")) {
    return ServeConsole();
  }
  if (request_.method() == http::verb::options) {
    http::response<http::string_body> response(http::status::no_content, request_.version());
    response.set(http::field::access_control_allow_methods, "POST");
    response.set(http::field::access_control_allow_headers, kAllowedHeaders);
    response.set(http::field::access_control_max_age, "7200");
    return WriteResponse(std::move(response));
  }
  method_ = connect::MethodOfPath(path_);
  if (method_ == nullptr) {
    return RefuseHttp(404, absl::NotFoundError(absl::StrCat("no method at ", path_)));
  }
  if (request_.method() != http::verb::post) {
    const auto* method = method_;
    method_ = nullptr;  // not a call: not recorded under the method
    return RefuseHttp(
        405,
        absl::InvalidArgumentError(absl::StrCat(method->full_name(), " takes POST, not ",
                                                std::string(request_.method_string()))),
        {{http::field::allow, "POST"}});
  }
  const std::string content_type = Header(request_, http::field::content_type);
  const std::optional<Wire> wire = connect::WireOf(content_type);
  const bool streaming = method_->server_streaming() || method_->client_streaming();
  if (!wire.has_value() || (wire->protocol == Protocol::kConnectUnary && streaming) ||
      (wire->protocol == Protocol::kConnectStream && !streaming)) {
    const std::string expected = streaming ? "application/connect+json, application/connect+proto"
                                           : "application/json, application/proto";
    return RefuseHttp(
        415, InvalidField("content-type",
                          absl::StrCat(method_->full_name(), " takes ", expected,
                                       ", application/grpc-web(+proto, +json) or "
                                       "application/grpc-web-text; not \"",
                                       absl::CHexEscape(content_type.substr(0, 64)), "\"")));
  }
  wire_ = *wire;
  if (wire_.protocol == Protocol::kConnectUnary) {
    const std::string version = Header(request_, "connect-protocol-version");
    if (!version.empty() && version != "1") {
      return Refuse(0, InvalidField("connect-protocol-version", "must be 1"));
    }
  }

  // Deadline.
  absl::Duration timeout = absl::InfiniteDuration();
  const bool grpc_web = wire_.protocol == Protocol::kGrpcWeb;
  const std::string timeout_text =
      Header(request_, grpc_web ? "grpc-timeout" : "connect-timeout-ms");
  if (!timeout_text.empty()) {
    auto parsed = grpc_web ? connect::ParseGrpcTimeout(timeout_text)
                           : connect::ParseConnectTimeout(timeout_text);
    if (!parsed.ok()) {
      return Refuse(0, parsed.status());
    }
    timeout = *parsed;
  }

  // Body → the serialized request.
  std::string body = std::move(request_.body());
  if (wire_.text) {
    std::string decoded;
    if (!absl::Base64Unescape(body, &decoded)) {
      return Refuse(0, InvalidField("body", "grpc-web-text bodies are base64"));
    }
    body = std::move(decoded);
  }
  const size_t limit = impl_->options.max_request_bytes;
  if (wire_.protocol == Protocol::kConnectUnary) {
    const std::string encoding = Header(request_, http::field::content_encoding);
    if (absl::EqualsIgnoreCase(encoding, "gzip")) {
      auto inflated = connect::Gunzip(body, limit);
      if (!inflated.ok()) {
        return Refuse(0, inflated.status());
      }
      body = std::move(*inflated);
    } else if (!encoding.empty() && !absl::EqualsIgnoreCase(encoding, "identity")) {
      return Refuse(0, absl::UnimplementedError(absl::StrCat(
                           "content-encoding ", encoding, " is not supported (gzip, identity)")));
    }
  } else {
    auto frame = connect::ParseSingleEnvelope(body, limit);
    if (!frame.ok()) {
      return Refuse(0, frame.status());
    }
    body = std::move(frame->payload);
    if ((frame->flags & connect::kFlagCompressed) != 0) {
      const std::string encoding =
          Header(request_, grpc_web ? "grpc-encoding" : "connect-content-encoding");
      if (!absl::EqualsIgnoreCase(encoding, "gzip")) {
        return Refuse(0, InvalidField("body", absl::StrCat("a compressed envelope needs ",
                                                           grpc_web ? "grpc-encoding"
                                                                    : "connect-content-encoding",
                                                           ": gzip")));
      }
      auto inflated = connect::Gunzip(body, limit);
      if (!inflated.ok()) {
        return Refuse(0, inflated.status());
      }
      body = std::move(*inflated);
    }
  }
  auto bytes = connect::RequestToBinary(*method_->input_type(), wire_.json, body);
  if (!bytes.ok()) {
    return Refuse(0, bytes.status());
  }
  if (wire_.protocol == Protocol::kConnectUnary) {
    StartUnary(*bytes, timeout);
  } else {
    StartFramed(*bytes, timeout);
  }
}

void HttpBridge::Impl::Session::PrepareContext(grpc::ClientContext* context,
                                               absl::Duration timeout) {
  if (timeout != absl::InfiniteDuration()) {
    context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  }
  for (const char* name : {"authorization", "x-request-id"}) {
    const std::string value = Header(request_, name);
    if (!value.empty()) {
      context->AddMetadata(name, value);
    }
  }
  context->AddMetadata(std::string(kHttpPeerMetadata), peer_);
}

void HttpBridge::Impl::Session::StartUnary(const std::string& bytes, absl::Duration timeout) {
  struct Call {
    grpc::ClientContext context;
    grpc::ByteBuffer request;
    grpc::ByteBuffer response;
    std::string path;
  };
  auto call = std::make_shared<Call>();
  PrepareContext(&call->context, timeout);
  grpc::Slice slice(bytes);
  call->request = grpc::ByteBuffer(&slice, 1);
  call->path = path_;
  {
    MutexLock lock(&impl_->mu);
    impl_->calls.insert(&call->context);
  }
  impl_->stub.UnaryCall(
      &call->context, call->path, grpc::StubOptions(), &call->request, &call->response,
      [self = shared_from_this(), call](const grpc::Status& status) {
        {
          MutexLock lock(&self->impl_->mu);
          self->impl_->calls.erase(&call->context);
        }
        net::post(self->Executor(), [self, call, status] {
          if (!status.ok()) {
            return self->WriteUnaryError(0, status);
          }
          auto body = connect::ResponseFromBinary(*self->method_->output_type(), self->wire_.json,
                                                  BytesOf(call->response));
          if (!body.ok()) {
            Log(LogLevel::kError, "http bridge response", {{"detail", body.status().ToString()}});
            return self->WriteUnaryError(0, ToGrpcStatus(absl::InternalError("internal error")));
          }
          http::response<http::string_body> response(http::status::ok, self->request_.version());
          response.set(http::field::content_type, connect::ContentTypeOf(self->wire_));
          if (body->size() >= kGzipMinBytes &&
              AcceptsGzip(Header(self->request_, http::field::accept_encoding))) {
            *body = connect::Gzip(*body);
            response.set(http::field::content_encoding, "gzip");
          }
          response.body() = std::move(*body);
          self->WriteResponse(std::move(response));
        });
      });
}

void HttpBridge::Impl::Session::StartFramed(const std::string& bytes, absl::Duration timeout) {
  auto* call = new StreamCall(impl_, shared_from_this(), path_, bytes);
  PrepareContext(call->Context(), timeout);
  stream_context_ = call->Context();
  PrepareFramedResponse();
  call->Start();
}

void HttpBridge::Impl::Session::PrepareFramedResponse() {
  stream_response_ =
      std::make_unique<http::response<http::empty_body>>(http::status::ok, request_.version());
  stream_response_->set(http::field::content_type, connect::ContentTypeOf(wire_));
  stream_response_->keep_alive(keep_alive_);
  AddCors(stream_response_.get());
  stream_response_->chunked(true);
  stream_serializer_ =
      std::make_unique<http::response_serializer<http::empty_body>>(*stream_response_);
}

void HttpBridge::Impl::Session::WriteFrame(const std::string& payload,
                                           std::function<void(bool)> done) {
  if (client_gone_) {
    return done(false);
  }
  // JSON messages on connect+json and grpc-web+json; binary ones pass through.
  auto message = connect::ResponseFromBinary(*method_->output_type(), wire_.json, payload);
  if (!message.ok()) {
    Log(LogLevel::kError, "http bridge response", {{"detail", message.status().ToString()}});
    return done(false);
  }
  std::string frame = connect::Envelope(0, *message);
  if (wire_.text) {
    frame = absl::Base64Escape(frame);
  }
  chunk_ = std::move(frame);
  auto write_chunk = [this, self = shared_from_this(), done = std::move(done)]() mutable {
    stream_.expires_after(Steady(impl_->options.write_timeout));
    net::async_write(stream_, http::make_chunk(net::buffer(chunk_)),
                     [self, done = std::move(done)](beast::error_code ec, size_t) {
                       self->stream_.expires_never();
                       if (ec) {
                         self->client_gone_ = true;
                       }
                       done(!ec);
                     });
  };
  if (header_written_) {
    return write_chunk();
  }
  header_written_ = true;
  stream_.expires_after(Steady(impl_->options.write_timeout));
  http::async_write_header(stream_, *stream_serializer_,
                           [this, self = shared_from_this(), write_chunk = std::move(write_chunk)](
                               beast::error_code ec, size_t) mutable {
                             stream_.expires_never();
                             if (ec) {
                               client_gone_ = true;
                             }
                             write_chunk();
                             WatchForDisconnect();
                           });
}

// While a stream is open nothing else is read from the connection; a read that
// fails means the client left, and the call is cancelled rather than left waiting
// for a message to fail to write.
void HttpBridge::Impl::Session::WatchForDisconnect() {
  watching_ = true;
  stream_.async_read_some(
      buffer_.prepare(4096), [self = shared_from_this()](beast::error_code ec, size_t n) {
        self->watching_ = false;
        if (!ec) {
          self->buffer_.commit(n);  // a pipelined request: kept for the next read
          if (self->stream_context_ != nullptr) {
            return self->WatchForDisconnect();
          }
        } else if (ec != net::error::operation_aborted || !self->read_after_watch_) {
          self->client_gone_ = true;
          if (self->stream_context_ != nullptr) {
            self->stream_context_->TryCancel();
          }
          if (self->read_after_watch_) {
            self->Shutdown();
          }
          return;
        }
        if (self->read_after_watch_) {
          self->read_after_watch_ = false;
          self->Read();
        }
      });
}

void HttpBridge::Impl::Session::EndStream(const grpc::Status& status) {
  stream_context_ = nullptr;
  if (client_gone_) {
    return Shutdown();
  }
  std::string last =
      wire_.protocol == Protocol::kConnectStream
          ? connect::Envelope(connect::kFlagEndOfStream, connect::EndOfStreamJson(status))
          : connect::Envelope(connect::kFlagTrailers, connect::GrpcWebTrailers(status));
  if (wire_.text) {
    last = absl::Base64Escape(last);
  }
  auto finish = [this, self = shared_from_this(), last = std::move(last)]() mutable {
    chunk_ = std::move(last);
    stream_.expires_after(Steady(impl_->options.write_timeout));
    net::async_write(
        stream_, http::make_chunk(net::buffer(chunk_)), [self](beast::error_code ec, size_t) {
          if (ec) {
            return self->Shutdown();
          }
          net::async_write(self->stream_, http::make_chunk_last(),
                           [self](beast::error_code ec2, size_t) { self->FinishExchange(ec2); });
        });
  };
  if (header_written_) {
    return finish();
  }
  header_written_ = true;
  stream_.expires_after(Steady(impl_->options.write_timeout));
  http::async_write_header(stream_, *stream_serializer_,
                           [self = shared_from_this(), finish = std::move(finish)](
                               beast::error_code ec, size_t) mutable {
                             if (ec) {
                               return self->Shutdown();
                             }
                             finish();
                           });
}

void HttpBridge::Impl::Session::RecordRefusal(const absl::Status& status) {
  if (method_ != nullptr) {
    RecordCall(*impl_->edge, path_, "", "", status, absl::Now() - start_, peer_,
               Header(request_, "x-request-id"));
  }
}

void HttpBridge::Impl::Session::Refuse(int http_status, const absl::Status& status) {
  RecordRefusal(status);
  const grpc::Status grpc_status = ToGrpcStatus(status);
  if (wire_.protocol == Protocol::kConnectUnary) {
    return WriteUnaryError(http_status, grpc_status);
  }
  // Framed protocols answer errors in-band: an end-of-stream message or trailers.
  PrepareFramedResponse();
  EndStream(grpc_status);
}

void HttpBridge::Impl::Session::RefuseHttp(
    int http_status, const absl::Status& status,
    const std::vector<std::pair<http::field, std::string>>& headers) {
  RecordRefusal(status);
  WriteUnaryError(http_status, ToGrpcStatus(status), headers);
}

void HttpBridge::Impl::Session::WriteUnaryError(
    int http_status, const grpc::Status& status,
    const std::vector<std::pair<http::field, std::string>>& headers) {
  const int code = http_status != 0 ? http_status : connect::HttpStatusOf(status.error_code());
  http::response<http::string_body> response(static_cast<http::status>(code), request_.version());
  if (code == 499) {
    response.reason("Client Closed Request");  // not in Beast's table
  }
  response.set(http::field::content_type, "application/json");
  for (const auto& [field, value] : headers) {
    response.set(field, value);
  }
  response.body() = connect::ErrorJson(status);
  WriteResponse(std::move(response));
}

void HttpBridge::Impl::Session::ServeConsole() {
  if (!impl_->console.has_value()) {
    return RefuseHttp(404, absl::NotFoundError("this casesd serves no console (--console_dir)"));
  }
  if (request_.method() != http::verb::get) {
    return RefuseHttp(405,
                      absl::InvalidArgumentError(absl::StrCat(
                          path_, " takes GET, not ", std::string(request_.method_string()))),
                      {{http::field::allow, "GET"}});
  }
  if (path_ == "/" || path_ == "/console") {
    http::response<http::string_body> response(http::status::found, request_.version());
    response.set(http::field::location, "/console/");
    return WriteResponse(std::move(response));
  }
  const StaticFile* file = impl_->console->Find(absl::string_view(path_).substr(9));
  if (file == nullptr) {
    return RefuseHttp(404, absl::NotFoundError(absl::StrCat("no console file at ", path_)));
  }
  http::response<http::string_body> response(http::status::ok, request_.version());
  response.set(http::field::content_type, file->content_type);
  response.set(http::field::cache_control, "no-cache");
  response.set("x-content-type-options", "nosniff");
  response.set("referrer-policy", "no-referrer");
  // The console fetches nothing but its own files and this listener's methods.
  response.set("content-security-policy",
               "default-src 'self'; connect-src 'self'; img-src 'self' data:; "
               "object-src 'none'; base-uri 'none'; frame-ancestors 'none'");
  response.body() = file->body;
  WriteResponse(std::move(response));
}

void HttpBridge::Impl::Session::AddCors(http::fields* headers) {
  if (origin_.empty()) {
    return;
  }
  headers->set(http::field::access_control_allow_origin, origin_);
  headers->set(http::field::vary, "Origin");
  headers->set(http::field::access_control_expose_headers, kExposedHeaders);
}

void HttpBridge::Impl::Session::WriteResponse(http::response<http::string_body> response) {
  AddCors(&response);
  response.keep_alive(keep_alive_);
  response.prepare_payload();
  auto shared = std::make_shared<http::response<http::string_body>>(std::move(response));
  stream_.expires_after(Steady(impl_->options.write_timeout));
  http::async_write(stream_, *shared,
                    [self = shared_from_this(), shared](beast::error_code ec, size_t) {
                      self->FinishExchange(ec);
                    });
}

void HttpBridge::Impl::Session::FinishExchange(beast::error_code ec) {
  stream_response_.reset();
  stream_serializer_.reset();
  if (ec || !keep_alive_ || impl_->stopping.load()) {
    return Shutdown();
  }
  if (watching_) {
    // The stream's disconnect watch still reads: stop it, then read the next request.
    read_after_watch_ = true;
    beast::error_code ignored;
    stream_.socket().cancel(ignored);
    return;
  }
  Read();
}

void HttpBridge::Impl::Accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (!acceptor.is_open()) {
        return;  // StopAccepting
      }
      Log(LogLevel::kWarning, "http accept", {{"detail", ec.message()}});
    } else {
      socket.set_option(tcp::no_delay(true), ec);
      std::make_shared<Session>(this, std::move(socket))->Run();
    }
    Accept();
  });
}

HttpBridge::HttpBridge(HttpBridgeOptions options, std::shared_ptr<grpc::Channel> channel,
                       const Edge* edge)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(channel), edge)) {}

HttpBridge::~HttpBridge() { Stop(); }

absl::Status HttpBridge::Start() {
  const std::string console_dir =
      impl_->options.console_dir.empty() ? DefaultConsoleDir() : impl_->options.console_dir;
  if (!console_dir.empty()) {
    auto console = StaticFiles::Load(console_dir);
    if (!console.ok()) {
      return absl::Status(console.status().code(),
                          absl::StrCat("--console_dir: ", console.status().message()));
    }
    impl_->console = std::move(*console);
    Log(LogLevel::kInfo, "console loaded",
        {{"dir", console_dir}, {"files", static_cast<int>(impl_->console->size())}});
  }
  auto host_port = ParseListenAddress(impl_->options.listen, 8080);
  if (!host_port.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--http_listen ", impl_->options.listen, ": ", host_port.status().message()));
  }
  beast::error_code ec;
  const net::ip::address address = net::ip::make_address(host_port->host, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("--http_listen ", impl_->options.listen, ": the host must be an IP address"));
  }
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(host_port->port));
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (!ec) {
    impl_->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  }
  if (!ec) {
    impl_->acceptor.bind(endpoint, ec);
  }
  if (!ec) {
    impl_->acceptor.listen(net::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("--http_listen ", impl_->options.listen, ": ", ec.message()));
  }
  impl_->port = impl_->acceptor.local_endpoint().port();
  impl_->work.emplace(net::make_work_guard(impl_->ioc));
  impl_->Accept();
  for (int i = 0; i < std::max(1, impl_->options.threads); ++i) {
    impl_->threads.emplace_back([this] { impl_->ioc.run(); });
  }
  Log(LogLevel::kInfo, "http serving",
      {{"address", absl::StrCat(host_port->host, ":", impl_->port)}, {"http_port", impl_->port}});
  return absl::OkStatus();
}

int HttpBridge::port() const { return impl_->port; }

void HttpBridge::StopAccepting() {
  impl_->stopping = true;
  net::post(impl_->ioc, [impl = impl_.get()] {
    beast::error_code ignored;
    impl->acceptor.close(ignored);
  });
}

void HttpBridge::Stop() {
  if (impl_->threads.empty()) {
    return;
  }
  StopAccepting();
  {
    MutexLock lock(&impl_->mu);
    for (grpc::ClientContext* context : impl_->calls) {
      context->TryCancel();
    }
    for (Impl::Session* session : impl_->sessions) {
      if (auto alive = session->weak_from_this().lock()) {
        alive->Close();
      }
    }
    // Cancelled calls end through their callbacks, which run on the I/O threads.
    impl_->mu.AwaitWithTimeout(
        [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(impl_->mu) { return impl_->calls.empty(); },
        absl::Seconds(5));
  }
  impl_->work.reset();
  impl_->ioc.stop();
  for (std::thread& t : impl_->threads) {
    t.join();
  }
  impl_->threads.clear();
}

}  // namespace cases::server
