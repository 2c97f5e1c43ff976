// The HTTP bridge's wire formats: content types, paths, JSON bodies, Connect
// errors with their google.rpc details, envelopes, timeouts, gzip.
#include "server/connect_protocol.h"

#include <gmock/gmock.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include "common/errors.h"
#include "server/grpc_status.h"
#include "soc/cases/v1/case_service.pb.h"
#include "soc/cases/v1/service_request_service.pb.h"

namespace cases::server::connect {
namespace {

using ::testing::HasSubstr;

google::protobuf::Struct ParseJson(const std::string& json) {
  google::protobuf::Struct out;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &out).ok()) << json;
  return out;
}

TEST(ConnectWireTest, ContentTypesNameTheirProtocolAndCodec) {
  auto json = WireOf("application/json; charset=utf-8");
  ASSERT_TRUE(json.has_value());
  EXPECT_EQ(json->protocol, Protocol::kConnectUnary);
  EXPECT_TRUE(json->json);
  EXPECT_EQ(WireOf("application/proto")->json, false);
  EXPECT_EQ(WireOf("Application/Connect+JSON")->protocol, Protocol::kConnectStream);
  EXPECT_EQ(WireOf("application/grpc-web")->protocol, Protocol::kGrpcWeb);
  EXPECT_TRUE(WireOf("application/grpc-web-text")->text);
  EXPECT_FALSE(WireOf("text/plain").has_value());
  EXPECT_FALSE(WireOf("").has_value());
  const auto grpc_web_json = WireOf("application/grpc-web+json");
  ASSERT_TRUE(grpc_web_json.has_value());
  EXPECT_EQ(grpc_web_json->protocol, Protocol::kGrpcWeb);
  EXPECT_TRUE(grpc_web_json->json);
  EXPECT_EQ(ContentTypeOf(*grpc_web_json), "application/grpc-web+json");
  EXPECT_FALSE(WireOf("application/grpc-web+thrift").has_value());
}

TEST(ConnectWireTest, PathsFindOnlyCompiledMethods) {
  // Linking the service's messages registers its file in the generated pool (casesd links all).
  ASSERT_NE(::soc::cases::v1::StreamMessagesRequest::descriptor(), nullptr);
  const auto* get = MethodOfPath("/soc.cases.v1.CaseService/GetCase");
  ASSERT_NE(get, nullptr);
  EXPECT_EQ(get->input_type()->full_name(), "soc.cases.v1.GetCaseRequest");
  ASSERT_NE(MethodOfPath("/soc.cases.v1.ServiceRequestService/StreamMessages"), nullptr);
  EXPECT_TRUE(
      MethodOfPath("/soc.cases.v1.ServiceRequestService/StreamMessages")->server_streaming());
  EXPECT_EQ(MethodOfPath("/soc.cases.v1.CaseService/Nope"), nullptr);
  EXPECT_EQ(MethodOfPath("/soc.cases.v1.Nope/GetCase"), nullptr);
  EXPECT_EQ(MethodOfPath("soc.cases.v1.CaseService/GetCase"), nullptr);
  EXPECT_EQ(MethodOfPath("/soc.cases.v1.CaseService/GetCase/x"), nullptr);
  EXPECT_EQ(MethodOfPath("/"), nullptr);
}

TEST(ConnectBodyTest, JsonBecomesTheBinaryRequest) {
  auto bytes = RequestToBinary(*::soc::cases::v1::GetCaseRequest::descriptor(), true,
                               R"({"name":"tenants/t/cases/c"})");
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  ::soc::cases::v1::GetCaseRequest request;
  ASSERT_TRUE(request.ParseFromString(*bytes));
  EXPECT_EQ(request.name(), "tenants/t/cases/c");
  // An empty body is the empty message.
  auto empty = RequestToBinary(*::soc::cases::v1::GetCaseRequest::descriptor(), true, "");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(ConnectBodyTest, UnknownFieldsWrongTypesAndBadJsonAreRefusedNamingTheProblem) {
  const auto& type = *::soc::cases::v1::GetCaseRequest::descriptor();
  auto unknown = RequestToBinary(type, true, R"({"name":"x","nmae":"y"})");
  ASSERT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(unknown.status().message()), HasSubstr("nmae"));
  auto wrong_type = RequestToBinary(type, true, R"({"name":17})");
  EXPECT_EQ(wrong_type.status().code(), absl::StatusCode::kInvalidArgument);
  auto malformed = RequestToBinary(type, true, R"({"name":)");
  EXPECT_EQ(malformed.status().code(), absl::StatusCode::kInvalidArgument);
  auto not_object = RequestToBinary(type, true, R"([1,2])");
  EXPECT_EQ(not_object.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ConnectBodyTest, ResponsesUseTheJsonMappingsCamelCaseNames) {
  ::soc::cases::v1::Case c;
  c.set_name("tenants/t/cases/c");
  c.set_display_name("Phish \"x\"");
  auto json =
      ResponseFromBinary(*::soc::cases::v1::Case::descriptor(), true, c.SerializeAsString());
  ASSERT_TRUE(json.ok());
  EXPECT_THAT(*json, HasSubstr(R"("displayName":"Phish \"x\"")"));
  EXPECT_FALSE(ResponseFromBinary(*::soc::cases::v1::Case::descriptor(), true, "\xff\xff").ok());
}

TEST(ConnectErrorTest, TheErrorCarriesCodeMessageAndEachDetailWithItsDebugJson) {
  const grpc::Status status =
      ToGrpcStatus(InvalidField("case.display_name", "must be 1-120 \"plain\" chars"));
  const std::string json = ErrorJson(status);
  const google::protobuf::Struct parsed = ParseJson(json);
  EXPECT_EQ(parsed.fields().at("code").string_value(), "invalid_argument");
  EXPECT_THAT(parsed.fields().at("message").string_value(), HasSubstr("\"plain\""));
  const auto& details = parsed.fields().at("details").list_value().values();
  ASSERT_EQ(details.size(), 1);
  const auto& detail = details[0].struct_value().fields();
  EXPECT_EQ(detail.at("type").string_value(), "google.rpc.BadRequest");
  EXPECT_FALSE(detail.at("value").string_value().empty());
  EXPECT_EQ(detail.at("value").string_value().back() == '=', false);
  const auto& violation = detail.at("debug")
                              .struct_value()
                              .fields()
                              .at("fieldViolations")
                              .list_value()
                              .values(0)
                              .struct_value()
                              .fields();
  EXPECT_EQ(violation.at("field").string_value(), "case.display_name");
}

TEST(ConnectErrorTest, CodesMapToTheSpecsHttpStatuses) {
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::INVALID_ARGUMENT), 400);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::FAILED_PRECONDITION), 400);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::UNAUTHENTICATED), 401);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::PERMISSION_DENIED), 403);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::NOT_FOUND), 404);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::ABORTED), 409);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::RESOURCE_EXHAUSTED), 429);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::CANCELLED), 499);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::UNIMPLEMENTED), 501);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::UNAVAILABLE), 503);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::DEADLINE_EXCEEDED), 504);
  EXPECT_EQ(HttpStatusOf(grpc::StatusCode::DATA_LOSS), 500);
  EXPECT_EQ(CodeName(grpc::StatusCode::CANCELLED), "canceled");
  EXPECT_EQ(EndOfStreamJson(grpc::Status::OK), "{}");
  EXPECT_THAT(EndOfStreamJson(grpc::Status(grpc::StatusCode::UNAVAILABLE, "x")),
              HasSubstr(R"({"error":{"code":"unavailable")"));
}

TEST(ConnectErrorTest, GrpcWebTrailersPercentEncodeTheMessageAndCarryDetails) {
  const std::string trailers =
      GrpcWebTrailers(ToGrpcStatus(absl::NotFoundError("case 100% gone\né")));
  EXPECT_THAT(trailers, HasSubstr("grpc-status: 5\r\n"));
  EXPECT_THAT(trailers, HasSubstr("grpc-message: case 100%25 gone%0A%C3%A9\r\n"));
  EXPECT_THAT(trailers, HasSubstr("grpc-status-details-bin: "));
  EXPECT_EQ(GrpcWebTrailers(grpc::Status::OK), "grpc-status: 0\r\n");
}

TEST(ConnectEnvelopeTest, OneWholeEnvelopeIsTheRequest) {
  const std::string body = Envelope(0, "hello");
  ASSERT_EQ(body.size(), 10u);
  EXPECT_EQ(body.substr(0, 5), std::string("\0\0\0\0\5", 5));
  auto frame = ParseSingleEnvelope(body, 100);
  ASSERT_TRUE(frame.ok());
  EXPECT_EQ(frame->payload, "hello");
  EXPECT_TRUE(ParseSingleEnvelope(Envelope(kFlagCompressed, "x"), 100).ok());
}

TEST(ConnectEnvelopeTest, ShortLongLyingAndFlaggedEnvelopesAreRefused) {
  EXPECT_EQ(ParseSingleEnvelope("", 100).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(ParseSingleEnvelope(std::string("\0\0\0", 3), 100).ok());
  EXPECT_FALSE(ParseSingleEnvelope(Envelope(0, "hello") + "x", 100).ok());
  EXPECT_FALSE(ParseSingleEnvelope(Envelope(0, "hello").substr(0, 8), 100).ok());
  EXPECT_FALSE(ParseSingleEnvelope(Envelope(0, "hello"), 4).ok());
  EXPECT_FALSE(ParseSingleEnvelope(Envelope(kFlagEndOfStream, "{}"), 100).ok());
  EXPECT_FALSE(ParseSingleEnvelope(Envelope(kFlagTrailers, ""), 100).ok());
  EXPECT_FALSE(ParseSingleEnvelope(std::string("\0\xff\xff\xff\xff", 5), 100).ok());
}

TEST(ConnectTimeoutTest, BothHeadersParseAndRefuseJunk) {
  EXPECT_EQ(*ParseConnectTimeout("1500"), absl::Milliseconds(1500));
  EXPECT_FALSE(ParseConnectTimeout("").ok());
  EXPECT_FALSE(ParseConnectTimeout("-5").ok());
  EXPECT_FALSE(ParseConnectTimeout("12345678901").ok());
  EXPECT_FALSE(ParseConnectTimeout("1.5").ok());
  EXPECT_EQ(*ParseGrpcTimeout("10S"), absl::Seconds(10));
  EXPECT_EQ(*ParseGrpcTimeout("250m"), absl::Milliseconds(250));
  EXPECT_EQ(*ParseGrpcTimeout("1H"), absl::Hours(1));
  EXPECT_FALSE(ParseGrpcTimeout("10").ok());
  EXPECT_FALSE(ParseGrpcTimeout("S").ok());
  EXPECT_FALSE(ParseGrpcTimeout("123456789S").ok());
  EXPECT_FALSE(ParseGrpcTimeout("10x").ok());
}

TEST(ConnectGzipTest, RoundTripsAndStopsAtTheLimit) {
  const std::string text(100000, 'a');
  const std::string packed = Gzip(text);
  EXPECT_LT(packed.size(), 1000u);
  EXPECT_EQ(*Gunzip(packed, 200000), text);
  EXPECT_EQ(Gunzip(packed, 50000).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(Gunzip("not gzip", 1000).ok());
  EXPECT_FALSE(Gunzip(packed.substr(0, packed.size() / 2), 200000).ok());
}

}  // namespace
}  // namespace cases::server::connect
