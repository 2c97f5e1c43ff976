// TenancyService on a real server: tenants, their hierarchy rules, request_id,
// licences and the tenancy cache seeing this replica's own writes at once.
#include <atomic>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "client/dev/dev_keys.h"
#include "common/ids.h"
#include "tests/integration/world.h"

namespace cases::testing {
namespace {

class TenancyServiceTest : public ::testing::Test {
 protected:
  // A long cache TTL: only invalidation on own writes can make changes visible.
  World world_{{"--tenancy_cache_ttl=1h"}};
  std::string Admin() { return world_.Token("PLATFORM_ADMIN", world_.provider); }

  v1::CallerIdentity Identity(const std::string& token) {
    v1::CallerIdentity out;
    grpc::Status s = world_.stubs().tenancy->GetCallerIdentity(
        World::Context(token).get(), v1::GetCallerIdentityRequest(), &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  // A customer tenant under the main partner, created by `token`'s caller.
  v1::Tenant CreateCustomer(const std::string& token, const std::string& name) {
    v1::CreateTenantRequest request;
    request.mutable_tenant()->set_display_name(name);
    request.mutable_tenant()->set_kind(v1::TENANT_KIND_TENANT);
    request.mutable_tenant()->set_parent_tenant(world_.main_partner);
    v1::Tenant created;
    grpc::Status s =
        world_.stubs().tenancy->CreateTenant(World::Context(token).get(), request, &created);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return created;
  }
};

TEST_F(TenancyServiceTest, CreateTenantWithSameRequestIdReturnsTheFirstTenant) {
  ASSERT_TRUE(world_.ok());
  v1::CreateTenantRequest request;
  request.mutable_tenant()->set_display_name("Retry Co");
  request.mutable_tenant()->set_kind(v1::TENANT_KIND_TENANT);
  request.mutable_tenant()->set_parent_tenant(world_.main_partner);
  request.set_request_id("create-retry-co");
  v1::Tenant first, second;
  ASSERT_TRUE(
      world_.stubs().tenancy->CreateTenant(World::Context(Admin()).get(), request, &first).ok());
  ASSERT_TRUE(
      world_.stubs().tenancy->CreateTenant(World::Context(Admin()).get(), request, &second).ok());
  EXPECT_EQ(first.name(), second.name());
  request.mutable_tenant()->set_display_name("Another Co");
  v1::Tenant third;
  EXPECT_THAT(world_.stubs().tenancy->CreateTenant(World::Context(Admin()).get(), request, &third),
              StatusIs(grpc::StatusCode::ALREADY_EXISTS, "REQUEST_ID_REUSED"));
}

// GetCallerIdentity is answered without waiting on the database while the tenant
// directory is loaded; right after a write here it is not, and the call waits for
// the reload on the executor instead of answering from the old directory.
TEST_F(TenancyServiceTest, CallerIdentityReachesATenantCreatedAMomentAgo) {
  ASSERT_TRUE(world_.ok());
  const std::string token = world_.Token("PARTNER_SUPER_ADMIN", world_.main_partner);
  const v1::CallerIdentity before = Identity(token);
  for (int i = 0; i < 3; ++i) {
    const v1::Tenant created = CreateCustomer(token, absl::StrCat("Fresh Customer ", i));
    const v1::CallerIdentity after = Identity(token);
    EXPECT_THAT(after.reachable_tenants(), ::testing::Contains(created.name()));
    EXPECT_EQ(after.reachable_tenants_size(), before.reachable_tenants_size() + i + 1);
    EXPECT_EQ(after.subject(), before.subject());
  }
}

// Callers asking who they are while tenants are created: some calls are answered
// on gRPC's thread, some wait for the reload on the executor; every one is
// answered, and none lists fewer tenants than existed before it began.
TEST_F(TenancyServiceTest, ConcurrentCallerIdentityCallsWhileTenantsAreCreated) {
  ASSERT_TRUE(world_.ok());
  const std::string token = world_.Token("PARTNER_SUPER_ADMIN", world_.main_partner);
  std::atomic<int> created{0};
  const int base = Identity(token).reachable_tenants_size();
  std::vector<std::thread> callers;
  for (int t = 0; t < 4; ++t) {
    callers.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        const int at_least = base + created.load();
        EXPECT_GE(Identity(token).reachable_tenants_size(), at_least);
      }
    });
  }
  for (int i = 0; i < 5; ++i) {
    CreateCustomer(token, absl::StrCat("Busy Customer ", i));
    created.fetch_add(1);
  }
  for (std::thread& t : callers) {
    t.join();
  }
  EXPECT_EQ(Identity(token).reachable_tenants_size(), base + 5);
}

TEST_F(TenancyServiceTest, PartnerSuperAdminCreatesTenantsUnderItsOwnPartnerOnly) {
  ASSERT_TRUE(world_.ok());
  const std::string token = world_.Token("PARTNER_SUPER_ADMIN", world_.main_partner);
  v1::CreateTenantRequest request;
  request.mutable_tenant()->set_display_name("New Customer");
  request.mutable_tenant()->set_kind(v1::TENANT_KIND_TENANT);
  request.mutable_tenant()->set_parent_tenant(world_.main_partner);
  v1::Tenant created;
  ASSERT_TRUE(
      world_.stubs().tenancy->CreateTenant(World::Context(token).get(), request, &created).ok());
  EXPECT_EQ(created.parent_tenant(), world_.main_partner);
  EXPECT_EQ(created.kind(), v1::TENANT_KIND_TENANT);

  // The new tenant is reachable at once: the cache saw this replica's own write.
  v1::GetTenantRequest get;
  get.set_name(created.name());
  v1::Tenant fetched;
  EXPECT_TRUE(world_.stubs().tenancy->GetTenant(World::Context(token).get(), get, &fetched).ok());

  request.mutable_tenant()->set_parent_tenant(world_.foreign_partner);
  EXPECT_THAT(world_.stubs().tenancy->CreateTenant(World::Context(token).get(), request, &created),
              StatusIs(grpc::StatusCode::PERMISSION_DENIED, "TENANT_NOT_REACHABLE"));
  request.mutable_tenant()->set_parent_tenant(world_.main_partner);
  request.mutable_tenant()->set_kind(v1::TENANT_KIND_PARTNER);
  grpc::Status status =
      world_.stubs().tenancy->CreateTenant(World::Context(token).get(), request, &created);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(GrpcViolationFields(status), ::testing::ElementsAre("tenant.parent_tenant"));
}

TEST_F(TenancyServiceTest, CreateTenantReportsEveryBadField) {
  ASSERT_TRUE(world_.ok());
  v1::CreateTenantRequest request;
  request.mutable_tenant()->set_display_name("<script>");
  request.mutable_tenant()->set_kind(v1::TENANT_KIND_PROVIDER);
  request.mutable_tenant()->set_parent_tenant(world_.provider);
  request.set_request_id("not ok!");
  v1::Tenant created;
  grpc::Status status =
      world_.stubs().tenancy->CreateTenant(World::Context(Admin()).get(), request, &created);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(GrpcViolationFields(status),
              ::testing::UnorderedElementsAre("tenant.display_name", "tenant.kind", "request_id"));
}

TEST_F(TenancyServiceTest, InstalledLicenceTakesEffectAtOnce) {
  ASSERT_TRUE(world_.ok());
  const std::string tenant = world_.customer[Licence::kAbsent];
  const std::string token = world_.Token("TENANT_ADMIN", tenant);
  v1::ListAlertsRequest list;
  list.set_parent(tenant);
  v1::ListAlertsResponse alerts;
  ASSERT_THAT(world_.stubs().detections->ListAlerts(World::Context(token).get(), list, &alerts),
              StatusIs(grpc::StatusCode::PERMISSION_DENIED, "LICENSE_REQUIRED"));

  client::LicenseRequest key_request;
  key_request.keys_dir = world_.keys_dir();
  key_request.tenant = tenant;
  key_request.product = "PRODUCT_XDR";
  key_request.days = 10;
  key_request.license_id = "xdr-2026";
  auto key = client::MintDevLicense(key_request, absl::Now());
  ASSERT_TRUE(key.ok());
  v1::InstallLicenseRequest install;
  install.set_parent(tenant);
  install.set_license_key(*key);
  v1::License license;
  ASSERT_TRUE(world_.stubs()
                  .tenancy->InstallLicense(World::Context(Admin()).get(), install, &license)
                  .ok());
  EXPECT_EQ(license.name(), tenant + "/licenses/xdr-2026");
  EXPECT_EQ(license.product(), v1::PRODUCT_XDR);

  const grpc::Status after =
      world_.stubs().detections->ListAlerts(World::Context(token).get(), list, &alerts);
  EXPECT_NE(after.error_code(), grpc::StatusCode::PERMISSION_DENIED) << after.error_message();

  v1::ListLicensesRequest list_licenses;
  list_licenses.set_parent(tenant);
  v1::ListLicensesResponse licenses;
  ASSERT_TRUE(world_.stubs()
                  .tenancy->ListLicenses(World::Context(token).get(), list_licenses, &licenses)
                  .ok());
  ASSERT_EQ(licenses.licenses_size(), 1);
  EXPECT_EQ(licenses.licenses(0).license_id(), "xdr-2026");
}

TEST_F(TenancyServiceTest, LicenceKeyForAnotherTenantIsInvalidArgument) {
  ASSERT_TRUE(world_.ok());
  client::LicenseRequest key_request;
  key_request.keys_dir = world_.keys_dir();
  key_request.tenant = world_.customer[Licence::kPresent];
  key_request.product = "PRODUCT_MDR";
  auto key = client::MintDevLicense(key_request, absl::Now());
  ASSERT_TRUE(key.ok());
  v1::InstallLicenseRequest install;
  install.set_parent(world_.customer[Licence::kAbsent]);
  install.set_license_key(*key);
  v1::License license;
  grpc::Status status =
      world_.stubs().tenancy->InstallLicense(World::Context(Admin()).get(), install, &license);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(GrpcViolationFields(status), ::testing::ElementsAre("license_key"));
}

TEST_F(TenancyServiceTest, ListTenantsPagesThroughEverythingOnce) {
  ASSERT_TRUE(world_.ok());
  std::set<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    v1::ListTenantsRequest request;
    request.set_page_size(4);
    request.set_page_token(token);
    v1::ListTenantsResponse response;
    ASSERT_TRUE(world_.stubs()
                    .tenancy->ListTenants(World::Context(Admin()).get(), request, &response)
                    .ok());
    EXPECT_LE(response.tenants_size(), 4);
    for (const auto& t : response.tenants()) {
      EXPECT_TRUE(seen.insert(t.name()).second) << "repeated " << t.name();
    }
    token = response.next_page_token();
    ++pages;
  } while (!token.empty() && pages < 100);
  // The provider, 3 named parents, and 5 tenants per licence state.
  EXPECT_EQ(seen.size(), 1u + 3u + 15u);
  EXPECT_GE(pages, 5);
}

TEST_F(TenancyServiceTest, PageTokenFromAnotherListIsInvalidArgument) {
  ASSERT_TRUE(world_.ok());
  v1::ListTenantsRequest request;
  request.set_page_size(1);
  v1::ListTenantsResponse response;
  ASSERT_TRUE(
      world_.stubs().tenancy->ListTenants(World::Context(Admin()).get(), request, &response).ok());
  v1::ListLicensesRequest licenses;
  licenses.set_parent(world_.customer[Licence::kPresent]);
  licenses.set_page_token(response.next_page_token());
  v1::ListLicensesResponse out;
  grpc::Status status =
      world_.stubs().tenancy->ListLicenses(World::Context(Admin()).get(), licenses, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(GrpcViolationFields(status), ::testing::ElementsAre("page_token"));
}

TEST_F(TenancyServiceTest, UnknownTenantIsNotFoundForThePlatformAdmin) {
  ASSERT_TRUE(world_.ok());
  v1::GetTenantRequest request;
  request.set_name("tenants/" + NewIdText());
  v1::Tenant tenant;
  EXPECT_EQ(world_.stubs()
                .tenancy->GetTenant(World::Context(Admin()).get(), request, &tenant)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(TenancyServiceTest, BootstrapIsIdempotent) {
  ASSERT_TRUE(world_.ok());
  std::string out;
  ASSERT_EQ(RunCommand({CASESD_PATH, "bootstrap", "--db=" + world_.db().Dsn()}, &out), 0);
  EXPECT_EQ(out, world_.provider + "\n");
}

}  // namespace
}  // namespace cases::testing

namespace cases::testing {
namespace {

class TenancySupportTest : public ::testing::Test {
 protected:
  World world_;
  std::vector<std::string> ListTenantNames(const std::string& token, const std::string& filter,
                                           grpc::Status* status = nullptr) {
    v1::ListTenantsRequest request;
    request.set_filter(filter);
    request.set_page_size(1000);
    v1::ListTenantsResponse response;
    grpc::Status s =
        world_.stubs().tenancy->ListTenants(World::Context(token).get(), request, &response);
    if (status != nullptr) {
      *status = s;
    } else {
      EXPECT_TRUE(s.ok()) << s.error_message();
    }
    std::vector<std::string> names;
    for (const auto& t : response.tenants()) {
      names.push_back(t.display_name());
    }
    return names;
  }
};

TEST_F(TenancySupportTest, ListTenantsFiltersOnKindParentAndDisplayName) {
  ASSERT_TRUE(world_.ok());
  ASSERT_FALSE(
      world_.CreateTenant(world_.main_partner, v1::TENANT_KIND_TENANT, "Globex Labs").empty());
  ASSERT_FALSE(
      world_.CreateTenant(world_.main_partner, v1::TENANT_KIND_TENANT, "ACME Corp").empty());
  const std::string admin = world_.Token("PLATFORM_ADMIN", world_.provider);
  EXPECT_THAT(ListTenantNames(admin, "display_name:\"acme\""), ::testing::ElementsAre("ACME Corp"));
  EXPECT_THAT(ListTenantNames(admin, "display_name = \"Globex Labs\""),
              ::testing::ElementsAre("Globex Labs"));
  EXPECT_TRUE(ListTenantNames(admin, "display_name = \"globex labs\"").empty());  // = is exact
  for (const std::string& name : ListTenantNames(admin, "kind = PARTNER")) {
    EXPECT_NE(name.find("artner"), std::string::npos) << name;
  }
  const auto children = ListTenantNames(
      admin,
      absl::StrCat("parent_tenant = \"", world_.main_partner, "\" AND kind = TENANT_KIND_TENANT"));
  EXPECT_THAT(children, ::testing::IsSupersetOf({"ACME Corp", "Globex Labs"}));
  EXPECT_THAT(ListTenantNames(admin, absl::StrCat("parent_tenant = \"", world_.foreign_partner,
                                                  "\" AND display_name:\"acme\"")),
              ::testing::IsEmpty());
  // A partner's filter still sees only what it reaches.
  const std::string foreign = world_.Token("PARTNER_ADMIN", world_.foreign_partner);
  EXPECT_THAT(ListTenantNames(foreign, "display_name:\"acme\""), ::testing::IsEmpty());

  grpc::Status s;
  ListTenantNames(admin, "colour = red", &s);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(GrpcViolationFields(s), ::testing::ElementsAre("filter"));
  ListTenantNames(admin, "kind = PARTNER or kind = TENANT", &s);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("AND, OR and NOT are written in upper case"));
}

TEST_F(TenancySupportTest, CallerIdentityShowsTheRolesItIgnored) {
  ASSERT_TRUE(world_.ok());
  const std::string customer = world_.customer[Licence::kPresent];
  const std::string token = world_.Token("PARTNER_ADMIN", customer);  // not a tenant role
  v1::GetCallerIdentityRequest request;
  v1::CallerIdentity identity;
  ASSERT_TRUE(world_.stubs()
                  .tenancy->GetCallerIdentity(World::Context(token).get(), request, &identity)
                  .ok());
  EXPECT_TRUE(identity.roles().empty());
  EXPECT_THAT(identity.ignored_roles(), ::testing::ElementsAre("PARTNER_ADMIN"));
  // And a refusal says so.
  v1::ListCasesRequest list;
  list.set_parent(customer);
  v1::ListCasesResponse cases;
  grpc::Status s = world_.stubs().cases->ListCases(World::Context(token).get(), list, &cases);
  EXPECT_THAT(s, StatusIs(grpc::StatusCode::PERMISSION_DENIED, "ROLE_REQUIRED"));
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("PARTNER_ADMIN grant nothing here"));
}

TEST_F(TenancySupportTest, RefusedCallsAreLoggedWithPrincipalAndTenant) {
  ASSERT_TRUE(world_.ok());
  const std::string foreign = world_.customer[Licence::kPresent];
  const std::string token =
      world_.Token("TENANT_ADMIN", world_.foreign_customer[Licence::kPresent], "prober-7");
  v1::ListCasesRequest list;
  list.set_parent(foreign);
  v1::ListCasesResponse cases;
  EXPECT_THAT(world_.stubs().cases->ListCases(World::Context(token).get(), list, &cases),
              StatusIs(grpc::StatusCode::PERMISSION_DENIED, "TENANT_NOT_REACHABLE"));
  bool found = false;
  for (int i = 0; i < 50 && !found; ++i) {
    for (absl::string_view line : absl::StrSplit(world_.casesd().Log(), '\n')) {
      if (absl::StrContains(line, "\"principal\":\"prober-7\"") &&
          absl::StrContains(line, absl::StrCat("\"tenant\":\"", foreign, "\"")) &&
          absl::StrContains(line, "PERMISSION_DENIED")) {
        found = true;
      }
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_TRUE(found) << world_.casesd().Log();
}

TEST_F(TenancySupportTest, OversizedTokenIsRefusedWithDetails) {
  ASSERT_TRUE(world_.ok());
  v1::GetCallerIdentityRequest request;
  v1::CallerIdentity identity;
  grpc::Status s = world_.stubs().tenancy->GetCallerIdentity(
      World::Context(std::string(20000, 'x')).get(), request, &identity);
  EXPECT_THAT(s, StatusIs(grpc::StatusCode::UNAUTHENTICATED, "TOKEN_INVALID"));
  EXPECT_EQ(s.error_message(), "token larger than 8192 bytes");
}

}  // namespace
}  // namespace cases::testing

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/impl/codegen/client_unary_call.h>

namespace cases::testing {
namespace {

// Sends `bytes` as the request of `method`, as a client with a bug would.
grpc::Status RawUnary(const std::shared_ptr<grpc::Channel>& channel, const std::string& token,
                      const std::string& method, const std::string& bytes) {
  grpc::Slice slice(bytes);
  grpc::ByteBuffer request(&slice, 1), response;
  auto context = World::Context(token);
  return grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
      channel.get(),
      grpc::internal::RpcMethod(method.c_str(), grpc::internal::RpcMethod::NORMAL_RPC),
      context.get(), request, &response);
}

TEST_F(TenancySupportTest, MalformedRequestsAreInvalidArgumentAndLogged) {
  ASSERT_TRUE(world_.ok());
  const std::string token = world_.Token("TENANT_ADMIN", world_.customer[Licence::kPresent]);
  // CreateCaseRequest.parent (field 1) holding invalid UTF-8, then a truncated one.
  const std::string bad_utf8 = std::string("\x0a\x09tenants/\xff", 11);
  const std::string truncated = std::string("\x0a\x10tenants/", 10);
  for (const std::string& bytes : {bad_utf8, truncated}) {
    grpc::Status s =
        RawUnary(world_.casesd().Channel(), token, "/soc.cases.v1.CaseService/CreateCase", bytes);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
    EXPECT_THAT(GrpcViolationFields(s), ::testing::ElementsAre("request"));
  }
  bool logged = false;
  for (int i = 0; i < 50 && !logged; ++i) {
    int lines = 0;
    for (absl::string_view line : absl::StrSplit(world_.casesd().Log(), '\n')) {
      if (absl::StrContains(line, "\"method\":\"/soc.cases.v1.CaseService/CreateCase\"") &&
          absl::StrContains(line, "INVALID_ARGUMENT")) {
        ++lines;
      }
      // Nothing but JSON reaches the log.
      EXPECT_TRUE(line.empty() || line.front() == '{') << line;
    }
    logged = lines == 2;
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_TRUE(logged) << world_.casesd().Log();
}

}  // namespace
}  // namespace cases::testing
