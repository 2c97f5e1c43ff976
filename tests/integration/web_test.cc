// The web client and the reference console against a real casesd: the console's
// files as the HTTP bridge serves them, the generated ES client's Node test over
// Connect (JSON, binary) and gRPC-Web, and the console driven through Debian's
// Chromium by puppeteer-core (web/test/). The Node tests get the world's address,
// tenants and tokens through the environment.
#include <httplib.h>
#include <stdlib.h>

#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/integration/case_service_fixture.h"

namespace cases::testing {
namespace {

using ::testing::HasSubstr;

class WebTest : public CaseServiceTest {
 protected:
  WebTest()
      : CaseServiceTest(
            {"--http_listen=127.0.0.1:0", "--console_dir=" CASES_BUILD_DIR "/server/console"}) {}

  void SetUp() override {
    CaseServiceTest::SetUp();
    port_ = world_.casesd().HttpPort();
    ASSERT_GT(port_, 0);
  }

  std::string BaseUrl() const { return absl::StrCat("http://127.0.0.1:", port_); }

  // Runs one of web/test's compiled Node tests with the world in its environment;
  // its report is printed when it fails.
  void RunNodeTest(const std::string& name, const std::map<std::string, std::string>& extra) {
    std::map<std::string, std::string> vars = {
        {"CASES_HTTP_URL", BaseUrl()},
        {"CASES_TENANT", tenant_},
        {"CASES_TOKEN", admin_},
        {"CASES_ANALYST_TOKEN", world_.Token("MDR_ANALYST", world_.provider, "mdr-dana")},
        {"CASES_FOREIGN_TENANT", world_.foreign_customer[Licence::kPresent]},
    };
    vars.insert(extra.begin(), extra.end());
    for (const auto& [key, value] : vars) {
      setenv(key.c_str(), value.c_str(), 1);
    }
    std::string report;
    const int rc = RunCommand({"node", "--test", "--test-reporter=spec", "--test-concurrency=1",
                               CASES_SOURCE_DIR "/web/.build/test/" + name},
                              &report);
    EXPECT_EQ(rc, 0) << report;
    EXPECT_THAT(report, HasSubstr("ℹ fail 0"));
  }

  int port_ = 0;
};

TEST_F(WebTest, ConsoleFilesAreServedWithTheirTypesAndNothingElseIsReachable) {
  httplib::Client http("127.0.0.1", port_);
  auto root = http.Get("/");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->status, 302);
  EXPECT_EQ(root->get_header_value("location"), "/console/");
  auto index = http.Get("/console/");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->status, 200);
  EXPECT_EQ(index->get_header_value("content-type"), "text/html; charset=utf-8");
  EXPECT_THAT(index->get_header_value("content-security-policy"), HasSubstr("default-src 'self'"));
  EXPECT_THAT(index->body, HasSubstr("<script type=\"module\" src=\"app.js\">"));
  auto script = http.Get("/console/app.js");
  ASSERT_TRUE(script);
  EXPECT_EQ(script->status, 200);
  EXPECT_EQ(script->get_header_value("content-type"), "text/javascript; charset=utf-8");
  EXPECT_GT(script->body.size(), 10000u);
  // Only the loaded files: no traversal, no other verbs.
  for (const char* path : {"/console/../CMakeCache.txt", "/console/%2e%2e/CMakeCache.txt",
                           "/console//etc/passwd", "/console/nothing.js"}) {
    auto missing = http.Get(path);
    ASSERT_TRUE(missing) << path;
    EXPECT_EQ(missing->status, 404) << path;
  }
  // The console's own calls carry its (same) origin and need no --cors_origins; another
  // origin is still refused.
  auto own = http.Post("/soc.cases.v1.TenancyService/GetCallerIdentity",
                       {{"origin", BaseUrl()}, {"authorization", "Bearer " + admin_}}, "{}",
                       "application/json");
  ASSERT_TRUE(own);
  EXPECT_EQ(own->status, 200) << own->body;
  auto other = http.Post("/soc.cases.v1.TenancyService/GetCallerIdentity",
                         {{"origin", "http://evil.example"}, {"authorization", "Bearer " + admin_}},
                         "{}", "application/json");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 403);
  auto post = http.Post("/console/", "x", "text/plain");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(post->get_header_value("allow"), "GET");
}

TEST_F(WebTest, NodeClientCallsOverConnectJsonConnectBinaryAndGrpcWeb) {
  RunNodeTest("client.test.mjs", {});
}

TEST_F(WebTest, ConsoleWalksBothSeedFlowsAndAServiceRequestInChromium) {
  // The world the walk-through needs: two XDR detections to add to a case, an alert
  // to convert, and a queue.
  v1::IngestDetectionsRequest ingest;
  ingest.set_parent(tenant_);
  const auto add = [&](const std::string& id, const std::string& key, const std::string& title) {
    auto* d = ingest.add_detections();
    d->set_external_id(id);
    d->set_alert_key(key);
    d->set_product(v1::PRODUCT_XDR);
    d->set_severity(v1::SEVERITY_HIGH);
    d->set_title(title);
    d->set_device("web-1");
    d->mutable_detect_time()->set_seconds(absl::ToUnixSeconds(absl::Now()));
  };
  add("cred-1", "credentials", "Credential dumping");
  add("cred-2", "credentials", "Credential dumping");
  add("ransom-1", "ransomware", "Ransomware behaviour");
  v1::IngestDetectionsResponse ingested;
  ASSERT_TRUE(
      world_.stubs()
          .detections
          ->IngestDetections(World::Context(world_.Token("DETECTION_INGESTER", tenant_)).get(),
                             ingest, &ingested)
          .ok());
  for (const auto& r : ingested.results()) {
    ASSERT_EQ(r.state(), v1::INGEST_STATE_CREATED) << r.DebugString();
  }
  v1::CreateQueueRequest queue;
  queue.set_parent(tenant_);
  queue.mutable_queue()->set_display_name("Tier 2");
  v1::Queue made;
  ASSERT_TRUE(world_.stubs().cases->CreateQueue(World::Context(admin_).get(), queue, &made).ok());

  std::filesystem::remove_all(CASES_BUILD_DIR "/console-shots");  // this run's screenshots only
  RunNodeTest(
      "console.test.mjs",
      {{"CASES_CHROMIUM", "/usr/bin/chromium"},
       {"CASES_SHOTS", CASES_BUILD_DIR "/console-shots"},
       {"CASES_PARTNER_TOKEN", world_.Token("PARTNER_SUPER_ADMIN", world_.main_partner, "pat")}});
}

}  // namespace
}  // namespace cases::testing
