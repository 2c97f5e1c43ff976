#include "server/connect_protocol.h"

#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/util/json_util.h>
#include <zlib.h>

#include <memory>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "common/errors.h"
#include "common/log.h"
#include "google/rpc/status.pb.h"

namespace cases::server::connect {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::DescriptorPool;
using google::protobuf::Message;
using google::protobuf::MessageFactory;

std::unique_ptr<Message> NewMessage(const Descriptor& type) {
  const Message* prototype = MessageFactory::generated_factory()->GetPrototype(&type);
  return std::unique_ptr<Message>(prototype->New());
}

// The JSON of a serialized message of the type `type_url` names; "null" when that
// type is not compiled in or the bytes do not parse.
std::string DebugJson(absl::string_view type_url, const std::string& bytes) {
  const std::string name(type_url.substr(type_url.rfind('/') + 1));
  const Descriptor* type = DescriptorPool::generated_pool()->FindMessageTypeByName(name);
  if (type == nullptr) {
    return "null";
  }
  std::unique_ptr<Message> message = NewMessage(*type);
  std::string json;
  if (!message->ParseFromString(bytes) ||
      !google::protobuf::util::MessageToJsonString(*message, &json).ok()) {
    return "null";
  }
  return json;
}

// Standard base64 without '=' padding, as Connect details and -bin trailers carry it.
std::string Base64Unpadded(absl::string_view bytes) {
  std::string out = absl::Base64Escape(bytes);
  out.erase(out.find_last_not_of('=') + 1);
  return out;
}

std::string JsonString(absl::string_view text) {
  return absl::StrCat("\"", JsonEscape(text), "\"");
}

}  // namespace

std::optional<Wire> WireOf(absl::string_view content_type) {
  absl::string_view type = content_type.substr(0, content_type.find(';'));
  type = absl::StripAsciiWhitespace(type);
  const std::string lower = absl::AsciiStrToLower(type);
  if (lower == "application/json") {
    return Wire{Protocol::kConnectUnary, true, false};
  }
  if (lower == "application/proto") {
    return Wire{Protocol::kConnectUnary, false, false};
  }
  if (lower == "application/connect+json") {
    return Wire{Protocol::kConnectStream, true, false};
  }
  if (lower == "application/connect+proto") {
    return Wire{Protocol::kConnectStream, false, false};
  }
  if (lower == "application/grpc-web" || lower == "application/grpc-web+proto") {
    return Wire{Protocol::kGrpcWeb, false, false};
  }
  if (lower == "application/grpc-web+json") {
    return Wire{Protocol::kGrpcWeb, true, false};
  }
  if (lower == "application/grpc-web-text" || lower == "application/grpc-web-text+proto") {
    return Wire{Protocol::kGrpcWeb, false, true};
  }
  return std::nullopt;
}

std::string ContentTypeOf(const Wire& wire) {
  switch (wire.protocol) {
    case Protocol::kConnectUnary:
      return wire.json ? "application/json" : "application/proto";
    case Protocol::kConnectStream:
      return wire.json ? "application/connect+json" : "application/connect+proto";
    case Protocol::kGrpcWeb:
      if (wire.text) {
        return "application/grpc-web-text+proto";
      }
      return wire.json ? "application/grpc-web+json" : "application/grpc-web+proto";
  }
  return "application/octet-stream";
}

const google::protobuf::MethodDescriptor* MethodOfPath(absl::string_view path) {
  if (!absl::ConsumePrefix(&path, "/")) {
    return nullptr;
  }
  const size_t slash = path.find('/');
  if (slash == absl::string_view::npos || path.find('/', slash + 1) != absl::string_view::npos) {
    return nullptr;
  }
  const google::protobuf::ServiceDescriptor* service =
      DescriptorPool::generated_pool()->FindServiceByName(std::string(path.substr(0, slash)));
  return service == nullptr ? nullptr
                            : service->FindMethodByName(std::string(path.substr(slash + 1)));
}

absl::StatusOr<std::string> RequestToBinary(const Descriptor& type, bool json,
                                            absl::string_view body) {
  if (!json) {
    return std::string(body);  // the service parses it, and answers a bad one itself
  }
  std::unique_ptr<Message> message = NewMessage(type);
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  options.case_insensitive_enum_parsing = false;
  const absl::string_view text = body.empty() ? absl::string_view("{}") : body;
  const auto parsed = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(text.data(), text.size()), message.get(), options);
  if (!parsed.ok()) {
    return InvalidField(
        "body", absl::StrCat("not a JSON ", type.full_name(), ": ", parsed.message().as_string()));
  }
  return message->SerializeAsString();
}

absl::StatusOr<std::string> ResponseFromBinary(const Descriptor& type, bool json,
                                               absl::string_view bytes) {
  if (!json) {
    return std::string(bytes);
  }
  std::unique_ptr<Message> message = NewMessage(type);
  if (!message->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InternalError(absl::StrCat("a response does not parse as ", type.full_name()));
  }
  std::string out;
  const auto written = google::protobuf::util::MessageToJsonString(*message, &out);
  if (!written.ok()) {
    return absl::InternalError(written.message().as_string());
  }
  return out;
}

std::string CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "ok";
    case grpc::StatusCode::CANCELLED:
      return "canceled";
    case grpc::StatusCode::UNKNOWN:
      return "unknown";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "invalid_argument";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "deadline_exceeded";
    case grpc::StatusCode::NOT_FOUND:
      return "not_found";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "already_exists";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "permission_denied";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "resource_exhausted";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "failed_precondition";
    case grpc::StatusCode::ABORTED:
      return "aborted";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "out_of_range";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "unimplemented";
    case grpc::StatusCode::INTERNAL:
      return "internal";
    case grpc::StatusCode::UNAVAILABLE:
      return "unavailable";
    case grpc::StatusCode::DATA_LOSS:
      return "data_loss";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "unauthenticated";
    default:
      return "unknown";
  }
}

int HttpStatusOf(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return 200;
    case grpc::StatusCode::CANCELLED:
      return 499;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
      return 400;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return 504;
    case grpc::StatusCode::NOT_FOUND:
      return 404;
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::ABORTED:
      return 409;
    case grpc::StatusCode::PERMISSION_DENIED:
      return 403;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return 429;
    case grpc::StatusCode::UNIMPLEMENTED:
      return 501;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    case grpc::StatusCode::UNAUTHENTICATED:
      return 401;
    default:
      return 500;
  }
}

std::string ErrorJson(const grpc::Status& status) {
  std::string out = absl::StrCat("{\"code\":", JsonString(CodeName(status.error_code())));
  if (!status.error_message().empty()) {
    absl::StrAppend(&out, ",\"message\":", JsonString(status.error_message()));
  }
  google::rpc::Status details;
  if (!status.error_details().empty() && details.ParseFromString(status.error_details()) &&
      details.details_size() > 0) {
    absl::StrAppend(&out, ",\"details\":[");
    for (int i = 0; i < details.details_size(); ++i) {
      const google::protobuf::Any& any = details.details(i);
      const absl::string_view type_url = any.type_url();
      const std::string value = Base64Unpadded(any.value());
      absl::StrAppend(&out, i == 0 ? "" : ",",
                      "{\"type\":", JsonString(type_url.substr(type_url.rfind('/') + 1)),
                      ",\"value\":", JsonString(value),
                      ",\"debug\":", DebugJson(type_url, any.value()), "}");
    }
    absl::StrAppend(&out, "]");
  }
  absl::StrAppend(&out, "}");
  return out;
}

std::string EndOfStreamJson(const grpc::Status& status) {
  return status.ok() ? "{}" : absl::StrCat("{\"error\":", ErrorJson(status), "}");
}

std::string GrpcWebTrailers(const grpc::Status& status) {
  std::string out = absl::StrCat("grpc-status: ", static_cast<int>(status.error_code()), "\r\n");
  if (!status.error_message().empty()) {
    // grpc-message is percent-encoded (PROTOCOL-HTTP2.md): printable ASCII but '%' as is.
    std::string message;
    for (unsigned char c : status.error_message()) {
      if (c >= 0x20 && c <= 0x7e && c != '%') {
        message.push_back(static_cast<char>(c));
      } else {
        absl::StrAppend(&message, absl::StrFormat("%%%02X", c));
      }
    }
    absl::StrAppend(&out, "grpc-message: ", message, "\r\n");
  }
  if (!status.error_details().empty()) {
    absl::StrAppend(&out, "grpc-status-details-bin: ", Base64Unpadded(status.error_details()),
                    "\r\n");
  }
  return out;
}

std::string Envelope(uint8_t flags, absl::string_view payload) {
  const auto size = static_cast<uint32_t>(payload.size());
  std::string out;
  out.reserve(5 + payload.size());
  out.push_back(static_cast<char>(flags));
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((size >> shift) & 0xff));
  }
  out.append(payload.data(), payload.size());
  return out;
}

absl::StatusOr<Frame> ParseSingleEnvelope(absl::string_view body, size_t max_payload) {
  if (body.size() < 5) {
    return InvalidField("body", absl::StrCat("an enveloped request needs a 5-byte prefix; the body "
                                             "has ",
                                             body.size(), " bytes"));
  }
  Frame frame;
  frame.flags = static_cast<uint8_t>(body[0]);
  uint32_t size = 0;
  for (int i = 1; i <= 4; ++i) {
    size = (size << 8) | static_cast<uint8_t>(body[i]);
  }
  if (size > max_payload) {
    return InvalidField("body", absl::StrCat("the envelope declares ", size,
                                             " bytes, over the limit of ", max_payload));
  }
  if (body.size() - 5 != size) {
    return InvalidField("body", absl::StrCat("the envelope declares ", size, " bytes but ",
                                             body.size() - 5, " follow"));
  }
  if ((frame.flags & ~kFlagCompressed) != 0) {
    return InvalidField("body", absl::StrCat("a request message may not carry envelope flags 0x",
                                             absl::Hex(frame.flags)));
  }
  frame.payload = std::string(body.substr(5));
  return frame;
}

absl::StatusOr<absl::Duration> ParseConnectTimeout(absl::string_view value) {
  int64_t ms = 0;
  if (value.empty() || value.size() > 10 || !absl::c_all_of(value, absl::ascii_isdigit) ||
      !absl::SimpleAtoi(value, &ms)) {
    return InvalidField("connect-timeout-ms",
                        absl::StrCat("must be 1 to 10 digits of milliseconds, not \"",
                                     absl::CHexEscape(value.substr(0, 32)), "\""));
  }
  return absl::Milliseconds(ms);
}

absl::StatusOr<absl::Duration> ParseGrpcTimeout(absl::string_view value) {
  int64_t amount = 0;
  const absl::string_view digits = value.substr(0, value.empty() ? 0 : value.size() - 1);
  if (value.size() < 2 || digits.size() > 8 || !absl::c_all_of(digits, absl::ascii_isdigit) ||
      !absl::SimpleAtoi(digits, &amount)) {
    return InvalidField("grpc-timeout", "must be 1 to 8 digits and a unit (H, M, S, m, u, n)");
  }
  switch (value.back()) {
    case 'H':
      return absl::Hours(amount);
    case 'M':
      return absl::Minutes(amount);
    case 'S':
      return absl::Seconds(amount);
    case 'm':
      return absl::Milliseconds(amount);
    case 'u':
      return absl::Microseconds(amount);
    case 'n':
      return absl::Nanoseconds(amount);
    default:
      return InvalidField("grpc-timeout", "must be 1 to 8 digits and a unit (H, M, S, m, u, n)");
  }
}

absl::StatusOr<std::string> Gunzip(absl::string_view data, size_t max_size) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
    return absl::InternalError("inflateInit2 failed");
  }
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char chunk[16384];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    z.next_out = reinterpret_cast<Bytef*>(chunk);
    z.avail_out = sizeof chunk;
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&z);
      return InvalidField("body", "not valid gzip data");
    }
    out.append(chunk, sizeof chunk - z.avail_out);
    if (out.size() > max_size) {
      inflateEnd(&z);
      return InvalidField("body", absl::StrCat("inflates to more than ", max_size, " bytes"));
    }
    if (rc == Z_OK && z.avail_in == 0 && z.avail_out != 0) {
      inflateEnd(&z);
      return InvalidField("body", "gzip data ends early");
    }
  }
  inflateEnd(&z);
  return out;
}

std::string Gzip(absl::string_view data) {
  z_stream z{};
  deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, data.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

}  // namespace cases::server::connect
