#include "cases/client.h"

#include <random>
#include <thread>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace cases::client {
namespace {

std::mt19937_64& Random() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  return gen;
}

std::string NewUuid() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::uniform_int_distribution<int> nibble(0, 15);
  std::string out;
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) {
      out.push_back('-');
    }
    int v = nibble(Random());
    if (i == 12) {
      v = 4;  // version 4
    }
    if (i == 16) {
      v = 8 | (v & 3);  // RFC 4122 variant
    }
    out.push_back(kHex[v]);
  }
  return out;
}

bool IsRead(const google::protobuf::Message& request) {
  const std::string& name = request.GetDescriptor()->name();
  return name.rfind("Get", 0) == 0 || name.rfind("List", 0) == 0 || name.rfind("Stream", 0) == 0;
}

}  // namespace

std::shared_ptr<grpc::Channel> MakeChannel(const ChannelOptions& options) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(16 * 1024 * 1024);
  if (!options.server_name_override.empty()) {
    args.SetSslTargetNameOverride(options.server_name_override);
  }
  std::shared_ptr<grpc::ChannelCredentials> creds;
  if (options.security == ChannelOptions::Security::kPlaintext) {
    creds = grpc::InsecureChannelCredentials();
  } else {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = options.ca_pem;
    if (options.security == ChannelOptions::Security::kMutualTls) {
      ssl.pem_cert_chain = options.cert_pem;
      ssl.pem_private_key = options.key_pem;
    }
    creds = grpc::SslCredentials(ssl);
  }
  return grpc::CreateCustomChannel(options.target, creds, args);
}

ErrorDetails DetailsOf(const grpc::Status& status) {
  ErrorDetails out;
  out.code = status.error_code();
  out.message = status.error_message();
  google::rpc::Status rpc;
  if (status.error_details().empty() || !rpc.ParseFromString(status.error_details())) {
    return out;
  }
  for (const auto& any : rpc.details()) {
    google::rpc::ErrorInfo info;
    google::rpc::BadRequest bad;
    google::rpc::RetryInfo retry;
    if (any.UnpackTo(&info)) {
      out.reason = info.reason();
      out.domain = info.domain();
      out.metadata.insert(info.metadata().begin(), info.metadata().end());
    } else if (any.UnpackTo(&bad)) {
      for (const auto& v : bad.field_violations()) {
        out.field_violations.emplace_back(v.field(), v.description());
      }
    } else if (any.UnpackTo(&retry)) {
      out.retry_delay = std::chrono::milliseconds(retry.retry_delay().seconds() * 1000 +
                                                  retry.retry_delay().nanos() / 1000000);
    }
  }
  return out;
}

std::optional<std::chrono::milliseconds> RetryDelay(const grpc::Status& status, bool retry_safe,
                                                    int attempt, const CallOptions& options) {
  const bool retryable = status.error_code() == grpc::StatusCode::UNAVAILABLE ||
                         (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED &&
                          DetailsOf(status).retry_delay.has_value()) ||
                         (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED && retry_safe);
  if (!retryable || !retry_safe || attempt >= options.max_attempts) {
    return std::nullopt;
  }
  // Exponential backoff with full jitter, never shorter than the server's RetryInfo.
  const auto ceiling = std::min<int64_t>(
      options.max_backoff.count(), options.initial_backoff.count() << std::min(attempt - 1, 20));
  std::uniform_int_distribution<int64_t> jitter(ceiling / 2, std::max<int64_t>(ceiling, 1));
  auto delay = std::chrono::milliseconds(jitter(Random()));
  if (auto server = DetailsOf(status).retry_delay; server.has_value() && *server > delay) {
    delay = std::min(*server, options.max_backoff);
  }
  return delay;
}

bool PrepareForRetry(google::protobuf::Message* request) {
  const auto* field = request->GetDescriptor()->FindFieldByName("request_id");
  if (field != nullptr && field->type() == google::protobuf::FieldDescriptor::TYPE_STRING) {
    if (request->GetReflection()->GetString(*request, field).empty()) {
      request->GetReflection()->SetString(request, field, NewUuid());
    }
    return true;
  }
  return IsRead(*request);
}

Client::Client(std::shared_ptr<grpc::Channel> channel, std::string token, CallOptions options)
    : channel_(std::move(channel)),
      token_(std::move(token)),
      options_(options),
      cases_(v1::CaseService::NewStub(channel_)),
      detections_(v1::DetectionService::NewStub(channel_)),
      requests_(v1::ServiceRequestService::NewStub(channel_)),
      tenancy_(v1::TenancyService::NewStub(channel_)),
      automation_(v1::AutomationService::NewStub(channel_)),
      activities_(v1::ActivityService::NewStub(channel_)) {}

std::unique_ptr<grpc::ClientContext> Client::NewContext(
    std::optional<std::chrono::milliseconds> deadline) const {
  auto context = std::make_unique<grpc::ClientContext>();
  if (!token_.empty()) {
    context->AddMetadata("authorization", "Bearer " + token_);
  }
  context->set_deadline(std::chrono::system_clock::now() + deadline.value_or(options_.deadline));
  return context;
}

void Client::Sleep(std::chrono::milliseconds delay) { std::this_thread::sleep_for(delay); }

}  // namespace cases::client
