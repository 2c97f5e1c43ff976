// CaseService on a real server and database: every seed rule of the case
// lifecycle, concurrency (numbers, etags), history, conversion and retention.
#include <atomic>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "google/protobuf/util/field_mask_util.h"
#include "tests/integration/world.h"

namespace cases::testing {
namespace {

class CaseServiceTest : public ::testing::Test {
 protected:
  explicit CaseServiceTest(std::vector<std::string> flags = {}) : world_(std::move(flags)) {}

  void SetUp() override {
    ASSERT_TRUE(world_.ok());
    tenant_ = world_.customer[Licence::kPresent];
    admin_ = world_.Token("TENANT_ADMIN", tenant_, "alice");
  }

  v1::Case NewCase(const std::string& name = "Suspicious login",
                   v1::Severity severity = v1::SEVERITY_HIGH) {
    v1::Case c;
    c.set_display_name(name);
    c.set_description("Seen from **two** countries");
    c.set_severity(severity);
    return c;
  }

  grpc::Status Create(const v1::Case& c, v1::Case* out, const std::string& token = "",
                      const std::vector<std::string>& detections = {},
                      const std::string& request_id = "") {
    v1::CreateCaseRequest request;
    request.set_parent(tenant_);
    *request.mutable_case_() = c;
    for (const auto& d : detections) {
      request.add_detections(d);
    }
    request.set_request_id(request_id);
    return world_.stubs().cases->CreateCase(World::Context(token.empty() ? admin_ : token).get(),
                                            request, out);
  }

  v1::Case MustCreate(const v1::Case& c) {
    v1::Case out;
    grpc::Status s = Create(c, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  grpc::Status Update(const v1::Case& c, const std::vector<std::string>& paths, v1::Case* out,
                      const std::string& token = "") {
    v1::UpdateCaseRequest request;
    *request.mutable_case_() = c;
    for (const auto& p : paths) {
      request.mutable_update_mask()->add_paths(p);
    }
    return world_.stubs().cases->UpdateCase(World::Context(token.empty() ? admin_ : token).get(),
                                            request, out);
  }

  grpc::Status Get(const std::string& name, v1::Case* out, const std::string& token = "") {
    v1::GetCaseRequest request;
    request.set_name(name);
    return world_.stubs().cases->GetCase(World::Context(token.empty() ? admin_ : token).get(),
                                         request, out);
  }

  std::vector<std::string> Ingest(const std::vector<std::pair<std::string, v1::Product>>& items,
                                  const std::string& alert_key = "ak",
                                  const std::string& tenant = "") {
    v1::IngestDetectionsRequest request;
    request.set_parent(tenant.empty() ? tenant_ : tenant);
    for (const auto& [external_id, product] : items) {
      auto* d = request.add_detections();
      d->set_external_id(external_id);
      d->set_alert_key(alert_key);
      d->set_product(product);
      d->set_severity(v1::SEVERITY_CRITICAL);
      d->set_title("Ransomware behaviour");
      (*d->mutable_attributes())["host"] = "srv-" + external_id;
      d->mutable_detect_time()->set_seconds(absl::ToUnixSeconds(absl::Now()));
    }
    v1::IngestDetectionsResponse response;
    EXPECT_TRUE(
        world_.stubs()
            .detections
            ->IngestDetections(World::Context(world_.Token("DETECTION_INGESTER",
                                                           tenant.empty() ? tenant_ : tenant))
                                   .get(),
                               request, &response)
            .ok());
    std::vector<std::string> names;
    for (const auto& r : response.results()) {
      names.push_back(r.detection());
    }
    return names;
  }

  std::vector<v1::CaseEvent> History(const std::string& name) {
    v1::ListCaseEventsRequest request;
    request.set_parent(name);
    v1::ListCaseEventsResponse response;
    EXPECT_TRUE(world_.stubs()
                    .cases->ListCaseEvents(World::Context(admin_).get(), request, &response)
                    .ok());
    return {response.events().begin(), response.events().end()};
  }

  World world_;
  std::string tenant_, admin_;
};

TEST_F(CaseServiceTest, CreateCaseReturnsTheStoredCase) {
  v1::Case c = MustCreate(NewCase());
  EXPECT_EQ(c.name().rfind(tenant_ + "/cases/", 0), 0u);
  EXPECT_EQ(c.number(), 1);
  EXPECT_EQ(c.type(), v1::CASE_TYPE_SELF_MANAGED);
  EXPECT_EQ(c.status(), v1::CASE_STATUS_NEW);
  EXPECT_EQ(c.creator(), "alice");
  EXPECT_FALSE(c.etag().empty());
  v1::Case fetched;
  ASSERT_TRUE(Get(c.name(), &fetched).ok());
  EXPECT_EQ(fetched.SerializeAsString(), c.SerializeAsString());
}

TEST_F(CaseServiceTest, FiftyParallelCreatesGetFiftyGapFreeNumbers) {
  std::vector<std::thread> threads;
  std::mutex mu;
  std::set<int64_t> numbers;
  std::atomic<int> failures{0};
  for (int i = 0; i < 50; ++i) {
    threads.emplace_back([&, i] {
      v1::Case out;
      grpc::Status s = Create(NewCase(absl::StrCat("Parallel ", i)), &out);
      if (!s.ok()) {
        ++failures;
        return;
      }
      std::lock_guard<std::mutex> lock(mu);
      numbers.insert(out.number());
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(failures.load(), 0);
  ASSERT_EQ(numbers.size(), 50u);
  EXPECT_EQ(*numbers.begin(), 1);
  EXPECT_EQ(*numbers.rbegin(), 50);
}

TEST_F(CaseServiceTest, CaseNumbersArePerTenant) {
  MustCreate(NewCase());
  v1::Case other;
  v1::CreateCaseRequest request;
  request.set_parent(world_.org_customer[Licence::kPresent]);
  *request.mutable_case_() = NewCase();
  ASSERT_TRUE(
      world_.stubs()
          .cases
          ->CreateCase(World::Context(world_.Token("ENTERPRISE_ADMIN", world_.main_org)).get(),
                       request, &other)
          .ok());
  EXPECT_EQ(other.number(), 1);
}

TEST_F(CaseServiceTest, InvalidCaseReportsEveryField) {
  v1::Case c;
  c.set_display_name("Drop <table> {now}");
  c.set_description(std::string(64 * 1024 + 1, 'd'));
  c.set_status(v1::CASE_STATUS_RESOLVED);
  v1::Case out;
  grpc::Status s = Create(c, &out, "", {"tenants/nope"});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(GrpcViolationFields(s),
              ::testing::IsSupersetOf({"case.display_name", "case.description", "case.severity",
                                       "case.close_reason", "detections[0]"}));
}

TEST_F(CaseServiceTest, DisplayNameAllowsBasicPunctuationOnly) {
  v1::Case out;
  EXPECT_TRUE(Create(NewCase("Phishing (2nd wave): it's back, again!? - ok_1."), &out).ok());
  for (const char* bad :
       {"a/b", "a;b", "a\"b", "<b>", "x=1", "tab\there", " lead", "emoji \xF0\x9F\x94\xA5"}) {
    EXPECT_EQ(Create(NewCase(bad), &out).error_code(), grpc::StatusCode::INVALID_ARGUMENT) << bad;
  }
  EXPECT_EQ(Create(NewCase(std::string(121, 'a')), &out).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(Create(NewCase("Überwachung Zürich"), &out).ok());
}

TEST_F(CaseServiceTest, ClosingRequiresAReason) {
  v1::Case c = MustCreate(NewCase());
  c.set_status(v1::CASE_STATUS_RESOLVED);
  v1::Case out;
  grpc::Status s = Update(c, {"status"}, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(GrpcViolationFields(s), ::testing::ElementsAre("case.close_reason"));
  c.set_close_reason(v1::CLOSE_REASON_FALSE_POSITIVE_OR_DUPLICATE);
  ASSERT_TRUE(Update(c, {"status", "close_reason"}, &out).ok());
  EXPECT_EQ(out.status(), v1::CASE_STATUS_RESOLVED);
  EXPECT_EQ(out.close_reason(), v1::CLOSE_REASON_FALSE_POSITIVE_OR_DUPLICATE);
}

TEST_F(CaseServiceTest, ClosingWithOtherRequiresNote) {
  v1::Case c = MustCreate(NewCase());
  c.set_status(v1::CASE_STATUS_RESOLVED);
  c.set_close_reason(v1::CLOSE_REASON_OTHER);
  v1::Case out;
  grpc::Status s = Update(c, {"status", "close_reason"}, &out);
  EXPECT_THAT(GrpcViolationFields(s), ::testing::ElementsAre("case.close_note"));
  c.set_close_note(std::string(601, 'x'));
  EXPECT_EQ(Update(c, {"status", "close_reason", "close_note"}, &out).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  std::string note;
  for (int i = 0; i < 600; ++i) {
    note += "\xC3\xA9";  // 600 characters, 1200 bytes
  }
  c.set_close_note(note);
  ASSERT_TRUE(Update(c, {"status", "close_reason", "close_note"}, &out).ok());
  EXPECT_EQ(out.close_note(), note);
}

TEST_F(CaseServiceTest, CaseCanBeClosedAtCreation) {
  v1::Case c = NewCase();
  c.set_status(v1::CASE_STATUS_RESOLVED);
  c.set_close_reason(v1::CLOSE_REASON_LOW_RISK);
  v1::Case out;
  ASSERT_TRUE(Create(c, &out).ok());
  EXPECT_TRUE(out.has_resolve_time());
  EXPECT_EQ(out.purge_time().seconds() - out.resolve_time().seconds(), 30 * 24 * 3600);
}

TEST_F(CaseServiceTest, ReopeningClearsResolveAndPurgeTimes) {
  v1::Case c = MustCreate(NewCase());
  c.set_status(v1::CASE_STATUS_RESOLVED);
  c.set_close_reason(v1::CLOSE_REASON_ALREADY_MITIGATED);
  v1::Case closed;
  ASSERT_TRUE(Update(c, {"status", "close_reason"}, &closed).ok());
  EXPECT_TRUE(closed.has_resolve_time());
  EXPECT_EQ(closed.purge_time().seconds() - closed.resolve_time().seconds(), 30 * 24 * 3600);
  closed.set_status(v1::CASE_STATUS_INVESTIGATING);
  v1::Case reopened;
  ASSERT_TRUE(Update(closed, {"status"}, &reopened).ok());
  EXPECT_FALSE(reopened.has_resolve_time());
  EXPECT_FALSE(reopened.has_purge_time());
  EXPECT_EQ(reopened.close_reason(), v1::CLOSE_REASON_UNSPECIFIED);
}

TEST_F(CaseServiceTest, PartnerSuperAdminCannotCloseCase) {
  v1::Case c = MustCreate(NewCase());
  const std::string partner = world_.Token("PARTNER_SUPER_ADMIN", world_.main_partner);
  c.set_status(v1::CASE_STATUS_RESOLVED);
  c.set_close_reason(v1::CLOSE_REASON_LOW_RISK);
  v1::Case out;
  EXPECT_THAT(Update(c, {"status", "close_reason"}, &out, partner),
              StatusIs(grpc::StatusCode::PERMISSION_DENIED, "ROLE_REQUIRED"));
  // It may still work the case.
  c.set_status(v1::CASE_STATUS_INVESTIGATING);
  c.set_close_reason(v1::CLOSE_REASON_UNSPECIFIED);
  c.set_assignee("bob");
  EXPECT_TRUE(Update(c, {"status", "assignee"}, &out, partner).ok());
  // And may not create a case that is already closed.
  v1::Case closed = NewCase();
  closed.set_status(v1::CASE_STATUS_RESOLVED);
  closed.set_close_reason(v1::CLOSE_REASON_LOW_RISK);
  EXPECT_THAT(Create(closed, &out, partner),
              StatusIs(grpc::StatusCode::PERMISSION_DENIED, "ROLE_REQUIRED"));
}

TEST_F(CaseServiceTest, EnterpriseSuperAdminCannotCloseOrRemoveCase) {
  const std::string tenant = world_.org_customer[Licence::kPresent];
  const std::string enterprise = world_.Token("ENTERPRISE_SUPER_ADMIN", world_.main_org);
  v1::CreateCaseRequest create;
  create.set_parent(tenant);
  *create.mutable_case_() = NewCase();
  v1::Case c;
  ASSERT_TRUE(world_.stubs().cases->CreateCase(World::Context(enterprise).get(), create, &c).ok());
  c.set_status(v1::CASE_STATUS_RESOLVED);
  c.set_close_reason(v1::CLOSE_REASON_LOW_RISK);
  v1::Case out;
  EXPECT_THAT(Update(c, {"status", "close_reason"}, &out, enterprise),
              StatusIs(grpc::StatusCode::PERMISSION_DENIED, "ROLE_REQUIRED"));
  v1::DeleteCaseRequest remove;
  remove.set_name(c.name());
  google::protobuf::Empty empty;
  EXPECT_THAT(world_.stubs().cases->DeleteCase(World::Context(enterprise).get(), remove, &empty),
              StatusIs(grpc::StatusCode::PERMISSION_DENIED, "ROLE_REQUIRED"));
  v1::BatchDeleteCasesRequest batch;
  batch.set_parent(tenant);
  batch.add_names(c.name());
  EXPECT_THAT(
      world_.stubs().cases->BatchDeleteCases(World::Context(enterprise).get(), batch, &empty),
      StatusIs(grpc::StatusCode::PERMISSION_DENIED, "ROLE_REQUIRED"));
  // The tenant's own admin may.
  const std::string tenant_admin = world_.Token("TENANT_SUPER_ADMIN", tenant);
  EXPECT_TRUE(
      world_.stubs().cases->DeleteCase(World::Context(tenant_admin).get(), remove, &empty).ok());
}

TEST_F(CaseServiceTest, ConcurrentUpdatesWithOneEtagExactlyOneWins) {
  v1::Case c = MustCreate(NewCase());
  std::atomic<int> ok{0}, mismatch{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      v1::Case mine = c;
      mine.set_assignee(absl::StrCat("analyst-", i));
      v1::Case out;
      grpc::Status s = Update(mine, {"assignee"}, &out);
      if (s.ok()) {
        ++ok;
      } else if (s.error_code() == grpc::StatusCode::ABORTED && GrpcReason(s) == "ETAG_MISMATCH") {
        ++mismatch;
      } else {
        ++other;
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(mismatch.load(), 7);
  EXPECT_EQ(other.load(), 0);
}

TEST_F(CaseServiceTest, HistoryIsCompleteForACaseWalkedThroughEveryStage) {
  v1::Case c = MustCreate(NewCase());
  v1::Case out;
  for (v1::CaseStatus status : {v1::CASE_STATUS_INVESTIGATING, v1::CASE_STATUS_ON_HOLD}) {
    c.set_status(status);
    ASSERT_TRUE(Update(c, {"status"}, &c).ok());
  }
  c.set_status(v1::CASE_STATUS_RESOLVED);
  c.set_close_reason(v1::CLOSE_REASON_RULE_MISCONFIGURATION);
  ASSERT_TRUE(Update(c, {"status", "close_reason"}, &c).ok());
  c.set_status(v1::CASE_STATUS_INVESTIGATING);
  ASSERT_TRUE(Update(c, {"status"}, &c).ok());
  c.set_severity(v1::SEVERITY_LOW);
  c.set_priority(v1::PRIORITY_CRITICAL);
  ASSERT_TRUE(Update(c, {"severity", "priority"}, &c).ok());

  const auto events = History(c.name());
  ASSERT_EQ(events.size(), 6u);
  EXPECT_EQ(events[0].type(), v1::EVENT_TYPE_CREATED);
  EXPECT_EQ(events[0].actor(), "alice");
  const std::vector<std::pair<std::string, std::string>> statuses = {
      {"CASE_STATUS_NEW", "CASE_STATUS_INVESTIGATING"},
      {"CASE_STATUS_INVESTIGATING", "CASE_STATUS_ON_HOLD"},
      {"CASE_STATUS_ON_HOLD", "CASE_STATUS_RESOLVED"},
      {"CASE_STATUS_RESOLVED", "CASE_STATUS_INVESTIGATING"}};
  for (size_t i = 0; i < statuses.size(); ++i) {
    const auto& e = events[i + 1];
    EXPECT_EQ(e.type(), v1::EVENT_TYPE_UPDATED);
    bool found = false;
    for (const auto& change : e.changes()) {
      if (change.field() == "status") {
        found = true;
        EXPECT_EQ(change.old_value(), statuses[i].first);
        EXPECT_EQ(change.new_value(), statuses[i].second);
      }
    }
    EXPECT_TRUE(found) << i;
  }
  EXPECT_EQ(events[5].changes_size(), 2);  // priority and severity
  for (size_t i = 1; i < events.size(); ++i) {
    EXPECT_LE(events[i - 1].create_time().seconds(), events[i].create_time().seconds());
  }
}

TEST_F(CaseServiceTest, UpdateMaskIsRequiredAndLimited) {
  v1::Case c = MustCreate(NewCase());
  v1::Case out;
  EXPECT_EQ(Update(c, {}, &out).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  grpc::Status s = Update(c, {"number"}, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(GrpcViolationFields(s), ::testing::ElementsAre("update_mask"));
  // Fields outside the mask are left alone.
  c.set_display_name("Renamed");
  c.set_assignee("carol");
  ASSERT_TRUE(Update(c, {"assignee"}, &out).ok());
  EXPECT_EQ(out.display_name(), "Suspicious login");
  EXPECT_EQ(out.assignee(), "carol");
}

TEST_F(CaseServiceTest, SelfManagedCasesTakeXdrDetectionsOnly) {
  const auto names = Ingest({{"x-1", v1::PRODUCT_XDR}, {"m-1", v1::PRODUCT_MDR}});
  v1::Case out;
  ASSERT_TRUE(Create(NewCase(), &out, "", {names[0]}).ok());
  EXPECT_EQ(out.detection_count(), 1);
  grpc::Status s = Create(NewCase(), &out, "", {names[0], names[1]});
  EXPECT_THAT(s, StatusIs(grpc::StatusCode::FAILED_PRECONDITION, "DETECTION_NOT_ELIGIBLE"));
  // Nothing was created by the refused call.
  v1::ListCasesRequest list;
  list.set_parent(tenant_);
  v1::ListCasesResponse cases;
  ASSERT_TRUE(world_.stubs().cases->ListCases(World::Context(admin_).get(), list, &cases).ok());
  EXPECT_EQ(cases.cases_size(), 1);
}

TEST_F(CaseServiceTest, ConvertAlertToCaseCopiesLinksAndRecords) {
  const auto names =
      Ingest({{"a-1", v1::PRODUCT_XDR}, {"a-2", v1::PRODUCT_XDR}}, "lateral-movement");
  v1::GetDetectionRequest get_detection;
  get_detection.set_name(names[0]);
  v1::Detection detection;
  ASSERT_TRUE(world_.stubs()
                  .detections->GetDetection(World::Context(admin_).get(), get_detection, &detection)
                  .ok());
  v1::ConvertAlertToCaseRequest convert;
  convert.set_alert(detection.alert());
  v1::Case out;
  grpc::Status s =
      world_.stubs().cases->ConvertAlertToCase(World::Context(admin_).get(), convert, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);  // priority is required
  EXPECT_THAT(GrpcViolationFields(s), ::testing::ElementsAre("case.priority"));
  convert.mutable_case_()->set_priority(v1::PRIORITY_HIGH);
  ASSERT_TRUE(
      world_.stubs().cases->ConvertAlertToCase(World::Context(admin_).get(), convert, &out).ok());
  EXPECT_EQ(out.source_alert(), detection.alert());
  EXPECT_EQ(out.display_name(), "Ransomware behaviour");
  EXPECT_EQ(out.severity(), v1::SEVERITY_CRITICAL);
  EXPECT_EQ(out.detection_count(), 2);
  EXPECT_EQ(out.attributes().at("host"), "srv-a-1");

  // The console redirects: the alert and its detections name the case.
  v1::GetAlertRequest get_alert;
  get_alert.set_name(detection.alert());
  v1::Alert alert;
  ASSERT_TRUE(
      world_.stubs().detections->GetAlert(World::Context(admin_).get(), get_alert, &alert).ok());
  EXPECT_EQ(alert.case_(), out.name());
  ASSERT_TRUE(world_.stubs()
                  .detections->GetDetection(World::Context(admin_).get(), get_detection, &detection)
                  .ok());
  EXPECT_EQ(detection.case_(), out.name());

  // Both histories record it.
  const auto events = History(out.name());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type(), v1::EVENT_TYPE_CONVERTED);
  v1::ListAlertEventsRequest alert_history;
  alert_history.set_parent(detection.alert());
  v1::ListAlertEventsResponse alert_events;
  ASSERT_TRUE(
      world_.stubs()
          .detections->ListAlertEvents(World::Context(admin_).get(), alert_history, &alert_events)
          .ok());
  EXPECT_EQ(alert_events.events(alert_events.events_size() - 1).type(), v1::EVENT_TYPE_CONVERTED);

  // A second conversion is refused and names the case.
  v1::Case again;
  s = world_.stubs().cases->ConvertAlertToCase(World::Context(admin_).get(), convert, &again);
  EXPECT_THAT(s, StatusIs(grpc::StatusCode::FAILED_PRECONDITION, "ALERT_ALREADY_CONVERTED"));
  EXPECT_NE(s.error_details().find(out.name()), std::string::npos);
}

TEST_F(CaseServiceTest, ADetectionMayBelongToSeveralCases) {
  const auto names = Ingest({{"s-1", v1::PRODUCT_XDR}, {"s-2", v1::PRODUCT_XDR}});
  v1::Case first, second;
  ASSERT_TRUE(Create(NewCase("First"), &first, "", {names[0]}).ok());
  ASSERT_TRUE(Create(NewCase("Second"), &second).ok());
  v1::AddCaseDetectionsRequest add;
  add.set_case_(second.name());
  add.add_detections(names[0]);
  add.add_detections(names[1]);
  v1::Case out;
  ASSERT_TRUE(
      world_.stubs().cases->AddCaseDetections(World::Context(admin_).get(), add, &out).ok());
  EXPECT_EQ(out.detection_count(), 2);
  // Adding them again changes nothing.
  ASSERT_TRUE(
      world_.stubs().cases->AddCaseDetections(World::Context(admin_).get(), add, &out).ok());
  EXPECT_EQ(out.detection_count(), 2);
  const auto events = History(second.name());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].type(), v1::EVENT_TYPE_DETECTIONS_ADDED);
  ASSERT_TRUE(Get(first.name(), &out).ok());
  EXPECT_EQ(out.detection_count(), 1);
}

TEST_F(CaseServiceTest, RequestIdMakesCreateSafeToRetry) {
  v1::Case first, second, third;
  ASSERT_TRUE(Create(NewCase(), &first, "", {}, "create-1").ok());
  ASSERT_TRUE(Create(NewCase(), &second, "", {}, "create-1").ok());
  EXPECT_EQ(first.name(), second.name());
  EXPECT_EQ(first.number(), second.number());
  EXPECT_THAT(Create(NewCase("Different"), &third, "", {}, "create-1"),
              StatusIs(grpc::StatusCode::ALREADY_EXISTS, "REQUEST_ID_REUSED"));
  ASSERT_TRUE(Create(NewCase(), &third, "", {}, "create-2").ok());
  EXPECT_EQ(third.number(), first.number() + 1);  // the replay used no number
}

TEST_F(CaseServiceTest, RemoveCasesIsAllOrNothing) {
  v1::Case a = MustCreate(NewCase("A")), b = MustCreate(NewCase("B"));
  v1::BatchDeleteCasesRequest batch;
  batch.set_parent(tenant_);
  batch.add_names(a.name());
  batch.add_names(tenant_ + "/cases/" + NewIdText());
  google::protobuf::Empty empty;
  EXPECT_EQ(world_.stubs()
                .cases->BatchDeleteCases(World::Context(admin_).get(), batch, &empty)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::Case out;
  EXPECT_TRUE(Get(a.name(), &out).ok());
  batch.set_names(1, b.name());
  ASSERT_TRUE(
      world_.stubs().cases->BatchDeleteCases(World::Context(admin_).get(), batch, &empty).ok());
  EXPECT_EQ(Get(a.name(), &out).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Get(b.name(), &out).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(CaseServiceTest, MdrManagedCasesAreWorkedByTheMdrTeamAndReadByCustomers) {
  const std::string mdr = world_.Token("MDR_ANALYST", world_.provider, "mdr-analyst");
  v1::Case c = NewCase("MDR investigation");
  c.set_type(v1::CASE_TYPE_MDR_MANAGED);
  v1::Case created;
  ASSERT_TRUE(Create(c, &created, mdr).ok());
  EXPECT_EQ(created.type(), v1::CASE_TYPE_MDR_MANAGED);
  // Customers read it but may not change it.
  v1::Case read;
  ASSERT_TRUE(Get(created.name(), &read).ok());
  read.set_assignee("me");
  v1::Case out;
  EXPECT_THAT(Update(read, {"assignee"}, &out),
              StatusIs(grpc::StatusCode::PERMISSION_DENIED, "ROLE_REQUIRED"));
  // The MDR analyst works and closes it.
  read.set_status(v1::CASE_STATUS_RESOLVED);
  read.set_close_reason(v1::CLOSE_REASON_ALREADY_MITIGATED);
  ASSERT_TRUE(Update(read, {"assignee", "status", "close_reason"}, &out, mdr).ok());
  // It cannot be removed: only self-managed cases can.
  v1::DeleteCaseRequest remove;
  remove.set_name(created.name());
  google::protobuf::Empty empty;
  EXPECT_THAT(world_.stubs().cases->DeleteCase(World::Context(admin_).get(), remove, &empty),
              StatusIs(grpc::StatusCode::FAILED_PRECONDITION, "CASE_NOT_SELF_MANAGED"));
  // The MDR analyst sees MDR-managed cases only.
  MustCreate(NewCase("Self managed"));
  v1::ListCasesRequest list;
  list.set_parent("tenants/-");
  v1::ListCasesResponse cases;
  ASSERT_TRUE(world_.stubs().cases->ListCases(World::Context(mdr).get(), list, &cases).ok());
  ASSERT_EQ(cases.cases_size(), 1);
  EXPECT_EQ(cases.cases(0).name(), created.name());
  // Nor may the MDR analyst read a self-managed case directly.
  list.set_parent(tenant_);
  ASSERT_TRUE(world_.stubs().cases->ListCases(World::Context(admin_).get(), list, &cases).ok());
  for (const auto& listed : cases.cases()) {
    if (listed.type() == v1::CASE_TYPE_SELF_MANAGED) {
      EXPECT_THAT(Get(listed.name(), &out, mdr),
                  StatusIs(grpc::StatusCode::PERMISSION_DENIED, "ROLE_REQUIRED"));
    }
  }
}

TEST_F(CaseServiceTest, ListCasesFiltersOrdersAndPages) {
  for (int i = 0; i < 12; ++i) {
    MustCreate(
        NewCase(absl::StrCat("Case ", i), i % 2 == 0 ? v1::SEVERITY_LOW : v1::SEVERITY_CRITICAL));
  }
  v1::ListCasesRequest request;
  request.set_parent(tenant_);
  request.set_filter("severity = CRITICAL AND number > 2");
  request.set_order_by("number");
  request.set_page_size(2);
  std::vector<int64_t> numbers;
  do {
    v1::ListCasesResponse page;
    ASSERT_TRUE(world_.stubs().cases->ListCases(World::Context(admin_).get(), request, &page).ok());
    for (const auto& c : page.cases()) {
      EXPECT_EQ(c.severity(), v1::SEVERITY_CRITICAL);
      numbers.push_back(c.number());
    }
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  EXPECT_EQ(numbers, std::vector<int64_t>({4, 6, 8, 10, 12}));

  request.set_filter("status = CASE_STATUS_NEW");
  request.set_order_by("create_time desc");
  request.set_page_size(100);
  v1::ListCasesResponse page;
  ASSERT_TRUE(world_.stubs().cases->ListCases(World::Context(admin_).get(), request, &page).ok());
  ASSERT_EQ(page.cases_size(), 12);
  EXPECT_EQ(page.cases(0).number(), 12);

  request.set_filter("stage = NEW");
  grpc::Status s = world_.stubs().cases->ListCases(World::Context(admin_).get(), request, &page);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("stage"), std::string::npos);
}

TEST_F(CaseServiceTest, QueuesAreCreatedListedAndAssigned) {
  v1::CreateQueueRequest create;
  create.set_parent(tenant_);
  create.mutable_queue()->set_display_name("Tier 2");
  v1::Queue queue;
  ASSERT_TRUE(world_.stubs().cases->CreateQueue(World::Context(admin_).get(), create, &queue).ok());
  v1::ListQueuesRequest list;
  list.set_parent(tenant_);
  v1::ListQueuesResponse queues;
  ASSERT_TRUE(world_.stubs().cases->ListQueues(World::Context(admin_).get(), list, &queues).ok());
  ASSERT_EQ(queues.queues_size(), 1);
  EXPECT_EQ(queues.queues(0).name(), queue.name());

  v1::Case c = NewCase();
  c.set_queue(queue.name());
  v1::Case out;
  ASSERT_TRUE(Create(c, &out).ok());
  EXPECT_EQ(out.queue(), queue.name());
  v1::ListCasesRequest by_queue;
  by_queue.set_parent(tenant_);
  by_queue.set_filter("queue = \"" + queue.name() + "\"");
  v1::ListCasesResponse cases;
  ASSERT_TRUE(world_.stubs().cases->ListCases(World::Context(admin_).get(), by_queue, &cases).ok());
  EXPECT_EQ(cases.cases_size(), 1);
  c.set_queue(tenant_ + "/queues/" + NewIdText());
  grpc::Status s = Create(c, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(GrpcViolationFields(s), ::testing::ElementsAre("case.queue"));
}

TEST_F(CaseServiceTest, EveryErrorCarriesAnErrorInfo) {
  v1::Case out;
  EXPECT_THAT(Get(tenant_ + "/cases/" + NewIdText(), &out),
              StatusIs(grpc::StatusCode::NOT_FOUND, "NOT_FOUND"));
  v1::Case c = MustCreate(NewCase());
  c.set_assignee("x");
  c.set_etag("999");
  EXPECT_THAT(Update(c, {"assignee"}, &out), StatusIs(grpc::StatusCode::ABORTED, "ETAG_MISMATCH"));
}

class RetentionTest : public CaseServiceTest {
 protected:
  RetentionTest() : CaseServiceTest({"--retention_interval=100ms"}) {}
};

TEST_F(RetentionTest, ResolvedCasesAreDeletedAfterTheirPurgeTime) {
  v1::Case keep = MustCreate(NewCase("Keep"));
  v1::Case c = NewCase("Old");
  c.set_status(v1::CASE_STATUS_RESOLVED);
  c.set_close_reason(v1::CLOSE_REASON_LOW_RISK);
  v1::Case resolved;
  ASSERT_TRUE(Create(c, &resolved).ok());
  v1::Case recent;
  ASSERT_TRUE(Create(c, &recent).ok());
  // Pretend it was resolved 31 days ago.
  const std::string id(resolved.name().substr(resolved.name().rfind('/') + 1));
  world_.db().Execute(
      "UPDATE cases SET purge_time = UTC_TIMESTAMP(6) - INTERVAL 1 DAY WHERE case_id = "
      "UNHEX(REPLACE('" +
      id + "', '-', ''))");
  v1::Case out;
  EXPECT_TRUE(WaitFor(
      [&] { return Get(resolved.name(), &out).error_code() == grpc::StatusCode::NOT_FOUND; }));
  EXPECT_TRUE(Get(keep.name(), &out).ok());
  EXPECT_TRUE(Get(recent.name(), &out).ok());
}

}  // namespace
}  // namespace cases::testing
