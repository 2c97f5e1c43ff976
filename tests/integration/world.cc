#include "tests/integration/world.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "client/dev/dev_keys.h"
#include "common/ids.h"

namespace cases::testing {

const char* LicenceName(Licence l) {
  switch (l) {
    case Licence::kPresent:
      return "present";
    case Licence::kAbsent:
      return "absent";
    case Licence::kExpired:
      return "expired";
  }
  return "";
}

Stubs::Stubs(const std::shared_ptr<grpc::Channel>& channel)
    : cases(v1::CaseService::NewStub(channel)),
      detections(v1::DetectionService::NewStub(channel)),
      requests(v1::ServiceRequestService::NewStub(channel)),
      tenancy(v1::TenancyService::NewStub(channel)),
      automation(v1::AutomationService::NewStub(channel)),
      activities(v1::ActivityService::NewStub(channel)) {}

World::World(std::vector<std::string> extra_flags, const sql::DbConfig* server)
    : db_holder_(server != nullptr ? std::make_unique<TestDatabase>(*server)
                                   : std::make_unique<TestDatabase>()),
      db_(*db_holder_) {
  keys_dir_ = absl::StrCat(::testing::TempDir(), "/keys-", NewIdText());
  if (absl::Status s = client::WriteDevKeys(keys_dir_); !s.ok()) {
    ADD_FAILURE() << s;
    return;
  }
  std::string out;
  if (RunCommand({CASESD_PATH, "bootstrap", "--db=" + db_.Dsn(), "--display_name=Provider"},
                 &out) != 0) {
    ADD_FAILURE() << "bootstrap failed";
    return;
  }
  provider = std::string(absl::StripTrailingAsciiWhitespace(out));
  // Expired licences are written behind casesd's back: no tenancy cache, so it sees them.
  std::vector<std::string> flags = {
      "--db=" + db_.Dsn(), "--jwks=" + keys_dir_ + "/jwks.json", "--tenancy_cache_ttl=0s",
      "--license_authority_key=" + keys_dir_ + "/license-authority.pub.pem"};
  flags.insert(flags.end(), extra_flags.begin(), extra_flags.end());
  flags_ = flags;
  casesd_ = std::make_unique<CasesdProcess>(flags);
  if (!casesd_->started()) {
    return;
  }
  stubs_ = std::make_unique<Stubs>(casesd_->Channel());
  admin_token_ = Token("PLATFORM_ADMIN", provider, "platform-admin");

  main_partner = CreateTenant(provider, v1::TENANT_KIND_PARTNER, "Main Partner");
  main_org = CreateTenant(provider, v1::TENANT_KIND_ORGANIZATION, "Main Org");
  foreign_partner = CreateTenant(provider, v1::TENANT_KIND_PARTNER, "Foreign Partner");
  for (Licence l : kAllLicences) {
    const std::string suffix = LicenceName(l);
    partner[l] = CreateTenant(provider, v1::TENANT_KIND_PARTNER, "Partner " + suffix);
    org[l] = CreateTenant(provider, v1::TENANT_KIND_ORGANIZATION, "Org " + suffix);
    customer[l] = CreateTenant(main_partner, v1::TENANT_KIND_TENANT, "Customer " + suffix);
    org_customer[l] = CreateTenant(main_org, v1::TENANT_KIND_TENANT, "Org customer " + suffix);
    foreign_customer[l] =
        CreateTenant(foreign_partner, v1::TENANT_KIND_TENANT, "Foreign " + suffix);
    for (const std::string* t :
         {&partner[l], &org[l], &customer[l], &org_customer[l], &foreign_customer[l]}) {
      License(*t, l);
    }
  }
  ok_ = !::testing::Test::HasFailure();
}

std::string World::Token(const std::string& role, const std::string& home, const std::string& sub) {
  client::TokenRequest request;
  request.keys_dir = keys_dir_;
  request.subject = sub;
  request.tenant = home;
  request.roles = {role};
  auto token = client::MintDevToken(request, absl::Now());
  EXPECT_TRUE(token.ok()) << token.status();
  return token.ok() ? *token : "";
}

std::unique_ptr<grpc::ClientContext> World::Context(const std::string& token) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->AddMetadata("authorization", "Bearer " + token);
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return context;
}

std::unique_ptr<CasesdProcess> World::StartReplica(std::vector<std::string> extra_flags) {
  std::vector<std::string> flags = flags_;
  flags.insert(flags.end(), extra_flags.begin(), extra_flags.end());
  return std::make_unique<CasesdProcess>(flags);
}

std::string World::CreateTenant(const std::string& parent, v1::TenantKind kind,
                                const std::string& display_name) {
  v1::CreateTenantRequest request;
  request.mutable_tenant()->set_parent_tenant(parent);
  request.mutable_tenant()->set_kind(kind);
  request.mutable_tenant()->set_display_name(display_name);
  v1::Tenant tenant;
  grpc::Status status =
      stubs_->tenancy->CreateTenant(Context(admin_token_).get(), request, &tenant);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return tenant.name();
}

void World::License(const std::string& tenant, Licence l) {
  if (l == Licence::kAbsent) {
    return;
  }
  for (const char* product : {"PRODUCT_XDR", "PRODUCT_MDR", "PRODUCT_MANAGED_RISK"}) {
    if (l == Licence::kExpired) {
      db_.Execute(
          absl::StrCat("INSERT INTO licenses (tenant_id, license_id, product, start_time, "
                       "expire_time, install_time) "
                       "VALUES (",
                       SqlIdOf(tenant), ", 'expired-", product, "', ",
                       v1::Product_descriptor()->FindValueByName(product)->number(),
                       ", UTC_TIMESTAMP(6) - INTERVAL 400 DAY, UTC_TIMESTAMP(6) - INTERVAL 35 DAY, "
                       "UTC_TIMESTAMP(6) - INTERVAL 400 DAY)"));
      continue;
    }
    InstallLicense(tenant, product);
  }
}

void World::InstallLicense(const std::string& tenant, const std::string& product) {
  client::LicenseRequest request;
  request.keys_dir = keys_dir_;
  request.tenant = tenant;
  request.product = product;
  request.days = 30;
  auto key = client::MintDevLicense(request, absl::Now());
  ASSERT_TRUE(key.ok()) << key.status();
  v1::InstallLicenseRequest install;
  install.set_parent(tenant);
  install.set_license_key(*key);
  v1::License license;
  grpc::Status status =
      stubs_->tenancy->InstallLicense(Context(admin_token_).get(), install, &license);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

}  // namespace cases::testing
