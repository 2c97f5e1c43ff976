// libFuzzer target: what the HTTP bridge decodes from a request before any call is
// made — envelopes, JSON bodies through protobuf's JSON mapping, deadlines, gzip —
// on arbitrary bytes. The first byte picks the decoder, the rest is its input.
#include <cstdint>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "server/connect_protocol.h"
#include "soc/cases/v1/automation_service.pb.h"
#include "soc/cases/v1/case_service.pb.h"
#include "soc/cases/v1/detection_service.pb.h"
#include "soc/cases/v1/service_request_service.pb.h"

namespace {

namespace connect = cases::server::connect;

// The request types whose JSON the bridge parses most: nested messages, enums,
// timestamps, field masks, repeated fields and maps among them.
constexpr const char* kPaths[] = {
    "/soc.cases.v1.CaseService/CreateCase",
    "/soc.cases.v1.CaseService/UpdateCase",
    "/soc.cases.v1.CaseService/ListCases",
    "/soc.cases.v1.DetectionService/IngestDetections",
    "/soc.cases.v1.ServiceRequestService/StreamMessages",
    "/soc.cases.v1.AutomationService/CreateCaseRule",
};

// Links the generated files into this binary, so their services are in the pool
// MethodOfPath searches (a static library's unreferenced objects are dropped).
const bool kLinked = soc::cases::v1::CreateCaseRequest::descriptor() != nullptr &&
                     soc::cases::v1::IngestDetectionsRequest::descriptor() != nullptr &&
                     soc::cases::v1::StreamMessagesRequest::descriptor() != nullptr &&
                     soc::cases::v1::CreateCaseRuleRequest::descriptor() != nullptr;

void CheckJson(uint8_t selector, absl::string_view body) {
  const auto* method = connect::MethodOfPath(kPaths[selector % std::size(kPaths)]);
  if (!kLinked || method == nullptr) {
    __builtin_trap();
  }
  auto binary = connect::RequestToBinary(*method->input_type(), true, body);
  if (!binary.ok()) {
    return;
  }
  // What the mapping accepted must write back as JSON and parse again; from there on a
  // round trip must keep the message. (The first one need not: protobuf's parser takes
  // field-mask paths that are no field name, such as "a_", and its printer drops their
  // odd underscores. The handlers refuse such paths as unknown fields.)
  const auto round_trip = [method](absl::string_view bytes) -> std::string {
    auto json = connect::ResponseFromBinary(*method->input_type(), true, bytes);
    if (!json.ok()) {
      __builtin_trap();
    }
    auto again = connect::RequestToBinary(*method->input_type(), true, *json);
    if (!again.ok()) {
      __builtin_trap();
    }
    return *std::move(again);
  };
  const std::string once = round_trip(*binary);
  if (round_trip(once).size() != once.size()) {
    __builtin_trap();
  }
}

void CheckEnvelope(absl::string_view body) {
  constexpr size_t kMax = 1 << 16;
  auto frame = connect::ParseSingleEnvelope(body, kMax);
  if (!frame.ok()) {
    return;
  }
  if (frame->payload.size() > kMax || connect::Envelope(frame->flags, frame->payload) != body) {
    __builtin_trap();
  }
}

void CheckTimeouts(absl::string_view value) {
  auto connect_timeout = connect::ParseConnectTimeout(value);
  if (connect_timeout.ok() && *connect_timeout < absl::ZeroDuration()) {
    __builtin_trap();
  }
  auto grpc_timeout = connect::ParseGrpcTimeout(value);
  if (grpc_timeout.ok() && *grpc_timeout < absl::ZeroDuration()) {
    __builtin_trap();
  }
}

void CheckGzip(absl::string_view data) {
  constexpr size_t kMax = 1 << 16;
  auto inflated = connect::Gunzip(data, kMax);
  if (inflated.ok() && inflated->size() > kMax) {
    __builtin_trap();
  }
  auto round_trip = connect::Gunzip(connect::Gzip(data), data.size());
  if (!round_trip.ok() || *round_trip != data) {
    __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  const absl::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      CheckJson(static_cast<uint8_t>(data[0] / 4), input);
      break;
    case 1:
      CheckEnvelope(input);
      break;
    case 2:
      CheckTimeouts(input);
      break;
    default:
      CheckGzip(input);
      break;
  }
  return 0;
}
