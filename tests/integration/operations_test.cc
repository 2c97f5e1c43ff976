// What operators rely on: /metrics, the JSON access log, and that neither
// tokens nor message bodies ever reach the log.
#include <httplib.h>

#include <regex>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "tests/integration/world.h"

namespace cases::testing {
namespace {

class OperationsTest : public ::testing::Test {
 protected:
  OperationsTest() : world_({"--metrics_listen=127.0.0.1:0"}) {}

  World world_;
};

TEST_F(OperationsTest, MetricsCountCallsByMethodAndCode) {
  ASSERT_TRUE(world_.ok());
  const std::string tenant = world_.customer[Licence::kPresent];
  v1::ListCasesRequest list;
  list.set_parent(tenant);
  v1::ListCasesResponse cases;
  ASSERT_TRUE(
      world_.stubs()
          .cases
          ->ListCases(World::Context(world_.Token("TENANT_ADMIN", tenant)).get(), list, &cases)
          .ok());
  grpc::ClientContext anonymous;
  EXPECT_FALSE(world_.stubs().cases->ListCases(&anonymous, list, &cases).ok());

  const int port = world_.casesd().MetricsPort();
  ASSERT_GT(port, 0);
  httplib::Client http("127.0.0.1", port);
  auto response = http.Get("/metrics");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  const std::string& body = response->body;
  EXPECT_NE(body.find("cases_grpc_requests_total{method=\"/soc.cases.v1.CaseService/"
                      "ListCases\",code=\"OK\"} 1"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find("cases_grpc_requests_total{method=\"/soc.cases.v1.CaseService/"
                      "ListCases\",code=\"UNAUTHENTICATED\"} 1"),
            std::string::npos);
  EXPECT_NE(body.find("cases_grpc_request_duration_seconds_bucket{method=\"/"
                      "soc.cases.v1.CaseService/ListCases\",le=\"+Inf\"} 2"),
            std::string::npos);
  for (const char* gauge : {"cases_grpc_in_flight", "cases_db_pool_size", "cases_db_pool_in_use",
                            "cases_db_pool_wait_seconds_total", "cases_streams_open",
                            "cases_retention_deleted_total"}) {
    EXPECT_NE(body.find(absl::StrCat("\n", gauge, " ")), std::string::npos) << gauge;
  }
  // One database host, over the test server's socket, in use.
  EXPECT_TRUE(
      std::regex_search(body, std::regex("\ncases_db_host_in_use\\{host=\"unix:[^\"]+\"\\} 1\n")))
      << body;
  EXPECT_NE(body.find("\ncases_db_host_changes_total 0\n"), std::string::npos);
}

TEST_F(OperationsTest, AccessLogHasOneLinePerCallAndNoSecrets) {
  ASSERT_TRUE(world_.ok());
  const std::string tenant = world_.customer[Licence::kPresent];
  const std::string token = world_.Token("TENANT_ADMIN", tenant, "log-tester");
  v1::CreateServiceRequestRequest create;
  create.set_parent(tenant);
  create.set_request_id("req-for-the-log");
  create.mutable_service_request()->set_type(v1::SERVICE_REQUEST_TYPE_MDR);
  create.mutable_service_request()->set_display_name("Log check");
  v1::ServiceRequest sr;
  ASSERT_TRUE(
      world_.stubs().requests->CreateServiceRequest(World::Context(token).get(), create, &sr).ok());
  v1::CreateMessageRequest post;
  post.set_parent(sr.name());
  post.mutable_message()->set_body("the secret body 7f3a");
  v1::Message message;
  ASSERT_TRUE(
      world_.stubs().requests->CreateMessage(World::Context(token).get(), post, &message).ok());

  const std::string log = world_.casesd().Log();
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      log, m,
      std::regex(
          "\\{[^\\n]*\"msg\":\"access\",\"method\":\"/soc.cases.v1.ServiceRequestService/"
          "CreateServiceRequest\",\"tenant\":\"" +
          tenant +
          "\",\"principal\":\"log-tester\",\"code\":\"OK\","
          "\"latency_ms\":[0-9.]+,\"peer\":\"[^\"]+\",\"request_id\":\"req-for-the-log\"\\}")))
      << log;
  EXPECT_EQ(log.find(token), std::string::npos);
  EXPECT_EQ(log.find(token.substr(token.rfind('.') + 1)),
            std::string::npos);  // not even the signature
  EXPECT_EQ(log.find("the secret body 7f3a"), std::string::npos);
}

}  // namespace
}  // namespace cases::testing
