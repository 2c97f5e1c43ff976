// The SDK, casectl, the Python client and the installed SDK package, against a
// real server.
#include "cases/client.h"

#include <signal.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "client/casectl/width.h"
#include "common/ids.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "tests/integration/world.h"

namespace cases::testing {
namespace {

using client::CallOptions;
using client::Client;

TEST(RetryPolicyTest, RetriesUnavailableOnlyWhenSafeAndWithinAttempts) {
  CallOptions options;
  const grpc::Status unavailable(grpc::StatusCode::UNAVAILABLE, "down");
  EXPECT_TRUE(client::RetryDelay(unavailable, true, 1, options).has_value());
  EXPECT_FALSE(client::RetryDelay(unavailable, false, 1, options).has_value());
  EXPECT_FALSE(client::RetryDelay(unavailable, true, options.max_attempts, options).has_value());
  EXPECT_FALSE(client::RetryDelay(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad"), true, 1,
                                  options));
  for (int attempt = 1; attempt < options.max_attempts; ++attempt) {
    auto delay = client::RetryDelay(unavailable, true, attempt, options);
    ASSERT_TRUE(delay.has_value());
    EXPECT_LE(*delay, options.max_backoff);
  }
}

TEST(RetryPolicyTest, ServerRetryInfoIsHonoured) {
  google::rpc::RetryInfo retry;
  retry.mutable_retry_delay()->set_seconds(2);
  google::rpc::Status rpc;
  rpc.set_code(grpc::StatusCode::UNAVAILABLE);
  rpc.add_details()->PackFrom(retry);
  const grpc::Status status(grpc::StatusCode::UNAVAILABLE, "busy", rpc.SerializeAsString());
  EXPECT_EQ(client::DetailsOf(status).retry_delay, std::chrono::milliseconds(2000));
  auto delay = client::RetryDelay(status, true, 1, CallOptions{});
  ASSERT_TRUE(delay.has_value());
  EXPECT_GE(*delay, std::chrono::milliseconds(2000));
}

TEST(RetryPolicyTest, CreatesGetARequestIdAndReadsAreSafe) {
  v1::CreateCaseRequest create;
  EXPECT_TRUE(client::PrepareForRetry(&create));
  EXPECT_EQ(create.request_id().size(), 36u);
  const std::string id = create.request_id();
  EXPECT_TRUE(client::PrepareForRetry(&create));
  EXPECT_EQ(create.request_id(), id);  // kept across attempts
  v1::ListCasesRequest list;
  EXPECT_TRUE(client::PrepareForRetry(&list));
  v1::UpdateCaseRequest update;
  EXPECT_FALSE(client::PrepareForRetry(&update));
}

class ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(world_.ok());
    tenant_ = world_.customer[Licence::kPresent];
    token_ = world_.Token("TENANT_ADMIN", tenant_, "sdk-user");
  }
  std::unique_ptr<Client> MakeClient(CallOptions options = {}) {
    client::ChannelOptions channel;
    channel.target = world_.casesd().address();
    return std::make_unique<Client>(client::MakeChannel(channel), token_, options);
  }
  v1::Case CreateCase(Client& c, const std::string& name) {
    v1::CreateCaseRequest request;
    request.set_parent(tenant_);
    request.mutable_case_()->set_display_name(name);
    request.mutable_case_()->set_severity(v1::SEVERITY_MEDIUM);
    v1::Case out;
    grpc::Status s = c.Call(c.cases(), &v1::CaseService::Stub::CreateCase, request, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  World world_;
  std::string tenant_, token_;
};

TEST_F(ClientTest, ListAllFollowsPageTokens) {
  auto c = MakeClient();
  for (int i = 0; i < 25; ++i) {
    CreateCase(*c, absl::StrCat("Case ", i));
  }
  v1::ListCasesRequest request;
  request.set_parent(tenant_);
  request.set_page_size(4);
  request.set_order_by("number");
  auto pager = c->ListAll(c->cases(), &v1::CaseService::Stub::ListCases, request,
                          &v1::ListCasesResponse::cases);
  std::vector<int64_t> numbers;
  for (const v1::Case& x : pager) {
    numbers.push_back(x.number());
  }
  EXPECT_TRUE(pager.status().ok());
  ASSERT_EQ(numbers.size(), 25u);
  EXPECT_EQ(numbers.front(), 1);
  EXPECT_EQ(numbers.back(), 25);
  EXPECT_EQ(pager.pages(), 7);
}

TEST_F(ClientTest, ListAllStopsAtTheFirstErrorAndReportsIt) {
  auto c = MakeClient();
  v1::ListCasesRequest request;
  request.set_parent(world_.foreign_customer[Licence::kPresent]);
  auto pager = c->ListAll(c->cases(), &v1::CaseService::Stub::ListCases, request,
                          &v1::ListCasesResponse::cases);
  int n = 0;
  for (const v1::Case& x : pager) {
    (void)x;
    ++n;
  }
  EXPECT_EQ(n, 0);
  const auto details = client::DetailsOf(pager.status());
  EXPECT_EQ(details.code, grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(details.reason, "TENANT_NOT_REACHABLE");
  EXPECT_EQ(details.domain, "cases.soc");
  EXPECT_EQ(details.metadata.at("tenant"), world_.foreign_customer[Licence::kPresent]);
}

TEST_F(ClientTest, FieldViolationsAreTyped) {
  auto c = MakeClient();
  v1::CreateCaseRequest request;
  request.set_parent(tenant_);
  request.mutable_case_()->set_display_name("{bad}");
  v1::Case out;
  const auto details =
      client::DetailsOf(c->Call(c->cases(), &v1::CaseService::Stub::CreateCase, request, &out));
  EXPECT_EQ(details.code, grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_EQ(details.field_violations.size(), 2u);
  EXPECT_EQ(details.field_violations[0].first, "case.display_name");
}

TEST_F(ClientTest, CallsRetryThroughAServerRestart) {
  CallOptions options;
  options.max_attempts = 30;
  options.max_backoff = std::chrono::milliseconds(300);
  options.deadline = std::chrono::milliseconds(2000);
  auto c = MakeClient(options);
  CreateCase(*c, "Before the restart");
  const int port = world_.casesd().port();
  ASSERT_EQ(world_.casesd().Stop(SIGTERM), 0);
  // While the server is down, a create (with its automatic request_id) and a list
  // wait and retry; they finish once a server listens on the same port again.
  v1::Case created;
  grpc::Status create_status;
  std::thread caller([&] {
    v1::CreateCaseRequest request;
    request.set_parent(tenant_);
    request.mutable_case_()->set_display_name("During the restart");
    request.mutable_case_()->set_severity(v1::SEVERITY_LOW);
    create_status = c->Call(c->cases(), &v1::CaseService::Stub::CreateCase, request, &created);
  });
  auto replica = world_.StartReplica({absl::StrCat("--listen=127.0.0.1:", port)});
  ASSERT_TRUE(replica->started());
  caller.join();
  EXPECT_TRUE(create_status.ok()) << create_status.error_message();
  EXPECT_EQ(created.number(), 2);
  v1::ListCasesRequest list;
  list.set_parent(tenant_);
  v1::ListCasesResponse cases;
  ASSERT_TRUE(c->Call(c->cases(), &v1::CaseService::Stub::ListCases, list, &cases).ok());
  EXPECT_EQ(cases.cases_size(), 2);  // exactly one case from the retried create
}

TEST_F(ClientTest, PythonClientListsCases) {
  auto c = MakeClient();
  CreateCase(*c, "Seen from Python");
  setenv("PYTHONPATH", CASES_BUILD_DIR "/python", 1);
  std::string out;
  const int rc =
      RunCommand({"/usr/bin/python3", CASES_SOURCE_DIR "/client/python/examples/list_cases.py",
                  "--addr", world_.casesd().address(), "--token", token_, "--parent", tenant_},
                 &out);
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(out, "CASE-1 Seen from Python\n");
}

TEST_F(ClientTest, PythonClientFollowsTheChangeFeedFromAPointInIt) {
  auto c = MakeClient();
  const v1::Case made = CreateCase(*c, "Followed");
  v1::ListActivitiesRequest list;
  list.set_parent(tenant_);
  list.set_filter("resource = \"" + made.name() + "\"");
  v1::ListActivitiesResponse feed;
  ASSERT_TRUE(
      c->Call(c->activities(), &v1::ActivityService::Stub::ListActivities, list, &feed).ok());
  ASSERT_EQ(feed.activities_size(), 1);
  v1::UpdateCaseRequest update;
  update.mutable_case_()->set_name(made.name());
  update.mutable_case_()->set_assignee("erin");
  update.mutable_update_mask()->add_paths("assignee");
  v1::Case updated;
  ASSERT_TRUE(c->Call(c->cases(), &v1::CaseService::Stub::UpdateCase, update, &updated).ok());
  setenv("PYTHONPATH", CASES_BUILD_DIR "/python", 1);
  std::string out;
  const int rc = RunCommand({"timeout", "20", "/usr/bin/python3",
                             CASES_SOURCE_DIR "/client/python/examples/follow_activities.py",
                             "--addr", world_.casesd().address(), "--token", token_, "--parent",
                             tenant_, "--filter", "resource = \"" + made.name() + "\"",
                             "--start-after", feed.activities(0).name(), "--count", "1"},
                            &out);
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(out, "CASE_UPDATED " + made.name() + " by sdk-user\n");
}

TEST_F(ClientTest, PythonClientFindsACaseByTextAndReadsItsNotebook) {
  auto c = MakeClient();
  const v1::Case made = CreateCase(*c, "Lateral movement");
  CreateCase(*c, "Unrelated");
  v1::CreateCaseNoteRequest note;
  note.set_parent(made.name());
  note.mutable_note()->set_body("psexec from the jump host");
  v1::CaseNote created;
  ASSERT_TRUE(c->Call(c->cases(), &v1::CaseService::Stub::CreateCaseNote, note, &created).ok());
  setenv("PYTHONPATH", CASES_BUILD_DIR "/python", 1);
  std::string out;
  EXPECT_EQ(
      RunCommand(
          {"/usr/bin/python3", CASES_SOURCE_DIR "/client/python/examples/investigate.py", "--addr",
           world_.casesd().address(), "--token", token_, "--parent", tenant_, "--text", "psexec"},
          &out),
      0);
  EXPECT_THAT(out, ::testing::StartsWith("CASE-1 Lateral movement (Customer present)\n"));
  EXPECT_THAT(out, ::testing::HasSubstr("note by sdk-user: psexec from the jump host"));
  EXPECT_THAT(out, ::testing::Not(::testing::HasSubstr("Unrelated")));
}

TEST_F(ClientTest, PythonClientSavesACaseRuleAndListsTheCasesItOpened) {
  setenv("PYTHONPATH", CASES_BUILD_DIR "/python", 1);
  std::string out;
  ASSERT_EQ(
      RunCommand({"/usr/bin/python3", CASES_SOURCE_DIR "/client/python/examples/case_rules.py",
                  "--addr", world_.casesd().address(), "--token", token_, "--parent", tenant_,
                  "--filter", "severity >= HIGH"},
                 &out),
      0)
      << out;
  EXPECT_THAT(out, ::testing::StartsWith("saved tenants/"));
  // Ingest one matching detection; the example then lists the case the rule opened.
  v1::IngestDetectionsRequest ingest;
  ingest.set_parent(tenant_);
  auto* d = ingest.add_detections();
  d->set_external_id("py-1");
  d->set_alert_key("py");
  d->set_product(v1::PRODUCT_XDR);
  d->set_severity(v1::SEVERITY_CRITICAL);
  d->set_title("Ransomware note written");
  d->mutable_detect_time()->set_seconds(absl::ToUnixSeconds(absl::Now()));
  v1::IngestDetectionsResponse ingested;
  Client ingester(world_.casesd().Channel(), world_.Token("DETECTION_INGESTER", tenant_));
  ASSERT_TRUE(ingester
                  .Call(ingester.detections(), &v1::DetectionService::Stub::IngestDetections,
                        ingest, &ingested)
                  .ok());
  out.clear();
  ASSERT_EQ(
      RunCommand({"/usr/bin/python3", CASES_SOURCE_DIR "/client/python/examples/case_rules.py",
                  "--addr", world_.casesd().address(), "--token", token_, "--parent", tenant_},
                 &out),
      0)
      << out;
  EXPECT_THAT(out, ::testing::HasSubstr("1 matches"));
  EXPECT_THAT(out, ::testing::HasSubstr("CASE-1 Auto: Ransomware note written"));
}

TEST_F(ClientTest, PythonToolingReadsErrorInfoAndBadRequest) {
  setenv("PYTHONPATH", CASES_BUILD_DIR "/python", 1);
  std::string out;
  EXPECT_EQ(RunCommand({"/usr/bin/python3", CASES_SOURCE_DIR "/client/python/examples/errors.py",
                        "--addr", world_.casesd().address(), "--token", token_, "--parent", tenant_,
                        "--filter", "colour = red"},
                       &out),
            1);
  EXPECT_THAT(out, ::testing::StartsWith("INVALID_ARGUMENT: filter: unknown field 'colour'"));
  EXPECT_THAT(out, ::testing::HasSubstr("\nfield filter: unknown field 'colour'"));
  out.clear();
  EXPECT_EQ(RunCommand({"/usr/bin/python3", CASES_SOURCE_DIR "/client/python/examples/errors.py",
                        "--addr", world_.casesd().address(), "--token", token_, "--parent",
                        world_.foreign_customer[Licence::kPresent]},
                       &out),
            1);
  EXPECT_THAT(out, ::testing::HasSubstr("\nreason TENANT_NOT_REACHABLE (cases.soc)\n"));
}

TEST_F(ClientTest, InstalledPackageBuildsAndRunsTheExample) {
#ifdef CASES_SANITIZED
  GTEST_SKIP() << "the installed library is instrumented; the example is not";
#endif
  auto c = MakeClient();
  CreateCase(*c, "Seen from the installed SDK");
  const std::string prefix = ::testing::TempDir() + "/sdk-install-" + std::to_string(getpid());
  const std::string build = prefix + "-example";
  ASSERT_EQ(RunCommand({"cmake", "--install", CASES_BUILD_DIR, "--prefix", prefix}), 0);
  ASSERT_EQ(RunCommand({"cmake", "-S", CASES_SOURCE_DIR "/client/examples", "-B", build,
                        "-DCMAKE_PREFIX_PATH=" + prefix}),
            0);
  ASSERT_EQ(RunCommand({"cmake", "--build", build}), 0);
  std::string out;
  EXPECT_EQ(RunCommand({build + "/list_cases", world_.casesd().address(), token_, tenant_}, &out),
            0);
  EXPECT_EQ(out, "CASE-1 Seen from the installed SDK\n");
}

// A scripted casectl session against a live server, compared with a golden
// transcript after ids and times are replaced by placeholders.
// UPDATE_GOLDEN=1 rewrites tests/integration/golden/casectl_session.txt.
class CasectlGoldenTest : public ClientTest {
 protected:
  std::string Run(const std::string& token, std::vector<std::string> args,
                  std::string* out_for_names = nullptr) {
    std::vector<std::string> argv = {CASECTL_PATH, "--addr", world_.casesd().address(), "--token",
                                     token};
    argv.insert(argv.end(), args.begin(), args.end());
    std::string out;
    // stderr joins stdout so the transcript shows errors where they happen.
    const int rc = RunCommand({"/bin/sh", "-c", Quote(argv) + " 2>&1"}, &out);
    if (out_for_names != nullptr) {
      *out_for_names = out;
    }
    std::string shown;
    for (const std::string& a : args) {
      shown += " " + a;
    }
    transcript_ += "$ casectl" + shown + "\n" + out + "[exit " + std::to_string(rc) + "]\n\n";
    return out;
  }
  static std::string Quote(const std::vector<std::string>& argv) {
    std::string out;
    for (const std::string& a : argv) {
      out += " '" + absl::StrReplaceAll(a, {{"'", "'\\''"}}) + "'";
    }
    return out;
  }
  static std::string FirstName(const std::string& text, const std::string& collection) {
    std::smatch m;
    std::regex re("tenants/[0-9a-f-]{36}/" + collection + "/[0-9a-f-]{36}");
    return std::regex_search(text, m, re) ? m.str() : "";
  }
  std::string Normalized() const {
    std::string t = std::regex_replace(
        transcript_, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),
        "<id>");
    t = std::regex_replace(
        t, std::regex("\\d{4}-\\d{2}-\\d{2}[ T]\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z?"), "<time>");
    return t;
  }
  std::string transcript_;
};

TEST_F(CasectlGoldenTest, SlaStatsAndBulkCommandsWorkTheQueue) {
  const std::string owner = world_.Token("TENANT_SUPER_ADMIN", tenant_, "owner");
  std::string out =
      Run(owner, {"sla", "set", tenant_, "--target", "high=1h/24h", "--target", "critical=15m/-"});
  EXPECT_THAT(out, ::testing::HasSubstr("HIGH      1h                  24h"));
  EXPECT_THAT(Run(token_, {"sla", "get", tenant_}),
              ::testing::HasSubstr("CRITICAL  15m                 -"));
  EXPECT_THAT(Run(owner, {"sla", "set", tenant_, "--target", "high=1h"}),
              ::testing::HasSubstr("--target wants SEVERITY=ACK/RESOLVE"));
  std::vector<std::string> names;
  for (const char* n : {"Bulk one", "Bulk two"}) {
    Run(token_, {"cases", "create", "--parent", tenant_, "--name", n, "--severity", "high"}, &out);
    EXPECT_THAT(out, ::testing::HasSubstr("resolve due"));
    names.push_back(FirstName(out, "cases"));
  }
  std::vector<std::string> assign = {"cases", "assign", names[0], names[1], "--to", "erin"};
  out = Run(token_, assign);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 3) << out;
  EXPECT_THAT(out, ::testing::HasSubstr("erin"));
  out = Run(token_, {"cases", "close", names[0], names[1], "--reason", "low_risk"});
  EXPECT_THAT(out, ::testing::HasSubstr("RESOLVED"));
  out = Run(token_, {"cases", "stats", "--parent", tenant_});
  EXPECT_THAT(out, ::testing::ContainsRegex("ALL +2 +0 +0 +0 +2 +0 +2 +0"));
  EXPECT_THAT(out, ::testing::HasSubstr("median time to resolve:"));
  // A partner admin may assign but not close: the batch is refused, naming the item.
  out = Run(world_.Token("PARTNER_ADMIN", world_.main_partner),
            {"cases", "close", names[0], names[1], "--reason", "low_risk"});
  EXPECT_THAT(out, ::testing::HasSubstr("PERMISSION_DENIED: requests[0]"));
}

TEST_F(CasectlGoldenTest, NotesTagsAndTextSearchInvestigateACase) {
  std::string out;
  Run(token_,
      {"cases", "create", "--parent", tenant_, "--name", "Encoded PowerShell", "--severity",
       "high"},
      &out);
  const std::string name = FirstName(out, "cases");
  ASSERT_FALSE(name.empty());
  Run(token_, {"cases", "create", "--parent", tenant_, "--name", "Other", "--severity", "low"});
  out = Run(token_, {"cases", "tag", name, "Phishing", "vip"});
  EXPECT_THAT(out, ::testing::HasSubstr("tags           phishing, vip"));
  out = Run(token_, {"cases", "untag", name, "vip"});
  EXPECT_THAT(out, ::testing::HasSubstr("tags           phishing\n"));
  out = Run(token_, {"cases", "notes", "add", name, "--body", "Found mimikatz on host-7"});
  EXPECT_THAT(out, ::testing::HasSubstr("Found mimikatz on host-7"));
  const std::string note = FirstName(out, "cases/[0-9a-f-]{36}/notes");
  ASSERT_FALSE(note.empty()) << out;
  Run(token_, {"cases", "notes", "edit", note, "--body", "Found mimikatz and rubeus"});
  out = Run(token_, {"cases", "notes", "list", name});
  EXPECT_THAT(out, ::testing::HasSubstr("Found mimikatz and rubeus"));
  // --text finds the case by its note, combined with --filter.
  out = Run(token_, {"cases", "list", "--parent", tenant_, "--text", "rubeus"});
  EXPECT_THAT(out, ::testing::HasSubstr("Encoded PowerShell"));
  EXPECT_THAT(out, ::testing::Not(::testing::HasSubstr("Other")));
  out = Run(token_, {"cases", "list", "--parent", tenant_, "--text", "rubeus", "--filter",
                     "tags:phishing AND severity = LOW"});
  EXPECT_THAT(out, ::testing::Not(::testing::HasSubstr("Encoded PowerShell")));
  EXPECT_THAT(Run(token_, {"cases", "notes", "rm", note}), ::testing::HasSubstr("note removed"));
  EXPECT_THAT(Run(token_, {"cases", "history", name}), ::testing::HasSubstr("NOTE_DELETED"));
}

// The Sophos flow: a rule, an ingest, the case it opened, a later detection joining it.
TEST_F(CasectlGoldenTest, ARuleOpensACaseAtIngestAndALaterDetectionJoinsIt) {
  std::string out =
      Run(token_,
          {"rules", "create", "--parent", tenant_, "--name", "High risk on one device", "--type",
           "self_managed", "--filter", "severity >= HIGH AND mitre_techniques:T1003", "--group-by",
           "device", "--case-name", "{title} on {device}", "--priority", "high", "--tag", "auto"});
  const std::string rule = FirstName(out, "caseRules");
  ASSERT_FALSE(rule.empty()) << out;
  const std::string ingester = world_.Token("DETECTION_INGESTER", tenant_);
  const std::string file = ::testing::TempDir() + "/rule-" + NewIdText() + ".jsonl";
  auto ingest = [&](const std::string& lines) {
    std::ofstream(file) << lines;
    return Run(ingester, {"detections", "ingest", "--parent", tenant_, file});
  };
  ingest(
      R"({"externalId":"s-1","alertKey":"lsass","product":"PRODUCT_XDR","severity":"SEVERITY_HIGH",)"
      R"("title":"LSASS dump","device":"ws-7","detectTime":"2026-12-01T10:00:00Z","mitreTechniques":["T1003.001"]})"
      "\n"
      R"({"externalId":"s-2","alertKey":"noise","product":"PRODUCT_XDR","severity":"SEVERITY_LOW",)"
      R"("title":"Noise","device":"ws-7","detectTime":"2026-12-01T10:00:00Z"})"
      "\n");
  out = Run(token_,
            {"cases", "list", "--parent", tenant_, "--filter", "source_rule = \"" + rule + "\""});
  EXPECT_THAT(out, ::testing::HasSubstr("LSASS dump on ws-7"));
  const std::string opened = FirstName(out, "cases");
  ASSERT_FALSE(opened.empty()) << out;
  ingest(
      R"({"externalId":"s-3","alertKey":"creds","product":"PRODUCT_XDR","severity":"SEVERITY_CRITICAL",)"
      R"("title":"SAM hive read","device":"ws-7","detectTime":"2026-12-01T10:00:00Z","mitreTechniques":["T1003.002"]})"
      "\n");
  out = Run(token_, {"cases", "get", opened});
  EXPECT_THAT(out, ::testing::HasSubstr("T1003.001, T1003.002"));
  out = Run(token_, {"cases", "history", opened});
  EXPECT_THAT(out, ::testing::HasSubstr("opened by rule 'High risk on one device'"));
  EXPECT_THAT(out, ::testing::ContainsRegex("DETECTIONS_ADDED +detectionCount: 1 -> 2"));
  EXPECT_THAT(Run(token_, {"rules", "get", rule}),
              ::testing::ContainsRegex("yes +SELF_MANAGED +DEVICE +2 "));
  EXPECT_THAT(Run(token_, {"rules", "disable", rule}), ::testing::ContainsRegex("\nno +SELF"));
  EXPECT_THAT(Run(token_, {"rules", "list", "--parent", tenant_}), ::testing::HasSubstr(rule));
  EXPECT_THAT(Run(token_, {"rules", "rm", rule}), ::testing::HasSubstr("removed " + rule));
}

// The change feed from casectl: a rule-made case and a person's change to it, listed,
// then followed with watch from a point in the feed (it stops when `timeout` ends it).
TEST_F(CasectlGoldenTest, ActivitiesListAndWatchShowTheFeed) {
  std::string out;
  Run(token_, {"cases", "create", "--parent", tenant_, "--name", "Fed case", "--severity", "low"},
      &out);
  const std::string name = FirstName(out, "cases");
  ASSERT_FALSE(name.empty()) << out;
  Run(token_, {"cases", "assign", name, "--to", "erin"});
  out = Run(token_,
            {"activities", "list", "--parent", tenant_, "--filter", "resource = \"" + name + "\""});
  EXPECT_THAT(out, ::testing::ContainsRegex("CASE_CREATED +sdk-user +" + name));
  EXPECT_THAT(out, ::testing::ContainsRegex("CASE_UPDATED +sdk-user +" + name));
  const std::string first = FirstName(out, "activities");
  ASSERT_FALSE(first.empty()) << out;
  std::vector<std::string> argv = {
      "timeout",    "3",     CASECTL_PATH, "--addr", world_.casesd().address(), "--token", token_,
      "activities", "watch", "--parent",   tenant_,  "--start-after",           first};
  std::string watched;
  EXPECT_EQ(RunCommand({"/bin/sh", "-c", Quote(argv) + " 2>&1"}, &watched), 124);  // timed out
  EXPECT_THAT(watched, ::testing::ContainsRegex("CASE_UPDATED +sdk-user +" + name));
  EXPECT_THAT(watched, ::testing::Not(::testing::HasSubstr("CASE_CREATED")));
}

TEST_F(CasectlGoldenTest, ScriptedSupportSession) {
  const std::string admin = token_;
  Run(admin, {"whoami"});
  std::string out;
  Run(admin,
      {"cases", "create", "--parent", tenant_, "--name", "Phishing wave", "--severity", "high",
       "--priority", "medium", "--assignee", "alice"},
      &out);
  const std::string name = FirstName(out, "cases");
  ASSERT_FALSE(name.empty());
  Run(admin,
      {"cases", "create", "--parent", tenant_, "--name", "Bad <name>", "--severity", "high"});
  Run(admin, {"cases", "create", "--parent", tenant_, "--name", "No severity"});
  Run(admin, {"cases", "update", name, "--status", "investigating"});
  Run(admin, {"cases", "close", name, "--reason", "other"});
  Run(admin, {"cases", "close", name, "--reason", "other", "--note", "Handled by IT"});
  Run(admin, {"cases", "list", "--parent", tenant_});
  Run(admin, {"cases", "history", name});
  Run(admin, {"--json", "cases", "list", "--parent", tenant_, "--filter", "status = RESOLVED"});
  Run(admin,
      {"requests", "create", "--parent", tenant_, "--type", "mdr", "--name", "Help with host-17"},
      &out);
  const std::string request = FirstName(out, "serviceRequests");
  Run(admin, {"requests", "post", request, "--body", "Please check host-17."});
  Run(world_.Token("MDR_ANALYST", world_.provider, "mdr-analyst"),
      {"requests", "status", request, "--status", "in_progress"});
  Run(admin, {"requests", "messages", request});
  Run(admin, {"cases", "list", "--parent", world_.foreign_customer[Licence::kPresent]});
  Run("not-a-token", {"whoami"});
  Run(admin, {"cases", "remove", name});
  Run(admin, {"cases", "get", name});

  const std::string golden_path = CASES_SOURCE_DIR "/tests/integration/golden/casectl_session.txt";
  if (std::getenv("UPDATE_GOLDEN") != nullptr) {
    std::ofstream(golden_path) << Normalized();
    GTEST_SKIP() << "golden file rewritten";
  }
  std::ifstream in(golden_path);
  std::stringstream golden;
  golden << in.rdbuf();
  EXPECT_EQ(Normalized(), golden.str());
}

}  // namespace
}  // namespace cases::testing

namespace cases::testing {
namespace {

TEST_F(CasectlGoldenTest, ListsStopAtTheLimitAndShowTenantsAlignedByWidth) {
  auto c = MakeClient();
  CreateCase(*c, "Phishing wave");
  CreateCase(*c, "東京オフィスの不審なログイン");
  CreateCase(*c, "Third case");
  const std::string partner = world_.Token("PARTNER_ADMIN", world_.main_partner);
  std::string out = Run(
      partner, {"cases", "list", "--parent", "tenants/-", "--limit", "2", "--order-by", "number"});
  std::vector<std::string> lines = absl::StrSplit(out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 3u) << out;  // the header and two cases
  EXPECT_EQ(lines[0].rfind("TENANT ", 0), 0u) << out;
  EXPECT_EQ(lines[1].rfind("Customer present", 0), 0u) << out;
  // Every row's NAME column starts at the same terminal column, CJK or not.
  out = Run(token_, {"cases", "list", "--parent", tenant_, "--order-by", "number"});
  lines = absl::StrSplit(out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 4u) << out;
  std::set<size_t> name_columns;
  for (const std::string& line : lines) {
    const size_t at = line.rfind(line.rfind("NUMBER", 0) == 0 ? "NAME" : "tenants/");
    name_columns.insert(client::cli::DisplayWidth(absl::string_view(line).substr(0, at)));
  }
  EXPECT_EQ(name_columns.size(), 1u) << out;
  EXPECT_EQ(Run(token_, {"cases", "list", "--limit", "0"}).rfind("casectl: --limit", 0), 0u);
}

}  // namespace
}  // namespace cases::testing
