// Case rules on a real server and database: saving and checking rules, and the
// cases they open and join at ingest (grouping, windows, products, several
// rules, re-ingest, concurrency, changes, permissions, lists).
#include <atomic>
#include <set>
#include <thread>

#include "tests/integration/case_service_fixture.h"

namespace cases::testing {
namespace {

struct Incoming {
  std::string external_id;
  std::string alert_key = "ak";
  v1::Product product = v1::PRODUCT_XDR;
  v1::Severity severity = v1::SEVERITY_HIGH;
  std::string title = "Credential dumping";
  std::string device = "host-1";
  std::vector<std::string> techniques = {"T1003.001"};
};

class CaseRuleTest : public CaseServiceTest {
 protected:
  void SetUp() override {
    CaseServiceTest::SetUp();
    mdr_analyst_ = world_.Token("MDR_ANALYST", world_.provider, "mdr-bob");
    ingester_ = world_.Token("DETECTION_INGESTER", tenant_);
  }

  static v1::CaseRule NewRule(const std::string& filter,
                              v1::CaseRuleGroupBy group_by = v1::CASE_RULE_GROUP_BY_ALERT,
                              v1::CaseType type = v1::CASE_TYPE_SELF_MANAGED) {
    v1::CaseRule r;
    r.set_display_name("High risk detections");
    r.set_enabled(true);
    r.set_filter(filter);
    r.set_case_type(type);
    r.set_group_by(group_by);
    r.mutable_case_template()->set_display_name("{title} on {device}");
    r.mutable_case_template()->set_priority(v1::PRIORITY_HIGH);
    r.mutable_case_template()->add_tags("auto");
    return r;
  }

  grpc::Status CreateRule(const v1::CaseRule& rule, v1::CaseRule* out,
                          const std::string& token = "") {
    v1::CreateCaseRuleRequest request;
    request.set_parent(tenant_);
    *request.mutable_case_rule() = rule;
    return world_.stubs().automation->CreateCaseRule(
        World::Context(token.empty() ? admin_ : token).get(), request, out);
  }

  v1::CaseRule MustCreateRule(const v1::CaseRule& rule, const std::string& token = "") {
    v1::CaseRule out;
    grpc::Status s = CreateRule(rule, &out, token);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  v1::CaseRule GetRule(const std::string& name, const std::string& token = "") {
    v1::GetCaseRuleRequest request;
    request.set_name(name);
    v1::CaseRule out;
    grpc::Status s = world_.stubs().automation->GetCaseRule(
        World::Context(token.empty() ? admin_ : token).get(), request, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  grpc::Status UpdateRule(const v1::CaseRule& rule, const std::vector<std::string>& paths,
                          v1::CaseRule* out) {
    v1::UpdateCaseRuleRequest request;
    *request.mutable_case_rule() = rule;
    for (const auto& p : paths) {
      request.mutable_update_mask()->add_paths(p);
    }
    return world_.stubs().automation->UpdateCaseRule(World::Context(admin_).get(), request, out);
  }

  // Ingests `items`; returns the detection names.
  std::vector<std::string> IngestItems(const std::vector<Incoming>& items,
                                       Stubs* through = nullptr) {
    v1::IngestDetectionsRequest request;
    request.set_parent(tenant_);
    for (const Incoming& i : items) {
      auto* d = request.add_detections();
      d->set_external_id(i.external_id);
      d->set_alert_key(i.alert_key);
      d->set_product(i.product);
      d->set_severity(i.severity);
      d->set_title(i.title);
      d->set_device(i.device);
      for (const auto& t : i.techniques) {
        d->add_mitre_techniques(t);
      }
      d->mutable_detect_time()->set_seconds(absl::ToUnixSeconds(absl::Now()));
    }
    v1::IngestDetectionsResponse response;
    grpc::Status s =
        (through != nullptr ? *through : world_.stubs())
            .detections->IngestDetections(World::Context(ingester_).get(), request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    std::vector<std::string> names;
    for (const auto& r : response.results()) {
      names.push_back(r.detection());
    }
    return names;
  }

  std::vector<v1::Case> Cases(const std::string& filter = "", const std::string& parent = "",
                              const std::string& token = "") {
    v1::ListCasesRequest request;
    request.set_parent(parent.empty() ? tenant_ : parent);
    request.set_filter(filter);
    request.set_order_by("number");
    request.set_page_size(1000);
    v1::ListCasesResponse response;
    grpc::Status s = world_.stubs().cases->ListCases(
        World::Context(token.empty() ? admin_ : token).get(), request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {response.cases().begin(), response.cases().end()};
  }

  int RuleCount() {
    v1::ListCaseRulesRequest request;
    request.set_parent(tenant_);
    request.set_page_size(100);
    v1::ListCaseRulesResponse response;
    EXPECT_TRUE(world_.stubs()
                    .automation->ListCaseRules(World::Context(admin_).get(), request, &response)
                    .ok());
    return response.case_rules_size();
  }

  void Resolve(const v1::Case& c) {
    v1::Case patch;
    patch.set_name(c.name());
    patch.set_status(v1::CASE_STATUS_RESOLVED);
    patch.set_close_reason(v1::CLOSE_REASON_ALREADY_MITIGATED);
    v1::Case out;
    grpc::Status s = Update(patch, {"status", "close_reason"}, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  std::string mdr_analyst_, ingester_;
};

TEST_F(CaseRuleTest, ARuleIsSavedWithItsDefaultsAndReadBack) {
  v1::CaseRule rule = NewRule("severity >= HIGH AND mitre_techniques:T1003");
  rule.clear_group_by();
  const v1::CaseRule saved = MustCreateRule(rule);
  EXPECT_THAT(saved.name(), ::testing::StartsWith(tenant_ + "/caseRules/"));
  EXPECT_EQ(saved.group_by(), v1::CASE_RULE_GROUP_BY_ALERT);
  EXPECT_EQ(saved.group_window().seconds(), 24 * 3600);
  EXPECT_EQ(saved.creator(), "alice");
  EXPECT_EQ(saved.match_count(), 0);
  EXPECT_FALSE(saved.has_last_match_time());
  EXPECT_EQ(saved.case_template().tags(0), "auto");
  const v1::CaseRule read = GetRule(saved.name());
  EXPECT_EQ(read.filter(), saved.filter());
  EXPECT_EQ(read.etag(), saved.etag());
  EXPECT_EQ(RuleCount(), 1);
}

TEST_F(CaseRuleTest, BadRulesAreRefusedWithTheFieldAndNothingIsSaved) {
  v1::CaseRule out;
  grpc::Status s = CreateRule(NewRule("colour = red"), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(GrpcViolationFields(s), ::testing::ElementsAre("case_rule.filter"));
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("colour"));

  s = CreateRule(NewRule("severity >= EXTREME"), &out);
  EXPECT_THAT(GrpcViolationFields(s), ::testing::ElementsAre("case_rule.filter"));

  v1::CaseRule bad = NewRule("");
  bad.mutable_group_window()->set_seconds(721 * 3600);
  bad.clear_case_type();
  bad.mutable_case_template()->set_display_name("{title} <{host}>");
  s = CreateRule(bad, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(GrpcViolationFields(s),
              ::testing::UnorderedElementsAre("case_rule.group_window", "case_rule.case_type",
                                              "case_rule.case_template.display_name"));

  // A queue of another tenant, and one that does not exist.
  v1::CaseRule foreign = NewRule("");
  foreign.mutable_case_template()->set_queue(world_.customer[Licence::kAbsent] + "/queues/" +
                                             NewIdText());
  s = CreateRule(foreign, &out);
  EXPECT_THAT(GrpcViolationFields(s), ::testing::ElementsAre("case_rule.case_template.queue"));
  foreign.mutable_case_template()->set_queue(tenant_ + "/queues/" + NewIdText());
  s = CreateRule(foreign, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(GrpcViolationFields(s), ::testing::ElementsAre("case_rule.case_template.queue"));

  EXPECT_EQ(RuleCount(), 0);
}

TEST_F(CaseRuleTest, TheFiftyFirstRuleIsRefused) {
  for (int i = 0; i < 50; ++i) {
    MustCreateRule(NewRule("severity = CRITICAL"));
  }
  v1::CaseRule out;
  grpc::Status s = CreateRule(NewRule(""), &out);
  EXPECT_THAT(s, StatusIs(grpc::StatusCode::FAILED_PRECONDITION, "CASE_RULE_LIMIT"));
  EXPECT_EQ(RuleCount(), 50);
}

TEST_F(CaseRuleTest, RacingCreatesStopAtTheFiftiethRule) {
  std::atomic<int> saved{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        v1::CaseRule out;
        grpc::Status s = CreateRule(NewRule("severity = CRITICAL"), &out);
        ++(s.ok() ? saved : refused);
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(saved.load(), 50);
  EXPECT_EQ(refused.load(), 10);
  EXPECT_EQ(RuleCount(), 50);
}

TEST_F(CaseRuleTest, RulesAreManagedAsTheCasesTheyMake) {
  v1::CaseRule out;
  // The customer's admin makes self-managed rules, not MDR-managed ones.
  EXPECT_EQ(CreateRule(NewRule("", v1::CASE_RULE_GROUP_BY_ALERT, v1::CASE_TYPE_MDR_MANAGED), &out)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // The MDR analyst makes MDR-managed ones only.
  EXPECT_EQ(CreateRule(NewRule(""), &out, mdr_analyst_).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  const v1::CaseRule mdr = MustCreateRule(
      NewRule("", v1::CASE_RULE_GROUP_BY_ALERT, v1::CASE_TYPE_MDR_MANAGED), mdr_analyst_);
  // A read-only user reads rules and changes none.
  const std::string reader = world_.Token("TENANT_READ_ONLY", tenant_);
  EXPECT_EQ(GetRule(mdr.name(), reader).name(), mdr.name());
  v1::DeleteCaseRuleRequest remove;
  remove.set_name(mdr.name());
  google::protobuf::Empty empty;
  EXPECT_EQ(world_.stubs()
                .automation->DeleteCaseRule(World::Context(reader).get(), remove, &empty)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(world_.stubs()
                .automation->DeleteCaseRule(World::Context(admin_).get(), remove, &empty)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(world_.stubs()
                  .automation->DeleteCaseRule(World::Context(mdr_analyst_).get(), remove, &empty)
                  .ok());
  // A tenant without the XDR licence makes no self-managed rules.
  v1::CreateCaseRuleRequest unlicensed;
  unlicensed.set_parent(world_.customer[Licence::kAbsent]);
  *unlicensed.mutable_case_rule() = NewRule("");
  grpc::Status s = world_.stubs().automation->CreateCaseRule(
      World::Context(world_.Token("TENANT_ADMIN", world_.customer[Licence::kAbsent])).get(),
      unlicensed, &out);
  EXPECT_THAT(s, StatusIs(grpc::StatusCode::PERMISSION_DENIED, "LICENSE_REQUIRED"));
}

TEST_F(CaseRuleTest, DetectionsOfOneAlertOpenOneCaseAndLaterOnesJoinIt) {
  const v1::CaseRule rule = MustCreateRule(NewRule("severity >= HIGH"));
  IngestItems({{"d-1"}, {"d-2"}, {"low", "ak", v1::PRODUCT_XDR, v1::SEVERITY_LOW}});
  std::vector<v1::Case> cases = Cases();
  ASSERT_EQ(cases.size(), 1u);
  const v1::Case opened = cases[0];
  EXPECT_EQ(opened.source_rule(), rule.name());
  EXPECT_EQ(opened.detection_count(), 2);
  EXPECT_EQ(opened.display_name(), "Credential dumping on host-1");
  EXPECT_EQ(opened.priority(), v1::PRIORITY_HIGH);
  EXPECT_EQ(opened.severity(), v1::SEVERITY_HIGH);  // the detection's
  EXPECT_EQ(opened.status(), v1::CASE_STATUS_NEW);
  EXPECT_THAT(opened.tags(), ::testing::ElementsAre("auto"));
  EXPECT_THAT(opened.mitre_techniques(), ::testing::ElementsAre("T1003.001"));
  std::vector<v1::CaseEvent> events = History(opened.name());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type(), v1::EVENT_TYPE_CREATED);
  EXPECT_EQ(events[0].actor(), rule.name());
  EXPECT_THAT(events[0].summary(), ::testing::HasSubstr("opened by rule 'High risk detections'"));

  // A later detection of the alert joins; another alert opens its own case.
  IngestItems(
      {{"d-3", "ak", v1::PRODUCT_XDR, v1::SEVERITY_CRITICAL, "Lateral", "host-2", {"T1021"}},
       {"e-1", "other-alert"}});
  cases = Cases();
  ASSERT_EQ(cases.size(), 2u);
  EXPECT_EQ(cases[0].name(), opened.name());
  EXPECT_EQ(cases[0].detection_count(), 3);
  EXPECT_THAT(cases[0].devices(), ::testing::ElementsAre("host-1", "host-2"));
  EXPECT_THAT(cases[0].mitre_techniques(), ::testing::ElementsAre("T1003.001", "T1021"));
  events = History(opened.name());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].type(), v1::EVENT_TYPE_DETECTIONS_ADDED);
  EXPECT_EQ(cases[1].detection_count(), 1);
  EXPECT_EQ(GetRule(rule.name()).match_count(), 4);
  EXPECT_TRUE(GetRule(rule.name()).has_last_match_time());

  // A resolved case is not joined: the next detection opens a new one.
  Resolve(cases[0]);
  IngestItems({{"d-4"}});
  cases = Cases("source_rule = \"" + rule.name() + "\" AND status != RESOLVED");
  ASSERT_EQ(cases.size(), 2u);
  EXPECT_EQ(cases[1].detection_count(), 1);
  EXPECT_NE(cases[1].name(), opened.name());
}

TEST_F(CaseRuleTest, ACaseOlderThanTheWindowIsNotJoined) {
  v1::CaseRule rule = NewRule("", v1::CASE_RULE_GROUP_BY_DEVICE);
  rule.mutable_group_window()->set_seconds(3600);
  MustCreateRule(rule);
  IngestItems({{"d-1", "a1"},
               {"d-2", "a2"},
               {"d-3", "a3", v1::PRODUCT_XDR, v1::SEVERITY_LOW, "Other", "host-9"}});
  ASSERT_EQ(Cases().size(), 2u);  // one per device
  // Age host-1's case past the window.
  world_.db().Execute(absl::StrCat(
      "UPDATE cases SET create_time = create_time - INTERVAL 2 HOUR WHERE tenant_id = ",
      SqlIdOf(tenant_), " AND detection_count = 2"));
  IngestItems({{"d-4", "a4"}, {"d-5", "a5", v1::PRODUCT_XDR, v1::SEVERITY_LOW, "Other", "host-9"}});
  const std::vector<v1::Case> cases = Cases();
  ASSERT_EQ(cases.size(), 3u);
  EXPECT_EQ(cases[0].detection_count(), 2);  // host-1, aged: left alone
  EXPECT_EQ(cases[1].detection_count(), 2);  // host-9, inside the window: joined
  EXPECT_EQ(cases[2].detection_count(), 1);  // host-1 anew
  EXPECT_THAT(cases[2].devices(), ::testing::ElementsAre("host-1"));
}

TEST_F(CaseRuleTest, ARuleTakesOnlyItsCaseTypesProduct) {
  MustCreateRule(NewRule(""));
  MustCreateRule(NewRule("", v1::CASE_RULE_GROUP_BY_RULE, v1::CASE_TYPE_MDR_MANAGED), mdr_analyst_);
  IngestItems({{"x-1", "xdr-key"}, {"m-1", "mdr-key", v1::PRODUCT_MDR}});
  const std::vector<v1::Case> cases = Cases();
  ASSERT_EQ(cases.size(), 2u);
  std::map<v1::CaseType, int> count_by_type;
  for (const v1::Case& c : cases) {
    EXPECT_EQ(c.detection_count(), 1);
    ++count_by_type[c.type()];
  }
  EXPECT_EQ(count_by_type[v1::CASE_TYPE_SELF_MANAGED], 1);
  EXPECT_EQ(count_by_type[v1::CASE_TYPE_MDR_MANAGED], 1);
  // The MDR team's queue across tenants holds the rule-made MDR case.
  const std::vector<v1::Case> queue = Cases("source_rule != \"\"", "tenants/-", mdr_analyst_);
  ASSERT_EQ(queue.size(), 1u);
  EXPECT_EQ(queue[0].type(), v1::CASE_TYPE_MDR_MANAGED);
}

TEST_F(CaseRuleTest, ADetectionSeveralRulesMatchFollowsEachAndReingestMatchesNothing) {
  const v1::CaseRule by_alert = MustCreateRule(NewRule("mitre_techniques:T1003"));
  const v1::CaseRule by_rule =
      MustCreateRule(NewRule("title:dumping", v1::CASE_RULE_GROUP_BY_RULE));
  MustCreateRule(NewRule("device = \"host-7\""));  // matches nothing here
  const std::vector<Incoming> batch = {{"d-1", "a1"}, {"d-2", "a2"}};
  IngestItems(batch);
  EXPECT_EQ(Cases("source_rule = \"" + by_alert.name() + "\"").size(), 2u);
  const std::vector<v1::Case> grouped = Cases("source_rule = \"" + by_rule.name() + "\"");
  ASSERT_EQ(grouped.size(), 1u);
  EXPECT_EQ(grouped[0].detection_count(), 2);

  IngestItems(batch);  // the same detections again
  EXPECT_EQ(Cases().size(), 3u);
  EXPECT_EQ(Cases("source_rule = \"" + by_rule.name() + "\"")[0].detection_count(), 2);
  EXPECT_EQ(GetRule(by_alert.name()).match_count(), 2);
  EXPECT_EQ(GetRule(by_rule.name()).match_count(), 2);
}

TEST_F(CaseRuleTest, ConcurrentIngestsOfOneGroupKeyOpenExactlyOneCase) {
  MustCreateRule(NewRule("", v1::CASE_RULE_GROUP_BY_ALERT));
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([this, t] {
      std::vector<Incoming> batch;
      for (int i = 0; i < 20; ++i) {
        batch.push_back({absl::StrCat("c-", t, "-", i), "shared-alert"});
      }
      IngestItems(batch);
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  const std::vector<v1::Case> cases = Cases();
  ASSERT_EQ(cases.size(), 1u);
  EXPECT_EQ(cases[0].detection_count(), 160);
}

TEST_F(CaseRuleTest, ABatchMatchingOneRuleOpensOneCasePerGroupKey) {
  MustCreateRule(NewRule(""));
  std::vector<Incoming> batch;
  for (int i = 0; i < 1000; ++i) {
    batch.push_back({absl::StrCat("b-", i), absl::StrCat("alert-", i % 7)});
  }
  IngestItems(batch);
  const std::vector<v1::Case> cases = Cases();
  ASSERT_EQ(cases.size(), 7u);
  int total = 0;
  for (const v1::Case& c : cases) {
    total += c.detection_count();
  }
  EXPECT_EQ(total, 1000);
}

TEST_F(CaseRuleTest, RuleChangesTakeEffectOnTheNextIngest) {
  v1::CaseRule rule = MustCreateRule(NewRule("severity = CRITICAL"));
  IngestItems({{"d-1", "a1"}});  // HIGH: no match
  EXPECT_EQ(Cases().size(), 0u);

  v1::CaseRule patch;
  patch.set_name(rule.name());
  patch.set_filter("severity >= HIGH");
  patch.set_etag(rule.etag());
  v1::CaseRule updated;
  ASSERT_TRUE(UpdateRule(patch, {"filter"}, &updated).ok());
  EXPECT_NE(updated.etag(), rule.etag());
  IngestItems({{"d-2", "a2"}});
  EXPECT_EQ(Cases().size(), 1u);

  // A stale etag is refused; a bad filter changes nothing.
  patch.set_enabled(false);
  EXPECT_THAT(UpdateRule(patch, {"enabled"}, &updated),
              StatusIs(grpc::StatusCode::ABORTED, "ETAG_MISMATCH"));
  patch.clear_etag();
  patch.set_filter("nope = 1");
  EXPECT_EQ(UpdateRule(patch, {"filter"}, &updated).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_TRUE(UpdateRule(patch, {"enabled"}, &updated).ok());
  EXPECT_FALSE(updated.enabled());
  EXPECT_EQ(updated.filter(), "severity >= HIGH");
  IngestItems({{"d-3", "a3"}});
  EXPECT_EQ(Cases().size(), 1u);

  // Removed: the cases it made stay and still name it.
  v1::DeleteCaseRuleRequest remove;
  remove.set_name(rule.name());
  google::protobuf::Empty empty;
  ASSERT_TRUE(
      world_.stubs().automation->DeleteCaseRule(World::Context(admin_).get(), remove, &empty).ok());
  EXPECT_EQ(RuleCount(), 0);
  EXPECT_EQ(Cases("source_rule = \"" + rule.name() + "\"").size(), 1u);
}

// Each replica caches the rule book; a change made through another replica is
// seen there once its tenancy cache TTL has passed.
TEST_F(CaseRuleTest, ARuleSavedOnOneReplicaAppliesOnAnotherWithinTheCacheTtl) {
  auto replica = world_.StartReplica({"--tenancy_cache_ttl=1s"});
  ASSERT_TRUE(replica->started());
  Stubs second(replica->Channel());
  IngestItems({{"d-0", "a0"}}, &second);  // the replica now holds the empty rule book
  v1::CaseRule rule = MustCreateRule(NewRule("severity >= HIGH"));
  // Ingests through the replica until its book is reloaded (5 TTLs at most).
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  std::vector<v1::Case> cases;
  for (int n = 1; cases.empty() && absl::Now() < deadline; ++n) {
    IngestItems({{absl::StrCat("d-", n), "a1"}}, &second);
    cases = Cases();
  }
  ASSERT_EQ(cases.size(), 1u);
  EXPECT_EQ(cases[0].source_rule(), rule.name());
  EXPECT_EQ(cases[0].detection_count(), 1);
}

TEST_F(CaseRuleTest, TheTemplateNameIsFilledAndMadeAValidName) {
  v1::CaseRule rule = NewRule("");
  rule.mutable_case_template()->set_display_name("Auto: {title} - {alert_key}");
  rule.mutable_case_template()->set_severity(v1::SEVERITY_CRITICAL);
  MustCreateRule(rule);
  IngestItems({{"d-1", "key#1", v1::PRODUCT_XDR, v1::SEVERITY_LOW, "Mimikatz <lsass> dump"}});
  const std::vector<v1::Case> cases = Cases();
  ASSERT_EQ(cases.size(), 1u);
  EXPECT_EQ(cases[0].display_name(), "Auto: Mimikatz -lsass- dump - key-1");
  EXPECT_EQ(cases[0].severity(), v1::SEVERITY_CRITICAL);
}

}  // namespace
}  // namespace cases::testing
