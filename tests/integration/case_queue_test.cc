// The partner's and MDR team's home screen on a real server and database: SLA
// policies and the deadlines cases get from them, the acknowledge time, the
// "overdue first" list, GetCaseStats on a hand-built data set, and bulk updates.
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include "google/protobuf/util/time_util.h"
#include "sql/transaction.h"
#include "tests/integration/case_service_fixture.h"

namespace cases::testing {
namespace {

using google::protobuf::util::TimeUtil;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

class CaseQueueTest : public CaseServiceTest {
 protected:
  void SetUp() override {
    CaseServiceTest::SetUp();
    owner_ = world_.Token("TENANT_SUPER_ADMIN", tenant_, "owner");
  }

  static v1::SlaTarget Target(v1::Severity severity, int64_t ack_seconds, int64_t resolve_seconds) {
    v1::SlaTarget t;
    t.set_severity(severity);
    if (ack_seconds > 0) {
      t.mutable_acknowledge_within()->set_seconds(ack_seconds);
    }
    if (resolve_seconds > 0) {
      t.mutable_resolve_within()->set_seconds(resolve_seconds);
    }
    return t;
  }

  grpc::Status SetPolicy(const std::vector<v1::SlaTarget>& targets, v1::SlaPolicy* out,
                         const std::string& token = "", const std::string& etag = "",
                         const std::string& tenant = "") {
    v1::UpdateSlaPolicyRequest request;
    request.mutable_sla_policy()->set_name((tenant.empty() ? tenant_ : tenant) + "/slaPolicy");
    request.mutable_sla_policy()->set_etag(etag);
    for (const auto& t : targets) {
      *request.mutable_sla_policy()->add_targets() = t;
    }
    request.mutable_update_mask()->add_paths("targets");
    return world_.stubs().cases->UpdateSlaPolicy(
        World::Context(token.empty() ? owner_ : token).get(), request, out);
  }

  v1::SlaPolicy GetPolicy() {
    v1::GetSlaPolicyRequest request;
    request.set_name(tenant_ + "/slaPolicy");
    v1::SlaPolicy out;
    EXPECT_TRUE(
        world_.stubs().cases->GetSlaPolicy(World::Context(admin_).get(), request, &out).ok());
    return out;
  }

  grpc::Status Stats(const std::string& parent, const std::string& filter, v1::CaseStats* out,
                     const std::string& token = "") {
    v1::GetCaseStatsRequest request;
    request.set_parent(parent);
    request.set_filter(filter);
    return world_.stubs().cases->GetCaseStats(World::Context(token.empty() ? admin_ : token).get(),
                                              request, out);
  }

  static v1::UpdateCaseRequest Close(const v1::Case& c) {
    v1::UpdateCaseRequest r;
    r.mutable_case_()->set_name(c.name());
    r.mutable_case_()->set_etag(c.etag());
    r.mutable_case_()->set_status(v1::CASE_STATUS_RESOLVED);
    r.mutable_case_()->set_close_reason(v1::CLOSE_REASON_LOW_RISK);
    r.mutable_update_mask()->add_paths("status");
    r.mutable_update_mask()->add_paths("close_reason");
    return r;
  }

  grpc::Status Batch(const std::vector<v1::UpdateCaseRequest>& requests,
                     v1::BatchUpdateCasesResponse* out, const std::string& token = "") {
    v1::BatchUpdateCasesRequest request;
    request.set_parent(tenant_);
    for (const auto& r : requests) {
      *request.add_requests() = r;
    }
    return world_.stubs().cases->BatchUpdateCases(
        World::Context(token.empty() ? owner_ : token).get(), request, out);
  }

  v1::Case Reread(const v1::Case& c) {
    v1::Case out;
    EXPECT_TRUE(Get(c.name(), &out).ok());
    return out;
  }

  // The display names of every case `parent` lists to `token`, two per page.
  std::vector<std::string> ListNames(const std::string& parent, const std::string& filter,
                                     const std::string& order_by, const std::string& token) {
    v1::ListCasesRequest request;
    request.set_parent(parent);
    request.set_filter(filter);
    request.set_order_by(order_by);
    request.set_page_size(2);
    std::vector<std::string> names;
    for (;;) {
      v1::ListCasesResponse response;
      grpc::Status s =
          world_.stubs().cases->ListCases(World::Context(token).get(), request, &response);
      EXPECT_TRUE(s.ok()) << s.error_message();
      for (const auto& x : response.cases()) {
        names.push_back(x.display_name());
      }
      if (!s.ok() || response.next_page_token().empty()) {
        return names;
      }
      request.set_page_token(response.next_page_token());
    }
  }

  // Rewrites a case's times in the database (hand-built data sets).
  void SetTimes(const v1::Case& c, const std::string& assignments) {
    world_.db().Execute(absl::StrCat("UPDATE cases SET ", assignments,
                                     " WHERE number = ", c.number(), " AND tenant_id = UNHEX('",
                                     IdHexOf(c.name()), "')"));
  }

  static std::string IdHexOf(const std::string& case_name) {
    // tenants/<uuid>/cases/<uuid>: the tenant's uuid without dashes.
    std::string id = case_name.substr(8, 36);
    id.erase(std::remove(id.begin(), id.end(), '-'), id.end());
    return id;
  }

  static int64_t Seconds(const google::protobuf::Timestamp& a,
                         const google::protobuf::Timestamp& b) {
    return TimeUtil::DurationToSeconds(b - a);
  }

  std::string owner_;
};

TEST_F(CaseQueueTest, APolicyNeverSetReadsEmptyAndOwnersSetItWithEtags) {
  v1::SlaPolicy empty = GetPolicy();
  EXPECT_EQ(empty.name(), tenant_ + "/slaPolicy");
  EXPECT_EQ(empty.targets_size(), 0);
  EXPECT_FALSE(empty.has_update_time());

  v1::SlaPolicy set;
  ASSERT_TRUE(SetPolicy({Target(v1::SEVERITY_HIGH, 3600, 86400)}, &set, "", empty.etag()).ok());
  EXPECT_TRUE(set.has_update_time());
  ASSERT_EQ(set.targets_size(), 1);
  EXPECT_EQ(set.targets(0).acknowledge_within().seconds(), 3600);
  EXPECT_EQ(GetPolicy().SerializeAsString(), set.SerializeAsString());

  v1::SlaPolicy out;
  EXPECT_THAT(SetPolicy({}, &out, "", empty.etag()),
              StatusIs(grpc::StatusCode::ABORTED, "ETAG_MISMATCH"));
  // A tenant admin reads the policy but does not own it; a partner super admin does.
  EXPECT_THAT(SetPolicy({}, &out, admin_),
              StatusIs(grpc::StatusCode::PERMISSION_DENIED, "ROLE_REQUIRED"));
  ASSERT_TRUE(SetPolicy({}, &out, world_.Token("PARTNER_SUPER_ADMIN", world_.main_partner)).ok());
  EXPECT_EQ(out.targets_size(), 0);
}

TEST_F(CaseQueueTest, BadPoliciesNameEachFieldAndChangeNothing) {
  v1::SlaPolicy before;
  ASSERT_TRUE(SetPolicy({Target(v1::SEVERITY_LOW, 0, 7 * 86400)}, &before).ok());
  v1::SlaPolicy out;
  grpc::Status s =
      SetPolicy({Target(v1::SEVERITY_HIGH, 59, 86400), Target(v1::SEVERITY_HIGH, 600, 0),
                 Target(v1::SEVERITY_UNSPECIFIED, 600, 0),
                 Target(v1::SEVERITY_MEDIUM, 600, 91 * 86400), Target(v1::SEVERITY_CRITICAL, 0, 0)},
                &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(
      GrpcViolationFields(s),
      ElementsAre("sla_policy.targets[0].acknowledge_within", "sla_policy.targets[1].severity",
                  "sla_policy.targets[2].severity", "sla_policy.targets[3].resolve_within",
                  "sla_policy.targets[4].acknowledge_within"));
  v1::UpdateSlaPolicyRequest no_mask;
  no_mask.mutable_sla_policy()->set_name(tenant_ + "/slaPolicy");
  s = world_.stubs().cases->UpdateSlaPolicy(World::Context(owner_).get(), no_mask, &out);
  EXPECT_THAT(GrpcViolationFields(s), ElementsAre("update_mask"));
  EXPECT_EQ(GetPolicy().SerializeAsString(), before.SerializeAsString());
}

TEST_F(CaseQueueTest, DeadlinesComeFromThePolicyAtCreateAndOnSeverityChanges) {
  // No policy: no deadlines.
  v1::Case before_policy = MustCreate(NewCase("Before the policy", v1::SEVERITY_HIGH));
  EXPECT_FALSE(before_policy.has_acknowledge_deadline());
  EXPECT_FALSE(before_policy.has_resolve_deadline());

  v1::SlaPolicy policy;
  ASSERT_TRUE(SetPolicy({Target(v1::SEVERITY_HIGH, 3600, 86400),
                         Target(v1::SEVERITY_CRITICAL, 900, 4 * 3600)},
                        &policy)
                  .ok());
  v1::Case high = MustCreate(NewCase("High one", v1::SEVERITY_HIGH));
  EXPECT_EQ(Seconds(high.create_time(), high.acknowledge_deadline()), 3600);
  EXPECT_EQ(Seconds(high.create_time(), high.resolve_deadline()), 86400);
  v1::Case low = MustCreate(NewCase("Low one", v1::SEVERITY_LOW));
  EXPECT_FALSE(low.has_resolve_deadline()) << "no target for LOW";
  // A case created before the policy keeps having none until its severity changes.
  EXPECT_FALSE(Reread(before_policy).has_resolve_deadline());

  // Severity raised: the new severity's targets, counted from the create time.
  low.set_severity(v1::SEVERITY_CRITICAL);
  v1::Case raised;
  ASSERT_TRUE(Update(low, {"severity"}, &raised).ok());
  EXPECT_EQ(Seconds(raised.create_time(), raised.acknowledge_deadline()), 900);
  EXPECT_EQ(Seconds(raised.create_time(), raised.resolve_deadline()), 4 * 3600);
  // Lowered to a severity without a target: no deadline any more.
  raised.set_severity(v1::SEVERITY_MEDIUM);
  v1::Case lowered;
  ASSERT_TRUE(Update(raised, {"severity"}, &lowered).ok());
  EXPECT_FALSE(lowered.has_resolve_deadline());
  // Another field changes nothing of the deadlines.
  high.set_description("more detail");
  v1::Case edited;
  ASSERT_TRUE(Update(high, {"description"}, &edited).ok());
  EXPECT_EQ(edited.resolve_deadline().seconds(), high.resolve_deadline().seconds());

  // A later policy change applies to cases created after it, not to those before.
  ASSERT_TRUE(SetPolicy({Target(v1::SEVERITY_HIGH, 600, 7200)}, &policy).ok());
  EXPECT_EQ(Seconds(high.create_time(), Reread(high).resolve_deadline()), 86400);
  v1::Case later = MustCreate(NewCase("After the change", v1::SEVERITY_HIGH));
  EXPECT_EQ(Seconds(later.create_time(), later.resolve_deadline()), 7200);
}

TEST_F(CaseQueueTest, ConvertedCasesGetDeadlinesToo) {
  v1::SlaPolicy policy;
  ASSERT_TRUE(SetPolicy({Target(v1::SEVERITY_CRITICAL, 900, 3600)}, &policy).ok());
  std::vector<std::string> detections = Ingest({{"sla-1", v1::PRODUCT_XDR}}, "sla-alert");
  ASSERT_EQ(detections.size(), 1u);
  const v1::Case converted = ConvertAlertOf(detections[0]);
  EXPECT_EQ(converted.severity(), v1::SEVERITY_CRITICAL);
  EXPECT_EQ(Seconds(converted.create_time(), converted.acknowledge_deadline()), 900);
  EXPECT_EQ(Seconds(converted.create_time(), converted.resolve_deadline()), 3600);
}

TEST_F(CaseQueueTest, ACaseIsAcknowledgedWhenItLeavesNewOrGetsAnAssignee) {
  v1::Case c = MustCreate(NewCase());
  EXPECT_FALSE(c.has_acknowledge_time());
  c.set_description("still new");
  v1::Case edited;
  ASSERT_TRUE(Update(c, {"description"}, &edited).ok());
  EXPECT_FALSE(edited.has_acknowledge_time());
  edited.set_assignee("bob");
  v1::Case assigned;
  ASSERT_TRUE(Update(edited, {"assignee"}, &assigned).ok());
  ASSERT_TRUE(assigned.has_acknowledge_time());
  EXPECT_EQ(assigned.acknowledge_time().seconds(), assigned.update_time().seconds());
  // The first time only: later changes keep it.
  assigned.set_status(v1::CASE_STATUS_INVESTIGATING);
  v1::Case investigating;
  ASSERT_TRUE(Update(assigned, {"status"}, &investigating).ok());
  EXPECT_EQ(TimeUtil::ToString(investigating.acknowledge_time()),
            TimeUtil::ToString(assigned.acknowledge_time()));

  v1::Case other = MustCreate(NewCase("Other"));
  other.set_status(v1::CASE_STATUS_ON_HOLD);
  v1::Case held;
  ASSERT_TRUE(Update(other, {"status"}, &held).ok());
  EXPECT_TRUE(held.has_acknowledge_time());

  // Created already assigned: acknowledged at once.
  v1::Case pre = NewCase("Pre-assigned");
  pre.set_assignee("carol");
  v1::Case created = MustCreate(pre);
  EXPECT_EQ(TimeUtil::ToString(created.acknowledge_time()),
            TimeUtil::ToString(created.create_time()));
}

TEST_F(CaseQueueTest, OverdueFirstIsOneFilteredListInDeadlineOrder) {
  v1::SlaPolicy policy;
  ASSERT_TRUE(SetPolicy({Target(v1::SEVERITY_HIGH, 0, 3600)}, &policy).ok());
  v1::Case a = MustCreate(NewCase("A"));
  v1::Case b = MustCreate(NewCase("B"));
  v1::Case c = MustCreate(NewCase("C"));
  v1::Case none = MustCreate(NewCase("No deadline", v1::SEVERITY_LOW));
  SetTimes(a, "resolve_deadline = '2020-01-02 00:00:00'");
  SetTimes(b, "resolve_deadline = '2020-01-01 00:00:00'");
  v1::Case closed_overdue = MustCreate(NewCase("Closed"));
  SetTimes(closed_overdue,
           "resolve_deadline = '2019-01-01 00:00:00', status = 4, close_reason = 3");

  auto list = [&](const std::string& filter, const std::string& order_by) {
    return ListNames(tenant_, filter, order_by, admin_);
  };
  const std::string now = TimeUtil::ToString(TimeUtil::GetCurrentTime());
  EXPECT_THAT(list(absl::StrCat("status != RESOLVED AND resolve_deadline < \"", now, "\""),
                   "resolve_deadline"),
              ElementsAre("B", "A"));
  // Every case in deadline order, those without one last, across pages.
  EXPECT_THAT(list("", "resolve_deadline"), ElementsAre("Closed", "B", "A", "C", "No deadline"));
  EXPECT_THAT(list(absl::StrCat("resolve_deadline > \"", now, "\""), "resolve_deadline"),
              ElementsAre("C", "No deadline"));
  EXPECT_THAT(list("acknowledge_deadline < \"2030-01-01T00:00:00Z\"", ""), ElementsAre());
  (void)none;
}

TEST_F(CaseQueueTest, StatsCountAHandBuiltQueueExactly) {
  // Six cases of the tenant, times set by hand: create at 00:00, acknowledged and
  // resolved after known durations.
  struct Spec {
    const char* name;
    v1::Severity severity;
    int status;
    const char* ack;      // acknowledge_time or NULL
    const char* resolve;  // resolve_time or NULL
    const char* deadline;
  };
  const Spec specs[] = {
      {"One", v1::SEVERITY_HIGH, 1, "NULL", "NULL", "'2020-01-01 01:00:00'"},          // overdue
      {"Two", v1::SEVERITY_HIGH, 2, "'2026-01-01 00:10:00'", "NULL", "'9999-12-31'"},  // 10 min
      {"Three", v1::SEVERITY_LOW, 2, "'2026-01-01 00:30:00'", "NULL",
       "'2020-01-01 00:00:00'"},  // 30 min, overdue
      {"Four", v1::SEVERITY_LOW, 4, "'2026-01-01 00:20:00'", "'2026-01-01 02:00:00'",
       "'2020-01-01 00:00:00'"},  // 20 min, 2 h; resolved so not overdue
      {"Five", v1::SEVERITY_CRITICAL, 4, "'2026-01-01 01:00:00'", "'2026-01-01 04:00:00'",
       "'9999-12-31'"},  // 60 min, 4 h
      {"Six", v1::SEVERITY_CRITICAL, 3, "'2026-01-01 00:40:00'", "NULL", "'9999-12-31'"},
  };
  for (const Spec& s : specs) {
    v1::Case c = MustCreate(NewCase(s.name, s.severity));
    SetTimes(
        c, absl::StrCat("create_time = '2026-01-01 00:00:00', status = ", s.status,
                        ", close_reason = ", s.status == 4 ? 3 : 0, ", acknowledge_time = ", s.ack,
                        ", resolve_time = ", s.resolve, ", resolve_deadline = ", s.deadline));
  }
  v1::CaseStats stats;
  ASSERT_TRUE(Stats(tenant_, "", &stats).ok());
  EXPECT_EQ(stats.total(), 6);
  EXPECT_EQ(stats.overdue(), 2);
  ASSERT_EQ(stats.tenants_size(), 1);
  const v1::TenantCaseStats& t = stats.tenants(0);
  EXPECT_EQ(t.tenant(), tenant_);
  EXPECT_FALSE(t.tenant_display_name().empty());
  EXPECT_EQ(t.total(), 6);
  EXPECT_EQ(t.overdue(), 2);
  EXPECT_EQ(t.by_status().at("CASE_STATUS_NEW"), 1);
  EXPECT_EQ(t.by_status().at("CASE_STATUS_INVESTIGATING"), 2);
  EXPECT_EQ(t.by_status().at("CASE_STATUS_ON_HOLD"), 1);
  EXPECT_EQ(t.by_status().at("CASE_STATUS_RESOLVED"), 2);
  EXPECT_EQ(t.by_severity().at("SEVERITY_HIGH"), 2);
  EXPECT_EQ(t.by_severity().at("SEVERITY_LOW"), 2);
  EXPECT_EQ(t.by_severity().at("SEVERITY_CRITICAL"), 2);
  EXPECT_EQ(t.by_severity().count("SEVERITY_MEDIUM"), 0u);
  // Acknowledged: 10, 20, 30, 40, 60 min → 30 min. Resolved: 2 h, 4 h → 3 h.
  EXPECT_EQ(stats.median_time_to_acknowledge().seconds(), 30 * 60);
  EXPECT_EQ(stats.median_time_to_resolve().seconds(), 3 * 3600);

  // The filter is ListCases's: severity and status narrow every figure.
  ASSERT_TRUE(Stats(tenant_, "severity >= HIGH AND status != RESOLVED", &stats).ok());
  EXPECT_EQ(stats.total(), 3);
  EXPECT_EQ(stats.overdue(), 1);
  EXPECT_EQ(stats.median_time_to_acknowledge().seconds(), 25 * 60);  // 10 and 40 min
  EXPECT_FALSE(stats.has_median_time_to_resolve());
  ASSERT_TRUE(Stats(tenant_, "create_time > \"2026-06-01T00:00:00Z\"", &stats).ok());
  EXPECT_EQ(stats.total(), 0);
  EXPECT_EQ(stats.tenants_size(), 0);

  grpc::Status bad = Stats(tenant_, "colour = \"red\"", &stats);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(GrpcViolationFields(bad), ElementsAre("filter"));
}

TEST_F(CaseQueueTest, StatsAcrossAPartnersTenantsNameEachTenantAndScopeProviders) {
  const std::string beta =
      world_.CreateTenant(world_.main_partner, v1::TENANT_KIND_TENANT, "Beta Corp");
  world_.License(beta, Licence::kPresent);
  MustCreate(NewCase("Acme one"));
  MustCreate(NewCase("Acme two", v1::SEVERITY_LOW));
  v1::Case out;
  ASSERT_TRUE(CreateIn(beta, NewCase("Beta one"), &out).ok());
  v1::CreateCaseRequest mdr_case;
  mdr_case.set_parent(tenant_);
  *mdr_case.mutable_case_() = NewCase("MDR work");
  mdr_case.mutable_case_()->set_type(v1::CASE_TYPE_MDR_MANAGED);
  ASSERT_TRUE(world_.stubs()
                  .cases
                  ->CreateCase(World::Context(world_.Token("MDR_ANALYST", world_.provider)).get(),
                               mdr_case, &out)
                  .ok());

  v1::CaseStats stats;
  ASSERT_TRUE(
      Stats("tenants/-", "", &stats, world_.Token("PARTNER_READ_ONLY", world_.main_partner)).ok());
  EXPECT_EQ(stats.total(), 4);
  std::map<std::string, std::pair<std::string, int64_t>> per_tenant;
  for (const auto& t : stats.tenants()) {
    per_tenant[t.tenant()] = {t.tenant_display_name(), t.total()};
  }
  EXPECT_EQ(per_tenant[beta], std::make_pair(std::string("Beta Corp"), int64_t{1}));
  EXPECT_EQ(per_tenant[tenant_].second, 3);

  // The MDR team sees MDR-managed cases only, like ListCases.
  ASSERT_TRUE(Stats("tenants/-", "", &stats, world_.Token("MDR_ANALYST", world_.provider)).ok());
  EXPECT_EQ(stats.total(), 1);
  ASSERT_EQ(stats.tenants_size(), 1);
  EXPECT_EQ(stats.tenants(0).tenant(), tenant_);
  // A tenant outside the partner: refused, as ListCases.
  EXPECT_THAT(Stats(world_.foreign_customer[Licence::kPresent], "", &stats,
                    world_.Token("PARTNER_READ_ONLY", world_.main_partner)),
              StatusIs(grpc::StatusCode::PERMISSION_DENIED, "TENANT_NOT_REACHABLE"));
}

TEST_F(CaseQueueTest, APartnersListAcrossItsTenantsIsTheirCasesMergedNewestFirst) {
  const std::string beta =
      world_.CreateTenant(world_.main_partner, v1::TENANT_KIND_TENANT, "Beta Corp");
  world_.License(beta, Licence::kPresent);
  // Six cases, alternating between the partner's two tenants, every third one high.
  std::vector<std::string> newest_first, high_newest_first;
  for (int i = 0; i < 6; ++i) {
    const std::string& tenant = i % 2 == 0 ? tenant_ : beta;
    v1::Case out;
    ASSERT_TRUE(CreateIn(tenant,
                         NewCase(absl::StrCat("Case ", i),
                                 i % 3 == 0 ? v1::SEVERITY_HIGH : v1::SEVERITY_LOW),
                         &out)
                    .ok());
    newest_first.insert(newest_first.begin(), out.display_name());
    if (i % 3 == 0) {
      high_newest_first.insert(high_newest_first.begin(), out.display_name());
    }
  }
  // Newer cases of other partners' and organizations' tenants are not the partner's.
  for (const std::string& other :
       {world_.foreign_customer[Licence::kPresent], world_.org_customer[Licence::kPresent]}) {
    v1::Case out;
    ASSERT_TRUE(CreateIn(other, NewCase("Not the partner's", v1::SEVERITY_HIGH), &out).ok());
  }

  const std::string partner = world_.Token("PARTNER_READ_ONLY", world_.main_partner);
  EXPECT_THAT(ListNames("tenants/-", "", "", partner), ::testing::ElementsAreArray(newest_first));
  EXPECT_THAT(ListNames("tenants/-", "severity >= SEVERITY_HIGH", "", partner),
              ::testing::ElementsAreArray(high_newest_first));
  // Orders without a partner index give the same cases.
  EXPECT_THAT(ListNames("tenants/-", "", "update_time desc", partner),
              ::testing::ElementsAreArray(newest_first));
  // Each case holds its tenant's partner: the parent of a tenant.
  absl::StatusOr<int64_t> misplaced =
      sql::QueryValue<int64_t>(world_.db().pool(), [&](sql::Lease& db) -> absl::StatusOr<int64_t> {
        auto& stmt = db.Prepare(
            "SELECT COUNT(*) FROM cases JOIN tenants USING (tenant_id) "
            "WHERE NOT cases.partner_id <=> tenants.parent_id");
        std::unique_ptr<::sql::ResultSet> rs(stmt.executeQuery());
        rs->next();
        return rs->getInt64(1);
      });
  ASSERT_TRUE(misplaced.ok()) << misplaced.status();
  EXPECT_EQ(*misplaced, 0);
}

// A partner's admin reads every licensed customer, so the list is written by the
// few members it leaves out (tenant_id NOT IN ...) instead of naming them all:
// the cases of the left-out ones must stay out of it.
TEST_F(CaseQueueTest, APartnersListLeavesOutTheCasesOfItsUnlicensedCustomers) {
  std::vector<std::string> shown = {tenant_};
  for (int i = 0; i < 3; ++i) {
    shown.push_back(world_.CreateTenant(world_.main_partner, v1::TENANT_KIND_TENANT,
                                        absl::StrCat("Licensed ", i)));
    world_.License(shown.back(), Licence::kPresent);
  }
  std::vector<std::string> newest_first;
  for (size_t i = 0; i < 2 * shown.size(); ++i) {
    v1::Case out;
    ASSERT_TRUE(CreateIn(shown[i % shown.size()], NewCase(absl::StrCat("Case ", i)), &out).ok());
    newest_first.insert(newest_first.begin(), out.display_name());
  }
  // The same case, copied into the partner's customers without a valid licence: the
  // API would refuse to create it there, and no list of the partner may show it.
  const std::string source = *IdFromText(shown[0].substr(shown[0].rfind('/') + 1));
  for (Licence l : {Licence::kAbsent, Licence::kExpired}) {
    const std::string& customer = world_.customer[l];
    const std::string target = *IdFromText(customer.substr(customer.rfind('/') + 1));
    absl::Status copy = sql::RunInTransaction(world_.db().pool(), [&](sql::Lease& db) {
      auto& make = db.Prepare(
          "CREATE TEMPORARY TABLE copied SELECT * FROM cases WHERE tenant_id = ? LIMIT 1");
      make.setString(1, source);
      make.execute();
      auto& move = db.Prepare(
          "UPDATE copied SET tenant_id = ?, case_id = ?, display_name = 'Unlicensed copy'");
      move.setString(1, target);
      move.setString(2, NewIdBytes());
      move.execute();
      auto& insert = db.Prepare("INSERT INTO cases SELECT * FROM copied WHERE tenant_id = ?");
      insert.setString(1, target);
      insert.execute();
      db.Prepare("DROP TEMPORARY TABLE copied").execute();
      return absl::OkStatus();
    });
    ASSERT_TRUE(copy.ok()) << copy;
  }

  const std::string partner = world_.Token("PARTNER_READ_ONLY", world_.main_partner);
  EXPECT_THAT(ListNames("tenants/-", "", "", partner), ::testing::ElementsAreArray(newest_first));
  EXPECT_THAT(ListNames("tenants/-", "severity >= SEVERITY_LOW", "create_time desc", partner),
              ::testing::ElementsAreArray(newest_first));
}

TEST_F(CaseQueueTest, BatchUpdatesCommitTogetherWithHistoryPerCase) {
  std::vector<v1::Case> cases;
  for (int i = 0; i < 3; ++i) {
    cases.push_back(MustCreate(NewCase(absl::StrCat("Bulk ", i))));
  }
  v1::BatchUpdateCasesResponse response;
  ASSERT_TRUE(Batch({Close(cases[0]), Close(cases[1]), Close(cases[2])}, &response).ok());
  ASSERT_EQ(response.cases_size(), 3);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(response.cases(i).name(), cases[i].name()) << "in request order";
    EXPECT_EQ(response.cases(i).status(), v1::CASE_STATUS_RESOLVED);
    EXPECT_TRUE(response.cases(i).has_resolve_time());
    EXPECT_EQ(Reread(cases[i]).SerializeAsString(), response.cases(i).SerializeAsString());
    std::vector<v1::CaseEvent> history = History(cases[i].name());
    ASSERT_EQ(history.size(), 2u);
    EXPECT_EQ(history[1].type(), v1::EVENT_TYPE_UPDATED);
    EXPECT_EQ(history[1].actor(), "owner");
  }
}

TEST_F(CaseQueueTest, OneBadItemFailsTheWholeBatchNamingItsIndex) {
  std::vector<v1::Case> cases;
  for (int i = 0; i < 3; ++i) {
    cases.push_back(MustCreate(NewCase(absl::StrCat("Bulk ", i))));
  }
  v1::UpdateCaseRequest stale = Close(cases[2]);
  stale.mutable_case_()->set_etag("999");
  v1::BatchUpdateCasesResponse response;
  grpc::Status s = Batch({Close(cases[0]), Close(cases[1]), stale}, &response);
  EXPECT_THAT(s, StatusIs(grpc::StatusCode::ABORTED, "ETAG_MISMATCH"));
  EXPECT_EQ(GrpcErrorMetadata(s)["item"], "requests[2]");
  for (const v1::Case& c : cases) {
    EXPECT_EQ(Reread(c).status(), v1::CASE_STATUS_NEW) << "nothing committed";
    EXPECT_EQ(History(c.name()).size(), 1u);
  }

  // Each item authorized as if alone: a partner admin edits but may not close.
  const std::string partner_admin = world_.Token("PARTNER_SUPER_ADMIN", world_.main_partner);
  v1::UpdateCaseRequest assign;
  assign.mutable_case_()->set_name(cases[0].name());
  assign.mutable_case_()->set_assignee("dave");
  assign.mutable_update_mask()->add_paths("assignee");
  s = Batch({assign, Close(cases[1])}, &response, partner_admin);
  EXPECT_THAT(s, StatusIs(grpc::StatusCode::PERMISSION_DENIED, "ROLE_REQUIRED"));
  EXPECT_EQ(GrpcErrorMetadata(s)["item"], "requests[1]");
  EXPECT_EQ(Reread(cases[0]).assignee(), "");
  ASSERT_TRUE(Batch({assign}, &response, partner_admin).ok());
  EXPECT_EQ(Reread(cases[0]).assignee(), "dave");

  // A missing case fails the batch too.
  v1::UpdateCaseRequest missing = Close(cases[1]);
  missing.mutable_case_()->set_name(absl::StrCat(tenant_, "/cases/", NewIdText()));
  missing.mutable_case_()->clear_etag();
  s = Batch({Close(cases[1]), missing}, &response);
  EXPECT_THAT(s, StatusIs(grpc::StatusCode::NOT_FOUND, "NOT_FOUND"));
  EXPECT_EQ(GrpcErrorMetadata(s)["item"], "requests[1]");
  EXPECT_EQ(Reread(cases[1]).status(), v1::CASE_STATUS_NEW);
}

TEST_F(CaseQueueTest, MalformedBatchesAreRefusedWithEveryViolation) {
  v1::Case a = MustCreate(NewCase("A"));
  v1::BatchUpdateCasesResponse response;
  EXPECT_THAT(GrpcViolationFields(Batch({}, &response)), ElementsAre("requests"));
  std::vector<v1::UpdateCaseRequest> too_many(101, Close(a));
  grpc::Status over = Batch(too_many, &response);
  EXPECT_THAT(GrpcViolationFields(over), ::testing::Contains("requests")) << over.error_message();

  v1::UpdateCaseRequest foreign = Close(a);
  foreign.mutable_case_()->set_name(
      absl::StrCat(world_.customer[Licence::kAbsent], "/cases/", NewIdText()));
  v1::UpdateCaseRequest bad_severity = Close(a);
  bad_severity.mutable_case_()->set_severity(static_cast<v1::Severity>(42));
  bad_severity.mutable_update_mask()->add_paths("severity");
  bad_severity.mutable_case_()->set_name(absl::StrCat(tenant_, "/cases/", NewIdText()));
  v1::UpdateCaseRequest bad_mask = Close(a);
  bad_mask.mutable_update_mask()->add_paths("number");
  grpc::Status s = Batch({Close(a), Close(a), foreign, bad_severity, bad_mask}, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(GrpcViolationFields(s),
              UnorderedElementsAre("requests[1].case.name", "requests[2].case.name",
                                   "requests[3].case.severity", "requests[4].case.name",
                                   "requests[4].update_mask"));
  // The rules checked on the stored case (the close note's length) name the item too.
  v1::UpdateCaseRequest long_note = Close(a);
  long_note.mutable_case_()->set_close_reason(v1::CLOSE_REASON_OTHER);
  long_note.mutable_case_()->set_close_note(std::string(601, 'x'));
  long_note.mutable_update_mask()->add_paths("close_note");
  v1::Case b = MustCreate(NewCase("B"));
  s = Batch({Close(b), long_note}, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(GrpcViolationFields(s), ElementsAre("requests[1].case.close_note"));
  EXPECT_EQ(Reread(a).status(), v1::CASE_STATUS_NEW);
  EXPECT_EQ(Reread(b).status(), v1::CASE_STATUS_NEW);
}

}  // namespace
}  // namespace cases::testing
