// CaseService on a real server and database: the case lifecycle's seed rules,
// concurrency (numbers, etags), history and update masks.
#include <atomic>
#include <set>
#include <thread>

#include "tests/integration/case_service_fixture.h"

namespace cases::testing {
namespace {

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

}  // namespace
}  // namespace cases::testing
