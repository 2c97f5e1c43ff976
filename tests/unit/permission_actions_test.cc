// Every row of the permission table's actions, for every role and product. The
// expected roles are written here from the contract's permission table, never
// read back from tenancy/permissions.cc: a table checked against itself cannot fail.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "common/ids.h"
#include "soc/cases/v1/case_service.pb.h"
#include "tenancy/guard.h"
#include "tests/unit/unit_testing.h"

namespace cases::tenancy {
namespace {

namespace v1 = ::soc::cases::v1;
using ::cases::testing::AbslStatusIs;
using Roles = std::set<v1::Role>;

const Roles kAllRoles = {v1::ROLE_TENANT_SUPER_ADMIN,     v1::ROLE_TENANT_ADMIN,
                         v1::ROLE_TENANT_READ_ONLY,       v1::ROLE_PARTNER_SUPER_ADMIN,
                         v1::ROLE_PARTNER_ADMIN,          v1::ROLE_PARTNER_READ_ONLY,
                         v1::ROLE_ENTERPRISE_SUPER_ADMIN, v1::ROLE_ENTERPRISE_ADMIN,
                         v1::ROLE_ENTERPRISE_READ_ONLY,   v1::ROLE_MDR_ANALYST,
                         v1::ROLE_MANAGED_RISK_ANALYST,   v1::ROLE_PLATFORM_ADMIN,
                         v1::ROLE_DETECTION_INGESTER};
// "tenant, partner and enterprise SUPER_ADMIN and ADMIN"
const Roles kCustomerAdmins = {v1::ROLE_TENANT_SUPER_ADMIN,     v1::ROLE_TENANT_ADMIN,
                               v1::ROLE_PARTNER_SUPER_ADMIN,    v1::ROLE_PARTNER_ADMIN,
                               v1::ROLE_ENTERPRISE_SUPER_ADMIN, v1::ROLE_ENTERPRISE_ADMIN};
// "every role that reaches the tenant (provider analysts: their product's items)"
const Roles kCustomerReaders = {v1::ROLE_TENANT_SUPER_ADMIN,     v1::ROLE_TENANT_ADMIN,
                                v1::ROLE_TENANT_READ_ONLY,       v1::ROLE_PARTNER_SUPER_ADMIN,
                                v1::ROLE_PARTNER_ADMIN,          v1::ROLE_PARTNER_READ_ONLY,
                                v1::ROLE_ENTERPRISE_SUPER_ADMIN, v1::ROLE_ENTERPRISE_ADMIN,
                                v1::ROLE_ENTERPRISE_READ_ONLY,   v1::ROLE_PLATFORM_ADMIN};
// "DETECTION_INGESTER is a pipeline account: it ingests and reads nothing else."
const Roles kAllButIngester = {v1::ROLE_TENANT_SUPER_ADMIN,     v1::ROLE_TENANT_ADMIN,
                               v1::ROLE_TENANT_READ_ONLY,       v1::ROLE_PARTNER_SUPER_ADMIN,
                               v1::ROLE_PARTNER_ADMIN,          v1::ROLE_PARTNER_READ_ONLY,
                               v1::ROLE_ENTERPRISE_SUPER_ADMIN, v1::ROLE_ENTERPRISE_ADMIN,
                               v1::ROLE_ENTERPRISE_READ_ONLY,   v1::ROLE_MDR_ANALYST,
                               v1::ROLE_MANAGED_RISK_ANALYST,   v1::ROLE_PLATFORM_ADMIN};

Roles Plus(Roles roles, std::initializer_list<v1::Role> more) {
  roles.insert(more);
  return roles;
}

struct Expectation {
  Action action;
  std::map<v1::Product, Roles> allowed;  // products not listed: nobody
};

std::vector<Expectation> FromTheContract() {
  constexpr auto kXdr = v1::PRODUCT_XDR;
  constexpr auto kMdr = v1::PRODUCT_MDR;
  constexpr auto kManagedRisk = v1::PRODUCT_MANAGED_RISK;
  constexpr auto kNoProduct = v1::PRODUCT_UNSPECIFIED;
  return {
      {Action::kReadCases,
       {{kXdr, kCustomerReaders}, {kMdr, Plus(kCustomerReaders, {v1::ROLE_MDR_ANALYST})}}},
      {Action::kEditCases, {{kXdr, kCustomerAdmins}, {kMdr, {v1::ROLE_MDR_ANALYST}}}},
      // "Partner Super Admins and Enterprise Super Admins can't close or remove cases."
      {Action::kCloseCase,
       {{kXdr, {v1::ROLE_TENANT_SUPER_ADMIN, v1::ROLE_TENANT_ADMIN}},
        {kMdr, {v1::ROLE_MDR_ANALYST}}}},
      {Action::kRemoveCase, {{kXdr, {v1::ROLE_TENANT_SUPER_ADMIN, v1::ROLE_TENANT_ADMIN}}}},
      {Action::kConvertAlert, {{kXdr, kCustomerAdmins}}},
      // "MDR_ANALYST ... may AddCaseDetections them to MDR-managed cases"
      {Action::kAddCaseDetections, {{kXdr, kCustomerAdmins}, {kMdr, {v1::ROLE_MDR_ANALYST}}}},
      // "case notes: who may update the case; on MDR-managed cases also
      // TENANT_SUPER_ADMIN, TENANT_ADMIN"; deleting another's note: "its author, or
      // TENANT_SUPER_ADMIN / TENANT_ADMIN".
      {Action::kWriteCaseNotes,
       {{kXdr, kCustomerAdmins},
        {kMdr, {v1::ROLE_MDR_ANALYST, v1::ROLE_TENANT_SUPER_ADMIN, v1::ROLE_TENANT_ADMIN}}}},
      {Action::kDeleteAnyCaseNote,
       {{kXdr, {v1::ROLE_TENANT_SUPER_ADMIN, v1::ROLE_TENANT_ADMIN}},
        {kMdr, {v1::ROLE_TENANT_SUPER_ADMIN, v1::ROLE_TENANT_ADMIN}}}},
      // "case rules: as creating the case type the rule makes"; read as those cases are.
      {Action::kReadCaseRules,
       {{kXdr, kCustomerReaders}, {kMdr, Plus(kCustomerReaders, {v1::ROLE_MDR_ANALYST})}}},
      {Action::kManageCaseRules, {{kXdr, kCustomerAdmins}, {kMdr, {v1::ROLE_MDR_ANALYST}}}},
      {Action::kCreateQueues, {{kXdr, kCustomerAdmins}}},
      {Action::kReadQueues,
       {{kXdr, kCustomerReaders}, {kMdr, Plus(kCustomerReaders, {v1::ROLE_MDR_ANALYST})}}},
      // "SLA policy: tenant, partner and enterprise SUPER_ADMIN; PLATFORM_ADMIN"; every
      // reader of cases reads it (deadlines are on every case). No licence.
      {Action::kReadSlaPolicy, {{kNoProduct, kAllButIngester}}},
      {Action::kManageSlaPolicy,
       {{kNoProduct,
         {v1::ROLE_TENANT_SUPER_ADMIN, v1::ROLE_PARTNER_SUPER_ADMIN,
          v1::ROLE_ENTERPRISE_SUPER_ADMIN, v1::ROLE_PLATFORM_ADMIN}}}},
      {Action::kIngestDetections,
       {{kXdr, {v1::ROLE_DETECTION_INGESTER, v1::ROLE_PLATFORM_ADMIN}},
        {kMdr, {v1::ROLE_DETECTION_INGESTER, v1::ROLE_PLATFORM_ADMIN}}}},
      // "Provider analysts read their product's detections and alerts"
      {Action::kReadDetections,
       {{kXdr, kCustomerReaders},
        {kMdr, Plus(kCustomerReaders, {v1::ROLE_MDR_ANALYST})},
        {kManagedRisk, Plus(kCustomerReaders, {v1::ROLE_MANAGED_RISK_ANALYST})}}},
      {Action::kCreateServiceRequest, {{kMdr, kCustomerAdmins}, {kManagedRisk, kCustomerAdmins}}},
      {Action::kReadServiceRequests,
       {{kMdr, Plus(kCustomerReaders, {v1::ROLE_MDR_ANALYST})},
        {kManagedRisk, Plus(kCustomerReaders, {v1::ROLE_MANAGED_RISK_ANALYST})}}},
      {Action::kChangeServiceRequestStatus,
       {{kMdr, {v1::ROLE_MDR_ANALYST}}, {kManagedRisk, {v1::ROLE_MANAGED_RISK_ANALYST}}}},
      {Action::kPostMessage,
       {{kMdr, Plus(kCustomerAdmins, {v1::ROLE_MDR_ANALYST})},
        {kManagedRisk, Plus(kCustomerAdmins, {v1::ROLE_MANAGED_RISK_ANALYST})}}},
      {Action::kReadCallerIdentity, {{kNoProduct, kAllRoles}}},
      {Action::kCreateTenant,
       {{kNoProduct, {v1::ROLE_PLATFORM_ADMIN, v1::ROLE_PARTNER_SUPER_ADMIN}}}},
      {Action::kReadTenants, {{kNoProduct, kAllButIngester}}},
      {Action::kInstallLicense, {{kNoProduct, {v1::ROLE_PLATFORM_ADMIN}}}},
      {Action::kReadLicenses, {{kNoProduct, kAllButIngester}}},
      // "subscriptions: tenant, partner and enterprise SUPER_ADMIN and ADMIN; provider
      // analysts in the provider tenant; PLATFORM_ADMIN" (the provider-tenant part is
      // the domain's).
      {Action::kManageSubscriptions,
       {{kNoProduct, Plus(kCustomerAdmins, {v1::ROLE_MDR_ANALYST, v1::ROLE_MANAGED_RISK_ANALYST,
                                            v1::ROLE_PLATFORM_ADMIN})}}},
      // "read activities: who may read the resource the activity is about": the feed is
      // open to whoever reaches the tenant, its items per product.
      {Action::kReadActivityFeed, {{kNoProduct, kAllButIngester}}},
      {Action::kReadActivities,
       {{kXdr, kCustomerReaders},
        {kMdr, Plus(kCustomerReaders, {v1::ROLE_MDR_ANALYST})},
        {kManagedRisk, Plus(kCustomerReaders, {v1::ROLE_MANAGED_RISK_ANALYST})}}},
  };
}

class PermissionActionsTest : public ::testing::Test {
 protected:
  PermissionActionsTest() : tenant_(NewIdBytes()), now_(absl::Now()), guard_(nullptr, nullptr) {
    std::vector<sql::LicenseRow> licenses;
    for (v1::Product product : {v1::PRODUCT_XDR, v1::PRODUCT_MDR, v1::PRODUCT_MANAGED_RISK}) {
      licenses.push_back(
          {tenant_, NewIdText(), product, now_ - absl::Hours(1), now_ + absl::Hours(1), now_});
    }
    licensed_ = std::make_shared<TenantSnapshot>(
        std::vector<sql::TenantRow>{{tenant_, "", v1::TENANT_KIND_TENANT, "Acme", now_}}, licenses);
    unlicensed_ = std::make_shared<TenantSnapshot>(
        std::vector<sql::TenantRow>{{tenant_, "", v1::TENANT_KIND_TENANT, "Acme", now_}},
        std::vector<sql::LicenseRow>{});
  }

  CallContext Call(v1::Role role, std::shared_ptr<const TenantSnapshot> snapshot) const {
    CallContext call;
    call.principal.subject = "someone";
    call.principal.home_tenant_id = tenant_;
    call.principal.roles = {role};
    call.permission = FindPermission("soc.cases.v1.CaseService.UpdateCase");
    call.snapshot = std::move(snapshot);
    call.now = now_;
    call.tenant_id = tenant_;
    return call;
  }

  const std::string tenant_;
  const absl::Time now_;
  const Guard guard_;
  std::shared_ptr<const TenantSnapshot> licensed_, unlicensed_;
};

TEST_F(PermissionActionsTest, EveryActionAllowsExactlyTheRolesTheContractNames) {
  const std::vector<Expectation> expectations = FromTheContract();
  ASSERT_EQ(expectations.size(), ActionTable().size()) << "an action without an expectation here";
  for (const Expectation& e : expectations) {
    for (v1::Product product :
         {v1::PRODUCT_UNSPECIFIED, v1::PRODUCT_XDR, v1::PRODUCT_MDR, v1::PRODUCT_MANAGED_RISK}) {
      const auto it = e.allowed.find(product);
      for (v1::Role role : kAllRoles) {
        const bool expected = it != e.allowed.end() && it->second.count(role) != 0;
        const absl::Status status = guard_.Allow(Call(role, licensed_), e.action, product);
        EXPECT_EQ(status.ok(), expected)
            << RuleOf(e.action).words << " / " << v1::Product_Name(product) << " / "
            << v1::Role_Name(role) << ": " << status;
        if (!expected) {
          EXPECT_THAT(status, AbslStatusIs(absl::StatusCode::kPermissionDenied, "ROLE_REQUIRED"));
        }
      }
    }
  }
}

TEST_F(PermissionActionsTest, RefusalNamesTheActionAndTheRolesThatWouldBeAllowed) {
  const absl::Status status = guard_.Allow(Call(v1::ROLE_PARTNER_SUPER_ADMIN, licensed_),
                                           Action::kCloseCase, v1::PRODUCT_XDR);
  EXPECT_THAT(status, AbslStatusIs(absl::StatusCode::kPermissionDenied, "ROLE_REQUIRED"));
  EXPECT_EQ(status.message(), "closing a case needs TENANT_SUPER_ADMIN or TENANT_ADMIN");
  EXPECT_EQ(status.message().find('#'), absl::string_view::npos);
}

TEST_F(PermissionActionsTest, ARightRoleWithoutTheLicenceIsLicenseRequired) {
  EXPECT_THAT(
      guard_.Allow(Call(v1::ROLE_TENANT_ADMIN, unlicensed_), Action::kCloseCase, v1::PRODUCT_XDR),
      AbslStatusIs(absl::StatusCode::kPermissionDenied, "LICENSE_REQUIRED"));
  EXPECT_THAT(
      guard_.Allow(Call(v1::ROLE_MDR_ANALYST, unlicensed_), Action::kEditCases, v1::PRODUCT_MDR),
      AbslStatusIs(absl::StatusCode::kPermissionDenied, "LICENSE_REQUIRED"));
}

// The webhook dispatcher asks on behalf of a subscription's creator, outside any
// call: there is no method's permission entry to fall back on.
TEST_F(PermissionActionsTest, PermittedProductsNeedsNoMethodWhenTheActionIsNamed) {
  CallContext call = Call(v1::ROLE_MDR_ANALYST, licensed_);
  call.permission = nullptr;
  EXPECT_EQ(guard_.PermittedProducts(call, tenant_, Action::kReadActivities),
            std::vector<v1::Product>{v1::PRODUCT_MDR});
}

TEST_F(PermissionActionsTest, EveryRpcIsOneActionAndTheRemovingMethodsAreRemoval) {
  EXPECT_TRUE(Guard::CheckTableCoversApi().ok());
  EXPECT_EQ(FindPermission("soc.cases.v1.CaseService.DeleteCase")->action, Action::kRemoveCase);
  EXPECT_EQ(FindPermission("soc.cases.v1.CaseService.BatchDeleteCases")->action,
            Action::kRemoveCase);
  EXPECT_EQ(FindPermission("soc.cases.v1.CaseService.UpdateCase")->action, Action::kEditCases);
  EXPECT_EQ(FindPermission("soc.cases.v1.CaseService.UpdateCase#close"), nullptr);
}

}  // namespace
}  // namespace cases::tenancy
