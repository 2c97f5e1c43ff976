// The HTTP bridge end to end: a real casesd with --http_listen, called over HTTP/1.1
// with the Connect protocol (JSON and binary, unary and server streaming) and
// gRPC-Web, and with every kind of bad request. What the bridge answers is
// compared with what native gRPC answers for the same call.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <httplib.h>

#include <atomic>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "server/connect_protocol.h"
#include "tests/integration/case_service_fixture.h"

namespace cases::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kOrigin[] = "https://console.example";

google::protobuf::Struct Json(const std::string& text) {
  google::protobuf::Struct out;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(text, &out).ok()) << text;
  return out;
}

std::string Field(const google::protobuf::Struct& s, const std::string& key) {
  auto it = s.fields().find(key);
  return it == s.fields().end() ? "" : it->second.string_value();
}

// The frames of an enveloped body: (flags, payload).
std::vector<std::pair<int, std::string>> Frames(absl::string_view body) {
  std::vector<std::pair<int, std::string>> out;
  while (body.size() >= 5) {
    const uint32_t size = (static_cast<uint8_t>(body[1]) << 24) |
                          (static_cast<uint8_t>(body[2]) << 16) |
                          (static_cast<uint8_t>(body[3]) << 8) | static_cast<uint8_t>(body[4]);
    if (body.size() < 5 + size) {
      break;
    }
    out.emplace_back(static_cast<uint8_t>(body[0]), std::string(body.substr(5, size)));
    body.remove_prefix(5 + size);
  }
  return out;
}

class HttpBridgeTest : public CaseServiceTest {
 protected:
  HttpBridgeTest()
      : CaseServiceTest({"--http_listen=127.0.0.1:0", absl::StrCat("--cors_origins=", kOrigin)}) {}

  void SetUp() override {
    CaseServiceTest::SetUp();
    port_ = world_.casesd().HttpPort();
    ASSERT_GT(port_, 0);
  }

  httplib::Client Client() {
    httplib::Client client("127.0.0.1", port_);
    client.set_read_timeout(10, 0);
    return client;
  }

  httplib::Result Call(const std::string& path, const std::string& body,
                       const std::string& content_type = "application/json",
                       httplib::Headers headers = {}, const std::string& token = "") {
    headers.emplace("authorization", "Bearer " + (token.empty() ? admin_ : token));
    return Client().Post(path.c_str(), headers, body, content_type.c_str());
  }

  long long CaseRows() { return world_.db().QueryInt("SELECT COUNT(*) FROM cases"); }

  int port_ = 0;
};

TEST_F(HttpBridgeTest, ConnectJsonCreatesAndReadsTheCaseGrpcSees) {
  auto created = Call("/soc.cases.v1.CaseService/CreateCase",
                      absl::StrCat(R"({"parent":")", tenant_,
                                   R"(","case":{"displayName":"Beaconing from host-7",)"
                                   R"("severity":"SEVERITY_HIGH"}})"));
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 200) << created->body;
  EXPECT_EQ(created->get_header_value("content-type"), "application/json");
  const auto c = Json(created->body);
  const std::string name = Field(c, "name");
  EXPECT_EQ(Field(c, "displayName"), "Beaconing from host-7");
  EXPECT_EQ(Field(c, "severity"), "SEVERITY_HIGH");

  v1::Case native;
  ASSERT_TRUE(Get(name, &native).ok());
  EXPECT_EQ(native.display_name(), "Beaconing from host-7");
  auto fetched =
      Call("/soc.cases.v1.CaseService/GetCase", absl::StrCat(R"({"name":")", name, "\"}"));
  ASSERT_TRUE(fetched);
  ASSERT_EQ(fetched->status, 200);
  std::string expected;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(native, &expected).ok());
  EXPECT_EQ(fetched->body, expected);
  // The access log names the HTTP client, not the in-process channel.
  EXPECT_THAT(world_.casesd().Log(), HasSubstr("\"peer\":\"http:127.0.0.1:"));
}

TEST_F(HttpBridgeTest, ConnectBinaryAndGzipCarryTheSameMessages) {
  const v1::Case c = MustCreate(NewCase("Binary body"));
  v1::GetCaseRequest request;
  request.set_name(c.name());
  auto binary =
      Call("/soc.cases.v1.CaseService/GetCase", request.SerializeAsString(), "application/proto");
  ASSERT_TRUE(binary);
  ASSERT_EQ(binary->status, 200);
  EXPECT_EQ(binary->get_header_value("content-type"), "application/proto");
  v1::Case got;
  ASSERT_TRUE(got.ParseFromString(binary->body));
  EXPECT_EQ(got.SerializeAsString(), c.SerializeAsString());

  // A gzip request body, and a large response gzipped when asked for.
  const std::string json = absl::StrCat(R"({"parent":")", tenant_, R"(","pageSize":50})");
  for (int i = 0; i < 12; ++i) {
    MustCreate(NewCase(absl::StrCat("Filler case ", i)));
  }
  httplib::Client client = Client();
  client.set_decompress(false);
  auto listed = client.Post("/soc.cases.v1.CaseService/ListCases",
                            {{"authorization", "Bearer " + admin_},
                             {"content-encoding", "gzip"},
                             {"accept-encoding", "gzip"}},
                            server::connect::Gzip(json), "application/json");
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->status, 200) << listed->body;
  EXPECT_EQ(listed->get_header_value("content-encoding"), "gzip");
  auto inflated = server::connect::Gunzip(listed->body, 1 << 20);
  ASSERT_TRUE(inflated.ok());
  EXPECT_THAT(*inflated, HasSubstr("Filler case 11"));
}

TEST_F(HttpBridgeTest, ErrorsAreConnectErrorsWithTheSameDetailsAsGrpc) {
  const long long before = CaseRows();
  auto bad =
      Call("/soc.cases.v1.CaseService/CreateCase",
           absl::StrCat(R"({"parent":")", tenant_, R"(","case":{"displayName":"<script>"}})"));
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(bad->get_header_value("content-type"), "application/json");
  const auto error = Json(bad->body);
  EXPECT_EQ(Field(error, "code"), "invalid_argument");
  const auto& details = error.fields().at("details").list_value().values();
  ASSERT_FALSE(details.empty());
  const auto& detail = details[0].struct_value();
  EXPECT_EQ(Field(detail, "type"), "google.rpc.BadRequest");
  // "value" is the binary detail, "debug" its JSON.
  std::string value;
  ASSERT_TRUE(absl::Base64Unescape(Field(detail, "value"), &value));
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(bad_request.ParseFromString(value));
  ASSERT_GT(bad_request.field_violations_size(), 0);
  EXPECT_EQ(bad_request.field_violations(0).field(), "case.display_name");
  EXPECT_THAT(bad->body, HasSubstr(R"("field":"case.display_name")"));
  EXPECT_EQ(CaseRows(), before);

  // No token: 401 unauthenticated; an unreachable tenant: 403 with its reason.
  auto anonymous =
      Client().Post("/soc.cases.v1.CaseService/GetCase", R"({"name":"x"})", "application/json");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
  EXPECT_EQ(Field(Json(anonymous->body), "code"), "unauthenticated");
  auto foreign =
      Call("/soc.cases.v1.CaseService/ListCases",
           absl::StrCat(R"({"parent":")", world_.foreign_customer[Licence::kPresent], "\"}"));
  ASSERT_TRUE(foreign);
  EXPECT_EQ(foreign->status, 403);
  EXPECT_THAT(foreign->body, HasSubstr("TENANT_NOT_REACHABLE"));
}

TEST_F(HttpBridgeTest, BadJsonIsRefusedNamingTheProblemAndWritesNothing) {
  const long long before = CaseRows();
  const std::string create = "/soc.cases.v1.CaseService/CreateCase";
  struct Bad {
    std::string body;
    std::string says;
  };
  const std::vector<Bad> bad = {
      {absl::StrCat(R"({"parent":")", tenant_, R"(","case":{"displayName":"x","colour":"red"}})"),
       "colour"},
      {absl::StrCat(R"({"parent":")", tenant_, R"(","case":{"displayName":17}})"), "display_name"},
      {R"({"parent":)", "JSON"},
      {R"(["a"])", "JSON"},
      {absl::StrCat(R"({"parent":")", tenant_, R"(","case":{"severity":"SEVERITY_HUGE"}})"),
       "SEVERITY_HUGE"},
  };
  for (const Bad& b : bad) {
    auto r = Call(create, b.body);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << b.body;
    const auto error = Json(r->body);
    EXPECT_EQ(Field(error, "code"), "invalid_argument") << r->body;
    EXPECT_THAT(Field(error, "message"), HasSubstr(b.says)) << r->body;
    EXPECT_THAT(r->body, HasSubstr(R"("field":"body")"));
  }
  // Binary garbage is the service's to refuse, with the same error shape.
  auto garbage = Call(create, "\xff\xff\xff", "application/proto");
  ASSERT_TRUE(garbage);
  EXPECT_EQ(garbage->status, 400);
  EXPECT_EQ(Field(Json(garbage->body), "code"), "invalid_argument");
  EXPECT_EQ(CaseRows(), before);
  // The refusals are calls in the access log, under their method.
  EXPECT_THAT(world_.casesd().Log(),
              HasSubstr("\"method\":\"/soc.cases.v1.CaseService/CreateCase\""));
}

TEST_F(HttpBridgeTest, PathsVerbsTypesSizesAndTimeoutsGetTheirHttpStatus) {
  auto unknown = Call("/soc.cases.v1.CaseService/Nope", "{}");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(Field(Json(unknown->body), "code"), "not_found");

  auto get = Client().Get("/soc.cases.v1.CaseService/GetCase");
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 405);
  EXPECT_EQ(get->get_header_value("allow"), "POST");

  auto text = Call("/soc.cases.v1.CaseService/GetCase", "{}", "text/plain");
  ASSERT_TRUE(text);
  EXPECT_EQ(text->status, 415);
  EXPECT_THAT(text->body, HasSubstr("content-type"));
  // A unary method over the streaming content type, and the reverse.
  auto mismatched = Call("/soc.cases.v1.CaseService/GetCase", server::connect::Envelope(0, "{}"),
                         "application/connect+json");
  ASSERT_TRUE(mismatched);
  EXPECT_EQ(mismatched->status, 415);

  auto huge = Call("/soc.cases.v1.CaseService/GetCase",
                   absl::StrCat(R"({"name":")", std::string(5 << 20, 'a'), "\"}"));
  if (huge) {  // the server may close before the client has sent it all
    EXPECT_EQ(huge->status, 413);
    EXPECT_EQ(Field(Json(huge->body), "code"), "resource_exhausted");
  }

  auto bad_timeout = Call("/soc.cases.v1.CaseService/GetCase", R"({"name":"x"})",
                          "application/json", {{"connect-timeout-ms", "soon"}});
  ASSERT_TRUE(bad_timeout);
  EXPECT_EQ(bad_timeout->status, 400);
  EXPECT_THAT(bad_timeout->body, HasSubstr("connect-timeout-ms"));

  auto version = Call("/soc.cases.v1.CaseService/GetCase", R"({"name":"x"})", "application/json",
                      {{"connect-protocol-version", "2"}});
  ASSERT_TRUE(version);
  EXPECT_EQ(version->status, 400);

  // The listener is still healthy after all of that.
  const v1::Case c = MustCreate(NewCase("Still serving"));
  auto ok =
      Call("/soc.cases.v1.CaseService/GetCase", absl::StrCat(R"({"name":")", c.name(), "\"}"));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST_F(HttpBridgeTest, CorsAllowsOnlyTheConfiguredOrigins) {
  httplib::Client client = Client();
  auto preflight =
      client.Options("/soc.cases.v1.CaseService/GetCase",
                     {{"origin", kOrigin},
                      {"access-control-request-method", "POST"},
                      {"access-control-request-headers", "authorization,content-type"}});
  ASSERT_TRUE(preflight);
  EXPECT_EQ(preflight->status, 204);
  EXPECT_EQ(preflight->get_header_value("access-control-allow-origin"), kOrigin);
  EXPECT_THAT(preflight->get_header_value("access-control-allow-headers"),
              HasSubstr("authorization"));
  EXPECT_THAT(preflight->get_header_value("access-control-allow-methods"), HasSubstr("POST"));

  const v1::Case c = MustCreate(NewCase("Seen from the console"));
  auto allowed =
      Call("/soc.cases.v1.CaseService/GetCase", absl::StrCat(R"({"name":")", c.name(), "\"}"),
           "application/json", {{"origin", kOrigin}});
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->status, 200);
  EXPECT_EQ(allowed->get_header_value("access-control-allow-origin"), kOrigin);
  EXPECT_THAT(allowed->get_header_value("access-control-expose-headers"),
              HasSubstr("grpc-status-details-bin"));

  const long long before = CaseRows();
  auto denied = Call("/soc.cases.v1.CaseService/CreateCase",
                     absl::StrCat(R"({"parent":")", tenant_, R"(","case":{"displayName":"x"}})"),
                     "application/json", {{"origin", "https://evil.example"}});
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 403);
  EXPECT_FALSE(denied->has_header("access-control-allow-origin"));
  EXPECT_THAT(denied->body, HasSubstr("ORIGIN_NOT_ALLOWED"));
  EXPECT_EQ(CaseRows(), before);
}

TEST_F(HttpBridgeTest, GrpcWebUnaryAnswersWithAMessageAndTrailers) {
  const v1::Case c = MustCreate(NewCase("Over gRPC-Web"));
  v1::GetCaseRequest request;
  request.set_name(c.name());
  auto r = Call("/soc.cases.v1.CaseService/GetCase",
                server::connect::Envelope(0, request.SerializeAsString()),
                "application/grpc-web+proto", {{"x-grpc-web", "1"}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  auto frames = Frames(r->body);
  ASSERT_EQ(frames.size(), 2u);
  v1::Case got;
  ASSERT_TRUE(got.ParseFromString(frames[0].second));
  EXPECT_EQ(got.display_name(), "Over gRPC-Web");
  EXPECT_EQ(frames[1].first, 0x80);
  EXPECT_THAT(frames[1].second, HasSubstr("grpc-status: 0"));

  // Errors travel in the trailers, with the details; -text bodies are base64.
  request.set_name(absl::StrCat(tenant_, "/cases/", IdToText(NewIdBytes())));
  auto missing = Call("/soc.cases.v1.CaseService/GetCase",
                      absl::Base64Escape(server::connect::Envelope(0, request.SerializeAsString())),
                      "application/grpc-web-text");
  ASSERT_TRUE(missing);
  ASSERT_EQ(missing->status, 200);
  std::string decoded;
  ASSERT_TRUE(absl::Base64Unescape(missing->body, &decoded));
  auto error_frames = Frames(decoded);
  ASSERT_EQ(error_frames.size(), 1u);
  EXPECT_THAT(error_frames[0].second, HasSubstr("grpc-status: 5"));
  EXPECT_THAT(error_frames[0].second, HasSubstr("grpc-status-details-bin: "));

  // A lying envelope is refused in the trailers too.
  auto lying = Call("/soc.cases.v1.CaseService/GetCase",
                    std::string("\0\0\0\0\x50"
                                "abc",
                                8),
                    "application/grpc-web+proto");
  ASSERT_TRUE(lying);
  EXPECT_THAT(lying->body, HasSubstr("grpc-status: 3"));
}

TEST_F(HttpBridgeTest, AConnectStreamDeliversLiveMessagesAndEndsWithItsStatus) {
  const v1::ServiceRequest sr = MustOpenMdrRequest("Stream me");
  v1::CreateMessageRequest post;
  post.set_parent(sr.name());
  post.mutable_message()->set_body("first, before the stream");
  v1::Message posted;
  ASSERT_TRUE(
      world_.stubs().requests->CreateMessage(World::Context(admin_).get(), post, &posted).ok());

  // Read the stream on a thread until the live message arrives.
  Mutex mu;
  std::string received;
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    httplib::Client client = Client();
    httplib::Request request;
    request.method = "POST";
    request.path = "/soc.cases.v1.ServiceRequestService/StreamMessages";
    request.headers = {{"authorization", "Bearer " + admin_},
                       {"content-type", "application/connect+json"}};
    request.body = server::connect::Envelope(0, absl::StrCat(R"({"parent":")", sr.name(), "\"}"));
    request.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
      MutexLock lock(&mu);
      received.append(data, n);
      return !stop.load();
    };
    httplib::Response response;
    httplib::Error error;
    client.send(request, response, error);
  });
  auto frames_now = [&] {
    MutexLock lock(&mu);
    return Frames(received);
  };
  ASSERT_TRUE(WaitFor([&] { return frames_now().size() >= 1; }, absl::Seconds(10)));
  post.mutable_message()->set_body("second, live");
  ASSERT_TRUE(
      world_.stubs().requests->CreateMessage(World::Context(admin_).get(), post, &posted).ok());
  ASSERT_TRUE(WaitFor([&] { return frames_now().size() >= 2; }, absl::Seconds(10)));
  stop = true;
  reader.join();
  const auto frames = frames_now();
  EXPECT_EQ(frames[0].first, 0);
  EXPECT_EQ(Field(Json(frames[0].second), "body"), "first, before the stream");
  EXPECT_EQ(Field(Json(frames[1].second), "body"), "second, live");

  // A stream the caller may not open ends at once with an end-of-stream error.
  auto denied = Client().Post(
      "/soc.cases.v1.ServiceRequestService/StreamMessages", {{"authorization", "Bearer junk"}},
      server::connect::Envelope(0, absl::StrCat(R"({"parent":")", sr.name(), "\"}")),
      "application/connect+json");
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 200);
  auto end = Frames(denied->body);
  ASSERT_EQ(end.size(), 1u);
  EXPECT_EQ(end[0].first, 0x02);
  EXPECT_THAT(end[0].second, HasSubstr(R"("code":"unauthenticated")"));
  // A stream request without an envelope.
  auto raw = Call("/soc.cases.v1.ServiceRequestService/StreamMessages",
                  absl::StrCat(R"({"parent":")", sr.name(), "\"}"), "application/connect+json");
  ASSERT_TRUE(raw);
  EXPECT_THAT(raw->body, HasSubstr(R"("code":"invalid_argument")"));
}

}  // namespace
}  // namespace cases::testing
