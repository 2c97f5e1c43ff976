// The seed rules of cases, service requests and tenants as pure functions: no
// database, no server. Each test is one rule of the product documents.
#include "domain/case_rules.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/validation.h"
#include "domain/service_requests.h"
#include "domain/tenancy_admin.h"
#include "soc/cases/v1/service_request_service.pb.h"
#include "tests/unit/unit_testing.h"

namespace cases::domain {
namespace {

namespace v1 = ::soc::cases::v1;
using ::cases::testing::AbslStatusIs;

sql::DetectionRow Detection(v1::Product product) {
  sql::DetectionRow d;
  d.tenant_id = NewIdBytes();
  d.detection_id = NewIdBytes();
  d.product = product;
  return d;
}

std::vector<std::string> Fields(const Violations& v) {
  std::vector<std::string> out;
  for (const FieldViolation& f : v.list()) {
    out.push_back(f.field);
  }
  return out;
}

Violations Closing(int status, int reason, const std::string& note) {
  Violations v;
  CheckClosing(v, "case.", status, reason, note);
  return v;
}

TEST(CaseRulesTest, SelfManagedCasesTakeXdrDetectionsOnly) {
  EXPECT_TRUE(
      CheckDetectionsEligible(v1::CASE_TYPE_SELF_MANAGED, {Detection(v1::PRODUCT_XDR)}).ok());
  for (v1::Product product : {v1::PRODUCT_MDR, v1::PRODUCT_MANAGED_RISK}) {
    EXPECT_THAT(CheckDetectionsEligible(v1::CASE_TYPE_SELF_MANAGED,
                                        {Detection(v1::PRODUCT_XDR), Detection(product)}),
                AbslStatusIs(absl::StatusCode::kFailedPrecondition, "DETECTION_NOT_ELIGIBLE"));
  }
  EXPECT_TRUE(
      CheckDetectionsEligible(v1::CASE_TYPE_MDR_MANAGED, {Detection(v1::PRODUCT_MDR)}).ok());
}

TEST(CaseRulesTest, ClosingNeedsAReasonAndOtherNeedsANoteOfAtMost600Characters) {
  EXPECT_THAT(Fields(Closing(v1::CASE_STATUS_RESOLVED, 0, "")),
              ::testing::ElementsAre("case.close_reason"));
  EXPECT_THAT(Fields(Closing(v1::CASE_STATUS_RESOLVED, v1::CLOSE_REASON_OTHER, "")),
              ::testing::ElementsAre("case.close_note"));
  EXPECT_TRUE(Closing(v1::CASE_STATUS_RESOLVED, v1::CLOSE_REASON_OTHER, "x").empty());
  std::string note;
  for (int i = 0; i < 600; ++i) {
    note += "\xc3\xa9";  // é: 600 characters, 1 200 bytes
  }
  EXPECT_TRUE(Closing(v1::CASE_STATUS_RESOLVED, v1::CLOSE_REASON_OTHER, note).empty());
  EXPECT_THAT(Fields(Closing(v1::CASE_STATUS_RESOLVED, v1::CLOSE_REASON_OTHER, note + "e")),
              ::testing::ElementsAre("case.close_note"));
  EXPECT_THAT(Fields(Closing(v1::CASE_STATUS_RESOLVED, v1::CLOSE_REASON_LOW_RISK, "\xff")),
              ::testing::ElementsAre("case.close_note"));
  EXPECT_TRUE(
      Closing(v1::CASE_STATUS_RESOLVED, v1::CLOSE_REASON_FALSE_POSITIVE_OR_DUPLICATE, "").empty());
}

TEST(CaseRulesTest, OnlyAResolvedCaseHasACloseReasonAndReasonsMustBeKnown) {
  EXPECT_THAT(Fields(Closing(v1::CASE_STATUS_INVESTIGATING, v1::CLOSE_REASON_LOW_RISK, "")),
              ::testing::ElementsAre("case.close_reason"));
  EXPECT_THAT(Fields(Closing(v1::CASE_STATUS_NEW, 0, "a note")),
              ::testing::ElementsAre("case.close_reason"));
  EXPECT_THAT(Fields(Closing(v1::CASE_STATUS_RESOLVED, 99, "")),
              ::testing::ElementsAre("case.close_reason"));
  EXPECT_TRUE(Closing(v1::CASE_STATUS_ON_HOLD, 0, "").empty());
}

TEST(CaseRulesTest, ResolvingOrChangingHowACaseIsClosedNeedsTheClosingAction) {
  sql::CaseRow resolved;
  resolved.status = v1::CASE_STATUS_RESOLVED;
  sql::CaseRow open;
  open.status = v1::CASE_STATUS_INVESTIGATING;
  EXPECT_EQ(ActionForChange(resolved, {"status", "close_reason"}), tenancy::Action::kCloseCase);
  EXPECT_EQ(ActionForChange(resolved, {"close_note"}), tenancy::Action::kCloseCase);
  EXPECT_EQ(ActionForChange(resolved, {"assignee"}), tenancy::Action::kEditCases);
  EXPECT_EQ(ActionForChange(open, {"status"}), tenancy::Action::kEditCases);  // re-opening
}

TEST(CaseRulesTest, AResolvedCaseIsPurgedAfterTheRetentionAndReopeningClearsItAll) {
  const absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  sql::CaseRow row;
  row.status = v1::CASE_STATUS_RESOLVED;
  row.close_reason = v1::CLOSE_REASON_OTHER;
  row.close_note = "done";
  ApplyResolution(/*was_resolved=*/false, now, absl::Hours(720), &row);
  EXPECT_EQ(row.resolve_time, now);
  EXPECT_EQ(row.purge_time, now + absl::Hours(24 * 30));

  ApplyResolution(/*was_resolved=*/true, now + absl::Hours(1), absl::Hours(720), &row);
  EXPECT_EQ(row.resolve_time, now) << "staying resolved keeps the first resolve time";

  row.status = v1::CASE_STATUS_INVESTIGATING;
  ApplyResolution(/*was_resolved=*/true, now + absl::Hours(2), absl::Hours(720), &row);
  EXPECT_FALSE(row.resolve_time.has_value());
  EXPECT_FALSE(row.purge_time.has_value());
  EXPECT_EQ(row.close_reason, v1::CLOSE_REASON_UNSPECIFIED);
  EXPECT_EQ(row.close_note, "");
}

TEST(CaseRulesTest, DeadlinesAreTheCreateTimePlusTheTargetsOfTheSeverity) {
  sql::SlaPolicyRow policy;
  policy.targets[v1::SEVERITY_HIGH] = {absl::Hours(1), absl::Hours(24)};
  policy.targets[v1::SEVERITY_LOW] = {std::nullopt, absl::Hours(24 * 7)};
  sql::CaseRow row;
  row.create_time = absl::FromUnixSeconds(1'800'000'000);
  row.severity = v1::SEVERITY_HIGH;
  ApplySlaDeadlines(policy, &row);
  EXPECT_EQ(row.acknowledge_deadline, row.create_time + absl::Hours(1));
  EXPECT_EQ(row.resolve_deadline, row.create_time + absl::Hours(24));
  row.severity = v1::SEVERITY_LOW;
  ApplySlaDeadlines(policy, &row);
  EXPECT_FALSE(row.acknowledge_deadline.has_value()) << "a target left out gives no deadline";
  EXPECT_EQ(row.resolve_deadline, row.create_time + absl::Hours(24 * 7));
  row.severity = v1::SEVERITY_CRITICAL;
  ApplySlaDeadlines(policy, &row);
  EXPECT_FALSE(row.resolve_deadline.has_value()) << "no target for the severity";
  ApplySlaDeadlines(sql::SlaPolicyRow{}, &row);
  EXPECT_FALSE(row.acknowledge_deadline.has_value());
}

TEST(CaseRulesTest, ACaseIsAcknowledgedOnceWhenItLeavesNewOrIsAssigned) {
  const absl::Time t0 = absl::FromUnixSeconds(1'800'000'000);
  sql::CaseRow row;
  row.status = v1::CASE_STATUS_NEW;
  ApplyAcknowledgement(t0, &row);
  EXPECT_FALSE(row.acknowledge_time.has_value());
  row.assignee = "bob";
  ApplyAcknowledgement(t0, &row);
  EXPECT_EQ(row.acknowledge_time, t0);
  row.status = v1::CASE_STATUS_RESOLVED;
  ApplyAcknowledgement(t0 + absl::Hours(1), &row);
  EXPECT_EQ(row.acknowledge_time, t0) << "the first time only";
  sql::CaseRow investigating;
  investigating.status = v1::CASE_STATUS_INVESTIGATING;
  ApplyAcknowledgement(t0, &investigating);
  EXPECT_EQ(investigating.acknowledge_time, t0);
}

TEST(CaseRulesTest, OnlySelfManagedCasesCanBeRemoved) {
  sql::CaseRow row;
  row.tenant_id = NewIdBytes();
  row.case_id = NewIdBytes();
  row.type = v1::CASE_TYPE_SELF_MANAGED;
  EXPECT_TRUE(CheckRemovable(row).ok());
  row.type = v1::CASE_TYPE_MDR_MANAGED;
  EXPECT_THAT(CheckRemovable(row),
              AbslStatusIs(absl::StatusCode::kFailedPrecondition, "CASE_NOT_SELF_MANAGED"));
}

TEST(CaseRulesTest, AStaleEtagIsAbortedAndAnEmptyOnePasses) {
  sql::CaseRow row;
  row.revision = 3;
  EXPECT_TRUE(CheckEtag("", row).ok());
  EXPECT_TRUE(CheckEtag(EtagOf(row), row).ok());
  EXPECT_THAT(CheckEtag("2", row), AbslStatusIs(absl::StatusCode::kAborted, "ETAG_MISMATCH"));
}

TEST(CaseRulesTest, HistoryRecordsOnlyChangedFieldsWithEnumNames) {
  sql::CaseRow before;
  before.severity = v1::SEVERITY_LOW;
  before.assignee = "alice";
  sql::CaseRow after = before;
  after.severity = v1::SEVERITY_HIGH;
  const auto changes = CaseChanges(before, after);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].field, "severity");
  EXPECT_EQ(changes[0].old_value, "SEVERITY_LOW");
  EXPECT_EQ(changes[0].new_value, "SEVERITY_HIGH");
  EXPECT_TRUE(CaseChanges(before, before).empty());
}

TEST(CaseRulesTest, AConvertedAlertsAttributesComeFromTheAlertThenItsDetectionsThenTheRequest) {
  sql::AlertRow alert;
  alert.attributes = {{"host", "alert-host"}};
  sql::DetectionRow first = Detection(v1::PRODUCT_XDR);
  first.attributes = {{"host", "detection-host"}, {"user", "bob"}};
  sql::DetectionRow second = Detection(v1::PRODUCT_XDR);
  second.attributes = {{"user", "carol"}, {"ip", "10.0.0.7"}};
  second.device = "host-7";
  second.entity = "carol";
  second.mitre_techniques = {"T1059.001", "T1021"};
  first.device = "host-7";
  const auto merged = MergeConvertedAttributes(alert, {first, second}, {{"ip", "requested"}});
  const std::map<std::string, std::string> expected = {{"host", "alert-host"},
                                                       {"host.2", "detection-host"},
                                                       {"user", "bob"},
                                                       {"user.2", "carol"},
                                                       {"ip", "requested"},
                                                       {"device", "host-7"},
                                                       {"entity", "carol"},
                                                       {"mitre_technique", "T1059.001"},
                                                       {"mitre_technique.2", "T1021"}};
  EXPECT_EQ(merged, expected);
}

TEST(CaseRulesTest, AConvertedAlertKeepsAtMostTheAttributeLimit) {
  sql::AlertRow alert;
  std::vector<sql::DetectionRow> detections;
  for (int i = 0; i < 150; ++i) {
    sql::DetectionRow d = Detection(v1::PRODUCT_XDR);
    d.attributes = {{"ip", absl::StrCat("10.0.0.", i)}};
    detections.push_back(d);
  }
  const auto merged = MergeConvertedAttributes(alert, detections, {});
  EXPECT_EQ(merged.size(), kMaxAttributes);
  EXPECT_EQ(merged.at("ip"), "10.0.0.0");
  EXPECT_EQ(merged.at("ip.2"), "10.0.0.1");
}

TEST(CaseRulesTest, AConvertedCaseTakesTheAlertsTitleAndSeverityUnlessGiven) {
  sql::AlertRow alert;
  alert.title = "Suspicious PowerShell";
  alert.severity = v1::SEVERITY_HIGH;
  sql::CaseRow row;
  ASSERT_TRUE(DefaultFromAlert(alert, &row).ok());
  EXPECT_EQ(row.display_name, "Suspicious PowerShell");
  EXPECT_EQ(row.severity, v1::SEVERITY_HIGH);
  sql::CaseRow given;
  given.display_name = "Mine";
  given.severity = v1::SEVERITY_LOW;
  ASSERT_TRUE(DefaultFromAlert(alert, &given).ok());
  EXPECT_EQ(given.display_name, "Mine");
  EXPECT_EQ(given.severity, v1::SEVERITY_LOW);
  alert.title = "powershell.exe -enc <payload>";
  sql::CaseRow bad;
  EXPECT_EQ(DefaultFromAlert(alert, &bad).code(), absl::StatusCode::kInvalidArgument);
}

TEST(CaseRulesTest, CaseTypesAndProductsMapBothWays) {
  EXPECT_EQ(ProductOfCaseType(v1::CASE_TYPE_SELF_MANAGED), v1::PRODUCT_XDR);
  EXPECT_EQ(ProductOfCaseType(v1::CASE_TYPE_MDR_MANAGED), v1::PRODUCT_MDR);
  EXPECT_EQ(CaseTypeOfProduct(v1::PRODUCT_XDR), v1::CASE_TYPE_SELF_MANAGED);
  EXPECT_EQ(CaseTypeOfProduct(v1::PRODUCT_MDR), v1::CASE_TYPE_MDR_MANAGED);
  EXPECT_EQ(ProductOfRequestType(v1::SERVICE_REQUEST_TYPE_MANAGED_RISK), v1::PRODUCT_MANAGED_RISK);
  EXPECT_EQ(RequestTypeOfProduct(v1::PRODUCT_MDR), v1::SERVICE_REQUEST_TYPE_MDR);
}

// "Use only alphanumeric characters, spaces, and basic punctuation."
TEST(CaseRulesTest, DisplayNamesAreLettersDigitsSpacesAndBasicPunctuation) {
  auto ok = [](absl::string_view name) {
    Violations v;
    CheckDisplayName(v, "display_name", name);
    return v.empty();
  };
  EXPECT_TRUE(ok("Phishing wave (day 2): user's mailbox, host-7_a. Why? Now!"));
  EXPECT_TRUE(ok("Überwachung 東京"));
  EXPECT_TRUE(ok(std::string(120, 'a')));
  EXPECT_FALSE(ok(std::string(121, 'a')));
  EXPECT_FALSE(ok(""));
  EXPECT_FALSE(ok(" leading space"));
  for (absl::string_view bad : {"a<b", "a;b", "a\"b", "a/b", "a{b}", "a\tb", "a%b"}) {
    EXPECT_FALSE(ok(bad)) << bad;
  }
}

TEST(TenancyRulesTest, PartnersAndOrganizationsSitUnderTheProviderAndTenantsUnderAnyOfThem) {
  EXPECT_TRUE(MayParent(v1::TENANT_KIND_PROVIDER, v1::TENANT_KIND_PARTNER));
  EXPECT_TRUE(MayParent(v1::TENANT_KIND_PROVIDER, v1::TENANT_KIND_ORGANIZATION));
  EXPECT_FALSE(MayParent(v1::TENANT_KIND_PARTNER, v1::TENANT_KIND_PARTNER));
  for (int parent :
       {v1::TENANT_KIND_PROVIDER, v1::TENANT_KIND_PARTNER, v1::TENANT_KIND_ORGANIZATION}) {
    EXPECT_TRUE(MayParent(parent, v1::TENANT_KIND_TENANT));
  }
  EXPECT_FALSE(MayParent(v1::TENANT_KIND_TENANT, v1::TENANT_KIND_TENANT));
  EXPECT_FALSE(MayParent(v1::TENANT_KIND_PROVIDER, v1::TENANT_KIND_PROVIDER));
}

TEST(ServiceRequestRulesTest, ProviderPrincipalsPostProviderMessages) {
  tenancy::Principal provider;
  provider.home_kind = v1::TENANT_KIND_PROVIDER;
  tenancy::Principal customer;
  customer.home_kind = v1::TENANT_KIND_PARTNER;
  EXPECT_EQ(MessageSideOf(provider), v1::MESSAGE_SIDE_PROVIDER);
  EXPECT_EQ(MessageSideOf(customer), v1::MESSAGE_SIDE_CUSTOMER);
}

}  // namespace
}  // namespace cases::domain
